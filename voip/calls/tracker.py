"""Pure call state machine: AMI events in, call snapshots and notifications out.

No database, no I/O, no Django ORM. Everything the tracker needs to know about the CRM is
injected (:class:`Directory`), time comes from the events or from the caller's clock.
Built from the event sequences Asterisk 22.10.1 really sent (the recorded AMI transcripts):

* one call per ``Linkedid``; the first leg is the channel whose ``Uniqueid`` equals it
  (an Originate with ``ChannelId`` makes that id both, transcript
  24-webapp-originate-channelid-wait-hangup-crm-refused.txt);
* a ``DialBegin`` without ``Channel`` (only ``Dest*`` headers) is an Originate ringing the
  agent's own phone (transcripts 13-originate-failures-noanswer-busy-sync.txt,
  14-click-to-call-originate-variables-hangup-action.txt, 24-webapp-originate-channelid-wait-hangup-crm-refused.txt); a
  ``DialBegin`` with ``Channel`` is a dialplan Dial;
* ``DialEnd`` ``DialStatus`` decides answered/busy/no answer; a no-answer Originate has no
  DialEnd, only ``Hangup`` cause 19 and ``OriginateResponse`` ``Reason: 3`` (transcript
  13-originate-failures-noanswer-busy-sync.txt);
* an ``OriginateResponse`` failure to an unreachable endpoint has no channel events and
  ``Uniqueid: <unknown>`` (transcript 13-originate-failures-noanswer-busy-sync.txt);
* the call ends when every channel of it has hung up; a ``Cdr`` event (transcript
  23-cdr-events-answered-and-no-answer.txt) may come
  before or after the last Hangup and only carries the first leg's ``UniqueID``;
* presence (who is registered) is the other, independent state machine: :mod:`voip.calls.presence`.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from voip.ami import codes
from voip.callerid import name_from_ami
from voip.calls.event_fields import as_message, channel_endpoint, clean, event_time, to_int

__all__ = [
    "AgentRef",
    "CallEnded",
    "CallProgress",
    "CallTracker",
    "CallUpdate",
    "Directory",
    "MissedCall",
    "Origination",
    "OriginationFailed",
    "Ringing",
    "disposition_for_cause",
    "disposition_for_dial_status",
]

UTC = dt.UTC

# --- mappings (documented in docs/calls.md) ---------------------------------------------

# DialEnd DialStatus -> disposition (transcripts 05-call-between-two-softphones.txt,
# 13-originate-failures-noanswer-busy-sync.txt, 23-cdr-events-answered-and-no-answer.txt).
DIAL_STATUS_DISPOSITION = {
    "ANSWER": "answered",
    "BUSY": "busy",
    "NOANSWER": "no_answer",
    "CANCEL": "cancelled",
    "CONGESTION": "failed",
    "CHANUNAVAIL": "failed",
    "DONTCALL": "failed",
    "TORTURE": "failed",
    "INVALIDARGS": "failed",
}

# Hangup cause (Q.850) -> disposition of a call nobody answered (transcript
# 13-originate-failures-noanswer-busy-sync.txt: 17, 19; 16 = the
# caller gave up; 0 = a channel cancelled by Dial, never decisive on its own).
CAUSE_DISPOSITION = {
    codes.NORMAL_CLEARING: "cancelled",
    codes.USER_BUSY: "busy",
    codes.NO_USER_RESPONSE: "no_answer",
    codes.NO_ANSWER: "no_answer",
    codes.CALL_REJECTED: "busy",  # SIP 603 Decline: the callee refused it
    codes.NORMAL_UNSPECIFIED: "cancelled",
}

# OriginateResponse Reason (voip.ami.codes.ORIGINATE_REASONS) -> disposition of the call.
ORIGINATE_REASON_DISPOSITION = {0: "failed", 1: "failed", 3: "no_answer", 5: "busy", 8: "failed"}


_FINISHED_KEEP = 20_000  # finished calls remembered for replays and late Cdr events


def disposition_for_dial_status(status: str) -> str | None:
    return DIAL_STATUS_DISPOSITION.get((status or "").upper())


def disposition_for_cause(cause: int | None) -> str:
    if cause is None:
        return "failed"
    return CAUSE_DISPOSITION.get(cause, "failed")


# --- injected lookups ---------------------------------------------------------------------


@dataclass(frozen=True)
class AgentRef:
    user_id: int
    name: str
    extension: str


@dataclass(frozen=True)
class Origination:
    """A click-to-call the web app started (``services.register_origination``)."""

    channel_id: str
    action_id: str
    user_id: int | None
    extension: str
    dialled: str
    agent_name: str = ""


class Directory(Protocol):
    def is_our_extension(self, number: str) -> bool: ...

    def agent_for_extension(self, extension: str) -> AgentRef | None: ...

    def extension_for_endpoint(self, endpoint: str) -> str | None: ...

    def origination(self, *, channel_id: str | None = None, action_id: str | None = None) -> Origination | None: ...


# --- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallUpdate:
    """Full snapshot of one call (CallLog fields); the services upsert it by linkedid."""

    linkedid: str
    session_id: str
    direction: str
    caller_number: str
    caller_name: str
    callee_number: str
    agent_user_id: int | None
    agent_extension: str
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    duration: int
    billsec: int
    disposition: str
    hangup_cause: int | None
    hangup_cause_text: str
    recording_file: str
    origination_id: str
    # The outside party's number (contact matching), "" for internal calls.
    external_number: str = ""
    final: bool = False
    # duration/billsec come from Asterisk's CDR (authoritative, also for an already closed row).
    has_cdr: bool = False
    # Set when the whole record comes from a Cdr event the tracker had no live state for.
    from_cdr: bool = False
    # External calls, from the routing dialplan's channel variables (docs/routes.md, "CallLog").
    trunk: str = ""
    did: str = ""
    dialled_number: str = ""
    sent_number: str = ""


@dataclass(frozen=True)
class Ringing:
    """An agent's extension starts ringing (screen pop)."""

    user_id: int
    linkedid: str
    extension: str
    caller_number: str
    caller_name: str
    internal: bool
    started_at: dt.datetime


@dataclass(frozen=True)
class CallProgress:
    """Click-to-call progress for the originating agent."""

    user_id: int
    linkedid: str
    action_id: str
    state: str  # ringing_agent | dialing | answered | failed | ended
    reason: str = ""


@dataclass(frozen=True)
class CallEnded:
    user_id: int
    linkedid: str
    disposition: str


@dataclass(frozen=True)
class MissedCall:
    user_id: int
    linkedid: str
    caller_number: str


@dataclass(frozen=True)
class OriginationFailed:
    """An OriginateResponse failure for an Originate nobody registered (no channel, no call)."""

    action_id: str
    channel: str
    reason: str


Output = CallUpdate | Ringing | CallProgress | CallEnded | MissedCall | OriginationFailed


# --- state ------------------------------------------------------------------------------------


@dataclass
class _Channel:
    uniqueid: str
    name: str
    endpoint: str | None
    extension: str | None  # ours, else None
    caller_num: str = ""
    caller_name: str = ""
    exten: str = ""
    state: str = ""
    originate_leg: bool = False  # rung by an Originate (DialBegin without Channel)
    answered: bool = False
    hung_up: bool = False
    cause: int | None = None
    cause_text: str = ""
    ring_notified: bool = False


@dataclass
class _Call:
    linkedid: str
    started_at: dt.datetime
    channels: dict[str, _Channel] = field(default_factory=dict)
    first: _Channel | None = None
    origination: Origination | None = None
    action_id: str = ""
    # Originate leg (the agent's phone for click-to-call)
    originate_status: str = ""  # DialEnd status of the originate leg
    originate_reason: int | None = None
    originate_failed: bool = False
    origin_answered_at: dt.datetime | None = None
    # Dialplan dials (the callee side)
    dialled: bool = False
    last_dial_status: str = ""
    answered_at: dt.datetime | None = None
    answered_extension: str = ""
    rung_extensions: list[str] = field(default_factory=list)
    dial_exten: str = ""  # Exten of the dialling channel at its DialBegin
    originate_exten: str = ""  # Exten from OriginateResponse
    ended_at: dt.datetime | None = None
    disposition: str = "in_progress"
    hangup_cause: int | None = None
    hangup_cause_text: str = ""
    recording_file: str = ""
    cdr_duration: int | None = None
    cdr_billsec: int | None = None
    cdr_disposition: str = ""
    progress_sent: set[str] = field(default_factory=set)
    # Set by the routing dialplan (VarSet of CRM_TRUNK, CRM_DID, CRM_DIALLED, CRM_SENT); the last
    # value wins (a failover sets the trunk again, the DID is set raw and then as E.164).
    route_values: dict[str, str] = field(default_factory=dict)
    last_snapshot: CallUpdate | None = None
    ended_notified: bool = False


# Channel variables of the routing dialplan -> CallUpdate fields (docs/routes.md).
ROUTE_VARIABLES: dict[str, str] = {
    "CRM_TRUNK": "trunk",
    "CRM_DID": "did",
    "CRM_DIALLED": "dialled_number",
    "CRM_SENT": "sent_number",
}
_TRACKED_VARIABLES = frozenset({"MIXMONITOR_FILENAME", *ROUTE_VARIABLES})


def _varset_name(message: Any) -> str:
    # Inherited variables are set as __NAME; VarSet names them so (main/pbx_variables.c).
    return str(message.get("Variable") or "").lstrip("_")


def _default_normalise(number: str) -> str | None:
    from crm.phones import to_e164  # pure function of the settings' default region

    return to_e164(number)


class CallTracker:
    """Feed AMI messages (``voip.ami.protocol.Message`` or plain dicts) in wire order.

    ``feed(message, received_at)`` returns the outputs that event caused. The tracker never
    emits the same call snapshot twice in a row, and a finished linkedid stays finished: a
    replay of its events does not reopen it.
    """

    def __init__(
        self,
        directory: Directory,
        *,
        normalise: Callable[[str], str | None] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        pbx_tz: dt.tzinfo | None = None,
    ) -> None:
        self.directory = directory
        self._normalise = normalise or _default_normalise
        self._clock = clock or (lambda: dt.datetime.now(UTC))
        self._pbx_tz = pbx_tz or UTC
        self.calls: dict[str, _Call] = {}
        self.finished: OrderedDict[str, _Call] = OrderedDict()
        self._channel_call: dict[str, str] = {}  # uniqueid -> linkedid (live calls)
        self._finished_channels: OrderedDict[str, str] = OrderedDict()
        self._ext_cache: dict[str, str | None] = {}
        self._handlers: dict[str, Callable[[Any, dt.datetime], list[Output]]] = {
            "Newchannel": self._on_newchannel,
            "NewCallerid": self._on_newcallerid,
            "Newstate": self._on_newstate,
            "DialBegin": self._on_dialbegin,
            "DialEnd": self._on_dialend,
            "BridgeEnter": self._on_bridgeenter,
            "Hangup": self._on_hangup,
            "OriginateResponse": self._on_originate_response,
            "VarSet": self._on_varset,
            "MixMonitorStart": self._on_mixmonitor_start,
            "Cdr": self._on_cdr,
        }

    # -- public API -------------------------------------------------------------------------
    def feed(self, message: Any, received_at: dt.datetime | None = None) -> list[Output]:
        message = as_message(message)
        name = message.get("Event")
        handler = self._handlers.get(name) if name else None
        if handler is None:
            return []
        if name == "VarSet" and _varset_name(message) not in _TRACKED_VARIABLES:
            return []
        when = event_time(message) or received_at or self._clock()
        return handler(message, when)

    def live_linkedids(self) -> set[str]:
        return set(self.calls)

    # -- resync -----------------------------------------------------------------------------
    def resync_channels(self, items: Iterable[Any], now: dt.datetime | None = None) -> list[Output]:
        """Reconcile with a ``CoreShowChannels`` listing taken after a (re)connect.

        Live calls whose channels are all gone ended while we were not listening: they are
        closed at ``now``. Channels of calls we do not know are adopted as live calls.
        """
        now = now or self._clock()
        by_linkedid: dict[str, list[Any]] = {}
        for item in items:
            item = as_message(item)
            linkedid = clean(item.get("Linkedid")) or clean(item.get("Uniqueid"))
            if linkedid:
                by_linkedid.setdefault(linkedid, []).append(item)
        out: list[Output] = []
        call: _Call | None
        channel: _Channel | None
        for linkedid in list(self.calls):
            call = self.calls[linkedid]
            present = {clean(item.get("Uniqueid")) for item in by_linkedid.get(linkedid, ())}
            for channel in call.channels.values():
                if not channel.hung_up and channel.uniqueid not in present:
                    channel.hung_up = True
            if linkedid not in by_linkedid:
                out.extend(self._finish(call, now, resynced=True))
        for linkedid, channel_items in by_linkedid.items():
            if linkedid in self.finished:
                continue
            call = self.calls.get(linkedid)
            if call is None:
                oldest = max((_duration_seconds(item.get("Duration")) for item in channel_items), default=0)
                call = self._new_call(linkedid, now - dt.timedelta(seconds=oldest))
            for item in sorted(channel_items, key=lambda m: clean(m.get("Uniqueid")) != linkedid):
                uniqueid = clean(item.get("Uniqueid"))
                channel = call.channels.get(uniqueid)
                if channel is None:
                    channel = self._add_channel(call, item)
                    channel.exten = clean(item.get("Exten")) or channel.exten
                state = item.get("ChannelStateDesc") or ""
                channel.state = state
                if state == "Up":
                    channel.answered = True
            bridged = {item.get("BridgeId") for item in channel_items if clean(item.get("BridgeId"))}
            ups = [item for item in channel_items if item.get("ChannelStateDesc") == "Up"]
            if call.answered_at is None and bridged and len(ups) >= 2:
                call.answered_at = call.started_at
                for channel in call.channels.values():
                    if channel.extension and channel is not call.first and channel.answered:
                        call.answered_extension = channel.extension
            out.extend(self._snapshot(call))
        return out

    # -- helpers ---------------------------------------------------------------------------------
    def _extension_of(self, endpoint: str | None) -> str | None:
        if not endpoint:
            return None
        if endpoint not in self._ext_cache:
            self._ext_cache[endpoint] = self.directory.extension_for_endpoint(endpoint)
        return self._ext_cache[endpoint]

    def forget_directory_cache(self) -> None:
        self._ext_cache.clear()

    def _number(self, raw: str) -> str:
        raw = clean(raw)
        if not raw:
            return ""
        if self.directory.is_our_extension(raw):
            return raw
        return self._normalise(raw) or raw

    def _new_call(self, linkedid: str, when: dt.datetime) -> _Call:
        call = _Call(linkedid=linkedid, started_at=when)
        call.origination = self.directory.origination(channel_id=linkedid)
        if call.origination is not None:
            call.action_id = call.origination.action_id
        self.calls[linkedid] = call
        return call

    def _call_for(self, linkedid: str, when: dt.datetime) -> _Call | None:
        if not linkedid or linkedid in self.finished:
            return None
        call = self.calls.get(linkedid)
        if call is None:
            call = self._new_call(linkedid, when)
        return call

    def _add_channel(self, call: _Call, message: Any, *, prefix: str = "") -> _Channel:
        uniqueid = clean(message.get(prefix + "Uniqueid"))
        name = message.get(prefix + "Channel") or ""
        endpoint = channel_endpoint(name)
        channel = _Channel(
            uniqueid=uniqueid,
            name=name,
            endpoint=endpoint,
            extension=self._extension_of(endpoint),
            caller_num=clean(message.get(prefix + "CallerIDNum")),
            caller_name=clean(name_from_ami(message.get(prefix + "CallerIDName"))),
            exten=clean(message.get(prefix + "Exten")),
            state=message.get(prefix + "ChannelStateDesc") or "",
        )
        call.channels[uniqueid] = channel
        self._channel_call[uniqueid] = call.linkedid
        if call.first is None or uniqueid == call.linkedid:
            call.first = channel
        return channel

    def _channel(self, call: _Call, message: Any, prefix: str = "") -> _Channel:
        uniqueid = clean(message.get(prefix + "Uniqueid"))
        channel = call.channels.get(uniqueid)
        if channel is None:
            channel = self._add_channel(call, message, prefix=prefix)
        return channel

    # -- classification ----------------------------------------------------------------------------
    def _classify(self, call: _Call) -> dict[str, Any]:
        first = call.first
        origination = call.origination
        agent: AgentRef | None = None
        if origination is not None:
            caller = origination.extension
            caller_name = origination.agent_name or (first.caller_name if first else "")
            callee = self._number(origination.dialled)
            direction = "internal" if callee and self.directory.is_our_extension(callee) else "outbound"
            agent = self.directory.agent_for_extension(origination.extension)
            if agent is None and origination.user_id is not None:
                agent = AgentRef(origination.user_id, origination.agent_name, origination.extension)
            external = "" if direction == "internal" else callee
        elif first is not None and first.extension:
            caller = first.extension
            caller_name = first.caller_name
            if first.originate_leg:
                raw_callee = call.dial_exten or call.originate_exten
            else:
                raw_callee = call.dial_exten or first.exten
            if call.answered_extension:
                raw_callee = call.answered_extension
            elif call.rung_extensions:
                raw_callee = call.rung_extensions[-1]
            callee = self._number(raw_callee if raw_callee != "s" else "")
            if callee and self.directory.is_our_extension(callee):
                direction = "internal"
                agent = self.directory.agent_for_extension(callee)
                external = ""
            else:
                direction = "outbound"
                agent = self.directory.agent_for_extension(first.extension)
                external = callee
        else:
            caller = self._number(first.caller_num) if first else ""
            caller_name = first.caller_name if first else ""
            ext = call.answered_extension or (call.rung_extensions[-1] if call.rung_extensions else "")
            callee = ext or self._number(first.exten if first and first.exten != "s" else "")
            direction = "inbound"
            agent = self.directory.agent_for_extension(ext) if ext else None
            external = caller
        return {
            "caller_number": caller,
            "caller_name": caller_name,
            "callee_number": callee,
            "direction": direction,
            "agent": agent,
            "external_number": external,
        }

    def _snapshot(self, call: _Call, *, final: bool = False, from_cdr: bool = False) -> list[Output]:
        info = self._classify(call)
        agent: AgentRef | None = info["agent"]
        ended = call.ended_at
        duration = billsec = 0
        if ended is not None:
            duration = max(0, round((ended - call.started_at).total_seconds()))
            if call.answered_at is not None:
                billsec = max(0, round((ended - call.answered_at).total_seconds()))
        if call.cdr_duration is not None:
            duration = call.cdr_duration
        if call.cdr_billsec is not None:
            billsec = call.cdr_billsec
        snapshot = CallUpdate(
            linkedid=call.linkedid,
            session_id=call.first.name if call.first else (call.origination.channel_id if call.origination else ""),
            direction=info["direction"],
            caller_number=info["caller_number"][:40],
            caller_name=info["caller_name"][:80],
            callee_number=info["callee_number"][:40],
            agent_user_id=agent.user_id if agent else None,
            agent_extension=agent.extension if agent else "",
            started_at=call.started_at,
            answered_at=call.answered_at,
            ended_at=ended,
            duration=duration,
            billsec=billsec,
            disposition=call.disposition,
            hangup_cause=call.hangup_cause,
            hangup_cause_text=call.hangup_cause_text[:80],
            recording_file=call.recording_file[:255],
            origination_id=call.origination.channel_id if call.origination else "",
            external_number=info["external_number"],
            final=final,
            has_cdr=call.cdr_duration is not None,
            from_cdr=from_cdr,
            trunk=call.route_values.get("trunk", ""),
            did=call.route_values.get("did", ""),
            dialled_number=call.route_values.get("dialled_number", ""),
            sent_number=call.route_values.get("sent_number", ""),
        )
        if snapshot == call.last_snapshot:
            return []
        call.last_snapshot = snapshot
        return [snapshot]

    # -- channel events ------------------------------------------------------------------------
    def _on_newchannel(self, message: Any, when: dt.datetime) -> list[Output]:
        call = self._call_for(clean(message.get("Linkedid")), when)
        if call is None:
            return []
        self._channel(call, message)
        return self._snapshot(call)

    def _on_newcallerid(self, message: Any, when: dt.datetime) -> list[Output]:
        call = self._call_for(clean(message.get("Linkedid")), when)
        if call is None:
            return []
        channel = self._channel(call, message)
        if channel.extension:
            # An Originate's CallerID is what the agent's phone shows, not who calls (transcripts
            # 14-click-to-call-originate-variables-hangup-action.txt,
            # 24-webapp-originate-channelid-wait-hangup-crm-refused.txt).
            return []
        channel.caller_num = clean(message.get("CallerIDNum")) or channel.caller_num
        channel.caller_name = clean(name_from_ami(message.get("CallerIDName"))) or channel.caller_name
        return self._snapshot(call)

    def _on_newstate(self, message: Any, when: dt.datetime) -> list[Output]:
        call = self._call_for(clean(message.get("Linkedid")), when)
        if call is None:
            return []
        channel = self._channel(call, message)
        state = message.get("ChannelStateDesc") or ""
        channel.state = state
        out: list[Output] = []
        if state == "Ringing" and channel is not call.first and not channel.originate_leg:
            out.extend(self._ring(call, channel, when))
        elif state == "Up":
            channel.answered = True
            if channel.originate_leg and call.origin_answered_at is None:
                call.origin_answered_at = when
        out.extend(self._snapshot(call))
        return out

    def _on_dialbegin(self, message: Any, when: dt.datetime) -> list[Output]:
        source = message.get("Channel")
        linkedid = clean(message.get("Linkedid")) or clean(message.get("DestLinkedid"))
        call = self._call_for(linkedid, when)
        if call is None:
            return []
        dest = self._channel(call, message, prefix="Dest")
        out: list[Output] = []
        if not source:
            # An Originate ringing the first leg (the agent's phone for click-to-call).
            dest.originate_leg = True
            out.extend(self._progress(call, "ringing_agent"))
        else:
            call.dialled = True
            src = self._channel(call, message)
            exten = clean(message.get("Exten"))
            if src is call.first and exten and exten != "s":
                call.dial_exten = exten
            if dest.extension:
                if dest.extension not in call.rung_extensions:
                    call.rung_extensions.append(dest.extension)
                out.extend(self._ring(call, dest, when))
            if call.origination is not None or (call.first and call.first.originate_leg):
                out.extend(self._progress(call, "dialing"))
        out.extend(self._snapshot(call))
        return out

    def _on_dialend(self, message: Any, when: dt.datetime) -> list[Output]:
        source = message.get("Channel")
        linkedid = clean(message.get("Linkedid")) or clean(message.get("DestLinkedid"))
        call = self._call_for(linkedid, when)
        if call is None:
            return []
        dest = self._channel(call, message, prefix="Dest")
        status = (message.get("DialStatus") or "").upper()
        out: list[Output] = []
        if not source:
            call.originate_status = status
            if status == "ANSWER":
                dest.answered = True
                if call.origin_answered_at is None:
                    call.origin_answered_at = when
                out.extend(self._progress(call, "dialing"))
        else:
            if status == "ANSWER":
                dest.answered = True
                if call.answered_at is None:
                    call.answered_at = when
                if dest.extension:
                    call.answered_extension = dest.extension
                out.extend(self._progress(call, "answered"))
            elif status:
                call.last_dial_status = status
                disposition = disposition_for_dial_status(status)
                if disposition and disposition != "cancelled" and call.answered_at is None:
                    out.extend(self._progress(call, "failed", disposition))
        out.extend(self._snapshot(call))
        return out

    def _on_bridgeenter(self, message: Any, when: dt.datetime) -> list[Output]:
        call = self._call_for(clean(message.get("Linkedid")), when)
        if call is None:
            return []
        channel = self._channel(call, message)
        channel.answered = True
        if call.answered_at is None and (to_int(message.get("BridgeNumChannels")) or 0) >= 2:
            call.answered_at = when
            if channel.extension and channel is not call.first:
                call.answered_extension = channel.extension
        return self._snapshot(call)

    def _on_hangup(self, message: Any, when: dt.datetime) -> list[Output]:
        call = self._call_for(clean(message.get("Linkedid")), when)
        if call is None:
            return []
        channel = self._channel(call, message)
        channel.hung_up = True
        channel.cause = to_int(message.get("Cause"))
        channel.cause_text = clean(message.get("Cause-txt"))
        if channel.cause and call.hangup_cause is None:
            call.hangup_cause, call.hangup_cause_text = channel.cause, channel.cause_text
        if all(ch.hung_up for ch in call.channels.values()):
            return self._finish(call, when)
        return self._snapshot(call)

    def _on_originate_response(self, message: Any, when: dt.datetime) -> list[Output]:
        action_id = message.get("ActionID") or ""
        uniqueid = clean(message.get("Uniqueid"))
        reason = to_int(message.get("Reason"))
        success = (message.get("Response") or "").lower() == "success"
        origination = self.directory.origination(channel_id=uniqueid or None, action_id=action_id or None)
        linkedid = self._channel_call.get(uniqueid, uniqueid) if uniqueid else ""
        if not linkedid and origination is not None:
            linkedid = origination.channel_id
        if not linkedid:
            return [
                OriginationFailed(
                    action_id, message.get("Channel") or "", codes.ORIGINATE_REASONS.get(reason or 0, "failed")
                )
            ]
        if linkedid in self.finished:
            return []
        call = self.calls.get(linkedid)
        if call is None:
            call = self._new_call(linkedid, when)
        if origination is not None and call.origination is None:
            call.origination = origination
        call.action_id = action_id or call.action_id
        call.originate_reason = reason
        exten = clean(message.get("Exten"))
        if exten and exten != "s":
            call.originate_exten = exten
        out: list[Output] = []
        if success:
            out.extend(self._progress(call, "dialing"))
            out.extend(self._snapshot(call))
            return out
        call.originate_failed = True
        out.extend(self._progress(call, "failed", codes.ORIGINATE_REASONS.get(reason or 0, "failed")))
        if not call.channels:
            # No channel was ever created (unregistered/unknown endpoint, transcript
            # 13-originate-failures-noanswer-busy-sync.txt).
            call.hangup_cause_text = codes.ORIGINATE_REASONS.get(reason or 0, "failed")
            out.extend(self._finish(call, when))
        else:
            out.extend(self._snapshot(call))
        return out

    def _on_varset(self, message: Any, when: dt.datetime) -> list[Output]:
        call = self._call_for(clean(message.get("Linkedid")), when)
        variable = _varset_name(message)
        if call is not None and variable in ROUTE_VARIABLES:
            value = clean(message.get("Value"))[:40]
            if not value or call.route_values.get(ROUTE_VARIABLES[variable]) == value:
                return []
            call.route_values[ROUTE_VARIABLES[variable]] = value
            return self._snapshot(call)
        if call is None or call.recording_file:
            return []
        call.recording_file = message.get("Value") or ""
        return self._snapshot(call)

    def _on_mixmonitor_start(self, message: Any, when: dt.datetime) -> list[Output]:
        # MixMonitorStart carries no file name; the VarSet MIXMONITOR_FILENAME before it does (07, 15).
        return []

    def _on_cdr(self, message: Any, when: dt.datetime) -> list[Output]:
        uniqueid = clean(message.get("UniqueID"))
        linkedid = (
            self._channel_call.get(uniqueid)
            or self._finished_channels.get(uniqueid)
            or clean(message.get("Linkedid"))
            or uniqueid
        )
        if not linkedid:
            return []
        call = self.calls.get(linkedid) or self.finished.get(linkedid)
        duration = to_int(message.get("Duration"))
        billsec = to_int(message.get("BillableSeconds"))
        disposition = CDR_DISPOSITION.get((message.get("Disposition") or "").upper(), "")
        if call is None:
            return self._call_from_cdr(linkedid, message, duration, billsec, disposition)
        call.cdr_duration, call.cdr_billsec, call.cdr_disposition = duration, billsec, disposition
        return self._snapshot(call, final=call.ended_at is not None)

    def _call_from_cdr(
        self, linkedid: str, message: Any, duration: int | None, billsec: int | None, disposition: str
    ) -> list[Output]:
        start = self._pbx_time(message.get("StartTime"))
        if start is None:
            return []
        call = _Call(linkedid=linkedid, started_at=start)
        call.answered_at = self._pbx_time(message.get("AnswerTime"))
        call.ended_at = self._pbx_time(message.get("EndTime"))
        call.cdr_duration, call.cdr_billsec, call.cdr_disposition = duration, billsec, disposition
        call.disposition = disposition or "failed"
        channel_name = message.get("Channel") or ""
        first = _Channel(
            uniqueid=clean(message.get("UniqueID")),
            name=channel_name,
            endpoint=channel_endpoint(channel_name),
            extension=self._extension_of(channel_endpoint(channel_name)),
            caller_num=clean(message.get("Source")),
            caller_name=_caller_name_from_clid(message.get("CallerID") or ""),
            exten=clean(message.get("Destination")),
            hung_up=True,
        )
        call.first = first
        call.channels[first.uniqueid] = first
        dest_name = message.get("DestinationChannel") or ""
        dest_ext = self._extension_of(channel_endpoint(dest_name))
        if dest_ext:
            call.rung_extensions.append(dest_ext)
            if call.answered_at is not None:
                call.answered_extension = dest_ext
        self.finished[linkedid] = call
        self._trim_finished()
        return self._snapshot(call, final=True, from_cdr=True)

    def _pbx_time(self, value: str | None) -> dt.datetime | None:
        value = clean(value)
        if not value:
            return None
        try:
            naive = dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
        return naive.replace(tzinfo=self._pbx_tz).astimezone(UTC)

    # -- outcome ------------------------------------------------------------------------------------
    def _decide_disposition(self, call: _Call) -> str:
        if call.answered_at is not None:
            return "answered"
        if call.dialled and call.last_dial_status:
            return disposition_for_dial_status(call.last_dial_status) or "failed"
        if call.originate_status and call.originate_status != "ANSWER":
            return disposition_for_dial_status(call.originate_status) or "failed"
        if call.origination is not None or (call.first is not None and call.first.originate_leg):
            if call.originate_failed or call.originate_reason not in (None, 4):
                return ORIGINATE_REASON_DISPOSITION.get(call.originate_reason or 0, "failed")
            if call.origin_answered_at is not None and not call.dialled:
                # An Originate into an application (transcripts 04-originate-to-softphone-playback.txt,
                # 07-originate-into-realtime-dialplan-mixmonitor.txt): the agent's answer is the call.
                call.answered_at = call.origin_answered_at
                return "answered"
        if call.cdr_disposition:
            return call.cdr_disposition
        causes = [ch.cause for ch in call.channels.values() if ch.cause]
        if any(cause in (17, 18, 19, 21) for cause in causes):
            cause = next(cause for cause in causes if cause in (17, 18, 19, 21))
            return disposition_for_cause(cause)
        first = call.first
        if first is not None and not first.extension and first.answered and not call.dialled:
            return "answered"  # answered by the PBX itself (IVR, voicemail) and never dialled on
        if call.hangup_cause is None and not causes:
            return "failed" if call.originate_failed else "cancelled"
        return disposition_for_cause(call.hangup_cause if call.hangup_cause is not None else causes[0])

    def _finish(self, call: _Call, when: dt.datetime, *, resynced: bool = False) -> list[Output]:
        call.ended_at = when
        call.disposition = self._decide_disposition(call)
        if resynced and call.hangup_cause is None:
            call.hangup_cause_text = call.hangup_cause_text or "ended while the listener was disconnected"
        out: list[Output] = list(self._snapshot(call, final=True))
        out.extend(self._end_notices(call))
        self.calls.pop(call.linkedid, None)
        for uniqueid in call.channels:
            self._channel_call.pop(uniqueid, None)
            self._finished_channels[uniqueid] = call.linkedid
        self.finished[call.linkedid] = call
        self._trim_finished()
        return out

    def _trim_finished(self) -> None:
        while len(self.finished) > _FINISHED_KEEP:
            self.finished.popitem(last=False)
        while len(self._finished_channels) > _FINISHED_KEEP * 3:
            self._finished_channels.popitem(last=False)

    # -- notifications ---------------------------------------------------------------------------
    def _originator(self, call: _Call) -> int | None:
        if call.origination is not None and call.origination.user_id is not None:
            return call.origination.user_id
        return None

    def _progress(self, call: _Call, state: str, reason: str = "") -> list[Output]:
        user_id = self._originator(call)
        if user_id is None or state in call.progress_sent:
            return []
        if state in ("failed", "ended") and ({"failed", "ended"} & call.progress_sent):
            return []
        call.progress_sent.add(state)
        return [CallProgress(user_id, call.linkedid, call.action_id, state, reason)]

    def _ring(self, call: _Call, channel: _Channel, when: dt.datetime) -> list[Output]:
        if channel.ring_notified or not channel.extension:
            return []
        channel.ring_notified = True
        if channel.extension not in call.rung_extensions:
            call.rung_extensions.append(channel.extension)
        agent = self.directory.agent_for_extension(channel.extension)
        if agent is None or agent.user_id == self._originator(call):
            return []
        first = call.first
        internal = bool(first is not None and first.extension) or call.origination is not None
        if call.origination is not None:
            caller_number, caller_name = call.origination.extension, call.origination.agent_name
        elif first is not None and first.extension:
            caller_number = first.extension
            colleague = self.directory.agent_for_extension(first.extension)
            caller_name = colleague.name if colleague else first.caller_name
        else:
            caller_number = self._number(first.caller_num) if first else ""
            caller_name = first.caller_name if first else ""
        return [Ringing(agent.user_id, call.linkedid, channel.extension, caller_number, caller_name, internal, when)]

    def _end_notices(self, call: _Call) -> list[Output]:
        if call.ended_notified:
            return []
        call.ended_notified = True
        out: list[Output] = []
        out.extend(self._progress(call, "ended", call.disposition))
        notified: set[int] = set()
        originator = self._originator(call)
        if originator is not None:
            notified.add(originator)
            out.append(CallEnded(originator, call.linkedid, call.disposition))
        for channel in call.channels.values():
            if not channel.extension or not channel.answered:
                continue
            agent = self.directory.agent_for_extension(channel.extension)
            if agent is not None and agent.user_id not in notified:
                notified.add(agent.user_id)
                out.append(CallEnded(agent.user_id, call.linkedid, call.disposition))
        if call.disposition != "answered":
            info = self._classify(call)
            for channel in call.channels.values():
                if not channel.ring_notified or not channel.extension:
                    continue
                agent = self.directory.agent_for_extension(channel.extension)
                if agent is not None and agent.user_id != originator:
                    out.append(MissedCall(agent.user_id, call.linkedid, info["caller_number"]))
        return out


CDR_DISPOSITION = {
    "ANSWERED": "answered",
    "NO ANSWER": "no_answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "failed",
}


def _duration_seconds(value: str | None) -> int:
    """``00:00:05`` (CoreShowChannel ``Duration``) -> 5."""
    if not value:
        return 0
    total = 0
    for part in value.split(":"):
        if not part.isdigit():
            return 0
        total = total * 60 + int(part)
    return total


def _caller_name_from_clid(clid: str) -> str:
    """``"Carol" <1003>`` -> ``Carol``."""
    if clid.startswith('"') and '"' in clid[1:]:
        return clid[1 : clid.index('"', 1)]
    return ""
