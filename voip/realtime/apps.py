from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    """Asterisk's realtime tables: read by Asterisk, written by ``voip.provisioning``."""

    name = "voip.realtime"
    label = "realtime"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"
