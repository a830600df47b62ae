"""The pure queue tracker fed with recorded (and clearly derived) app_queue events."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.ami.transcripts import transcripts_available
from tests.callcentre import streams
from voip.callcentre import tracker as qt

pytestmark = pytest.mark.skipif(not transcripts_available(), reason="../shared/asterisk/ami is absent")
T0 = dt.datetime(2026, 11, 27, 21, 0, tzinfo=dt.UTC)


def feed(tracker: qt.QueueTracker, raws: list[bytes], step: float = 1.0) -> list:
    out = []
    for index, message in enumerate(streams.parse(b"".join(raws))):
        out.extend(tracker.feed(message, T0 + dt.timedelta(seconds=index * step)))
    return out


def test_recorded_queue_call_credits_the_member_who_connected() -> None:
    tracker = qt.QueueTracker()
    out = feed(tracker, streams.queue_call())
    answered = [o for o in out if isinstance(o, qt.CallAnswered)]
    assert [(a.queue, a.interface, a.uniqueid) for a in answered] == [("support", "PJSIP/1001", "1795814572.12")]
    assert any(isinstance(o, qt.CallerJoined) and o.number == "1003" for o in out)
    assert tracker.queues["support"].callers == {}
    assert tracker.queues["support"].members["PJSIP/1001"].status(T0 + dt.timedelta(hours=1)) == "available"


def test_ringall_never_credits_the_first_member_rung() -> None:
    out = feed(qt.QueueTracker(), streams.ringall_call())
    rung = [o.interface for o in out if isinstance(o, qt.AgentRung)]
    assert rung == ["PJSIP/1002", "PJSIP/1001"]
    assert [o.interface for o in out if isinstance(o, qt.CallAnswered)] == ["PJSIP/1001"]


def test_pause_with_reason_from_the_events_and_removal() -> None:
    tracker = qt.QueueTracker()
    out = feed(tracker, streams.pause_session())
    changes = [o for o in out if isinstance(o, qt.MemberChanged)]
    assert [(c.status, c.reason) for c in changes][:3] == [
        ("paused", "lunch"),
        ("available", ""),
        ("paused", "coffee"),
    ]
    assert isinstance(out[-1], qt.MemberRemoved) and "PJSIP/1004" not in tracker.queues["support"].members


def test_abandoned_caller_keeps_app_queue_hold_time() -> None:
    out = feed(qt.QueueTracker(), streams.abandoned_call(hold_time=7))
    abandoned = [o for o in out if isinstance(o, qt.CallAbandoned)]
    assert [(a.queue, a.wait_seconds, a.linkedid) for a in abandoned] == [("support", 7, "1795814572.12")]
    assert not any(isinstance(o, qt.CallAnswered) for o in out)


def test_wrapup_after_complete() -> None:
    tracker = qt.QueueTracker(wrapup_for=lambda name: 30)
    raws = streams.queue_call()
    complete = next(i for i, raw in enumerate(raws) if raw.startswith(b"Event: AgentComplete"))
    out = feed(tracker, raws[: complete + 1], step=0.01)
    assert out[-1].status in ("on_call", "wrapup")
    member = tracker.queues["support"].members["PJSIP/1001"]
    member.device = "1"
    assert member.status(out[-1].at + dt.timedelta(seconds=5)) == "wrapup"
    assert member.status(out[-1].at + dt.timedelta(seconds=31)) == "available"


def test_resync_from_filtered_queue_status_forgets_what_is_gone() -> None:
    tracker = qt.QueueTracker()
    feed(tracker, streams.pause_session()[:1])  # PJSIP/1004 added, paused
    items = streams.parse(b"".join(streams.queue_status_items()))
    out = tracker.resync_queue("support", items, T0)
    assert set(tracker.queues["support"].members) == {"PJSIP/1001"}
    assert any(isinstance(o, qt.MemberRemoved) and o.interface == "PJSIP/1004" for o in out)
    assert isinstance(out[-1], qt.QueueResynced) and out[-1].interfaces == ("PJSIP/1001",)


def test_events_of_other_modules_are_ignored() -> None:
    tracker = qt.QueueTracker()
    assert (
        feed(tracker, [raw for raw in streams.queue_call() if not raw.startswith((b"Event: Queue", b"Event: Agent"))])
        == []
    )


def test_recorded_ringall_credits_the_phone_that_answered_not_the_one_rung_first() -> None:
    out = feed(qt.QueueTracker(), streams.own_events("31"))
    rung = [o.interface for o in out if isinstance(o, qt.AgentRung)]
    assert set(rung) == {"PJSIP/1000", "PJSIP/1001"}
    assert [o.interface for o in out if isinstance(o, qt.CallAnswered)] == ["PJSIP/1000"]


def test_recorded_abandon_while_the_paused_agent_is_skipped() -> None:
    tracker = qt.QueueTracker()
    out = feed(tracker, streams.own_events("32"))
    assert [o.interface for o in out if isinstance(o, qt.AgentRung)] == ["PJSIP/1001"]  # not the paused 1000
    [abandoned] = [o for o in out if isinstance(o, qt.CallAbandoned)]
    assert (abandoned.queue, abandoned.wait_seconds) == ("support", 4)
    assert tracker.queues["support"].callers == {}
    assert tracker.queues["support"].members["PJSIP/1000"].reason == "Lunch"


def test_recorded_cli_pause_carries_its_reason() -> None:
    out = feed(qt.QueueTracker(), streams.own_events("33"))
    assert [(o.paused, o.reason) for o in out] == [(True, "Break"), (False, "")]
