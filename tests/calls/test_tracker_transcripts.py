"""The pure tracker fed with real Asterisk 22 bytes (../shared/asterisk/ami) through the AMI parser.

Helpers here are reused by the other ``test_*`` modules of the call listener.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest

from tests.ami.transcripts import load, transcripts_available
from tests.calls.directory import StaticDirectory
from voip.ami.protocol import AMIParser, Message
from voip.calls.presence import PresenceTracker, PresenceUpdate
from voip.calls.tracker import (
    AgentRef,
    CallEnded,
    CallProgress,
    CallTracker,
    CallUpdate,
    MissedCall,
    Origination,
    OriginationFailed,
    Ringing,
)

pytestmark = pytest.mark.skipif(not transcripts_available(), reason="../shared/asterisk/ami is absent")

AGENTS = {
    ext: AgentRef(uid, name, ext)
    for uid, (ext, name) in enumerate(
        [("1001", "Alice"), ("1002", "Bob"), ("1003", "Carol"), ("1004", "Dave"), ("1005", "Eve")], start=1
    )
}
OUTSIDE = "+74951234567"
T0 = dt.datetime(2026, 11, 27, 21, 0, tzinfo=dt.UTC)


def transcript_bytes(prefix: str, session: int | None = None) -> bytes:
    """Everything Asterisk sent in a transcript (greeting stripped), byte-real."""
    sessions = load(prefix)
    chosen = sessions if session is None else [sessions[session]]
    out = bytearray()
    for item in chosen:
        out += b"".join(item.messages())
    return bytes(out)


def parse(data: bytes) -> list[Message]:
    return AMIParser(expect_greeting=False).feed(data)


def as_outside_caller(data: bytes, extension: str = "1003", number: str = OUTSIDE) -> bytes:
    """The same bytes with the caller's extension replaced by an outside number (a trunk leg).

    The caller channel becomes ``PJSIP/trunk-...`` so it is not one of our endpoints either.
    """
    ext = extension.encode()
    return (
        data.replace(b"CallerIDNum: " + ext + b"\r\n", b"CallerIDNum: " + number.encode() + b"\r\n")
        .replace(b"ConnectedLineNum: " + ext + b"\r\n", b"ConnectedLineNum: " + number.encode() + b"\r\n")
        .replace(b"PJSIP/" + ext + b"-", b"PJSIP/trunk-")
    )


def feed(
    tracker: CallTracker | PresenceTracker, messages: Iterable[Message], step: float = 1.0, start: dt.datetime = T0
) -> list:
    """Feed with one receive time per event ``step`` seconds apart (the events carry no timestamp)."""
    out = []
    for index, message in enumerate(messages):
        out.extend(tracker.feed(message, start + dt.timedelta(seconds=index * step)))
    return out


def make_tracker(**originations: Origination) -> CallTracker:
    directory = StaticDirectory(agents=AGENTS, originations=dict(originations))
    return CallTracker(directory)


def finals(outputs: list) -> dict[str, CallUpdate]:
    result: dict[str, CallUpdate] = {}
    for output in outputs:
        if isinstance(output, CallUpdate) and output.final:
            result[output.linkedid] = output
    return result


def of(outputs: list, kind: type) -> list:
    return [output for output in outputs if isinstance(output, kind)]


def test_file05_internal_call_answered() -> None:
    tracker = make_tracker()
    out = feed(tracker, parse(transcript_bytes("05")))
    call = finals(out)["1795814482.7"]
    assert call.direction == "internal"
    assert (call.caller_number, call.caller_name, call.callee_number) == ("1003", "Carol", "1001")
    assert call.session_id == "PJSIP/1003-00000003"
    assert call.disposition == "answered"
    assert call.agent_user_id == AGENTS["1001"].user_id and call.agent_extension == "1001"
    assert call.hangup_cause == 16 and call.hangup_cause_text == "Normal Clearing"
    assert call.answered_at is not None and call.started_at < call.answered_at < call.ended_at
    assert call.duration == round((call.ended_at - call.started_at).total_seconds())
    assert call.billsec == round((call.ended_at - call.answered_at).total_seconds())
    assert 0 < call.billsec < call.duration
    ringing = of(out, Ringing)
    assert [(r.user_id, r.extension, r.caller_number, r.caller_name, r.internal) for r in ringing] == [
        (1, "1001", "1003", "Carol", True)
    ]
    assert {e.user_id for e in of(out, CallEnded)} == {1, 3}
    assert not of(out, MissedCall)


def test_caller_names_arrive_c_escaped_and_are_stored_as_the_channel_has_them() -> None:
    # Asterisk C-escapes names in AMI (main/manager_channels.c): a quoted name comes as \"...\".
    data = transcript_bytes("05").replace(b"CallerIDName: Carol\r\n", b'CallerIDName: Carol \\"CJ\\" O\\\'Neil\r\n')
    out = feed(make_tracker(), parse(data))
    call = finals(out)["1795814482.7"]
    assert call.caller_name == 'Carol "CJ" O\'Neil'


def test_first_snapshot_is_created_at_the_first_event() -> None:
    tracker = make_tracker()
    first = parse(transcript_bytes("05"))
    newchannel = next(m for m in first if m.event == "Newchannel")
    out = tracker.feed(newchannel, T0)
    assert len(out) == 1 and out[0].disposition == "in_progress" and out[0].started_at == T0
    assert out[0].session_id == "PJSIP/1003-00000003" and not out[0].final


def test_file05_from_an_outside_number_is_inbound_with_screen_pop() -> None:
    tracker = make_tracker()
    messages = parse(as_outside_caller(transcript_bytes("05")))
    first = tracker.feed(
        messages[0] if messages[0].event == "Newchannel" else next(m for m in messages if m.event == "Newchannel"), T0
    )
    assert first[0].direction == "inbound" and first[0].session_id == "PJSIP/trunk-00000003"
    out = feed(tracker, messages, start=T0 + dt.timedelta(seconds=1))
    call = finals(out)["1795814482.7"]
    assert (call.direction, call.caller_number, call.callee_number) == ("inbound", OUTSIDE, "1001")
    assert call.external_number == OUTSIDE and call.agent_user_id == 1
    [ring] = of(out, Ringing)
    assert (ring.user_id, ring.caller_number, ring.internal) == (1, OUTSIDE, False)


def test_file06_caller_hangs_up() -> None:
    out = feed(make_tracker(), parse(transcript_bytes("06")))
    [call] = finals(out).values()
    assert call.disposition == "answered" and call.hangup_cause == 16


def test_file13_no_answer_busy_and_unregistered() -> None:
    out = feed(make_tracker(), parse(transcript_bytes("13")))
    calls = finals(out)
    # Originate to 1005, Timeout 6000: rings, no DialEnd, Hangup cause 19.
    assert calls["1795815118.2"].disposition == "no_answer"
    assert calls["1795815118.2"].hangup_cause == 19
    # Rejected by the phone (486): DialEnd BUSY, cause 17.
    assert calls["1795815126.3"].disposition == "busy"
    assert calls["1795815126.3"].hangup_cause_text == "User busy"
    # Unregistered / unknown endpoint: no channel at all, only a failed OriginateResponse.
    failed = {f.action_id: f.reason for f in of(out, OriginationFailed)}
    assert failed["orig-unreg"] == "failed" and failed["orig-noendpoint"] == "failed"
    assert not any(c.linkedid.startswith("<") for c in calls.values())


def test_file13_unregistered_click_to_call_becomes_a_failed_call() -> None:
    origination = Origination("chan-unreg", "orig-unreg", 2, "1002", OUTSIDE, "Bob")
    out = feed(make_tracker(**{"chan-unreg": origination}), parse(transcript_bytes("13")))
    call = finals(out)["chan-unreg"]
    assert call.disposition == "failed" and call.direction == "outbound"
    assert call.callee_number == OUTSIDE and call.agent_user_id == 2 and call.origination_id == "chan-unreg"
    progress = [p for p in of(out, CallProgress) if p.linkedid == "chan-unreg"]
    assert progress[0].state == "failed" and progress[0].action_id == "orig-unreg"


def test_file24_originate_channel_id_is_the_linkedid() -> None:
    channel_id = "5b0e8f2c-3d47-4a9e-b1c6-8e2d9f0a7c41"
    origination = Origination(channel_id, "web-orig-7f3a", 1, "1001", "1003", "Alice")
    out = feed(make_tracker(**{channel_id: origination}), parse(transcript_bytes("24", 0)))
    call = finals(out)[channel_id]
    assert call.session_id == "PJSIP/1001-00000004" and call.origination_id == channel_id
    assert (call.caller_number, call.callee_number, call.direction) == ("1001", "1003", "internal")
    assert call.agent_user_id == 1 and call.disposition == "answered"
    states = [p.state for p in of(out, CallProgress)]
    assert states == ["ringing_agent", "dialing", "answered", "ended"]
    assert {p.action_id for p in of(out, CallProgress)} == {"web-orig-7f3a"}
    # The colleague 1003 gets the screen pop, with Alice as the caller; Alice does not.
    assert [(r.user_id, r.caller_number, r.caller_name) for r in of(out, Ringing)] == [(3, "1001", "Alice")]


def test_file14_click_to_call_found_by_action_id() -> None:
    origination = Origination("unused", "c2c-1", 1, "1001", "1003", "Alice")
    tracker = CallTracker(StaticDirectory(agents=AGENTS, originations={"unused": origination}))
    out = feed(tracker, parse(transcript_bytes("14")))
    call = finals(out)["1795815155.5"]
    assert call.disposition == "answered" and call.agent_user_id == 1 and call.origination_id == "unused"


def test_file23_cdr_events() -> None:
    out = feed(make_tracker(), parse(transcript_bytes("23")))
    calls = finals(out)
    answered, missed = calls["1795816502.0"], calls["1795816511.2"]
    assert (answered.disposition, answered.duration, answered.billsec, answered.has_cdr) == ("answered", 4, 4, True)
    assert (missed.disposition, missed.duration, missed.billsec) == ("no_answer", 30, 0)
    assert [(m.user_id, m.caller_number) for m in of(out, MissedCall)] == [(1, "1003")]


def test_cdr_without_live_state_builds_the_record() -> None:
    cdr = next(m for m in parse(transcript_bytes("23")) if m.event == "Cdr" and m.get("Disposition") == "NO ANSWER")
    [call] = make_tracker().feed(cdr, T0)
    assert call.from_cdr and call.final and call.disposition == "no_answer"
    assert call.started_at == dt.datetime(2026, 11, 27, 21, 55, 11, tzinfo=dt.UTC)
    assert (call.caller_number, call.callee_number, call.duration) == ("1003", "1001", 30)


def test_files07_15_recording_file() -> None:
    calls07 = finals(feed(make_tracker(), parse(transcript_bytes("07"))))
    assert calls07["1795814561.11"].recording_file.endswith("rt-test-1795814561.11.wav")
    calls15 = finals(feed(make_tracker(), parse(transcript_bytes("15"))))
    assert calls15["1795815182.7"].recording_file == "/tmp/amirec-rec/crm-call-1.wav"


def test_file08_queue_call_reaches_the_member() -> None:
    calls = finals(feed(make_tracker(), parse(transcript_bytes("08"))))
    call = calls["1795814572.12"]
    assert (call.direction, call.callee_number, call.agent_extension) == ("internal", "1001", "1001")
    assert call.disposition == "answered"


def test_replay_never_reopens_a_finished_call() -> None:
    tracker = make_tracker()
    data = parse(transcript_bytes("05"))
    first = feed(tracker, data)
    again = feed(tracker, parse(transcript_bytes("05")), start=T0 + dt.timedelta(hours=1))
    assert len(finals(first)) == 1
    assert not of(again, CallUpdate) and not of(again, Ringing)


def test_file12_presence_lifecycle() -> None:
    tracker = PresenceTracker()
    statuses: dict[str, list[str]] = {}
    for index in range(4):
        for update in of(feed(tracker, parse(transcript_bytes("12", index))), PresenceUpdate):
            statuses.setdefault(update.endpoint_id, []).append(update.status)
    # Session A: 1004's stale contact removed, then it registers again.
    assert statuses["1004"][0] == "unregistered" and "registered" in statuses["1004"]
    # Session C: 1003 stops answering OPTIONS -> unreachable, then back.
    assert "unreachable" in statuses["1003"] and statuses["1003"][-1] == "registered"
    # Session D: 1002's contact expires.
    assert statuses["1002"][-1] == "unregistered"
    presence = tracker.presence["1003"]
    assert presence.contact_status == "Reachable" and presence.roundtrip_usec == 3138


def test_device_state_in_call_and_back() -> None:
    tracker = PresenceTracker()
    out = feed(tracker, parse(transcript_bytes("05")))
    states = [(u.status, u.device_state) for u in of(out, PresenceUpdate) if u.endpoint_id == "1001"]
    assert states[:3] == [("in_call", "RINGING"), ("in_call", "INUSE"), ("registered", "NOT_INUSE")]


def test_resync_closes_calls_whose_channels_are_gone_and_adopts_new_ones() -> None:
    tracker = make_tracker()
    messages = parse(transcript_bytes("05"))
    bridged = next(i for i, m in enumerate(messages) if m.event == "BridgeEnter")
    feed(tracker, messages[: bridged + 2])
    assert tracker.live_linkedids() == {"1795814482.7"}
    listing = [m for s in load("20") for m in parse(b"".join(s.messages())) if m.event == "CoreShowChannel"][:2]
    out = tracker.resync_channels(listing, T0 + dt.timedelta(minutes=5))
    calls = finals(out)
    assert calls["1795814482.7"].disposition == "answered"
    adopted = [u for u in of(out, CallUpdate) if u.linkedid == "1795815413.12"]
    assert adopted and not adopted[-1].final and adopted[-1].answered_at is not None
    assert adopted[-1].started_at == T0 + dt.timedelta(minutes=5) - dt.timedelta(seconds=5)
    assert tracker.live_linkedids() == {"1795815413.12"}
