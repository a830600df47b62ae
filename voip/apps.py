from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoipConfig(AppConfig):
    name = "voip"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import roles

        roles.connect_signals()
