"""Sending queued webhook deliveries: signed, in order per call, retried with backoff.

A delivery is due when its ``next_attempt_at`` has come and no earlier delivery of the same call to
the same webhook is still pending, so a receiver sees a call's events in the order they happened
even across its outages. A 2xx answer marks it delivered; anything else (an error status, a
refused connection, a timeout) schedules the next attempt after :func:`backoff_seconds`, and
after :data:`MAX_AGE` it is marked failed, visible in the admin, which can send it again.

Every request carries ``X-Webhook-Id`` (the delivery's id: the same on a retry, so a receiver can
drop a repeat it already processed), ``X-Webhook-Timestamp`` (Unix seconds) and
``X-Webhook-Signature: sha256=<hex>``, the HMAC-SHA256 with the webhook's secret of
``"<timestamp>.<body>"``.

The worker is a thread of its own (:class:`WebhookDeliveryThread`, started by the event listener)
with short HTTP timeouts: a slow or dead receiver never holds up the call events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time

import httpx
from django.db import close_old_connections
from django.utils import timezone

from .models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(5.0, connect=3.0)
MAX_AGE = dt.timedelta(hours=72)
MAX_BACKOFF_SECONDS = 600
BATCH = 200


def backoff_seconds(attempts: int) -> int:
    """1, 2, 4, ... seconds after the 1st, 2nd, 3rd failure, at most ten minutes."""
    return int(min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def deliver_due(*, client: httpx.Client, now: dt.datetime | None = None) -> int:
    """Send what is due now, once each; returns how many were delivered."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .select_related("webhook")
        .order_by("webhook_id", "linkedid", "id")[:BATCH]
    )
    delivered = 0
    blocked: set[tuple[int, str]] = set()  # (webhook, call) whose earlier event is not delivered yet
    for delivery in due:
        key = (delivery.webhook_id, delivery.linkedid)
        if key in blocked or _has_earlier_pending(delivery):
            blocked.add(key)
            continue
        if _send(client, delivery, now):
            delivered += 1
        else:
            blocked.add(key)
    return delivered


def _has_earlier_pending(delivery: WebhookDelivery) -> bool:
    return WebhookDelivery.objects.filter(
        webhook_id=delivery.webhook_id,
        linkedid=delivery.linkedid,
        id__lt=delivery.id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
    ).exists()


def _send(client: httpx.Client, delivery: WebhookDelivery, now: dt.datetime) -> bool:
    webhook = delivery.webhook
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "django-asterisk-realtime-webhooks",
        "X-Webhook-Id": str(delivery.pk),
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": sign(webhook.secret, timestamp, body),
    }
    status_code: int | None = None
    error = ""
    try:
        response = client.post(webhook.url, content=body, headers=headers, timeout=TIMEOUT)
        status_code = response.status_code
        if 200 <= status_code < 300:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DELIVERED,
                attempts=delivery.attempts + 1,
                delivered_at=timezone.now(),
                last_status_code=status_code,
                last_error="",
            )
            return True
        error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:255]
    attempts = delivery.attempts + 1
    gave_up = now - delivery.created_at > MAX_AGE
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_status_code=status_code,
        last_error=error,
        status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
        next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(attempts)),
    )
    logger.info(
        "webhook delivery failed",
        extra={"event": "webhook_failed", "delivery": delivery.pk, "error": error, "attempts": attempts},
    )
    return False


class WebhookDeliveryThread(threading.Thread):
    """Delivers due webhooks every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, *, interval: float = 1.0) -> None:
        super().__init__(name="voip-webhooks", daemon=True)
        self.interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        with httpx.Client(follow_redirects=False) as client:
            while not self._stopped.is_set():
                try:
                    deliver_due(client=client)  # autocommit: each delivery's outcome is kept at once
                except Exception:
                    logger.exception("webhook delivery round failed")
                finally:
                    close_old_connections()
                self._stopped.wait(self.interval)

    def stop(self) -> None:
        self._stopped.set()
