from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Who changed what in the PBX, from the admin, the API, the PBX file or a command."""

    name = "voip.audit"
    label = "audit"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"
