"""PJSIP identify rows (match requests to endpoints by source IP, e.g. trunks)."""

from __future__ import annotations

from django.contrib import admin

from voip.realtime.models import PsEndpointIdIp


@admin.register(PsEndpointIdIp)
class IdentifyAdmin(admin.ModelAdmin):
    list_display = ("id", "endpoint", "match")
    search_fields = ("id", "endpoint", "match")
    list_per_page = 100
