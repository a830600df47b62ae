from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InternalNumber(models.Model):
    """A CRM user's extension. Links to the realtime rows by ``endpoint_id``: the two live in
    different databases (Option B), so there is no foreign key across them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="internal_number",
    )
    number = models.CharField(_("extension"), max_length=40, unique=True)
    endpoint_id = models.CharField(_("endpoint id"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("internal number")
        verbose_name_plural = _("internal numbers")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.user})"


class PendingAsteriskAction(models.Model):
    """An AMI action the notifier (:mod:`voip.provisioning.notifier`) could not send: AMI was down.

    One row per action (``Reload`` of ``res_pjsip.so``, a ``SorceryMemoryCacheExpireObject``,
    a transport lookup, ...), with the change that needed it. Sent (and deleted) by the next
    notification and by ``setup_asterisk_realtime --reload-pjsip``; listed read-only in the admin.
    """

    action = models.CharField(_("AMI action"), max_length=64)
    headers = models.JSONField(_("headers"), default=list, blank=True)  # [[name, value], ...]
    reason = models.CharField(_("reason"), max_length=255)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("pending Asterisk action")
        verbose_name_plural = _("pending Asterisk actions")
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M} {self.action} ({self.reason})"
