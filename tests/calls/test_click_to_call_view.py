"""Click-to-call (``voip:click_to_call``) against the fake AMI server."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.calls.ui_support import make_agent, make_user, voip_settings

pytestmark = pytest.mark.django_db

URL = "/voip/call/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ami_settings(settings, fake_ami):
    settings.VOIP = voip_settings(fake_ami.ami_options())
    settings.VOIP_CALLS = {
        **settings.VOIP_CALLS,
        "CLICK_TO_CALL_RATE": "10/m",
    }
    return fake_ami


def originates(server) -> list:
    deadline = time.monotonic() + 2
    found = [a for a in server.actions if (a.get("Action") or "").lower() == "originate"]
    while not found and time.monotonic() < deadline:
        time.sleep(0.02)
        found = [a for a in server.actions if (a.get("Action") or "").lower() == "originate"]
    return found


def post(client: Client, number: str, **extra):
    return client.post(URL, {"number": number}, **extra)


def test_url_name():
    assert reverse("voip:click_to_call") == URL


def test_agent_calls_a_phone_number_from_their_own_extension(client, ami_settings):
    agent = make_agent("alice", "1001", first_name="Alice", last_name="Smith")
    client.force_login(agent)
    response = post(client, "+7 (495) 123-45-67")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["ok"] is True
    assert data["dialled"] == "+74951234567"
    assert data["action_id"]
    [originate] = originates(ami_settings.server)
    assert originate.get("Channel") == "PJSIP/1001"
    assert originate.get("Exten") == "+74951234567"
    assert originate.get("Context") == "from-internal"
    assert originate.get("CallerID") == '"Alice Smith" <1001>'
    assert originate.get("ChannelId") == data["channel_id"]
    assert originate.get("ActionID") == data["action_id"]
    assert originate.get("Async", "").lower() == "true"


def test_a_name_that_would_break_the_caller_id_is_cleaned_not_refused(client, ami_settings):
    agent = make_agent("eve", "1001", first_name='Eve "The\r\nBoss"', last_name="<Admin>")
    client.force_login(agent)
    assert post(client, "+74951234567").status_code == 200
    [originate] = originates(ami_settings.server)
    assert originate.get("CallerID") == '"Eve TheBoss Admin" <1001>'


def test_endpoint_parameter_from_client_is_ignored(client, ami_settings):
    make_agent("bob", "1003")
    agent = make_agent("alice", "1001")
    client.force_login(agent)
    response = client.post(URL, {"number": "+74951234567", "from_endpoint": "1003", "endpoint": "1003"})
    assert response.status_code == 200
    [originate] = originates(ami_settings.server)
    assert originate.get("Channel") == "PJSIP/1001"


def test_outbound_context_comes_from_settings(client, settings, fake_ami):
    settings.VOIP = voip_settings(fake_ami.ami_options(OUTBOUND_CONTEXT="trunk-out"))
    client.force_login(make_agent())
    assert post(client, "+74951234567").status_code == 200
    [originate] = originates(fake_ami.server)
    assert originate.get("Context") == "trunk-out"


def test_calling_a_known_extension(client, ami_settings):
    make_agent("carol", "1003")
    client.force_login(make_agent("alice", "1001"))
    response = post(client, "1003")
    assert response.status_code == 200
    assert response.json()["dialled"] == "1003"
    [originate] = originates(ami_settings.server)
    assert originate.get("Exten") == "1003"


def test_unknown_short_number_is_refused(client, ami_settings):
    client.force_login(make_agent())
    response = post(client, "1234")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": response.json()["error"], "code": "invalid_number"}
    assert b"Originate" not in bytes(ami_settings.server.received)


def test_own_extension_is_refused(client, ami_settings):
    client.force_login(make_agent("alice", "1001"))
    response = post(client, "1001")
    assert response.status_code == 400
    assert response.json()["code"] == "own_extension"


@pytest.mark.parametrize(
    "number",
    [
        "+74951234567\r\nAction: Command\r\nCommand: core stop now",
        "+74951234567\nChannel: PJSIP/1003",
        "74951234567;x",
        "1003@from-internal",
        "PJSIP/1003",
        "+7495123456\x00",
        "${SHELL(rm -rf /)}",
        "abc",
        "",
        "+" + "1" * 60,
        "1003&1004",
    ],
)
def test_injection_attempts_never_reach_ami(client, ami_settings, number):
    make_agent("carol", "1003")
    client.force_login(make_agent("alice", "1001"))
    response = post(client, number)
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert response.json()["code"] == "invalid_number"
    assert b"Originate" not in bytes(ami_settings.server.received)
    assert b"core stop" not in bytes(ami_settings.server.received)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8 (495) 123-45-67", "+74951234567"),
        ("+7 495 123 45 67", "+74951234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_dialled_as_e164_for_the_outbound_routes(client, settings, ami_settings, typed, expected):
    # The old dial-format settings are gone: the outbound routes decide what the provider gets.
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "DIAL_FORMAT": "national", "DIAL_PREFIX": "9"}
    client.force_login(make_agent())
    response = post(client, typed)
    assert response.status_code == 200, response.content
    assert response.json()["dialled"] == expected
    [originate] = originates(ami_settings.server)
    assert originate.get("Exten") == expected


def test_anonymous_is_refused(client, ami_settings):
    response = post(client, "+74951234567")
    assert response.status_code == 401
    assert response.json()["ok"] is False
    assert ami_settings.server.connections == 0


def test_user_without_place_calls_permission_is_refused(client, ami_settings):
    user = make_user("viewer", "crm.view_contact")
    from voip.provisioning.models import InternalNumber

    InternalNumber.objects.create(user=user, number="1001", endpoint_id="1001")
    client.force_login(user)
    response = post(client, "+74951234567")
    assert response.status_code == 403
    assert ami_settings.server.connections == 0


def test_get_is_refused(client, ami_settings):
    client.force_login(make_agent())
    response = client.get(URL, {"number": "+74951234567"})
    assert response.status_code == 405
    assert ami_settings.server.connections == 0


def test_csrf_is_enforced(ami_settings):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_agent())
    response = csrf_client.post(URL, {"number": "+74951234567"})
    assert response.status_code == 403
    assert ami_settings.server.connections == 0
    # With the token (as the page's script sends it) the same request goes through.
    csrf_client.get(reverse("crm:contact_list"))
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(URL, {"number": "+74951234567"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content


def test_no_extension_gives_a_clear_error(client, ami_settings):
    client.force_login(make_agent("noext", extension=None))
    response = post(client, "+74951234567")
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "no_extension"
    assert "extension" in data["error"]
    assert ami_settings.server.connections == 0


def test_inactive_extension_is_refused(client, ami_settings):
    client.force_login(make_agent("alice", "1001", active=False))
    response = post(client, "+74951234567")
    assert response.status_code == 409
    assert response.json()["code"] == "extension_inactive"
    assert ami_settings.server.connections == 0


def test_inactive_extension_of_a_colleague_is_not_a_target(client, ami_settings):
    make_agent("carol", "1003", active=False)
    client.force_login(make_agent("alice", "1001"))
    assert post(client, "1003").status_code == 400


def test_rate_limit(client, settings, ami_settings):
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "CLICK_TO_CALL_RATE": "3/m"}
    client.force_login(make_agent())
    codes = [post(client, "+74951234567").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = post(client, "+74951234567")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert len(originates(ami_settings.server)) == 3
    # The limit is per user: a colleague can still call.
    other = Client()
    other.force_login(make_agent("bob", "1004"))
    assert post(other, "+74951234567").status_code == 200


def test_ami_down_is_a_503_not_a_500(client, settings):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    settings.VOIP = voip_settings(
        {
            "AMI_HOST": "127.0.0.1",
            "AMI_PORT": port,
            "AMI_USERNAME": "admin",
            "AMI_SECRET": "x",
            "AMI_CONNECT_TIMEOUT": 1.0,
            "AMI_ACTION_TIMEOUT": 1.0,
        }
    )
    client.force_login(make_agent())
    response = post(client, "+74951234567")
    assert response.status_code == 503
    assert response.json()["code"] == "ami_unavailable"


def test_ami_refusal_is_reported(client, settings, fake_ami):
    # The crm AMI user (write=call only in the recording's manager.conf) may Originate; a user
    # without 'originate' gets Asterisk's "Permission denied".
    from tests.ami.fake_server import AMIUser

    server = fake_ami.server
    server.users["nocall"] = AMIUser("nocall-secret", read=frozenset({"system"}), write=frozenset({"system"}))
    settings.VOIP = voip_settings(fake_ami.ami_options(AMI_USERNAME="nocall", AMI_SECRET="nocall-secret"))
    client.force_login(make_agent())
    response = post(client, "+74951234567")
    assert response.status_code == 502
    assert response.json()["code"] == "ami_refused"
    assert "Permission denied" in response.json()["error"]


def test_origination_is_recorded_before_the_originate_is_sent(client, ami_settings, fake_ami, monkeypatch):
    """A failing Originate is answered within milliseconds by an OriginateResponse that carries only
    the ActionID (transcript 13): the listener must already know whose call it is."""
    from voip.backends.asteriskbackend import AsteriskRealtimeAPI
    from voip.calls.models import PendingOrigination

    recorded_at_send = []
    real_originate = AsteriskRealtimeAPI.originate_call

    def originate_spy(self, *args, **kwargs):
        recorded_at_send.append(
            PendingOrigination.objects.filter(channel_id=kwargs["channel_id"], action_id=kwargs["action_id"]).exists()
        )
        return real_originate(self, *args, **kwargs)

    monkeypatch.setattr(AsteriskRealtimeAPI, "originate_call", originate_spy)
    client.force_login(make_agent())
    data = post(client, "+74951234567").json()
    assert recorded_at_send == [True]
    pending = PendingOrigination.objects.get(channel_id=data["channel_id"])
    assert (pending.action_id, pending.user.username, pending.dialled) == (data["action_id"], "alice", "+74951234567")
    [originate] = [a for a in fake_ami.server.actions if a.get("Action") == "Originate"]
    assert (originate.get("ActionID"), originate.get("ChannelId")) == (data["action_id"], data["channel_id"])


def test_response_is_json_per_contract(client, ami_settings):
    client.force_login(make_agent())
    response = post(client, "+74951234567")
    assert response["Content-Type"] == "application/json"
    assert set(json.loads(response.content)) == {"ok", "channel_id", "action_id", "dialled"}


def _closed_port() -> int:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_without_an_ami_secret_it_says_asterisk_is_not_configured(client, settings):
    settings.VOIP = voip_settings({"AMI_HOST": "127.0.0.1", "AMI_PORT": _closed_port(), "AMI_SECRET": ""})
    client.force_login(make_agent())
    response = post(client, "+74951234567")
    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "code": "not_configured",
        "error": "Asterisk is not configured: set ASTERISK_AMI_SECRET, see README",
    }


def test_configured_but_down_says_so_in_the_users_language(client, settings):
    port = _closed_port()
    settings.VOIP = voip_settings({"AMI_HOST": "127.0.0.1", "AMI_PORT": port, "AMI_SECRET": "x"})
    client.force_login(make_agent())
    english = post(client, "+74951234567").json()
    assert english["code"] == "ami_unavailable"
    assert english["error"] == f"Asterisk is configured but not reachable at 127.0.0.1:{port} (connection refused)."
    client.cookies["django_language"] = "ru"
    russian = post(client, "+74951234567").json()["error"]
    assert "connection refused" not in russian and "соединение отклонено" in russian


def test_failures_on_our_side_or_asterisks_do_not_use_up_the_rate_limit(client, settings, fake_ami):
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "CLICK_TO_CALL_RATE": "3/m"}
    client.force_login(make_agent())
    settings.VOIP = voip_settings({"AMI_HOST": "127.0.0.1", "AMI_PORT": _closed_port(), "AMI_SECRET": ""})
    assert [post(client, "+74951234567").status_code for _ in range(3)] == [503] * 3  # not configured
    settings.VOIP = voip_settings({"AMI_HOST": "127.0.0.1", "AMI_PORT": _closed_port(), "AMI_SECRET": "x"})
    assert [post(client, "+74951234567").status_code for _ in range(3)] == [503] * 3  # Asterisk down
    settings.VOIP = voip_settings(fake_ami.ami_options())
    assert [post(client, "+74951234567").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_users_own_mistakes_still_count(client, settings, ami_settings):
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "CLICK_TO_CALL_RATE": "2/m"}
    client.force_login(make_agent())
    assert [post(client, "not a number").status_code for _ in range(2)] == [400, 400]
    assert post(client, "+74951234567").status_code == 429
