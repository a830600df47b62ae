"""Realtime dialplan rows (table ``extensions``). Asterisk stores ``;`` as ``^3B`` and ``^`` as ``^5E``:
the list and the form show the decoded text, and the form encodes it again on save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from voip.realtime.escaping import decode_realtime_value, encode_realtime_value
from voip.realtime.models import Extension

from .common import RealtimeAdmin


class ExtensionForm(forms.ModelForm):
    class Meta:
        model = Extension
        fields = ("context", "exten", "priority", "app", "appdata")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["appdata"] = decode_realtime_value(self.instance.appdata or "")

    def clean_appdata(self) -> str:
        value = encode_realtime_value(self.cleaned_data.get("appdata") or "")
        max_length = Extension._meta.get_field("appdata").max_length or 0
        if max_length and len(value) > max_length:
            too_long = ngettext(
                "Too long once escaped for Asterisk (%(n)d character).",
                "Too long once escaped for Asterisk (%(n)d characters).",
                len(value),
            )
            raise forms.ValidationError(too_long % {"n": len(value)})
        return value


@admin.register(Extension)
class ExtensionAdmin(RealtimeAdmin):
    form = ExtensionForm
    list_display = ("context", "exten", "priority", "app", "decoded_appdata")
    list_filter = ("context",)
    search_fields = ("context", "exten", "app", "appdata")
    ordering = ("context", "exten", "priority")
    list_per_page = 100

    @admin.display(description=_("application data"), ordering="appdata")
    def decoded_appdata(self, obj: Extension) -> str:
        return decode_realtime_value(obj.appdata or "")
