"""The call-event listener on a real Asterisk: real calls between real phones become CallLog rows."""

from __future__ import annotations

import time

import pytest

from tests.integration.phones import wait_until
from voip.calls.models import CallDisposition, CallLog
from voip.calls.selectors import missed_calls_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


def finished_calls() -> list[CallLog]:
    return list(CallLog.objects.exclude(disposition=CallDisposition.IN_PROGRESS).order_by("started_at"))


def place_call(caller, callee_number: str, *, talk: float) -> dict[str, float]:
    """Dial from ``caller``; hang up ``talk`` seconds after the answer. The times the phone saw."""
    since = caller.mark()
    dialled = time.time()
    caller.dial(callee_number)
    caller.wait_event("CALL_ESTABLISHED", since=since)
    answered = time.time()
    time.sleep(talk)
    caller.hangup()
    caller.wait_event("CALL_CLOSED", since=since)
    return {"dialled": dialled, "answered": answered, "ended": time.time()}


def test_a_real_call_gives_one_answered_calllog_with_true_times(live_pbx, two_extensions, phone_factory, listener):
    caller = phone_factory("1000", two_extensions["1000"])
    phone_factory("1001", two_extensions["1001"])

    truth = place_call(caller, "1001", talk=3.0)

    [call] = wait_until(finished_calls, timeout=15, what="the call logged as finished")
    assert CallLog.objects.count() == 1
    assert (call.caller_number, call.callee_number) == ("1000", "1001")
    assert call.disposition == CallDisposition.ANSWERED
    assert abs(call.duration - (truth["ended"] - truth["dialled"])) <= 1.0, (call.duration, truth)
    assert abs(call.billsec - (truth["ended"] - truth["answered"])) <= 1.0, (call.billsec, truth)
    assert abs(call.started_at.timestamp() - truth["dialled"]) <= 1.0
    assert abs(call.ended_at.timestamp() - truth["ended"]) <= 1.0


def test_a_call_nobody_answers_is_a_missed_call_of_the_agent(live_pbx, agents, phone_factory, listener):
    alice, bob = agents["alice"], agents["bob"]
    caller = phone_factory(alice.extension, alice.password)
    callee = phone_factory(bob.extension, bob.password, answer="manual")

    since = caller.mark()
    caller.dial(bob.extension)
    callee.wait_event("CALL_INCOMING")
    time.sleep(2.0)
    caller.hangup()
    caller.wait_event("CALL_CLOSED", since=since)

    [call] = wait_until(finished_calls, timeout=15, what="the unanswered call logged")
    assert call.disposition in (CallDisposition.NO_ANSWER, CallDisposition.CANCELLED)
    assert (call.caller_number, call.callee_number) == (alice.extension, bob.extension)
    assert call.answered_at is None
    assert call.billsec == 0
    assert list(missed_calls_for(bob.user)) == [call]
    assert list(missed_calls_for(alice.user)) == []  # the caller did not miss it


def test_the_listener_survives_core_restart_now_and_keeps_logging(live_pbx, two_extensions, phone_factory, listener):
    caller = phone_factory("1000", two_extensions["1000"])
    phone_factory("1001", two_extensions["1001"])
    connects = listener.listener.stats.connects

    live_pbx.asterisk.restart_now()
    wait_until(lambda: listener.listener.stats.connects > connects, timeout=60, what="the listener reconnected")
    # Contacts live in ps_contacts and survive the restart (NOTES: realtime behaviour).
    wait_until(lambda: live_pbx.contacts_of("1001"), timeout=20, what="1001 still registered after the restart")
    wait_until(lambda: live_pbx.cli("pjsip show transports").count("transport-udp") >= 1, timeout=20)

    place_call(caller, "1001", talk=1.0)

    [call] = wait_until(finished_calls, timeout=15, what="the call after the restart logged")
    assert call.disposition == CallDisposition.ANSWERED
    assert (call.caller_number, call.callee_number) == ("1000", "1001")
