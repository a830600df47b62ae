"""The webhooks admin: PBX admins only; the signing secret shown once; the delivery log."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from voip.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


def _staff(role: str):
    user = get_user_model().objects.create_user(role.lower().replace(" ", ""), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_a_new_webhook_shows_its_secret_once(client):
    client.force_login(_staff("PBX admins"))
    response = client.post(
        reverse("admin:webhooks_webhook_add"),
        {"name": "crm", "url": "https://crm.example/hook", "events": ["call.ringing", "call.ended"], "is_active": "on"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:webhooks_webhook_secret")
    webhook = Webhook.objects.get()
    assert webhook.events == ["call.ringing", "call.ended"] and len(webhook.secret) >= 40
    shown = client.get(response["Location"])
    assert webhook.secret in shown.content.decode() and "no-store" in shown["Cache-Control"]
    assert webhook.secret not in client.get(response["Location"]).content.decode()  # once
    for page in (
        reverse("admin:webhooks_webhook_changelist"),
        reverse("admin:webhooks_webhook_change", args=[webhook.pk]),
    ):
        assert webhook.secret not in client.get(page).content.decode()


def test_new_secret_replaces_it_and_shows_it_once(client):
    client.force_login(_staff("PBX admins"))
    webhook = Webhook.objects.create(name="crm", url="https://crm.example/hook", events=[], secret="old")
    response = client.post(
        reverse("admin:webhooks_webhook_changelist"), {"action": "new_secret", "_selected_action": [webhook.pk]}
    )
    webhook.refresh_from_db()
    assert webhook.secret != "old" and webhook.secret in client.get(response["Location"]).content.decode()


def test_a_non_http_url_is_refused(client):
    client.force_login(_staff("PBX admins"))
    response = client.post(
        reverse("admin:webhooks_webhook_add"), {"name": "x", "url": "ftp://crm.example/hook", "events": ["call.ended"]}
    )
    assert response.status_code == 200 and not Webhook.objects.exists()


def test_failed_deliveries_can_be_sent_again(client):
    client.force_login(_staff("PBX admins"))
    webhook = Webhook.objects.create(name="crm", url="https://crm.example/hook", events=[], secret="s")
    failed = WebhookDelivery.objects.create(
        webhook=webhook,
        event="call.ended",
        linkedid="1",
        payload={},
        status=DeliveryStatus.FAILED,
        next_attempt_at="2026-01-01T00:00Z",
    )
    listed = client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    assert listed.status_code == 200 and "call ended" in listed.content.decode()
    client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"), {"action": "send_again", "_selected_action": [failed.pk]}
    )
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.PENDING


@pytest.mark.parametrize("role", ["Agents", "Supervisors"])
def test_other_roles_cannot_see_webhooks(client, role):
    client.force_login(_staff(role))
    assert client.get(reverse("admin:webhooks_webhook_changelist")).status_code == 403
    assert client.get(reverse("admin:webhooks_webhookdelivery_changelist")).status_code == 403
