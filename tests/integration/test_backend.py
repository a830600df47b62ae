"""Every ``AsteriskRealtimeAPI`` method on a real Asterisk with real phones and a real call."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.integration.phones import wait_until
from voip.ami.errors import AMIAuthenticationError
from voip.backends import ValidationError
from voip.backends.asteriskbackend import AsteriskRealtimeAPI

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


@pytest.fixture
def call_up(live_pbx, two_extensions, phone_factory):
    """1000 calls 1001 (who answers); yields (api, 1000's channel, 1001's channel) while the call is up."""
    caller = phone_factory("1000", two_extensions["1000"])
    callee = phone_factory("1001", two_extensions["1001"])
    caller.dial("1001")
    caller.wait_event("CALL_ESTABLISHED")
    callee.wait_event("CALL_ESTABLISHED")
    api = live_pbx.api()
    channels = wait_until(lambda: len(api.active_channels()) == 2 and api.active_channels(), what="both legs")
    by_endpoint = {c.channel.split("/")[1].rsplit("-", 1)[0]: c for c in channels}
    return api, by_endpoint["1000"], by_endpoint["1001"]


def test_test_connection_and_core_settings(live_pbx):
    api = live_pbx.api()
    result = api.test_connection()
    assert result["ok"] and result["db_ok"] and result["ami_ok"], result
    assert result["asterisk_version"] == "22.10.1"
    assert api.core_settings().asterisk_version == "22.10.1"


def test_wrong_secret_is_an_authentication_error(live_pbx):
    options = {**live_pbx.ami_options, "AMI_SECRET": "not-the-secret"}
    api = AsteriskRealtimeAPI(**options)
    with pytest.raises(AMIAuthenticationError):
        api.core_settings()
    result = api.test_connection()
    assert result["ok"] is False and result["ami_ok"] is False
    assert "uthentication" in result["ami_error"]


def test_list_endpoints_contacts_and_endpoint_status(live_pbx, two_extensions, phone_factory):
    phone_factory("1000", two_extensions["1000"])
    api = live_pbx.api()

    endpoints = {e.endpoint_id: e for e in api.list_endpoints()}
    assert set(endpoints) == {"1000", "1001"}
    assert endpoints["1000"].contacts and not endpoints["1001"].contacts
    assert endpoints["1000"].transport == "transport-udp"

    contacts = api.list_contacts()
    assert [c.endpoint for c in contacts] == ["1000"]
    assert re.fullmatch(r"sip:1000\S*@127\.0\.0\.1:\d+", contacts[0].uri), contacts[0].uri

    status = api.get_endpoint_status("1000")
    assert status.context == "from-internal"
    assert [c.aor for c in status.contacts] == ["1000"]
    assert status.contacts[0].status in ("Reachable", "NonQualified", "Unknown")
    assert api.get_endpoint_status("1001").contacts == ()


def test_originate_brings_both_legs_up_and_hangup_ends_them(live_pbx, two_extensions, phone_factory):
    phone_1000 = phone_factory("1000", two_extensions["1000"])
    phone_1001 = phone_factory("1001", two_extensions["1001"])
    api = live_pbx.api()

    result = api.originate_call("1000", "1001", wait=True)

    assert result["outcome"] == "answered" and result["answered"] is True, result
    phone_1001.wait_event("CALL_ESTABLISHED")
    channels = wait_until(lambda: len(api.active_channels()) == 2 and api.active_channels(), what="both legs")
    assert {c.channel.rsplit("-", 1)[0] for c in channels} == {"PJSIP/1000", "PJSIP/1001"}
    first_leg = next(c for c in channels if c.channel.startswith("PJSIP/1000-"))
    assert first_leg.uniqueid == result["channel_id"]

    api.hangup(result["channel_id"])  # by the ChannelId originate chose

    phone_1000.wait_event("CALL_CLOSED")
    phone_1001.wait_event("CALL_CLOSED")
    wait_until(lambda: not api.active_channels(), what="no channel left")


def test_queue_member_add_pause_remove_on_a_realtime_queue(live_pbx, two_extensions, phone_factory):
    from voip.realtime.models import Queue
    from voip.realtime.router import realtime_db_alias

    Queue.objects.using(realtime_db_alias()).create(name="support", strategy="ringall", timeout=15)
    phone_factory("1000", two_extensions["1000"])
    api = live_pbx.api()

    api.add_queue_member("support", "PJSIP/1000", member_name="Agent 1000")
    shown = live_pbx.asterisk.wait_for("queue show support", lambda text: "PJSIP/1000" in text)
    assert re.search(r"Agent 1000 \(PJSIP/1000", shown), shown
    assert "paused" not in shown.lower()

    api.pause_queue_member("support", "PJSIP/1000", paused=True, reason="lunch")
    shown = live_pbx.cli("queue show support")
    assert re.search(r"paused:lunch", shown, re.I) or "(paused" in shown.lower(), shown

    api.pause_queue_member("support", "PJSIP/1000", paused=False)
    assert "paused" not in live_pbx.cli("queue show support").lower()

    api.remove_queue_member("support", "PJSIP/1000")
    assert "PJSIP/1000" not in live_pbx.cli("queue show support")


def test_reload_pjsip_and_module_check(live_pbx):
    api = live_pbx.api()
    result = api.reload_pjsip()
    assert result.module == "res_pjsip.so"
    assert result.status == 0, result
    assert api.module_check("res_pjsip.so").loaded is True
    assert api.module_check("chan_iax2.so").loaded is False  # noload'ed in the private instance


def test_qualify_and_command(live_pbx, two_extensions, phone_factory):
    phone_factory("1000", two_extensions["1000"])
    api = live_pbx.api()
    assert api.qualify("1000").action == "PJSIPQualify"
    assert "Asterisk 22.10.1" in api.command("core show version")


INJECTED = "INJECTED_BY_TEST"


def payloads() -> list[str]:
    smuggled = f"Action: Setvar\r\nVariable: {INJECTED}\r\nValue: 1\r\n\r\n"
    return [f"x\r\n\r\n{smuggled}", f"x\n\n{smuggled.replace(chr(13), '')}", f"x\r\r{smuggled.replace(chr(10), '')}"]


def _attacks(payload: str) -> list[tuple[str, Callable[[AsteriskRealtimeAPI], object]]]:
    """Each backend input, given the payload; every call must raise ValidationError before sending.

    (The caller ID is attacked in test_defects.py, with the guide's own payload.)"""
    return [
        ("from_endpoint", lambda api: api.originate_call(payload, "1001")),
        ("to_number", lambda api: api.originate_call("1000", payload)),
        ("variables value", lambda api: api.originate_call("1000", "1001", variables={"A": payload})),
        ("variables name", lambda api: api.originate_call("1000", "1001", variables={payload: "1"})),
        ("context", lambda api: api.originate_call("1000", "1001", context=payload)),
        ("channel_id", lambda api: api.originate_call("1000", "1001", channel_id=payload)),
        ("account_code", lambda api: api.originate_call("1000", "1001", account_code=payload)),
        ("action_id", lambda api: api.originate_call("1000", "1001", action_id=payload)),
        ("hangup channel", lambda api: api.hangup(payload)),
        ("recording channel", lambda api: api.start_recording(payload, "file")),
        ("recording filename", lambda api: api.start_recording("PJSIP/1000-00000001", payload)),
        ("recording options", lambda api: api.start_recording("PJSIP/1000-00000001", "f", options=payload)),
        ("stop channel", lambda api: api.stop_recording(payload)),
        ("stop id", lambda api: api.stop_recording("PJSIP/1000-00000001", payload)),
        ("queue", lambda api: api.add_queue_member(payload, "PJSIP/1000")),
        ("interface", lambda api: api.add_queue_member("support", payload)),
        ("member_name", lambda api: api.add_queue_member("support", "PJSIP/1000", member_name=payload)),
        ("state_interface", lambda api: api.add_queue_member("support", "PJSIP/1000", state_interface=payload)),
        ("remove", lambda api: api.remove_queue_member("support", payload)),
        ("pause reason", lambda api: api.pause_queue_member("support", "PJSIP/1000", reason=payload)),
        ("module", lambda api: api.reload_module(payload)),
        ("module_check", lambda api: api.module_check(payload)),
        ("endpoint status", lambda api: api.get_endpoint_status(payload)),
        ("qualify", lambda api: api.qualify(payload)),
        ("command", lambda api: api.command(f"core show version{payload}")),
        ("config file", lambda api: api.get_config(payload)),
        ("config category", lambda api: api.get_config("pjsip.conf", payload)),
    ]


def test_injection_through_every_input_is_refused_and_nothing_reaches_asterisk(live_pbx, two_extensions):
    api = live_pbx.api()
    accepted = []
    for payload in payloads():
        for name, attack in _attacks(payload):
            try:
                attack(api)
            except ValidationError:
                continue
            accepted.append((name, payload))

    assert accepted == []
    assert INJECTED not in live_pbx.cli("core show globals")
    assert live_pbx.channels() == []  # no call was placed by any refused originate
    assert "fully booted" in live_pbx.cli("core waitfullybooted")
