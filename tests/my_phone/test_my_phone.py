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


def test_reset_own_password_shown_once_not_stored_not_logged(client, alice, caplog):
    caplog.set_level(logging.DEBUG)
    result = services.provision_extension(alice)
    response = client.post(reverse(URL), {"action": "reset_password"})
    assert response.status_code == 200
    password = response.context["new_password"]
    assert password and password in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    auth = PsAuth.objects.get(id=result.endpoint_id)
    expected = hashlib.md5(f"{auth.username}:{auth.realm}:{password}".encode()).hexdigest()
    assert auth.md5_cred == expected  # the phone can register with it
    assert all(password not in str(v) for v in client.session.values())
    assert password not in caplog.text
    again = client.get(reverse(URL))
    assert password not in again.content.decode()


def test_reset_needs_csrf(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    services.provision_extension(alice)
    assert strict.post(reverse(URL), {"action": "reset_password"}).status_code == 403


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
