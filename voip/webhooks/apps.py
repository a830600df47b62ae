from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Call events POSTed to the URLs a PBX admin configures: queued with the call, signed, in order."""

    name = "voip.webhooks"
    label = "webhooks"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"
