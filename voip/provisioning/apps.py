from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    """Extensions of CRM users: the CRM side of the link to ``ps_endpoints``."""

    name = "voip.provisioning"
    label = "provisioning"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from voip.provisioning import signals

        signals.connect()
