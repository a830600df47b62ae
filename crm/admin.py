from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Company, Contact
from .phones import display


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "shown_phone", "website")
    search_fields = ("name", "phone", "phone_e164")
    # A website typed without a scheme is read as https:// (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("phone"), ordering="phone_e164")
    def shown_phone(self, company: Company) -> str:
        return format_html('<span class="number">{}</span>', display(company.phone))


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "company", "shown_phone", "shown_mobile", "owner")
    list_select_related = ("company", "owner")
    search_fields = ("first_name", "last_name", "phone", "mobile", "phone_e164", "mobile_e164", "email")
    list_filter = ("owner",)
    autocomplete_fields = ("company",)

    @admin.display(description=_("phone"), ordering="phone_e164")
    def shown_phone(self, contact: Contact) -> str:
        return format_html('<span class="number">{}</span>', display(contact.phone))

    @admin.display(description=_("mobile"), ordering="mobile_e164")
    def shown_mobile(self, contact: Contact) -> str:
        return format_html('<span class="number">{}</span>', display(contact.mobile))
