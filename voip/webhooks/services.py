"""Writes of webhooks: queueing call events (inside the CallLog transaction) and admin requeues."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .events import call_events, call_payload
from .models import DeliveryStatus, Webhook, WebhookDelivery


def webhook_secret_generate() -> str:
    return secrets.token_urlsafe(32)


def webhook_create(*, name: str, url: str, events: list[str]) -> tuple[Webhook, str]:
    """A new webhook and its signing secret (returned once, for the admin to show once)."""
    webhook = Webhook(name=name, url=url, events=events, secret=webhook_secret_generate())
    webhook.full_clean()
    webhook.save()
    return webhook, webhook.secret


@transaction.atomic
def webhook_secrets_renew(*, webhooks: Iterable[Webhook]) -> list[Webhook]:
    """A new signing secret for each webhook (each returned with it, for the admin to show once)."""
    renewed = list(webhooks)
    for webhook in renewed:
        webhook.secret = webhook_secret_generate()
        webhook.save(update_fields=["secret"])
    return renewed


def webhook_deliveries_enqueue(*, changes: Iterable[tuple[str, Mapping[str, Any] | None, Mapping[str, Any]]]) -> int:
    """Queue the events of CallLog changes ``(linkedid, state before or None, state after)``.

    Called inside the transaction that writes those CallLogs: the events are committed with the
    calls, or not at all. Returns the number of deliveries queued.
    """
    webhooks = list(Webhook.objects.filter(is_active=True).only("pk", "events"))
    if not webhooks:
        return 0
    changes = list(changes)
    agent_ids: set[int] = {int(after["agent_id"]) for _, _, after in changes if after.get("agent_id")}
    usernames = (
        {user.pk: user.get_username() for user in get_user_model().objects.filter(pk__in=agent_ids)}
        if agent_ids
        else {}
    )
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for linkedid, before, after in changes:
        for event in call_events(before, after):
            payload = call_payload(event, linkedid, after, agent_username=usernames.get(after.get("agent_id") or 0, ""))
            rows.extend(
                WebhookDelivery(
                    webhook_id=webhook.pk, event=event, linkedid=linkedid, payload=payload, next_attempt_at=now
                )
                for webhook in webhooks
                if event in webhook.events
            )
    WebhookDelivery.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def webhook_deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    """Send failed (or still pending) deliveries again at once."""
    return (
        WebhookDelivery.objects.filter(pk__in=list(delivery_ids))
        .exclude(status=DeliveryStatus.DELIVERED)
        .update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())
    )
