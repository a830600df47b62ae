"""The queue tracker: app_queue's events in, state changes out. Pure: no database, no sockets.

It keeps, per queue, the members (interface -> state) and the callers waiting, from the events
``QueueMemberAdded/Removed/Status/Pause``, ``AgentCalled/Connect/Complete/RingNoAnswer`` and
``QueueCallerJoin/Leave/Abandon`` (transcripts 08-realtime-queue-call.txt and
16-queue-add-pause-penalty-status-remove-errors.txt), and the items of a filtered
``QueueStatus Queue: X`` (``QueueMember``, ``QueueEntry``) after a reconnect. Each change comes out
as one of the dataclasses below, which :mod:`voip.callcentre.services` writes and pushes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from voip.callcentre.models import AgentStatus

# Device states as app_queue reports them in Status (AST_DEVICE_* in include/asterisk/devicestate.h).
_RINGING = {"6", "7"}
_IN_USE = {"2", "3", "8"}
_UNAVAILABLE = {"4", "5"}

QUEUE_EVENTS = frozenset(
    {
        "QueueMemberAdded",
        "QueueMemberRemoved",
        "QueueMemberStatus",
        "QueueMemberPause",
        "QueueMemberPenalty",
        "AgentCalled",
        "AgentConnect",
        "AgentComplete",
        "AgentRingNoAnswer",
        "QueueCallerJoin",
        "QueueCallerLeave",
        "QueueCallerAbandon",
    }
)


@dataclass(frozen=True)
class MemberChanged:
    queue: str
    interface: str
    name: str
    status: str
    paused: bool
    reason: str
    calls_taken: int
    at: dt.datetime
    state_changed: bool  # the shown state (or pause) changed, so "time in state" restarts


@dataclass(frozen=True)
class MemberRemoved:
    queue: str
    interface: str
    at: dt.datetime


@dataclass(frozen=True)
class CallerJoined:
    queue: str
    uniqueid: str
    linkedid: str
    number: str
    name: str
    at: dt.datetime


@dataclass(frozen=True)
class CallerLeft:
    queue: str
    uniqueid: str
    at: dt.datetime


@dataclass(frozen=True)
class AgentRung:
    queue: str
    uniqueid: str
    interface: str


@dataclass(frozen=True)
class CallAnswered:
    queue: str
    uniqueid: str
    linkedid: str
    interface: str
    wait_seconds: int
    at: dt.datetime


@dataclass(frozen=True)
class CallCompleted:
    queue: str
    uniqueid: str
    interface: str
    talk_seconds: int
    at: dt.datetime


@dataclass(frozen=True)
class CallAbandoned:
    queue: str
    uniqueid: str
    linkedid: str
    wait_seconds: int
    at: dt.datetime


@dataclass(frozen=True)
class QueueResynced:
    """After a filtered QueueStatus: members and callers not in the listing are gone."""

    queue: str
    interfaces: tuple[str, ...]
    uniqueids: tuple[str, ...]
    at: dt.datetime


QueueOutput = (
    MemberChanged | MemberRemoved | CallerJoined | CallerLeft | AgentRung | CallAnswered | CallCompleted | CallAbandoned
)


@dataclass
class Member:
    name: str = ""
    device: str = "0"
    in_call: bool = False
    paused: bool = False
    reason: str = ""
    calls_taken: int = 0
    ringing: bool = False
    wrapup_until: dt.datetime | None = None

    def status(self, now: dt.datetime) -> str:
        if self.paused:
            return AgentStatus.PAUSED
        if self.ringing or self.device in _RINGING:
            return AgentStatus.RINGING
        if self.in_call or self.device in _IN_USE:
            return AgentStatus.ON_CALL
        if self.device in _UNAVAILABLE:
            return AgentStatus.UNAVAILABLE
        if self.wrapup_until is not None and now < self.wrapup_until:
            return AgentStatus.WRAPUP
        return AgentStatus.AVAILABLE


@dataclass
class Caller:
    queue: str
    uniqueid: str
    linkedid: str
    number: str
    name: str
    joined_at: dt.datetime
    answered: bool = False


@dataclass
class QueueState:
    members: dict[str, Member] = field(default_factory=dict)
    callers: dict[str, Caller] = field(default_factory=dict)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


class QueueTracker:
    """Feed it events in wire order; read :attr:`queues` for the state it believes."""

    def __init__(self, *, wrapup_for: Callable[[str], int] | None = None) -> None:
        self.queues: dict[str, QueueState] = {}
        self._wrapup_for = wrapup_for or (lambda _queue: 0)

    def queue(self, name: str) -> QueueState:
        return self.queues.setdefault(name, QueueState())

    def feed(self, message: Any, when: dt.datetime) -> list[QueueOutput]:
        event = message.get("Event")
        if event not in QUEUE_EVENTS:
            return []
        queue = message.get("Queue") or ""
        if not queue:
            return []
        handler = getattr(self, f"_on_{event}")
        return handler(queue, message, when)

    # -- members ---------------------------------------------------------------------------
    def _member_from(
        self, queue: str, message: Any, when: dt.datetime, *, interface_key: str = "Interface"
    ) -> list[QueueOutput]:
        interface = message.get(interface_key) or ""
        if not interface:
            return []
        state = self.queue(queue)
        member = state.members.get(interface)
        before = (member.status(when), member.paused) if member else None
        if member is None:
            member = state.members[interface] = Member()
        member.name = message.get("MemberName") or message.get("Name") or member.name
        if message.get("Status") is not None:
            member.device = message.get("Status") or "0"
            if member.device not in _RINGING:
                member.ringing = False
        if message.get("InCall") is not None:
            member.in_call = message.get("InCall") == "1"
        if message.get("Paused") is not None:
            member.paused = message.get("Paused") == "1"
            member.reason = (message.get("PausedReason") or "") if member.paused else ""
        member.calls_taken = _int(message.get("CallsTaken"), member.calls_taken)
        return [self._changed(queue, interface, member, when, before)]

    def _changed(
        self, queue: str, interface: str, member: Member, when: dt.datetime, before: tuple[str, bool] | None
    ) -> MemberChanged:
        status = member.status(when)
        return MemberChanged(
            queue=queue,
            interface=interface,
            name=member.name,
            status=status,
            paused=member.paused,
            reason=member.reason,
            calls_taken=member.calls_taken,
            at=when,
            state_changed=before != (status, member.paused),
        )

    def _on_QueueMemberAdded(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        return self._member_from(queue, message, when)

    _on_QueueMemberStatus = _on_QueueMemberAdded
    _on_QueueMemberPause = _on_QueueMemberAdded
    _on_QueueMemberPenalty = _on_QueueMemberAdded

    def _on_QueueMemberRemoved(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        interface = message.get("Interface") or ""
        if self.queue(queue).members.pop(interface, None) is None:
            return []
        return [MemberRemoved(queue, interface, when)]

    def _touch(
        self, queue: str, interface: str, when: dt.datetime, change: Callable[[Member], None]
    ) -> list[QueueOutput]:
        member = self.queue(queue).members.get(interface)
        if member is None:
            return []
        before = (member.status(when), member.paused)
        change(member)
        return [self._changed(queue, interface, member, when, before)]

    # -- calls -----------------------------------------------------------------------------
    def _on_QueueCallerJoin(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        uniqueid = message.get("Uniqueid") or ""
        caller = Caller(
            queue=queue,
            uniqueid=uniqueid,
            linkedid=message.get("Linkedid") or uniqueid,
            number=message.get("CallerIDNum") or "",
            name=message.get("CallerIDName") or "",
            joined_at=when,
        )
        self.queue(queue).callers[uniqueid] = caller
        return [CallerJoined(queue, uniqueid, caller.linkedid, caller.number, caller.name, when)]

    def _on_QueueCallerLeave(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        uniqueid = message.get("Uniqueid") or ""
        if self.queue(queue).callers.pop(uniqueid, None) is None:
            return []
        return [CallerLeft(queue, uniqueid, when)]

    def _on_QueueCallerAbandon(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        uniqueid = message.get("Uniqueid") or ""
        caller = self.queue(queue).callers.pop(uniqueid, None)
        # HoldTime is what app_queue measured; our own clock is the fallback.
        wait = _int(message.get("HoldTime"), -1)
        if wait < 0:
            wait = int((when - caller.joined_at).total_seconds()) if caller else 0
        linkedid = message.get("Linkedid") or (caller.linkedid if caller else uniqueid)
        out: list[QueueOutput] = [CallAbandoned(queue, uniqueid, linkedid, wait, when)]
        if caller is not None:
            out.insert(0, CallerLeft(queue, uniqueid, when))
        return out

    def _on_AgentCalled(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        interface = message.get("Interface") or ""
        out: list[QueueOutput] = [AgentRung(queue, message.get("Uniqueid") or "", interface)]

        def ring(member: Member) -> None:
            member.ringing = True

        return out + self._touch(queue, interface, when, ring)

    def _on_AgentRingNoAnswer(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        def stop(member: Member) -> None:
            member.ringing = False

        return self._touch(queue, message.get("Interface") or "", when, stop)

    def _on_AgentConnect(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        interface = message.get("Interface") or ""
        uniqueid = message.get("Uniqueid") or ""
        caller = self.queue(queue).callers.get(uniqueid)
        if caller is not None:
            caller.answered = True

        def connect(member: Member) -> None:
            member.ringing = False
            member.in_call = True

        return [
            CallAnswered(
                queue,
                uniqueid,
                message.get("Linkedid") or uniqueid,
                interface,
                _int(message.get("HoldTime")),
                when,
            ),
            *self._touch(queue, interface, when, connect),
        ]

    def _on_AgentComplete(self, queue: str, message: Any, when: dt.datetime) -> list[QueueOutput]:
        interface = message.get("Interface") or ""
        wrapup = self._wrapup_for(queue)

        def complete(member: Member) -> None:
            member.in_call = False
            member.wrapup_until = when + dt.timedelta(seconds=wrapup) if wrapup else None

        return [
            CallCompleted(queue, message.get("Uniqueid") or "", interface, _int(message.get("TalkTime")), when),
            *self._touch(queue, interface, when, complete),
        ]

    # -- resynchronisation -------------------------------------------------------------------
    def resync_queue(self, queue: str, items: Iterable[Any], when: dt.datetime) -> list[Any]:
        """The listing of ``QueueStatus Queue: <queue>``: members and callers as Asterisk has them."""
        state = self.queue(queue)
        out: list[Any] = []
        interfaces: list[str] = []
        uniqueids: list[str] = []
        for item in items:
            if item.get("Queue") != queue:
                continue
            if item.get("Event") == "QueueMember":
                interfaces.append(item.get("Location") or "")
                out.extend(self._member_from(queue, item, when, interface_key="Location"))
            elif item.get("Event") == "QueueEntry":
                uniqueid = item.get("Uniqueid") or ""
                uniqueids.append(uniqueid)
                if uniqueid not in state.callers:
                    joined = when - dt.timedelta(seconds=_int(item.get("Wait")))
                    caller = Caller(
                        queue,
                        uniqueid,
                        item.get("Linkedid") or uniqueid,
                        item.get("CallerIDNum") or "",
                        item.get("CallerIDName") or "",
                        joined,
                    )
                    state.callers[uniqueid] = caller
                    out.append(CallerJoined(queue, uniqueid, caller.linkedid, caller.number, caller.name, joined))
        for interface in [i for i in state.members if i not in interfaces]:
            del state.members[interface]
            out.append(MemberRemoved(queue, interface, when))
        for uniqueid in [u for u in state.callers if u not in uniqueids]:
            del state.callers[uniqueid]
            out.append(CallerLeft(queue, uniqueid, when))
        out.append(QueueResynced(queue, tuple(interfaces), tuple(uniqueids), when))
        return out
