"""Calls as logged by the event listener: read-only, for supervisors and PBX admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from voip.calls.models import CallLog

from .common import ReadOnlyAdmin


@admin.register(CallLog)
class CallLogAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "direction",
        "caller_number",
        "callee_number",
        "agent",
        "contact",
        "disposition",
        "duration",
        "billsec",
        "has_recording",
    )
    list_filter = ("direction", "disposition", "started_at", "agent")
    list_select_related = ("agent", "contact")
    search_fields = ("caller_number", "callee_number", "caller_name", "linkedid", "agent__username")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)

    @admin.display(boolean=True, description="♫")
    def has_recording(self, call: CallLog) -> bool:
        return bool(call.recording_file)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Supervisors see every call (voip.view_all_calls); the model's own view permission also works.
        return request.user.is_active and (
            request.user.has_perm("voip.view_all_calls") or super().has_view_permission(request, obj)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
