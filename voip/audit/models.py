from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditSource(models.TextChoices):
    ADMIN = "admin", _("admin")
    API = "api", _("API")
    PBX_FILE = "pbx_file", _("PBX file")
    COMMAND = "command", _("command")
    WEB = "web", _("CRM pages")
    SYSTEM = "system", _("system")


class AuditEntry(models.Model):
    """One change to the PBX. ``changes`` maps a field to ``[before, after]``; secrets are masked."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too: the entry must still say who after the user is deleted.
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    source = models.CharField(_("from"), max_length=10, choices=AuditSource.choices)
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=40, db_index=True)
    object_id = models.CharField(_("object"), max_length=150, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        db_table = "crm_audit_log"
        ordering = ["-at", "-id"]
        verbose_name = _("PBX change")
        verbose_name_plural = _("PBX audit log")

    def __str__(self) -> str:
        return f"{self.actor_label or '-'} {self.action} {self.object_type} {self.object_id}"
