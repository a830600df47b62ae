from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrunksConfig(AppConfig):
    """SIP providers: one Trunk per provider, written to Asterisk as endpoint, auth, AOR,
    registration and identify rows together."""

    name = "voip.trunks"
    label = "trunks"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"
