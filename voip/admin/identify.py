"""PJSIP identify rows (match requests to endpoints by source IP, e.g. trunks)."""

from __future__ import annotations

from django.contrib import admin

from voip.realtime.models import PsEndpointIdIp

from .common import RealtimeAdmin


@admin.register(PsEndpointIdIp)
class IdentifyAdmin(RealtimeAdmin):
    list_display = ("id", "endpoint", "match")
    search_fields = ("id", "endpoint", "match")
    list_per_page = 100
