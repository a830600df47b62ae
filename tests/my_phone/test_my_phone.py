from __future__ import annotations

import hashlib
import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from voip.calls.models import EndpointPresence
from voip.provisioning import services
from voip.realtime.models import PsAuth, PsContact

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)
URL = "voip:my_phone"


@pytest.fixture
def alice(client):
    user = get_user_model().objects.create_user("alice", first_name="Alice", last_name="Smith")
    client.force_login(user)
    return user


def test_login_required(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_nav_link_on_every_page(client, alice):
    html = client.get(reverse("crm:contact_list")).content.decode()
    assert f'href="{reverse(URL)}"' in html


def test_without_extension_names_the_pbx_admins(client, alice):
    admins = Group.objects.get(name="PBX admins")
    boss = get_user_model().objects.create_user("boss", first_name="Olga", last_name="Ivanova")
    boss.groups.add(admins)
    html = client.get(reverse(URL)).content.decode()
    assert "You do not have an extension yet." in html
    assert "Olga Ivanova" in html
    assert client.post(reverse(URL), {"action": "reset_password"}).status_code == 400


def test_without_extension_and_no_admins(client, alice):
    html = client.get(reverse(URL)).content.decode()
    assert "Ask a PBX administrator for one." in html


def test_shows_softphone_settings_and_status(client, alice, settings):
    settings.VOIP_PROVISIONING = {**settings.VOIP_PROVISIONING, "SIP_SERVER": "pbx.example.com", "SIP_PORT": 5070}
    services.create_transports()
    result = services.provision_extension(alice)
    PsContact.objects.create(
        id=f"{result.endpoint_id};@x",
        endpoint=result.endpoint_id,
        uri=f"sip:{result.endpoint_id}@192.0.2.7:5060",
        user_agent="Linphone/5",
        expiration_time=2000000000,
    )
    response = client.get(reverse(URL))
    info = response.context["info"]
    assert (info.server, info.port, info.username) == ("pbx.example.com", 5070, result.endpoint_id)
    assert info.transport == "UDP"
    assert info.realm == PsAuth.objects.get(id=result.endpoint_id).realm
    assert info.status == "registered" and info.enabled
    html = response.content.decode()
    assert "pbx.example.com" in html and "Linphone/5" in html and f"Extension {result.number}" in html


def test_presence_from_the_listener_wins(client, alice):
    result = services.provision_extension(alice)
    EndpointPresence.objects.create(endpoint_id=result.endpoint_id, status="in_call")
    response = client.get(reverse(URL))
    assert response.context["info"].status == "in_call"
    assert "in a call" in response.content.decode()


RESET = "voip:my_phone_reset"


def test_reset_asks_first_then_redirects_and_shows_the_password_once(client, alice, caplog):
    caplog.set_level(logging.DEBUG)
    result = services.provision_extension(alice)
    before = PsAuth.objects.get(id=result.endpoint_id).md5_cred
    page = client.get(reverse(URL)).content.decode()
    assert f'href="{reverse(RESET)}"' in page  # the button leads to a confirmation, it does not post
    confirm = client.get(reverse(RESET))
    assert confirm.status_code == 200 and "Yes, reset the password" in confirm.content.decode()
    assert PsAuth.objects.get(id=result.endpoint_id).md5_cred == before  # asking changes nothing

    posted = client.post(reverse(RESET))
    assert posted.status_code == 302 and posted["Location"] == reverse(URL)  # post/redirect/get
    shown = client.get(posted["Location"])
    password = shown.context["new_password"]
    assert password and password in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    auth = PsAuth.objects.get(id=result.endpoint_id)
    expected = hashlib.md5(f"{auth.username}:{auth.realm}:{password}".encode()).hexdigest()
    assert auth.md5_cred == expected  # the phone can register with it
    assert all(password not in str(v) for v in client.session.values())
    assert password not in caplog.text

    # Reloading the page neither resets again nor shows the password again.
    again = client.get(reverse(URL))
    assert password not in again.content.decode()
    assert PsAuth.objects.get(id=result.endpoint_id).md5_cred == expected


def test_the_password_waiting_for_the_redirect_is_for_its_user_only(client, alice):
    from django.test import Client

    services.provision_extension(alice)
    client.post(reverse(RESET))
    token = next(v for k, v in client.session.items() if k.startswith("voip-new-passwords:"))
    mallory = get_user_model().objects.create_user("mallory")
    services.provision_extension(mallory)
    thief = Client()
    thief.force_login(mallory)
    session = thief.session
    session["voip-new-passwords:my_phone"] = token
    session.save()
    assert thief.get(reverse(URL)).context["new_password"] is None


def test_reset_needs_csrf(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    services.provision_extension(alice)
    assert strict.post(reverse(RESET)).status_code == 403


def test_a_pbx_admin_without_an_extension_can_give_themself_one(client, alice):
    from voip.roles import PBX_ADMINS

    alice.groups.add(Group.objects.get(name=PBX_ADMINS))
    page = client.get(reverse(URL)).content.decode()
    assert "Give me an extension" in page and reverse("admin:auth_user_changelist") in page
    posted = client.post(reverse(URL), {"action": "give_extension"})
    assert posted.status_code == 302
    shown = client.get(reverse(URL))
    assert shown.context["internal"] is not None and shown.context["new_password"]


def test_an_agent_cannot_give_themself_an_extension(client, alice):
    assert "Give me an extension" not in client.get(reverse(URL)).content.decode()
    assert client.post(reverse(URL), {"action": "give_extension"}).status_code == 403


def test_refresh_asks_asterisk(client, alice, fake_ami, asterisk_at):
    asterisk_at(fake_ami.ami_options())
    services.provision_extension(alice, number="1003")
    response = client.get(reverse(URL), {"refresh": "1"})
    assert response.status_code == 200
    assert response.context["live_status"] == "in a call"  # recording of 1003 during a call
    assert any(a.get("Action") == "PJSIPShowEndpoint" for a in fake_ami.server.actions)


def test_refresh_with_asterisk_down_degrades(client, alice, asterisk_at, closed_port):
    asterisk_at({"AMI_PORT": closed_port})
    services.provision_extension(alice)
    response = client.get(reverse(URL), {"refresh": "1"})
    assert response.status_code == 200
    assert response.context["live_status"] == "unknown"
    assert "Could not ask Asterisk: Asterisk is unreachable" in response.content.decode()


def test_refresh_is_throttled_per_user(client, alice, fake_ami, asterisk_at, settings):
    from django.core.cache import cache

    cache.clear()
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "PHONE_REFRESH_RATE": "3/h"}
    asterisk_at(fake_ami.ami_options())
    services.provision_extension(alice, number="1003")
    codes = [client.get(reverse(URL), {"refresh": "1"}).status_code for _ in range(5)]
    asked = [a for a in fake_ami.server.actions if a.get("Action") == "PJSIPShowEndpoint"]
    assert codes == [200, 200, 200, 429, 429]
    assert len(asked) == 3  # the refused refreshes never reached Asterisk
    refused = client.get(reverse(URL), {"refresh": "1"})
    assert int(refused["Retry-After"]) >= 1
    assert "Asterisk was asked too often" in refused.content.decode()
    assert client.get(reverse(URL)).status_code == 200  # the page itself still works
    cache.clear()
