from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallCentreConfig(AppConfig):
    """Queues, their agents, pause reasons, the agent panel and the wallboard."""

    name = "voip.callcentre"
    label = "callcentre"
    verbose_name = _("Call centre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from voip.callcentre import destinations

        destinations.register_kinds()
