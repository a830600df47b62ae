"""The CRM's record of a SIP provider. Asterisk's rows for it (``ps_endpoints``, ``ps_auths``,
``ps_aors``, ``ps_registrations``, ``ps_endpoint_id_ips``) are derived from it by the trunk services
and share its name as their id; the password lives only in ``ps_auths``."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

TRUNK_NAME_PATTERN = r"^[a-z0-9_-]{1,40}$"


class DtmfMode(models.TextChoices):
    RFC4733 = "rfc4733", _("RFC 4733 (out of band)")
    INBAND = "inband", _("in band")
    INFO = "info", _("SIP INFO")
    AUTO = "auto", _("automatic")


class NumberFormat(models.TextChoices):
    """How the provider wants the called number: the route's result is converted to this."""

    E164 = "e164", _("E.164 with +")
    E164_DIGITS = "e164_digits", _("E.164 without +")
    AS_DIALLED = "as_dialled", _("as the route leaves it")


class Trunk(models.Model):
    name = models.CharField(
        _("name"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(TRUNK_NAME_PATTERN, _("Use lower-case letters, digits, '_' and '-'."))],
    )
    host = models.CharField(_("host"), max_length=255, help_text=_("host or host:port of the provider"))
    transport = models.CharField(_("transport"), max_length=40, blank=True)
    username = models.CharField(
        _("username"), max_length=80, blank=True, help_text=_("empty for a trunk authenticated by address")
    )
    register = models.BooleanField(_("register"), default=False)
    from_user = models.CharField(_("From user"), max_length=80, blank=True)
    from_domain = models.CharField(_("From domain"), max_length=255, blank=True)
    match = models.JSONField(
        _("inbound addresses"), default=list, blank=True, help_text=_("addresses or CIDRs its calls come from")
    )
    codecs = models.JSONField(_("codecs"), default=list, blank=True)
    max_channels = models.PositiveIntegerField(_("concurrent calls"), null=True, blank=True)
    number_format = models.CharField(
        _("number format"), max_length=20, choices=NumberFormat.choices, default=NumberFormat.E164
    )
    qualify_frequency = models.PositiveIntegerField(_("health check every, s"), default=60)
    external_address = models.CharField(_("external address (NAT)"), max_length=255, blank=True)
    dtmf_mode = models.CharField(_("DTMF mode"), max_length=10, choices=DtmfMode.choices, default=DtmfMode.RFC4733)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "crm_trunks"
        ordering = ["name"]
        verbose_name = _("trunk")
        verbose_name_plural = _("trunks")

    def __str__(self) -> str:
        return self.name
