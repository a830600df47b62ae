from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/ (Django REST framework) and its per-user tokens."""

    name = "voip.api"
    label = "api"
    verbose_name = _("VOIP")
    default_auto_field = "django.db.models.BigAutoField"
