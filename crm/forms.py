from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contact
from .phones import to_e164


class ContactForm(forms.ModelForm):
    """New contact (from the contact list or a screen pop's "create contact" link)."""

    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "company", "phone", "mobile", "email"]

    def _clean_number(self, field: str) -> str:
        value = (self.cleaned_data.get(field) or "").strip()
        if value and not to_e164(value):
            raise forms.ValidationError(_("Enter a phone number, e.g. +7 495 123-45-67."), code="invalid_phone")
        return value

    def clean_phone(self) -> str:
        return self._clean_number("phone")

    def clean_mobile(self) -> str:
        return self._clean_number("mobile")
