"""Trunks (SIP providers) in the admin: a form in the CRM team's words, saved through
``voip.trunks.services`` like ``pbx apply``, with the live registration and qualify state."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from voip.trunks.models import Trunk
from voip.trunks.selectors import TrunkStatus, trunk_statuses
from voip.trunks.services import TrunkError, trunk_check, trunk_delete, trunk_has_password, trunk_save

# Form fields the service takes, in its keyword names.
SERVICE_FIELDS = (
    "name",
    "host",
    "transport",
    "username",
    "password",
    "register",
    "from_user",
    "from_domain",
    "match",
    "codecs",
    "max_channels",
    "number_format",
    "qualify_frequency",
    "external_address",
    "dtmf_mode",
    "enabled",
)
_LIST_SEPARATOR = re.compile(r"[\s,]+")


def _split(text: str) -> list[str]:
    return [part for part in _LIST_SEPARATOR.split(text.strip()) if part]


class TrunkForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("The provider's password. Never shown again; leave empty to keep the current one."),
    )
    match = forms.CharField(
        label=_("inbound addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Addresses or networks (203.0.113.0/24) the provider's calls come from, one per line."
            " Calls from anywhere else are never taken for this trunk's."
        ),
    )
    codecs = forms.CharField(
        label=_("codecs"),
        required=False,
        help_text=_("In order of preference, for example: ulaw, alaw. Empty: ulaw, alaw."),
    )

    class Meta:
        model = Trunk
        fields = list(SERVICE_FIELDS[:4]) + list(SERVICE_FIELDS[5:])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.initial["match"] = "\n".join(instance.match or [])
            self.initial["codecs"] = ", ".join(instance.codecs or [])
            if trunk_has_password(name=instance.name):
                self.fields["password"].help_text = _(
                    "A password is stored. Type a new one to change it; leave empty to keep it."
                )

    def clean_match(self) -> list[str]:
        return _split(self.cleaned_data.get("match") or "")

    def clean_codecs(self) -> list[str]:
        return _split(self.cleaned_data.get("codecs") or "")

    def service_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in SERVICE_FIELDS}
        if self.instance.pk:
            values["name"] = self.instance.name
        values["password"] = values["password"] or None
        for name in ("transport", "username", "from_user", "from_domain", "external_address"):
            values[name] = values[name] or ""
        return values

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for field, message in trunk_check(**self.service_values()):
            base = field.split("[", 1)[0]
            self.add_error(base if base in self.fields else None, message)
        return cleaned


@admin.register(Trunk)
class TrunkAdmin(admin.ModelAdmin):
    form = TrunkForm
    list_display = ("name", "host", "username", "register", "enabled", "live_status")
    list_filter = ("enabled", "register")
    search_fields = ("name", "host")
    fieldsets = (
        (None, {"fields": ("name", "host", "transport", "enabled")}),
        (_("Account at the provider"), {"fields": ("username", "password", "register", "from_user", "from_domain")}),
        (_("Calls"), {"fields": ("match", "codecs", "dtmf_mode", "max_channels", "number_format")}),
        (_("Network"), {"fields": ("qualify_frequency", "external_address")}),
        (_("Live state"), {"fields": ("live_status",)}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Trunk | None = None) -> tuple[str, ...]:
        # Every Asterisk row of a trunk is named after it: a rename would be a new trunk.
        return ("live_status", "name") if obj is not None else ("live_status",)

    def get_fieldsets(self, request: HttpRequest, obj: Trunk | None = None) -> Any:
        if obj is None:
            return self.fieldsets[:-1]
        return self.fieldsets

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        request._trunk_statuses = None  # type: ignore[attr-defined]  # filled on the first row
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Trunk]:
        self._request = request
        return super().get_queryset(request)

    def _status_of(self, obj: Trunk) -> TrunkStatus:
        request = getattr(self, "_request", None)
        cache = getattr(request, "_trunk_statuses", None) if request is not None else None
        if cache is None:
            # One AMI session for the whole page's trunks.
            cache = trunk_statuses()
            if request is not None:
                request._trunk_statuses = cache
        return cache.get(obj.name) or trunk_statuses(trunks=[obj])[obj.name]

    @admin.display(description=_("live state"))
    def live_status(self, obj: Trunk) -> str:
        if obj.pk is None:
            return "-"
        return self._status_of(obj).summary()

    def save_model(self, request: HttpRequest, obj: Trunk, form: TrunkForm, change: bool) -> None:
        try:
            saved = trunk_save(**form.service_values())
        except TrunkError as exc:  # changed meanwhile; the form had checked everything
            messages.error(request, str(exc))
            raise
        obj.pk = saved.pk
        obj.name = saved.name

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    def delete_model(self, request: HttpRequest, obj: Trunk) -> None:
        trunk_delete(name=obj.name)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Trunk]) -> None:
        for name in list(queryset.values_list("name", flat=True)):
            trunk_delete(name=name)
