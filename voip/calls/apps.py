from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    """Calls as the CRM sees them: CallLog, endpoint presence, screen pop."""

    name = "voip.calls"
    label = "calls"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"
