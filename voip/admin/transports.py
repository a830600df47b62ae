"""PJSIP transports (rows of ps_transports; create the standard ones with --create-transports).

The TLS private key's password is write-only: the form never shows it (not even masked), a new
one replaces it, and an empty field keeps it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from voip.realtime.escaping import encode_realtime_value
from voip.realtime.models import PsTransport

from .common import RealtimeAdmin

_LINE_BREAKS = ("\r", "\n", "\x00")


class TransportForm(forms.ModelForm):
    new_password = forms.CharField(
        label=_("New TLS private key password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown. Leave empty to keep the current password."),
    )
    clear_password = forms.BooleanField(label=_("Remove the TLS private key password"), required=False)

    class Meta:
        model = PsTransport
        fields = tuple(f.name for f in PsTransport._meta.fields if f.name not in PsTransport.secret_fields)

    def clean_new_password(self) -> str:
        value = self.cleaned_data.get("new_password") or ""
        if any(ch in value for ch in _LINE_BREAKS):
            raise forms.ValidationError(_("The password must not contain a line break or NUL."))
        stored = encode_realtime_value(value)
        max_length = PsTransport._meta.get_field("password").max_length or 0
        if max_length and len(stored) > max_length:
            raise forms.ValidationError(
                _("Too long once escaped for Asterisk (%(n)d characters, at most %(max)d).")
                % {"n": len(stored), "max": max_length}
            )
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("clear_password") and cleaned.get("new_password"):
            raise forms.ValidationError(_("Either set a new password or remove it, not both."))
        return cleaned

    def save(self, commit: bool = True) -> PsTransport:
        transport = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            transport.password = None
        elif self.cleaned_data.get("new_password"):
            transport.password = encode_realtime_value(self.cleaned_data["new_password"])
        if commit:
            transport.save()
        return transport


@admin.register(PsTransport)
class TransportAdmin(RealtimeAdmin):
    form = TransportForm
    list_display = ("id", "protocol", "bind", "external_media_address", "external_signaling_address")
    search_fields = ("id", "bind")
    list_per_page = 100
