"""The PBX audit log: who, when, from where, what changed; secrets masked; PBX admins read it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from voip.api.tokens import api_token_create
from voip.audit.models import AuditEntry
from voip.audit.services import audit_context, audit_record, masked
from voip.provisioning import services as provisioning

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"])


def _user(username: str, role: str, **extra):
    user = get_user_model().objects.create_user(username, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_secrets_are_masked():
    assert masked({"password": ["a", "b"], "md5_cred": [1, 2], "host": ["x", "y"], "outbound_password": [1, 2]}) == {
        "password": ["***", "***"],
        "md5_cred": ["***", "***"],
        "host": ["x", "y"],
        "outbound_password": ["***", "***"],
    }


def test_a_change_through_the_api_names_the_tokens_user_and_never_the_password():
    admin = _user("pbx", "PBX admins")
    alice = get_user_model().objects.create_user("alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=admin, name='ops')[1]}")
    given = client.post("/api/v1/extensions/", {"user": "alice"}, format="json").json()
    reset = client.post(f"/api/v1/extensions/{given['endpoint_id']}/reset-password/").json()
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.source, e.actor, e.object_id) for e in entries] == [
        ("created", "api", admin, given["endpoint_id"]),
        ("password_reset", "api", admin, given["endpoint_id"]),
    ]
    assert entries[0].changes["user"] == [None, alice.username]
    logged = str([entry.changes for entry in entries])
    assert given["password"] not in logged and reset["password"] not in logged


def test_an_admin_action_is_logged_as_the_admins():
    admin = _user("pbx", "PBX admins", is_staff=True)
    endpoint_id = provisioning.provision_extension(get_user_model().objects.create_user("bob")).endpoint_id
    AuditEntry.objects.all().delete()
    from django.test import Client

    client = Client()
    client.force_login(admin)
    client.post(
        reverse("admin:realtime_psendpoint_changelist"),
        {"action": "disable_extensions", "_selected_action": [endpoint_id]},
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.source, entry.actor_label) == ("disabled", "admin", "pbx")


def test_outside_a_request_it_is_the_system_or_who_the_context_names():
    provisioning.provision_extension(get_user_model().objects.create_user("carol"))
    assert AuditEntry.objects.get().source == "system"
    with audit_context(source="pbx_file", label="deploy@ci"):
        audit_record(action="updated", object_type="trunk", object_id="carrier1", changes={"password": ["a", "b"]})
    entry = AuditEntry.objects.latest("id")
    assert (entry.source, entry.actor_label, entry.changes) == ("pbx_file", "deploy@ci", {"password": ["***", "***"]})


@pytest.mark.parametrize(("role", "status"), [("PBX admins", 200), ("Supervisors", 403), ("Agents", 403)])
def test_pbx_admins_read_the_log(client, role, status):
    client.force_login(_user("someone", role, is_staff=True))
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == status
