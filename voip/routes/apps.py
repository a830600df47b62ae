from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutesConfig(AppConfig):
    """Outbound routes (dial patterns to trunks), inbound routes (DIDs to destinations) and the
    registry of destinations."""

    name = "voip.routes"
    label = "routes"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from voip.routes import signals  # noqa: F401  (receivers)
        from voip.routes.kinds import register_kinds

        register_kinds()
