/* The agent panel and the wallboard: they only listen to what the server pushes over the
 * agent's WebSocket (voip.js re-dispatches each message as a "voip:message" DOM event). */
(function () {
  "use strict";
  if (window.callcentreLoaded) { return; }
  window.callcentreLoaded = true;

  function setText(root, selector, value) {
    var node = root.querySelector(selector);
    if (node) { node.textContent = value === null || value === undefined ? "–" : String(value); }
  }

  function agentState(message) {
    var section = document.querySelector('.agent-queue[data-queue="' + CSS.escape(message.queue) + '"]');
    if (!section) { return; }
    var state = section.querySelector(".agent-state");
    if (state) { state.textContent = message.status_label; state.dataset.state = message.status; }
    setText(section, ".agent-reason", message.reason || "");
    var since = section.querySelector(".agent-since");
    if (since && message.since) { since.setAttribute("datetime", message.since); }
  }

  function waiting(message) {
    Object.keys(message.queues || {}).forEach(function (name) {
      var section = document.querySelector('.agent-queue[data-queue="' + CSS.escape(name) + '"]');
      if (section) { setText(section, ".agent-waiting-count", message.queues[name].length); }
    });
  }

  function wallboard(message) {
    (message.queues || []).forEach(function (q) {
      var row = document.querySelector('#wallboard tr[data-queue="' + CSS.escape(q.name) + '"]');
      if (!row) { return; }
      var values = {
        waiting: q.waiting, longest_wait: q.longest_wait, answered: q.answered, abandoned: q.abandoned,
        service_level: q.service_level, avg_wait: q.avg_wait, avg_talk: q.avg_talk
      };
      Object.keys(q.agents_by_state || {}).forEach(function (k) { values[k] = q.agents_by_state[k]; });
      Object.keys(values).forEach(function (k) { setText(row, '[data-field="' + k + '"]', values[k]); });
      (q.agents || []).forEach(function (a) {
        var agentRow = document.querySelector('#wallboard-agents tr[data-queue="' + CSS.escape(q.name) +
          '"][data-interface="' + CSS.escape(a.interface) + '"]');
        if (!agentRow) { return; }
        setText(agentRow, '[data-field="status"]', a.status_label);
        setText(agentRow, '[data-field="reason"]', a.reason || "");
        setText(agentRow, '[data-field="calls"]', a.calls);
        setText(agentRow, '[data-field="talk_seconds"]', a.talk_seconds);
      });
    });
  }

  // Time in the current state, counted in the page from the pushed "since".
  function tick() {
    document.querySelectorAll(".agent-since").forEach(function (node) {
      var since = Date.parse(node.getAttribute("datetime") || "");
      if (isNaN(since)) { node.textContent = ""; return; }
      var s = Math.max(0, Math.round((Date.now() - since) / 1000));
      node.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    });
  }
  setInterval(tick, 1000);
  tick();

  document.addEventListener("voip:message", function (event) {
    var message = event.detail || {};
    if (message.kind === "queue_agent") { agentState(message); }
    else if (message.kind === "queue_waiting") { waiting(message); }
    else if (message.kind === "wallboard") { wallboard(message); }
  });
})();
