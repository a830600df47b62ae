"""The blocking AMIClient against the fake server (real recorded Asterisk bytes)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from tests.ami import transcripts as tr
from tests.fixtures_ami import FakeAMIHandle
from voip.ami import (
    AMIActionError,
    AMIAuthenticationError,
    AMIClient,
    AMIConnectionClosed,
    AMIConnectionError,
    AMIInjectionError,
    AMIPermissionDenied,
    AMITimeoutError,
)


def client_for(handle: FakeAMIHandle, **kwargs: object) -> AMIClient:
    options: dict[str, object] = {"connect_timeout": 2.0, "action_timeout": 2.0}
    options.update(kwargs)
    username = str(options.pop("username", handle.username))
    secret = str(options.pop("secret", handle.secret))
    return AMIClient(handle.host, handle.port, username, secret, **options)  # type: ignore[arg-type]


def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("auth", ["plain", "md5"])
def test_login_and_ping(fake_ami: FakeAMIHandle, auth: str) -> None:
    with client_for(fake_ami, auth=auth) as client:
        assert client.ami_version == "11.0.0"
        assert client.greeting == "Asterisk Call Manager/11.0.0"
        pong = client.ping()
        assert pong["Ping"] == "Pong"
    names = fake_ami.server.action_names()
    assert names[-1] == "Logoff"
    assert ("Challenge" in names) == (auth == "md5")
    login = next(a for a in fake_ami.server.actions if a.get("Action") == "Login")
    assert login.get("Events") == "off"
    if auth == "md5":
        assert login.get("Secret") is None and len(login["Key"]) == 32


@pytest.mark.parametrize("auth", ["plain", "md5"])
def test_failed_login_raises_authentication_error(fake_ami: FakeAMIHandle, auth: str) -> None:
    client = client_for(fake_ami, secret="wrong", auth=auth)
    with pytest.raises(AMIAuthenticationError) as caught:
        client.connect()
    error = caught.value
    assert (error.host, error.port) == (fake_ami.host, fake_ami.port)
    assert "Authentication failed" in str(error) and f"{fake_ami.host}:{fake_ami.port}" in str(error)
    assert isinstance(error, AMIConnectionError)
    assert not client.connected
    assert wait_until(lambda: fake_ami.server.sessions[-1].closed)  # Asterisk hangs up after a failed login
    client.close()  # harmless after failure


def test_refused_port_names_host_and_port() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(AMIConnectionError) as caught:
        AMIClient("127.0.0.1", port, "admin", "x", connect_timeout=2).connect()
    assert time.monotonic() - started < 2
    assert caught.value.reason == "connection refused"
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert type(caught.value) is AMIConnectionError


def test_server_that_never_greets_times_out_quickly(fake_ami_factory: Callable[..., FakeAMIHandle]) -> None:
    handle = fake_ami_factory(send_greeting=False)
    started = time.monotonic()
    with pytest.raises(AMITimeoutError) as caught:
        client_for(handle, connect_timeout=0.3).connect()
    assert time.monotonic() - started < 1.5
    assert "greeting" in caught.value.reason and str(handle.port) in str(caught.value)


def test_unanswered_action_times_out(fake_ami_factory: Callable[..., FakeAMIHandle]) -> None:
    handle = fake_ami_factory(silent_actions=["Ping"])
    with client_for(handle) as client:
        started = time.monotonic()
        with pytest.raises(AMITimeoutError):
            client.ping(timeout=0.3)
        assert time.monotonic() - started < 1.5
        # The session is still usable afterwards.
        assert client.send_action("CoreSettings")["AsteriskVersion"] == "22.10.1"


def test_action_ids_are_unique_and_correlated(fake_ami: FakeAMIHandle) -> None:
    with client_for(fake_ami) as client:
        responses = [client.ping() for _ in range(5)]
    ids = [response.action_id for response in responses]
    assert len(set(ids)) == 5 and all(ids)
    sent_ids = [a.action_id for a in fake_ami.server.actions if a.get("Action") == "Ping"]
    assert sent_ids == ids


def test_list_action_collects_items_and_complete(fake_ami: FakeAMIHandle) -> None:
    with client_for(fake_ami) as client:
        result = client.send_list_action("PJSIPShowEndpoints")
    assert result.response["EventList"] == "start"
    assert [item["ObjectName"] for item in result.items] == ["1001", "1002"]
    assert result.complete is not None and result.complete.event == "EndpointListComplete"
    assert result.list_items == 2


def test_connection_dropped_mid_list(fake_ami_factory: Callable[..., FakeAMIHandle]) -> None:
    handle = fake_ami_factory(drop_mid_list=["PJSIPShowEndpoints"])
    client = client_for(handle)
    client.connect()
    with pytest.raises(AMIConnectionClosed) as caught:
        client.send_list_action("PJSIPShowEndpoints")
    assert "closed by Asterisk" in caught.value.reason
    assert not client.connected
    client.close()


def test_command_output_and_cli_errors(fake_ami: FakeAMIHandle) -> None:
    with client_for(fake_ami) as client:
        version = client.command("core show version")
        assert version.startswith("Asterisk 22.10.1 built by")
        endpoints = client.command("pjsip show endpoints")
        assert "\n\n" in endpoints or endpoints.count("\n") > 3
        with pytest.raises(AMIActionError) as caught:
            client.command("frobnicate the widgets")
    assert "No such command 'frobnicate the widgets'" in caught.value.message


def test_action_errors_carry_asterisk_message(fake_ami: FakeAMIHandle) -> None:
    with client_for(fake_ami) as client:
        with pytest.raises(AMIActionError) as caught:
            client.send_action("NoSuchAction")
        assert caught.value.message.startswith("Invalid/unknown command: NoSuchAction.")
        with pytest.raises(AMIActionError) as bare_lf:
            client.send_list_action("PJSIPShowEndpoint", {"Endpoint": "9999"})
        assert bare_lf.value.message == "Unable to retrieve endpoint 9999"
        response = client.send_action("Hangup", {"Channel": "PJSIP/1001-0000dead"}, raise_on_error=False)
        assert response.is_error and response.message == "No such channel"


def test_permission_denied_for_restricted_user(fake_ami: FakeAMIHandle) -> None:
    crm = fake_ami.server.users["crm"]
    with client_for(fake_ami, username="crm", secret=crm.secret) as client:
        assert client.ping()["Ping"] == "Pong"  # Ping needs no class
        with pytest.raises(AMIPermissionDenied) as caught:
            client.send_action("Originate", {"Channel": "PJSIP/1001", "Exten": "1003", "Context": "from-internal"})
        with pytest.raises(AMIPermissionDenied):
            client.command("core show version")
    assert caught.value.message == "Permission denied"


def test_events_are_queued_while_waiting_for_responses(fake_ami: FakeAMIHandle) -> None:
    with client_for(fake_ami, events="call") as client:
        originate = client.send_action(
            "Originate", {"Channel": "PJSIP/1002", "Context": "from-internal", "Exten": "1003", "Priority": 1}
        )
        time.sleep(0.2)  # the OriginateResponse arrives while nobody reads
        assert client.ping()["Ping"] == "Pong"
        event = client.wait_for_event(
            lambda e: e.event == "OriginateResponse" and e.action_id == originate.action_id, timeout=1
        )
        assert event["Response"] == "Failure" and event["Reason"] == "0"
        pushed = tr.find_message(lambda raw: raw.startswith(b"Event: Newchannel"), "24")
        fake_ami.server.push_events_threadsafe(pushed)
        events = client.poll_events(0.3)
        assert [e.event for e in events] == ["Newchannel"]
        with pytest.raises(AMITimeoutError):
            client.wait_for_event(lambda e: e.event == "Never", timeout=0.2)


def test_events_off_gets_no_originate_response(fake_ami: FakeAMIHandle) -> None:
    # File 19 session B: Events: off never sees its own OriginateResponse.
    with client_for(fake_ami, events=False) as client:
        client.send_action("Originate", {"Channel": "PJSIP/1001", "Context": "from-internal", "Exten": "1003"})
        assert client.poll_events(0.3) == []


def test_injection_is_refused_before_sending(fake_ami: FakeAMIHandle) -> None:
    with client_for(fake_ami) as client:
        before = len(fake_ami.server.received)
        with pytest.raises(AMIInjectionError):
            client.send_action("Hangup", {"Channel": "PJSIP/1001\r\nAction: Originate"})
        time.sleep(0.05)
        assert len(fake_ami.server.received) == before


def test_close_is_polite_and_idempotent(fake_ami: FakeAMIHandle) -> None:
    client = client_for(fake_ami).connect()
    client.close()
    client.close()
    assert fake_ami.server.action_names()[-1] == "Logoff"
    # Closing after the server vanished does not raise either.
    other = client_for(fake_ami).connect()
    fake_ami.server.drop_connections_threadsafe()
    other.close()
    assert not other.connected


def test_send_after_connection_lost_raises_connection_closed(fake_ami: FakeAMIHandle) -> None:
    client = client_for(fake_ami).connect()
    fake_ami.server.drop_connections_threadsafe()
    with pytest.raises(AMIConnectionClosed):
        client.ping()
    with pytest.raises(AMIConnectionClosed):
        client.ping()  # stays closed, with a clear error
