from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Call reports for supervisors and PBX admins (agents see their own calls)."""

    name = "voip.reports"
    label = "reports"
    verbose_name = _("Call reports")
    default_auto_field = "django.db.models.BigAutoField"
