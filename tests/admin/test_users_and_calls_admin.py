"""Users admin: "Give an extension" through the provisioning service; the read-only calls admin."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from voip.calls.models import CallLog
from voip.provisioning.models import InternalNumber
from voip.realtime.models import PsAuth, PsEndpoint

# Both aliases: on SQLite (Option A) they are two connections to one file, so commit for real.
pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)

USERS = "admin:auth_user_changelist"


def staff(username: str, *codenames: str):
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user", *codenames]))
    return user


def test_give_extension_provisions_and_shows_the_password_once(client):
    client.force_login(staff("pbxadmin", "provision_extensions"))
    agent = get_user_model().objects.create_user("ivan", first_name="Ivan", last_name="Petrov")
    posted = client.post(reverse(USERS), {"action": "give_extensions", "_selected_action": [agent.pk]})
    assert posted.status_code == 302  # post/redirect/get: a reload of the page posts nothing
    response = client.get(posted["Location"])
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    number = InternalNumber.objects.get(user=agent).number
    [(label, password)] = response.context["passwords"]
    assert label == f"{number} (ivan)" and password in response.content.decode()
    auth = PsAuth.objects.get(id=number)
    assert auth.md5_cred == hashlib.md5(f"{number}:{auth.realm}:{password}".encode()).hexdigest()
    assert PsEndpoint.objects.get(id=number).callerid == f'"Ivan Petrov" <{number}>'
    # A second time: the same extension, and no password shown again.
    again = client.post(reverse(USERS), {"action": "give_extensions", "_selected_action": [agent.pk]}, follow=True)
    assert "passwords" not in again.context
    assert InternalNumber.objects.filter(user=agent).count() == 1
    notices = [str(message) for message in again.context["messages"]]
    assert notices == [f"ivan already has extension {number}"], notices


def test_give_extension_needs_the_provisioning_permission(client):
    client.force_login(staff("helpdesk"))
    agent = get_user_model().objects.create_user("ivan")
    page = client.get(reverse(USERS))
    assert "give_extensions" not in page.content.decode()
    client.post(reverse(USERS), {"action": "give_extensions", "_selected_action": [agent.pk]})
    assert not InternalNumber.objects.filter(user=agent).exists()


def test_calls_admin_is_read_only_and_open_to_supervisors(client):
    supervisor = staff("sam", "view_all_calls")
    agent = staff("alice")
    CallLog.objects.create(
        linkedid="1795816568.4",
        direction="inbound",
        caller_number="+74951234567",
        callee_number="1001",
        started_at=timezone.now(),
        disposition="answered",
    )
    client.force_login(supervisor)
    listing = client.get(reverse("admin:calls_calllog_changelist"))
    assert listing.status_code == 200 and "+7 495 123-45-67" in listing.content.decode()
    assert client.get(reverse("admin:calls_calllog_add")).status_code == 403
    client.force_login(agent)
    assert client.get(reverse("admin:calls_calllog_changelist")).status_code == 403


def test_reset_password_from_the_auths_list_shows_it_once(client):
    from voip.provisioning import services

    client.force_login(staff("pbxadmin", "provision_extensions", "view_psauth"))
    number = services.provision_extension(get_user_model().objects.create_user("ivan")).endpoint_id
    old_cred = PsAuth.objects.get(id=number).md5_cred
    response = client.post(
        reverse("admin:realtime_psauth_changelist"),
        {"action": "reset_passwords", "_selected_action": [number], "confirmed": "yes"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("admin:realtime_psauth_new_passwords"), 302)]
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    [(label, password)] = response.context["passwords"]
    auth = PsAuth.objects.get(id=number)
    assert label == number and auth.md5_cred != old_cred
    assert auth.md5_cred == hashlib.md5(f"{number}:{auth.realm}:{password}".encode()).hexdigest()
