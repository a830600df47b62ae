"""Telephony permissions that belong to no single table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TelephonyAccess(models.Model):
    """Holds permissions only (no table). Roles in ``voip.roles`` grant them."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("telephony access")
        permissions = [
            ("provision_extensions", _("Can create, change and remove extensions")),
            ("configure_pbx", _("Can configure and reload the PBX")),
            ("place_calls", _("Can place calls from their own extension")),
            ("view_all_calls", _("Can see every call and contact")),
            ("listen_all_recordings", _("Can listen to every recording")),
            ("handle_all_missed_calls", _("Can list and mark every agent's missed calls")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
