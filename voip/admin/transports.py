"""PJSIP transports (rows of ps_transports; create the standard ones with --create-transports)."""

from __future__ import annotations

from django.contrib import admin

from voip.realtime.models import PsTransport


@admin.register(PsTransport)
class TransportAdmin(admin.ModelAdmin):
    list_display = ("id", "protocol", "bind", "external_media_address", "external_signaling_address")
    search_fields = ("id", "bind")
    list_per_page = 100
