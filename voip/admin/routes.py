"""Outbound routes (patterns, trunk order, caller ID, groups) and inbound routes (DID, destination
picker, blocklist). Every save and delete goes through ``voip.routes.services``; the forms only
turn fields into the services' arguments and put the services' errors on the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from voip.routes import services
from voip.routes.destinations import kinds
from voip.routes.models import InboundRoute, OutboundRoute
from voip.routes.services import RouteError
from voip.trunks.models import Trunk


def _lines(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line != ""]


def _char_field(form: forms.BaseForm, name: str) -> forms.CharField:
    field = form.fields[name]
    assert isinstance(field, forms.CharField)
    return field


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class OutboundRouteForm(forms.ModelForm):
    patterns_text = forms.CharField(
        label=_("dial patterns"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One Asterisk pattern per line, e.g. 8XXXXXXXXXX or +7XXXXXXXXXX."),
    )
    trunks_text = forms.CharField(
        label=_("trunks in order"),
        help_text=_("Trunk names separated by commas; the next is tried when one is unavailable or full."),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("allowed groups"), queryset=Group.objects.all(), required=False, help_text=_("Empty: everybody.")
    )

    class Meta:
        model = OutboundRoute
        fields = ("name", "strip", "prepend", "caller_id", "international", "premium", "order", "enabled")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["patterns_text"] = "\n".join(self.instance.patterns)
            self.initial["trunks_text"] = ", ".join(self.instance.trunk_names())
            self.initial["groups"] = list(self.instance.groups.all())
        self.fields["trunks_text"].help_text = _(
            "Trunk names separated by commas; the next is tried when one is unavailable or full. Trunks: %(names)s"
        ) % {"names": ", ".join(Trunk.objects.values_list("name", flat=True)) or "-"}
        _char_field(self, "patterns_text").strip = False

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name", ""),
            "patterns": _lines(data.get("patterns_text", "")),
            "trunks": [t.strip() for t in (data.get("trunks_text") or "").split(",") if t.strip()],
            "strip": data.get("strip") or 0,
            "prepend": data.get("prepend") or "",
            "caller_id": data.get("caller_id") or "",
            "international": bool(data.get("international")),
            "premium": bool(data.get("premium")),
            "groups": [g.name for g in data.get("groups") or []],
            "caller_ids": dict(self.instance.caller_ids.values_list("user__username", "caller_id"))
            if self.instance.pk
            else {},
            "order": data.get("order") or 0,
            "enabled": bool(data.get("enabled")),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if self.instance.pk and cleaned.get("name") != self.instance.name:
            self.add_error("name", _("A route's name cannot change; create a new route instead."))
            return cleaned
        try:
            services.outbound_route_validate(**self.service_arguments())
        except RouteError as exc:
            mapping = {"patterns": "patterns_text", "trunks": "trunks_text"}
            head = exc.path.split(".", 1)[0].split("[", 1)[0]
            self.add_error(mapping.get(head, head if head in self.fields else None), str(exc))
        return cleaned


@admin.register(OutboundRoute)
class OutboundRouteAdmin(admin.ModelAdmin):
    form = OutboundRouteForm
    list_display = ("name", "pattern_list", "trunk_order", "caller_id", "international", "enabled", "order")
    list_filter = ("enabled", "international")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "patterns_text", "trunks_text", "enabled", "order")}),
        (_("Number sent"), {"fields": ("strip", "prepend", "caller_id")}),
        (_("Who and where"), {"fields": ("groups", "international", "premium")}),
    )

    @admin.display(description=_("dial patterns"))
    def pattern_list(self, obj: OutboundRoute) -> str:
        return ", ".join(obj.patterns)

    @admin.display(description=_("trunks in order"))
    def trunk_order(self, obj: OutboundRoute) -> str:
        return " → ".join(obj.trunk_names())

    def save_model(self, request: HttpRequest, obj: OutboundRoute, form: Any, change: bool) -> None:
        saved = services.outbound_route_save(**form.service_arguments())
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # the service wrote groups and trunks

    def delete_model(self, request: HttpRequest, obj: OutboundRoute) -> None:
        services.outbound_route_delete(name=obj.name)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OutboundRoute]) -> None:
        for name in list(queryset.values_list("name", flat=True)):
            services.outbound_route_delete(name=name)


def _kind_choices() -> list[tuple[str, Any]]:
    return [(key, kind.label) for key, kind in sorted(kinds().items())]


def _destination_value(kind: str, target: str) -> Any:
    return True if kind == "hangup" else target


class InboundRouteForm(forms.ModelForm):
    destination_kind = forms.ChoiceField(label=_("destination"), choices=())
    destination_target = forms.CharField(
        label=_("extension, user or name"),
        required=False,
        help_text=_("The extension number, the username, or the name of the queue or group."),
    )
    owner_timeout = forms.IntegerField(
        label=_("ring the owner for, s"), min_value=1, max_value=300, initial=20, required=False
    )
    fallback_kind = forms.ChoiceField(label=_("then"), choices=(), required=False)
    fallback_target = forms.CharField(label=_("extension, user or name"), required=False)
    blocklist_text = forms.CharField(
        label=_("blocked callers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One phone number per line; these callers are refused before any phone rings."),
    )

    class Meta:
        model = InboundRoute
        fields = ("trunk", "did")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _kind_choices()
        _choice_field(self, "destination_kind").choices = choices
        _choice_field(self, "fallback_kind").choices = [("", "-"), *[c for c in choices if c[0] != "contact_owner"]]
        _char_field(self, "blocklist_text").strip = False
        if self.instance.pk and not self.is_bound:
            ((kind, value),) = self.instance.destination.items()
            self.initial["destination_kind"] = kind
            if kind == "contact_owner":
                self.initial["owner_timeout"] = value.get("timeout", 20)
                ((fallback_kind, fallback_value),) = value["fallback"].items()
                self.initial["fallback_kind"] = fallback_kind
                self.initial["fallback_target"] = "" if fallback_value is True else fallback_value
            elif value is not True:
                self.initial["destination_target"] = value
            self.initial["blocklist_text"] = "\n".join(self.instance.blocklist)

    def destination(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data.get("destination_kind", "")
        if kind == "contact_owner":
            fallback_kind = data.get("fallback_kind") or ""
            fallback = (
                {fallback_kind: _destination_value(fallback_kind, data.get("fallback_target") or "")}
                if fallback_kind
                else None
            )
            value: dict[str, Any] = {"timeout": data.get("owner_timeout") or 20}
            if fallback is not None:
                value["fallback"] = fallback
            return {kind: value}
        return {kind: _destination_value(kind, data.get("destination_target") or "")}

    def service_arguments(self) -> dict[str, Any]:
        trunk = self.cleaned_data.get("trunk")
        return {
            "trunk": trunk.name if trunk else "",
            "did": self.cleaned_data.get("did") or "",
            "destination": self.destination(),
            "blocklist": _lines(self.cleaned_data.get("blocklist_text", "")),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            services.inbound_route_validate(**self.service_arguments())
        except RouteError as exc:
            head = exc.path.split(".", 1)[0].split("[", 1)[0]
            if exc.path.startswith("destination.contact_owner.fallback"):
                field = "fallback_target"
            elif exc.path.startswith("destination.contact_owner.timeout"):
                field = "owner_timeout"
            else:
                field = {"destination": "destination_target", "blocklist": "blocklist_text"}.get(head, head)
            self.add_error(field if field in self.fields else None, str(exc))
        return cleaned

    def validate_unique(self) -> None:
        pass  # the service checks (trunk, DID) on the normalised DID


@admin.register(InboundRoute)
class InboundRouteAdmin(admin.ModelAdmin):
    form = InboundRouteForm
    list_display = ("did_or_any", "trunk", "destination_text", "blocked")
    list_filter = ("trunk",)
    search_fields = ("did",)
    fields = (
        "trunk",
        "did",
        "destination_kind",
        "destination_target",
        "owner_timeout",
        "fallback_kind",
        "fallback_target",
        "blocklist_text",
    )

    @admin.display(description=_("DID"), ordering="did")
    def did_or_any(self, obj: InboundRoute) -> str:
        return obj.did or str(_("any number"))

    @admin.display(description=_("destination"))
    def destination_text(self, obj: InboundRoute) -> str:
        ((kind, value),) = obj.destination.items()
        label = kinds()[kind].label if kind in kinds() else kind
        if kind == "contact_owner":
            ((fallback_kind, fallback_value),) = value["fallback"].items()
            shown = "" if fallback_value is True else fallback_value
            return f"{label} ({value.get('timeout', 20)} s) → {fallback_kind} {shown}".strip()
        return f"{label} {'' if value is True else value}".strip()

    @admin.display(description=_("blocked callers"))
    def blocked(self, obj: InboundRoute) -> int:
        return len(obj.blocklist)

    def save_model(self, request: HttpRequest, obj: InboundRoute, form: Any, change: bool) -> None:
        saved = services.inbound_route_save(**form.service_arguments(), route_id=obj.pk if change else None)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: InboundRoute) -> None:
        services.inbound_route_delete(trunk=obj.trunk.name, did=obj.did)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[InboundRoute]) -> None:
        for trunk, did in list(queryset.values_list("trunk__name", "did")):
            services.inbound_route_delete(trunk=trunk, did=did)
