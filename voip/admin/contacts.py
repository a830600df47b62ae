"""PJSIP contacts: Asterisk writes them on each REGISTER, so they are read-only here."""

from __future__ import annotations

from django.contrib import admin

from voip.realtime.models import PsContact

from .common import ReadOnlyAdmin


@admin.register(PsContact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("endpoint", "uri", "user_agent", "expiration_time", "reg_server", "via_addr")
    search_fields = ("endpoint", "uri", "user_agent")
    list_per_page = 100
    show_full_result_count = False
