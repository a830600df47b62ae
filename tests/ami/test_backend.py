"""AsteriskRealtimeAPI against the fake AMI server (real recorded Asterisk replies)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures_ami import FakeAMIHandle
from voip.ami import AMIActionError, AMIConnectionError, AMIInjectionError, AMIPermissionDenied
from voip.backends import ValidationError
from voip.backends.asteriskbackend import AsteriskRealtimeAPI, build_callerid


@pytest.fixture
def api(fake_ami: FakeAMIHandle) -> AsteriskRealtimeAPI:
    return AsteriskRealtimeAPI(**fake_ami.ami_options(RECORDINGS_DIR="/var/spool/asterisk/monitor"))


def sent_actions(handle: FakeAMIHandle, name: str) -> list[Any]:
    return [action for action in handle.server.actions if action.get("Action") == name]


def assert_json(result: Any) -> dict[str, Any]:
    data = result.to_dict()
    json.dumps(data)
    return data


# -- options ---------------------------------------------------------------------------


def test_options_are_read_case_insensitively_and_unknown_keys_ignored() -> None:
    from_settings = AsteriskRealtimeAPI(
        AMI_HOST="10.0.0.5", AMI_PORT="5039", AMI_USERNAME="u", AMI_SECRET="s", AMI_AUTH="MD5", Db_Alias="rt", X=1
    )
    assert (from_settings.host, from_settings.port, from_settings.username, from_settings.auth) == (
        "10.0.0.5",
        5039,
        "u",
        "md5",
    )
    assert from_settings.db_alias == "rt"
    lowercase = AsteriskRealtimeAPI(host="h", port=1, username="a", secret="b", originate_timeout=15, whatever=None)
    assert (lowercase.host, lowercase.port, lowercase.secret, lowercase.originate_timeout) == ("h", 1, "b", 15.0)
    with pytest.raises(ValueError):
        AsteriskRealtimeAPI(AMI_AUTH="kerberos")


def test_settings_voip_options_build_an_api() -> None:
    options = {
        "AMI_HOST": "127.0.0.1",
        "AMI_PORT": 5038,
        "AMI_USERNAME": "admin",
        "AMI_SECRET": "x",
        "AMI_CONNECT_TIMEOUT": 5.0,
        "AMI_ACTION_TIMEOUT": 10.0,
        "AMI_AUTH": "plain",
        "DB_ALIAS": "asterisk",
        "CONTEXT": "from-internal",
        "OUTBOUND_CONTEXT": "from-internal",
        "ORIGINATE_TIMEOUT": 30,
        "RECORDINGS_DIR": "/var/spool/asterisk/monitor",
    }
    api = AsteriskRealtimeAPI(**options)
    assert api.recordings_dir == "/var/spool/asterisk/monitor" and api.originate_timeout == 30.0


# -- health ----------------------------------------------------------------------------


@pytest.mark.django_db(databases=["default", "asterisk"])
def test_test_connection_reports_db_and_ami(api: AsteriskRealtimeAPI) -> None:
    from voip.models import PsEndpoint

    PsEndpoint.objects.using("asterisk").create(id="1001", context="from-internal")
    PsEndpoint.objects.using("asterisk").create(id="1002", context="from-internal")
    result = api.test_connection()
    assert result.ok and result.db_ok and result.ami_ok
    assert result.endpoint_count == 2
    assert (result.ami_version, result.asterisk_version) == ("11.0.0", "22.10.1")
    assert assert_json(result)["endpoint_count"] == 2


@pytest.mark.django_db(databases=["default", "asterisk"])
def test_test_connection_reports_ami_failure_separately(fake_ami: FakeAMIHandle) -> None:
    api = AsteriskRealtimeAPI(**fake_ami.ami_options(AMI_SECRET="wrong"))
    result = api.test_connection()
    assert result.db_ok and result.endpoint_count == 0
    assert not result.ami_ok and not result.ok
    assert "Authentication failed" in (result.ami_error or "")


def test_test_connection_reports_db_failure_separately(fake_ami: FakeAMIHandle) -> None:
    api = AsteriskRealtimeAPI(**fake_ami.ami_options(DB_ALIAS="no-such-alias"))
    result = api.test_connection()
    assert not result.db_ok and result.db_error
    assert result.ami_ok and result.asterisk_version == "22.10.1"


def test_core_settings(api: AsteriskRealtimeAPI) -> None:
    settings = api.core_settings()
    assert settings.asterisk_version == "22.10.1" and settings.ami_version == "11.0.0"
    assert settings.settings["CoreRealTimeEnabled"] == "Yes"
    assert_json(settings)


def test_refused_connection_names_host_and_port() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = AsteriskRealtimeAPI(host="127.0.0.1", port=port, username="admin", secret="x", connect_timeout=1)
    with pytest.raises(AMIConnectionError) as caught:
        api.core_settings()
    assert f"127.0.0.1:{port}" in str(caught.value) and "refused" in str(caught.value)


# -- originate -------------------------------------------------------------------------


def test_originate_sends_the_documented_headers(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    result = api.originate_call(
        "1001", "+74951234567", callerid=("Agent", "1001"), variables={"CRM_CALL_ID": "42", "__TRACE": 1}, timeout=20
    )
    (sent,) = sent_actions(fake_ami, "Originate")
    assert sent["Channel"] == "PJSIP/1001"
    assert sent["Exten"] == "+74951234567"
    assert sent["Context"] == "from-internal" and sent["Priority"] == "1" and sent["Async"] == "true"
    assert sent["CallerID"] == '"Agent" <1001>'
    assert sent["Timeout"] == "20000"
    assert sent.getall("Variable") == ["CRM_CALL_ID=42", "__TRACE=1"]
    assert sent["ChannelId"] == result.channel_id and uuid.UUID(result.channel_id)
    assert sent.action_id == result.action_id
    assert result.outcome is None and result.queued
    login = sent_actions(fake_ami, "Login")[0]
    assert login["Events"] == "off"
    assert_json(result)


@pytest.mark.parametrize("typed", ["+7 (495) 123-45-67", "8 495 123 45 67", "+7.495.123.45.67"])
def test_originate_drops_the_separators_people_type(
    api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle, typed: str
) -> None:
    result = api.originate_call("1001", typed)
    [originate] = sent_actions(fake_ami, "Originate")
    assert originate.get("Exten") == "".join(ch for ch in typed if ch.isdigit() or ch == "+")
    assert result.exten == originate.get("Exten")


def test_results_are_plain_dicts_of_their_json_form(api: AsteriskRealtimeAPI) -> None:
    import json

    result = api.originate_call("1001", "1003", channel_id="5b0e8f2c-3d47-4a9e-b1c6-8e2d9f0a7c41")
    assert isinstance(result, dict)
    assert json.loads(json.dumps(result)) == result.to_dict()
    assert result["channel_id"] == result.channel_id == "5b0e8f2c-3d47-4a9e-b1c6-8e2d9f0a7c41"


@pytest.mark.parametrize(
    ("endpoint", "outcome", "reason", "answered"),
    [("1001", "answered", 4, True), ("1002", "failed", 0, False), ("1005", "no_answer", 3, False)],
)
def test_originate_wait_maps_the_originate_response(
    api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle, endpoint: str, outcome: str, reason: int, answered: bool
) -> None:
    channel_id = str(uuid.uuid4())
    result = api.originate_call(endpoint, "1003", wait=True, wait_timeout=3, channel_id=channel_id)
    assert (result.outcome, result.reason_code, result.answered) == (outcome, reason, answered)
    assert result.channel_id == channel_id
    if answered:
        assert result.uniqueid == channel_id  # file 24: the ChannelId becomes the Uniqueid
    assert sent_actions(fake_ami, "Login")[0]["Events"] == "call"
    assert assert_json(result)["response"]["Event"] == "OriginateResponse"


def test_originate_permission_denied_for_restricted_user(fake_ami: FakeAMIHandle) -> None:
    crm = AsteriskRealtimeAPI(
        **fake_ami.ami_options(AMI_USERNAME="crm", AMI_SECRET=fake_ami.server.users["crm"].secret)
    )
    with pytest.raises(AMIPermissionDenied):
        crm.originate_call("1001", "1003")


def test_hangup(api: AsteriskRealtimeAPI) -> None:
    call = api.originate_call("1001", "1003", wait=True, wait_timeout=3)
    assert api.hangup(call.channel_id).message == "Channel Hungup"
    with pytest.raises(AMIActionError) as caught:
        api.hangup(call.channel_id)
    assert caught.value.message == "No such channel"


# -- recording -------------------------------------------------------------------------


def test_recording_start_and_stop(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    call = api.originate_call("1001", "1003", wait=True, wait_timeout=3)
    assert call.response is not None
    channel = call.response["Channel"]
    recording = api.start_recording(channel, "crm-call-1", options="bi(MIXMON_ID)")
    assert recording.mixmonitor_id and recording.mixmonitor_id.startswith("0x")
    assert recording.file == "/var/spool/asterisk/monitor/crm-call-1.wav"
    sent = sent_actions(fake_ami, "MixMonitor")[0]
    assert (sent["File"], sent["Options"]) == (recording.file, "bi(MIXMON_ID)")
    with pytest.raises(AMIActionError) as wrong_id:
        api.stop_recording(channel, mixmonitor_id="0x1")
    assert wrong_id.value.message == "Could not stop monitoring channel"
    assert api.stop_recording(channel, recording.mixmonitor_id).action == "StopMixMonitor"
    with pytest.raises(AMIActionError) as unknown:
        api.start_recording("PJSIP/1001-deadbeef", "x")
    assert unknown.value.message == "No such channel"


def test_recording_without_configured_dir_uses_a_relative_name(fake_ami: FakeAMIHandle) -> None:
    api = AsteriskRealtimeAPI(**fake_ami.ami_options())
    call = api.originate_call("1001", "1003", wait=True, wait_timeout=3)
    assert call.response is not None
    assert api.start_recording(call.response["Channel"], "call-7", format="gsm").file == "call-7.gsm"


# -- queues ----------------------------------------------------------------------------


def test_queue_member_lifecycle_and_errors(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    added = api.add_queue_member("support", "PJSIP/1004", member_name="Dave", penalty=2, state_interface="PJSIP/1004")
    assert added.message == "Added interface to queue"
    sent = sent_actions(fake_ami, "QueueAdd")[0]
    assert (sent["MemberName"], sent["Penalty"], sent["Paused"], sent["StateInterface"]) == (
        "Dave",
        "2",
        "false",
        "PJSIP/1004",
    )
    for call, text in [
        (lambda: api.add_queue_member("support", "PJSIP/1004"), "Unable to add interface: Already there"),
        (lambda: api.add_queue_member("nosuchqueue", "PJSIP/1004"), "Unable to add interface to queue: No such queue"),
        (lambda: api.remove_queue_member("support", "PJSIP/1001"), "Member not dynamic"),
        (lambda: api.pause_queue_member("support", "PJSIP/1999"), "Interface not found"),
    ]:
        with pytest.raises(AMIActionError) as caught:
            call()
        assert caught.value.message == text
    assert api.pause_queue_member("support", "PJSIP/1004", reason="coffee").message == "Interface paused successfully"
    assert api.pause_queue_member("support", "PJSIP/1004", False).message == "Interface unpaused successfully"
    assert sent_actions(fake_ami, "QueuePause")[-2]["Reason"] == "coffee"
    assert api.remove_queue_member("support", "PJSIP/1004").message == "Removed interface from queue"
    with pytest.raises(AMIActionError) as gone:
        api.remove_queue_member("support", "PJSIP/1004")
    assert gone.value.message == "Unable to remove interface: Not there"


# -- modules ---------------------------------------------------------------------------


def test_reload_pjsip_reports_message_and_reload_event(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    result = api.reload_pjsip()
    assert (result.module, result.message, result.status) == ("res_pjsip.so", "Module Reloaded", 0)
    sent = sent_actions(fake_ami, "Reload")[0]
    assert sent["Module"] == "res_pjsip.so"
    with pytest.raises(AMIActionError) as caught:
        api.reload_module("res_does_not_exist.so")
    assert caught.value.message == "No such module"
    assert api.reload_module("app_queue.so").status == 0


def test_module_check(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    assert api.module_check("res_pjsip.so").loaded
    missing = api.module_check("chan_iax2.so")
    assert not missing.loaded and missing.message == "Module not loaded"
    crm = AsteriskRealtimeAPI(
        **fake_ami.ami_options(AMI_USERNAME="crm", AMI_SECRET=fake_ami.server.users["crm"].secret)
    )
    with pytest.raises(AMIPermissionDenied):
        crm.module_check("res_pjsip.so")


# -- PJSIP and channels ----------------------------------------------------------------


def test_get_endpoint_status(api: AsteriskRealtimeAPI) -> None:
    status = api.get_endpoint_status("1003")
    assert status.device_state == "In use" and status.active_channels == 1
    (contact,) = status.contacts
    assert contact.status == "Reachable" and contact.roundtrip_usec == 635
    assert contact.uri == "sip:1003-0x55653a492fb0@127.0.0.1:5073"
    assert contact.user_agent == "baresip v1.0.0 (x86_64/linux)"
    assert_json(status)
    with pytest.raises(AMIActionError) as caught:
        api.get_endpoint_status("9999")
    assert caught.value.message == "Unable to retrieve endpoint 9999"


def test_list_endpoints_and_contacts(api: AsteriskRealtimeAPI) -> None:
    endpoints = api.list_endpoints()
    assert [e.endpoint_id for e in endpoints] == ["1001", "1002"]
    assert endpoints[0].device_state == "Unavailable" and endpoints[0].contacts == ()
    contacts = api.list_contacts()
    assert contacts and all(c.uri and c.uri.startswith("sip:") for c in contacts)
    assert contacts[0].roundtrip_usec is None  # "RoundtripUsec: N/A" for unqualified contacts
    assert all(json.dumps(item.to_dict()) for item in (*endpoints, *contacts))


def test_active_channels(api: AsteriskRealtimeAPI) -> None:
    assert api.active_channels() == ()
    api.originate_call("1001", "1003", wait=True, wait_timeout=3)
    channels = api.active_channels()
    assert len(channels) == 2 and {c.state for c in channels} == {"Up"}
    assert channels[0].bridge_id == channels[1].bridge_id


def test_qualify(api: AsteriskRealtimeAPI) -> None:
    assert api.qualify("1003").message == "Endpoint found, will qualify"
    with pytest.raises(AMIActionError) as caught:
        api.qualify("9999")
    assert caught.value.message == "Unable to retrieve endpoint"


def test_command_and_get_config(api: AsteriskRealtimeAPI) -> None:
    assert api.command("core show version").startswith("Asterisk 22.10.1")
    config = api.get_config("manager.conf")
    assert [c.name for c in config.categories] == ["general", "admin", "crm"]
    general = config.category("general")
    assert general is not None and general.value("port") == "5038"
    assert general["name"] == general.get("name") == "general"  # still the plain dict of its JSON form
    assert api.get_config("manager.conf", "nosuchcategory").categories == ()
    assert [c.name for c in api.get_config("pjsip.conf", "transport-udp").categories] == ["transport-udp"]
    with pytest.raises(AMIActionError) as caught:
        api.get_config("nosuchfile.conf")
    assert caught.value.message == "Config file not found"
    assert_json(config)


def test_session_reuses_one_connection(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    with api.session():
        api.core_settings()
        api.list_endpoints()
        api.command("core show version")
    assert fake_ami.server.connections == 1
    api.core_settings()
    assert fake_ami.server.connections == 2


# -- injection: every public input is checked before any byte is sent ------------------

CRLF = "1001\r\nAction: Originate\r\nChannel: PJSIP/666"

INJECTIONS: list[tuple[str, Callable[[AsteriskRealtimeAPI], Any]]] = [
    ("from_endpoint", lambda api: api.originate_call(CRLF, "1003")),
    ("from_endpoint slash", lambda api: api.originate_call("1001/../x", "1003")),
    ("to_number", lambda api: api.originate_call("1001", "1003\r\nAction: Hangup")),
    ("to_number letters", lambda api: api.originate_call("1001", "1003@evil")),
    ("context", lambda api: api.originate_call("1001", "1003", context="x\nAction: Logoff")),
    ("callerid number", lambda api: api.originate_call("1001", "1003", callerid=("A", "1\r\nB"))),
    ("callerid string", lambda api: api.originate_call("1001", "1003", callerid='"A" <1>\r\nAction: Command')),
    ("variable name", lambda api: api.originate_call("1001", "1003", variables={"A\r\nB": "1"})),
    ("variable name chars", lambda api: api.originate_call("1001", "1003", variables={"A=B": "1"})),
    ("variable value crlf", lambda api: api.originate_call("1001", "1003", variables={"A": "1\r\nAction: Hangup"})),
    ("variable value comma", lambda api: api.originate_call("1001", "1003", variables={"A": "1,B=2"})),
    ("variable value quote", lambda api: api.originate_call("1001", "1003", variables={"A": 'x"y'})),
    ("variable value expr", lambda api: api.originate_call("1001", "1003", variables={"A": "${SHELL(id)}"})),
    ("channel_id", lambda api: api.originate_call("1001", "1003", channel_id="x\r\ny")),
    ("account_code", lambda api: api.originate_call("1001", "1003", account_code="a\nb")),
    ("timeout", lambda api: api.originate_call("1001", "1003", timeout=-1)),
    ("hangup channel", lambda api: api.hangup("PJSIP/1001\r\nAction: Originate")),
    ("hangup regex", lambda api: api.hangup("/.*/")),
    ("hangup cause", lambda api: api.hangup("PJSIP/1001-00000001", cause=999)),
    ("recording channel", lambda api: api.start_recording("PJSIP/1\n", "f")),
    ("recording traversal", lambda api: api.start_recording("PJSIP/1001-00000001", "../../etc/passwd")),
    ("recording slash", lambda api: api.start_recording("PJSIP/1001-00000001", "a/b")),
    ("recording dots", lambda api: api.start_recording("PJSIP/1001-00000001", "a..b")),
    ("recording format", lambda api: api.start_recording("PJSIP/1001-00000001", "f", format="wav\r\nX: y")),
    ("recording options", lambda api: api.start_recording("PJSIP/1001-00000001", "f", options="r(/etc/x)")),
    ("stop channel", lambda api: api.stop_recording("PJSIP/1\r\n")),
    ("stop id", lambda api: api.stop_recording("PJSIP/1001-00000001", "0x1\r\nA: b")),
    ("queue", lambda api: api.add_queue_member("support\r\nAction: X", "PJSIP/1001")),
    ("interface", lambda api: api.add_queue_member("support", "PJSIP/1001\r\nX: y")),
    ("interface shape", lambda api: api.add_queue_member("support", "1001")),
    ("member name", lambda api: api.add_queue_member("support", "PJSIP/1001", member_name="A\r\nB")),
    ("state interface", lambda api: api.add_queue_member("support", "PJSIP/1001", state_interface="x\ny")),
    ("penalty", lambda api: api.add_queue_member("support", "PJSIP/1001", penalty="1\r\n")),  # type: ignore[arg-type]
    ("paused", lambda api: api.add_queue_member("support", "PJSIP/1001", paused="yes")),  # type: ignore[arg-type]
    ("remove queue", lambda api: api.remove_queue_member("a\nb", "PJSIP/1001")),
    ("remove interface", lambda api: api.remove_queue_member("support", "PJSIP/1\n")),
    ("pause interface", lambda api: api.pause_queue_member("support", "PJSIP/1\r\n")),
    ("pause reason", lambda api: api.pause_queue_member("support", "PJSIP/1001", reason="x\r\nAction: Y")),
    ("reload module", lambda api: api.reload_module("res_pjsip.so\r\nAction: Originate")),
    ("module check", lambda api: api.module_check("x\ny")),
    ("endpoint status", lambda api: api.get_endpoint_status("1001\r\n")),
    ("qualify", lambda api: api.qualify("1001\nx")),
    ("command", lambda api: api.command("core show version\r\nAction: Originate")),
    ("config file", lambda api: api.get_config("../../etc/passwd")),
    ("config path", lambda api: api.get_config("/etc/asterisk/manager.conf")),
    ("config category", lambda api: api.get_config("pjsip.conf", "a\r\nb")),
]


@pytest.mark.parametrize("attack", [attack for _, attack in INJECTIONS], ids=[name for name, _ in INJECTIONS])
def test_injection_is_refused_before_any_byte_is_sent(
    api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle, attack: Callable[[AsteriskRealtimeAPI], Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        attack(api)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AMIInjectionError)
    assert caught.value.field
    assert fake_ami.server.received_after_login() == b""
    assert fake_ami.server.connections == 0


def test_injection_inside_a_session_sends_nothing_past_login(api: AsteriskRealtimeAPI, fake_ami: FakeAMIHandle) -> None:
    with api.session():
        for _, attack in INJECTIONS:
            with pytest.raises(ValidationError):
                attack(api)
    assert fake_ami.server.action_names() == ["Login", "Logoff"]
    assert (
        fake_ami.server.received_after_login()
        == b"Action: Logoff\r\nActionID: "
        + re.search(rb"Action: Logoff\r\nActionID: ([^\r]*)", fake_ami.server.received).group(1)
        + b"\r\n\r\n"
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (("Agent", "1001"), '"Agent" <1001>'),
        (('Ev"il\\ <x> Name', "1001"), '"Ev\\"il\\\\ <x> Name" <1001>'),
        ('"Agent" <1001>', '"Agent" <1001>'),
        ("Just A Name", '"Just A Name" <1001>'),
        (("", "+74951234567"), "<+74951234567>"),
    ],
)
def test_callerid_is_built_safely(given: Any, expected: str) -> None:
    assert build_callerid(given, "1001") == expected


def test_callerid_with_bad_number_is_refused() -> None:
    with pytest.raises(ValidationError):
        build_callerid(("A", "1001>\r\n"))
    with pytest.raises(ValidationError):
        build_callerid(('Ev"il \r\nName', "1001"))
