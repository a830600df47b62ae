"""Webhooks and their deliveries. A delivery row is written in the same transaction as the CallLog
change it reports, so an event is never lost, whatever the receiver does; the delivery worker
(:mod:`voip.webhooks.delivery`) sends it later, in order per call."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    RINGING = "call.ringing", _("call ringing")
    ANSWERED = "call.answered", _("call answered")
    ENDED = "call.ended", _("call ended")
    MISSED = "call.missed", _("call missed")


class Webhook(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    # The HMAC key: generated, shown once when the webhook is created, never displayed again.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    events = models.JSONField(_("events"), default=list, help_text=_("the call events POSTed to the URL"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "crm_webhooks"
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")  # gave up after MAX_AGE; a PBX admin can send it again


class WebhookDelivery(models.Model):
    webhook = models.ForeignKey(Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=20, choices=WebhookEvent.choices)
    linkedid = models.CharField(_("call id"), max_length=150)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "crm_webhook_deliveries"
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["webhook", "linkedid", "id"], name="webhook_delivery_call_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.linkedid} -> {self.webhook}"
