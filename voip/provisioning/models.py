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


class PendingPjsipReload(models.Model):
    """A ``Reload res_pjsip.so`` that provisioning asked for while AMI was unreachable.

    Needed when an endpoint is created after Asterisk started and its AOR does not qualify
    (``qualify_frequency=0``): Asterisk keeps it UNAVAILABLE for queues and BLF until that reload.
    Rows are retried (and deleted on success) by every later provisioning run and by
    ``setup_asterisk_realtime --reload-pjsip``.
    """

    reason = models.CharField(_("reason"), max_length=255)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("pending PJSIP reload")
        verbose_name_plural = _("pending PJSIP reloads")
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M} {self.reason}"
