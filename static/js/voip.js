/* Telephony in the CRM's pages: click-to-call buttons and the agent's WebSocket (screen pop,
 * call progress, missed calls). Plain JavaScript, no framework; configured by the
 * <script id="voip-config"> JSON that {% voip_client %} renders for logged-in users. */
(function () {
  "use strict";

  var configNode = document.getElementById("voip-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var S = config.strings;

  // ---- helpers ------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The server sends each language's date format (the one the pages and the admin use).
  function formatWhen(iso, shown) {
    var lang = document.documentElement.lang || "en";
    if (shown && shown[lang]) { return shown[lang]; }
    var date = new Date(iso);
    return isNaN(date.getTime()) ? iso : date.toLocaleString();
  }

  // ---- click-to-call ------------------------------------------------------------------------
  // Calls this page started: matched with pushes by ChannelId (= linkedid) or ActionID.
  var pending = [];
  var early = {};  // progress that arrived before the POST answered, by linkedid / action_id

  function statusNodeFor(button) {
    var box = button.closest(".voip-call");
    return box ? box.querySelector(".voip-call-status") : null;
  }

  function showStatus(node, state, text) {
    if (!node) { return; }
    node.textContent = text;
    node.setAttribute("data-state", state);
    node.className = "voip-call-status state-" + state;
  }

  function progressText(message) {
    var text = S[message.state] || message.state;
    if (message.state === "failed" && message.reason) { text += ": " + message.reason; }
    return text;
  }

  function applyProgress(message) {
    var entry = null;
    for (var i = 0; i < pending.length; i++) {
      if ((message.linkedid && pending[i].channelId === message.linkedid) ||
          (message.action_id && pending[i].actionId === message.action_id)) { entry = pending[i]; break; }
    }
    if (!entry) {
      if (message.linkedid) { early[message.linkedid] = message; }
      if (message.action_id) { early[message.action_id] = message; }
      return;
    }
    showStatus(entry.status, message.state, progressText(message));
    if (message.state === "failed" || message.state === "ended") {
      entry.button.disabled = false;
      pending.splice(pending.indexOf(entry), 1);
    }
  }

  function placeCall(button) {
    var status = statusNodeFor(button);
    var number = button.getAttribute("data-call-number");
    button.disabled = true;
    showStatus(status, "starting", S.starting);
    var body = new URLSearchParams();
    body.set("number", number);
    fetch(config.callUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest", "Accept": "application/json"},
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {ok: false, error: S.unknown_error}; });
    }).then(function (data) {
      if (!data.ok) {
        button.disabled = false;
        showStatus(status, "failed", data.error || S.unknown_error);
        return;
      }
      var entry = {channelId: data.channel_id, actionId: data.action_id, button: button, status: status};
      pending.push(entry);
      showStatus(status, "requested", S.ringing_agent);
      // Re-enable after a while even if no push arrives (listener down): never a stuck button.
      setTimeout(function () { button.disabled = false; }, 15000);
      var seen = early[data.channel_id] || early[data.action_id];
      if (seen) { applyProgress(seen); }
    }).catch(function () {
      button.disabled = false;
      showStatus(status, "failed", S.network_error);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-call-number]");
    if (!button || button.disabled) { return; }
    event.preventDefault();
    placeCall(button);
  });

  // ---- screen pop ---------------------------------------------------------------------------
  var popups = document.getElementById("voip-popups");
  var panels = {};

  function recentCallsNode(calls) {
    if (!calls || !calls.length) { return el("p", {className: "muted", text: S.no_recent_calls}); }
    var list = el("ul", {className: "voip-recent"});
    calls.forEach(function (call) {
      var parts = [formatWhen(call.started_at, call.started_at_display), S.directions[call.direction] || call.direction,
                   S.dispositions[call.disposition] || call.disposition];
      if (call.duration) { parts.push(call.duration + " s"); }
      if (call.agent) { parts.push(call.agent); }
      list.appendChild(el("li", {text: parts.join(" · ")}));
    });
    return list;
  }

  function showRinging(message) {
    if (!popups) { return; }
    var old = panels[message.linkedid];
    if (old) { old.remove(); }
    var close = el("button", {type: "button", className: "voip-close", "aria-label": S.close, text: "×"});
    var links = el("p", {className: "voip-links"});
    if (message.contact) {
      links.appendChild(el("a", {href: message.contact.url, className: "voip-contact-link", text: S.open_contact}));
    } else if (message.create_contact_url) {
      links.appendChild(el("a", {href: message.create_contact_url, className: "voip-create-link", text: S.create_contact}));
    }
    var who = message.contact ? message.contact.name : (message.caller_name || "");
    var panel = el("section", {className: "voip-pop", role: "dialog", "data-linkedid": message.linkedid}, [
      close,
      el("h2", {text: S.incoming}),
      el("p", {className: "voip-caller", text: message.caller_display || message.caller_number}),
      who ? el("p", {className: "voip-who", text: who}) : null,
      message.contact && message.contact.company ? el("p", {className: "muted voip-company", text: message.contact.company}) : null,
      links,
      el("h3", {text: S.recent_calls}),
      recentCallsNode(message.recent_calls),
      el("p", {className: "voip-pop-state muted"})
    ]);
    close.addEventListener("click", function () { panel.remove(); delete panels[message.linkedid]; });
    panels[message.linkedid] = panel;
    popups.appendChild(panel);
  }

  function callEnded(message) {
    var panel = panels[message.linkedid];
    if (panel) {
      panel.classList.add("ended");
      var state = panel.querySelector(".voip-pop-state");
      if (state) { state.textContent = S.call_over + " (" + (S.dispositions[message.disposition] || message.disposition) + ")"; }
    }
    applyProgress({linkedid: message.linkedid, state: "ended", reason: ""});
  }

  function missedCall(message) {
    var badge = document.getElementById("voip-missed-count");
    if (badge) {
      badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
      badge.classList.remove("empty");
    }
    var panel = panels[message.linkedid];
    if (panel) {
      panel.classList.add("missed");
      var state = panel.querySelector(".voip-pop-state");
      if (state) { state.textContent = S.missed; }
    }
  }

  function onMessage(message) {
    if (!message || typeof message !== "object") { return; }
    if (message.kind === "ringing") { showRinging(message); }
    else if (message.kind === "call_progress") { applyProgress(message); }
    else if (message.kind === "call_ended") { callEnded(message); }
    else if (message.kind === "missed_call") { missedCall(message); }
    // The call centre's panel and wallboard (static/js/callcentre.js) listen on the same socket.
    document.dispatchEvent(new CustomEvent("voip:message", { detail: message }));
  }

  // ---- the WebSocket, reconnecting with exponential backoff ---------------------------------
  var attempt = 0;
  var socket = null;

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + config.wsPath);
    socket.addEventListener("open", function () {
      attempt = 0;
      document.documentElement.setAttribute("data-voip-socket", "open");
    });
    socket.addEventListener("message", function (event) {
      try { onMessage(JSON.parse(event.data)); } catch (err) { /* not ours */ }
    });
    socket.addEventListener("close", function (event) {
      document.documentElement.setAttribute("data-voip-socket", "closed");
      if (event.code === 4401) { return; }  // logged out: reconnecting will not help
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, delay);
    });
  }

  window.voip = {onMessage: onMessage};
  connect();
})();
