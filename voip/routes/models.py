"""Outbound routes (dial patterns to an ordered list of trunks) and inbound routes (a trunk's DID to
a destination). Written only through :mod:`voip.routes.services`, which also writes the dialplan
rows Asterisk reads (docs/routes.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from voip.trunks.models import Trunk

ROUTE_NAME_PATTERN = r"^[a-z0-9_-]{1,40}$"


class OutboundRoute(models.Model):
    name = models.CharField(
        _("name"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(ROUTE_NAME_PATTERN, _("Use lower-case letters, digits, '_' and '-'."))],
    )
    patterns = models.JSONField(_("dial patterns"), default=list, help_text=_("Asterisk patterns, e.g. 8XXXXXXXXXX"))
    strip = models.PositiveSmallIntegerField(_("digits to strip"), default=0)
    prepend = models.CharField(_("prepend"), max_length=20, blank=True)
    caller_id = models.CharField(_("caller ID"), max_length=20, blank=True)
    international = models.BooleanField(
        _("international calls"), default=False, help_text=_("The route may carry calls abroad.")
    )
    premium = models.BooleanField(_("premium-rate numbers"), default=False)
    groups = models.ManyToManyField(
        Group,
        verbose_name=_("allowed groups"),
        blank=True,
        related_name="outbound_routes",
        help_text=_("Empty: every extension may use the route."),
    )
    trunks = models.ManyToManyField(Trunk, through="OutboundRouteTrunk", related_name="outbound_routes")
    order = models.PositiveIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "crm_outbound_routes"
        ordering = ["order", "name"]
        verbose_name = _("outbound route")
        verbose_name_plural = _("outbound routes")

    def __str__(self) -> str:
        return self.name

    def trunk_names(self) -> list[str]:
        return [link.trunk.name for link in self.trunk_links.select_related("trunk").order_by("position")]


class OutboundRouteTrunk(models.Model):
    route = models.ForeignKey(OutboundRoute, on_delete=models.CASCADE, related_name="trunk_links")
    trunk = models.ForeignKey(Trunk, on_delete=models.PROTECT, related_name="route_links")
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "crm_outbound_route_trunks"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "trunk"], name="outbound_route_trunk_once"),
            models.UniqueConstraint(fields=["route", "position"], name="outbound_route_trunk_position"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id}#{self.position}"


class OutboundCallerId(models.Model):
    """A user's own caller ID on one route, instead of the route's."""

    route = models.ForeignKey(OutboundRoute, on_delete=models.CASCADE, related_name="caller_ids")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbound_caller_ids")
    caller_id = models.CharField(_("caller ID"), max_length=20)

    class Meta:
        db_table = "crm_outbound_caller_ids"
        constraints = [models.UniqueConstraint(fields=["route", "user"], name="outbound_caller_id_once")]
        verbose_name = _("user's caller ID")
        verbose_name_plural = _("users' caller IDs")

    def __str__(self) -> str:
        return self.caller_id


class InboundRoute(models.Model):
    trunk = models.ForeignKey(Trunk, on_delete=models.PROTECT, related_name="inbound_routes", verbose_name=_("trunk"))
    did = models.CharField(
        _("DID"), max_length=20, blank=True, help_text=_("E.164 number called; empty for any number of the trunk")
    )
    destination = models.JSONField(_("destination"))
    blocklist = models.JSONField(_("blocked callers"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "crm_inbound_routes"
        ordering = ["trunk__name", "did"]
        constraints = [models.UniqueConstraint(fields=["trunk", "did"], name="inbound_route_trunk_did")]
        verbose_name = _("inbound route")
        verbose_name_plural = _("inbound routes")

    def __str__(self) -> str:
        return f"{self.did or _('any number')} ({self.trunk.name})"
