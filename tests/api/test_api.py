"""The REST API: every endpoint for each role, refusals included; tokens; errors that name the field."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from crm.models import Company, Contact
from tests.calls.test_click_to_call_view import originates
from tests.calls.ui_support import make_agent, voip_settings
from voip.api.models import ApiToken
from voip.api.tokens import api_token_create
from voip.calls.models import CallLog
from voip.provisioning import services as provisioning
from voip.provisioning.models import InternalNumber

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"])

ROLES = ["Agents", "Supervisors", "PBX admins"]
T0 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


def _user(username: str, role: str | None = None):
    user = get_user_model().objects.create_user(username)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def data():
    owner = _user("owner", "Agents")
    acme = Company.objects.create(name="Acme", phone="+74950000000")
    mine = Contact.objects.create(first_name="Olga", last_name="Owned", phone="+74951234568", owner=owner, company=acme)
    free = Contact.objects.create(first_name="Una", last_name="Nobody", phone="8 (495) 123-45-67")
    own_call = CallLog.objects.create(
        linkedid="own.1", direction="inbound", caller_number="+74951234568", agent=owner, started_at=T0
    )
    other_call = CallLog.objects.create(
        linkedid="other.1", direction="outbound", callee_number="+74951111111", started_at=T0
    )
    return {"owner": owner, "acme": acme, "mine": mine, "free": free, "own_call": own_call, "other_call": other_call}


def test_anonymous_and_roleless_users_get_nothing(data):
    anonymous = _client()
    for url in ("/api/v1/contacts/", "/api/v1/calls/", "/api/v1/extensions/", "/api/v1/companies/", "/api/v1/tokens/"):
        assert anonymous.get(url).status_code in (401, 403), url
    roleless = _client(_user("nobody"))
    assert roleless.get("/api/v1/contacts/").status_code == 403
    assert roleless.get("/api/v1/companies/").status_code == 403
    assert roleless.get("/api/v1/extensions/").status_code == 403
    assert roleless.get("/api/v1/calls/").json()["results"] == []  # no call is theirs
    assert roleless.post("/api/v1/click-to-call/", {"number": "+74951234567"}).status_code == 403


@pytest.mark.parametrize(
    ("role", "sees_all_contacts", "sees_all_calls"),
    [("Agents", False, False), ("Supervisors", True, True), ("PBX admins", True, True)],
)
def test_reads_follow_the_pages_rules(data, role, sees_all_contacts, sees_all_calls):
    user = data["owner"] if role == "Agents" else _user("reader", role)
    client = _client(user)
    names = {row["last_name"] for row in client.get("/api/v1/contacts/").json()["results"]}
    assert names == {"Owned", "Nobody"} if (sees_all_contacts or role == "Agents") else names == {"Nobody"}
    other_agent = _client(_user("other", "Agents"))
    assert {row["last_name"] for row in other_agent.get("/api/v1/contacts/").json()["results"]} == {"Nobody"}
    assert other_agent.get(f"/api/v1/contacts/{data['mine'].pk}/").status_code == 404
    calls = {row["linkedid"] for row in client.get("/api/v1/calls/").json()["results"]}
    assert calls == ({"own.1", "other.1"} if sees_all_calls else {"own.1"})


def test_search_finds_a_contact_by_any_spelling_of_its_number(data):
    client = _client(_user("boss", "Supervisors"))
    for typed in ("+7 495 123-45-67", "84951234567", "4951234567"):
        found = client.get("/api/v1/contacts/", {"search": typed}).json()["results"]
        assert [row["last_name"] for row in found] == ["Nobody"], typed
    assert client.get("/api/v1/contacts/", {"search": "olga"}).json()["results"][0]["last_name"] == "Owned"


def test_contacts_are_written_through_the_services_and_bad_fields_are_named(data):
    agent = _client(data["owner"])
    created = agent.post("/api/v1/contacts/", {"first_name": "New", "phone": "8 916 000-00-01"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["phone_e164"] == "+79160000001" and body["owner"] == data["owner"].pk  # the creator owns it
    bad = agent.post("/api/v1/contacts/", {"first_name": "", "phone": "12ab", "email": "x"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"first_name", "phone", "email"}
    given_away = agent.post("/api/v1/contacts/", {"first_name": "X", "owner": _user("someone").pk}, format="json")
    assert given_away.status_code == 400 and "owner" in given_away.json()
    changed = agent.patch(f"/api/v1/contacts/{data['free'].pk}/", {"notes": "called back"}, format="json")
    assert changed.status_code == 200 and Contact.objects.get(pk=data["free"].pk).notes == "called back"
    assert agent.delete(f"/api/v1/contacts/{data['free'].pk}/").status_code == 403  # no role may delete
    pbx_admin = _client(_user("pbx", "PBX admins"))  # sees contacts, may not change them
    assert pbx_admin.patch(f"/api/v1/contacts/{data['free'].pk}/", {"notes": "x"}, format="json").status_code == 403


def test_companies_need_their_permissions(data):
    agent = _client(data["owner"])
    assert agent.get("/api/v1/companies/").status_code == 200
    assert agent.post("/api/v1/companies/", {"name": "Beta"}, format="json").status_code == 403
    boss = _client(_user("boss", "Supervisors"))
    created = boss.post("/api/v1/companies/", {"name": "Beta", "phone": "+74952222222"}, format="json")
    assert created.status_code == 201 and created.json()["phone_e164"] == "+74952222222"
    assert boss.post("/api/v1/companies/", {"name": "Bad", "phone": "zz"}, format="json").json() == {
        "phone": ["Enter a phone number, e.g. +7 495 123-45-67."]
    }


def test_calls_filter_and_recordings_are_permission_checked(data, tmp_path, settings):
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "RECORDINGS_ROOT": str(tmp_path)}
    (tmp_path / "own.wav").write_bytes(b"RIFFdata")
    CallLog.objects.filter(pk=data["own_call"].pk).update(recording_file="own.wav")
    boss = _client(_user("boss", "Supervisors"))
    inbound = boss.get("/api/v1/calls/", {"direction": "inbound"}).json()["results"]
    assert [row["linkedid"] for row in inbound] == ["own.1"] and inbound[0]["agent"] == "owner"
    assert boss.get("/api/v1/calls/", {"agent": "owner"}).json()["results"][0]["has_recording"] is True
    later = (T0 + dt.timedelta(hours=1)).isoformat()
    assert boss.get("/api/v1/calls/", {"started_after": later}).json()["results"] == []
    assert boss.get("/api/v1/calls/", {"started_after": "yesterday"}).status_code == 400
    download = boss.get(f"/api/v1/calls/{data['own_call'].pk}/recording/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"RIFFdata"
    other_agent = _client(_user("other", "Agents"))
    assert other_agent.get(f"/api/v1/calls/{data['own_call'].pk}/recording/").status_code == 404  # not theirs
    assert _client(data["owner"]).get(f"/api/v1/calls/{data['own_call'].pk}/recording/").status_code == 200
    assert boss.get(f"/api/v1/calls/{data['other_call'].pk}/recording/").status_code == 404  # none recorded


@pytest.mark.parametrize("role", ["Agents", "Supervisors"])
def test_extensions_are_for_pbx_admins_only(role):
    client = _client(_user("someone", role))
    assert client.get("/api/v1/extensions/").status_code == 403
    assert client.post("/api/v1/extensions/", {"user": "someone"}, format="json").status_code == 403


def test_a_pbx_admin_gives_disables_enables_and_resets_an_extension():
    client = _client(_user("pbx", "PBX admins"))
    alice = _user("alice")
    given = client.post("/api/v1/extensions/", {"user": "alice"}, format="json")
    assert given.status_code == 201 and given["Cache-Control"] == "no-store"
    endpoint_id, password = given.json()["endpoint_id"], given.json()["password"]
    assert password and InternalNumber.objects.get(user=alice).endpoint_id == endpoint_id
    assert client.post("/api/v1/extensions/", {"user": "alice"}, format="json").json() == {
        "user": ["This user already has an extension."]
    }
    assert "user" in client.post("/api/v1/extensions/", {"user": "ghost"}, format="json").json()
    listed = client.get("/api/v1/extensions/").json()["results"]
    assert listed == [
        {
            "endpoint_id": endpoint_id,
            "number": listed[0]["number"],
            "user": "alice",
            "is_active": True,
            "created_at": listed[0]["created_at"],
        }
    ]
    assert "password" not in str(listed)
    assert client.post(f"/api/v1/extensions/{endpoint_id}/disable/").json()["is_active"] is False
    assert provisioning.is_extension_enabled(endpoint_id) is False
    assert client.post(f"/api/v1/extensions/{endpoint_id}/enable/").json()["is_active"] is True
    reset = client.post(f"/api/v1/extensions/{endpoint_id}/reset-password/").json()
    assert reset["password"] and reset["password"] != password


def test_click_to_call_needs_the_permission_and_an_extension(data):
    agent = _client(data["owner"])
    refused = agent.post("/api/v1/click-to-call/", {"number": "+74951234567"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "no_extension")
    assert agent.post("/api/v1/click-to-call/", {}, format="json").json() == {"number": ["This field is required."]}
    assert _client(_user("pbx", "PBX admins")).get("/api/v1/click-to-call/").status_code == 405


def test_click_to_call_rings_the_users_own_extension(settings, fake_ami):
    settings.VOIP = voip_settings(fake_ami.ami_options())
    agent = make_agent("alice", "1001")
    placed = _client(agent).post("/api/v1/click-to-call/", {"number": "+7 (495) 123-45-67"}, format="json")
    assert placed.status_code == 202, placed.content
    [originate] = originates(fake_ami.server)
    assert originate.get("Channel") == "PJSIP/1001" and originate.get("ChannelId") == placed.json()["channel_id"]
    assert (
        _client(agent).post("/api/v1/click-to-call/", {"number": "x\r\nAction: Logoff"}, format="json").status_code
        == 400
    )


def test_tokens_are_shown_once_stored_hashed_revocable_and_made_only_in_a_session(data):
    session = _client(data["owner"])
    made = session.post("/api/v1/tokens/", {"name": "my script"}, format="json")
    assert made.status_code == 201 and made["Cache-Control"] == "no-store"
    raw = made.json()["token"]
    stored = ApiToken.objects.get()
    assert raw not in (stored.key_hash, stored.prefix) and raw.startswith("dar_" + stored.prefix + "_")
    assert "token" not in session.get("/api/v1/tokens/").json()["results"][0]

    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_token.get("/api/v1/calls/").json()["results"][0]["linkedid"] == "own.1"  # as its user
    assert by_token.post("/api/v1/tokens/", {"name": "another"}, format="json").status_code == 403
    ApiToken.objects.filter(pk=stored.pk).update(last_used_at=None)
    by_token.get("/api/v1/calls/")
    assert ApiToken.objects.get().last_used_at is not None

    other = _client(_user("other", "Agents"))
    assert other.delete(f"/api/v1/tokens/{stored.pk}/").status_code == 404  # not theirs
    assert session.delete(f"/api/v1/tokens/{stored.pk}/").status_code == 204
    assert by_token.get("/api/v1/calls/").status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION=f"Bearer {raw[:-1]}x")
    assert wrong.get("/api/v1/calls/").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(data):
    _, raw = api_token_create(user=data["owner"], name="x")
    data["owner"].is_active = False
    data["owner"].save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/calls/").status_code == 401


def test_requests_are_throttled_per_token(data, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api": "3/min"},
    }
    from rest_framework.settings import api_settings

    api_settings.reload()
    from voip.api.throttling import PerTokenRateThrottle

    PerTokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        first = APIClient()
        first.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=data['owner'], name='a')[1]}")
        second = APIClient()
        second.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=data['owner'], name='b')[1]}")
        assert [first.get("/api/v1/calls/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert second.get("/api/v1/calls/").status_code == 200  # its own budget
    finally:
        settings.REST_FRAMEWORK = settings.REST_FRAMEWORK
        api_settings.reload()
        PerTokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_cursor_pages(data):
    for index in range(5):
        Contact.objects.create(first_name=f"Extra{index}")
    client = _client(_user("boss", "Supervisors"))
    first = client.get("/api/v1/contacts/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    names = [row["first_name"] for row in first["results"] + second["results"]]
    assert len(first["results"]) == 3 and len(names) == len(set(names)) == 6


def test_the_schema_validates_and_the_docs_load_nothing_from_outside(client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    client.force_login(_user("boss", "Supervisors"))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/calls/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert any("swagger-ui-bundle.js" in asset for asset in assets)
    assert all(asset.startswith("/static/") for asset in assets), assets  # vendored, no CDN
