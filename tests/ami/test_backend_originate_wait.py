"""``originate_call(wait=True)`` says why a call failed, from recorded Asterisk bytes.

``Reason: 0`` alone means "failed" for an unregistered endpoint, a missing one and a busy phone
(transcript 13-originate-failures-noanswer-busy-sync.txt). The fake server replays that file's
OriginateResponses, the busy phone's channel events, and file 01's PJSIPShowEndpoints listing
(endpoints 1001 and 1002, neither registered).
"""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures_ami import FakeAMIHandle
from voip.backends.asteriskbackend import AsteriskRealtimeAPI


@pytest.fixture
def api(fake_ami: FakeAMIHandle) -> AsteriskRealtimeAPI:
    return AsteriskRealtimeAPI(**fake_ami.ami_options())


def action_names(handle: FakeAMIHandle) -> list[str]:
    return [name for name in handle.server.action_names() if name not in ("Login", "Logoff")]


def test_unregistered_endpoint(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    result = api.originate_call("1002", "1003", wait=True, wait_timeout=3)
    assert (result.outcome, result.reason_code, result.answered) == ("failed", 0, False)
    assert result.failure == "not_registered"
    assert result.reason == "Endpoint 1002 has no registered contact: its phone is not registered."
    assert result["reason"] == result.reason  # in the JSON form too
    assert action_names(fake_ami) == ["Originate", "PJSIPShowEndpoints"]


def test_endpoint_that_does_not_exist(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    result = api.originate_call("9999", "1003", wait=True, wait_timeout=3)
    assert (result.outcome, result.reason_code) == ("failed", 0)
    assert result.failure == "endpoint_not_found"
    assert result.reason == "Endpoint 9999 does not exist in Asterisk (PJSIPShowEndpoints does not list it)."


def test_busy_phone_is_told_by_its_hangup_cause(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    fake_ami.server.originate_outcomes["PJSIP/1005"] = "busy"
    channel_id = str(uuid.uuid4())
    result = api.originate_call("1005", "1003", wait=True, wait_timeout=3, channel_id=channel_id)
    assert (result.outcome, result.reason_code) == ("failed", 0)
    assert result.failure == "busy"
    assert result.reason == "PJSIP/1005 is busy (User busy, cause 17; SIP 486; dial status BUSY)."
    # Known from the channel's own events: nothing else was asked.
    assert action_names(fake_ami) == ["Originate"]


def test_events_of_other_channels_are_not_taken_for_ours(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    # Another call's busy channel (another ChannelId) ends while we wait; ours had no channel.
    fake_ami.server.originate_outcomes["PJSIP/1005"] = "busy"
    fake_ami.server.originate_delay = 0.5
    api.originate_call("1005", "1003", channel_id=str(uuid.uuid4()))
    result = api.originate_call("1002", "1003", wait=True, wait_timeout=3)
    assert result.failure == "not_registered"


def test_no_answer(api: AsteriskRealtimeAPI) -> None:
    result = api.originate_call("1005", "1003", wait=True, wait_timeout=3)
    assert (result.outcome, result.reason_code) == ("no_answer", 3)
    assert result.failure == "no_answer"
    assert result.reason == "PJSIP/1005 rang and nobody answered before the timeout (Reason 3)."


def test_answered_call_has_no_failure(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    result = api.originate_call("1001", "1003", wait=True, wait_timeout=3)
    assert result.answered and result.failure is None and result.reason is None
    assert action_names(fake_ami) == ["Originate"]


def test_without_wait_nothing_is_explained(api: AsteriskRealtimeAPI) -> None:
    result = api.originate_call("1002", "1003")
    assert result.outcome is None and result.failure is None and result.reason is None
