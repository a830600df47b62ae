"""Calls as logged by the event listener: read-only, for supervisors and PBX admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.phones import display
from voip.calls.models import CallLog, RecordingDeletion
from voip.calls.retention import recording_delete

from .common import ReadOnlyAdmin
from .filters import AgentFilter


@admin.register(CallLog)
class CallLogAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "direction",
        "caller",
        "callee",
        "agent",
        "contact",
        "disposition",
        "length",
        "has_recording",
    )
    list_filter = ("direction", "disposition", "started_at", AgentFilter)
    list_select_related = ("agent", "contact")
    search_fields = ("caller_number", "callee_number", "caller_name", "linkedid", "agent__username")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)
    actions = ["delete_recordings"]

    @admin.action(description=_("Delete the recordings"), permissions=["delete_recording"])
    def delete_recordings(self, request: HttpRequest, queryset: QuerySet[CallLog]) -> None:
        assert isinstance(request.user, User)  # the admin site lets only logged-in staff in
        count = recording_delete(calls=queryset.exclude(recording_file=""), deleted_by=request.user)
        message = ngettext("%(count)d recording deleted.", "%(count)d recordings deleted.", count)
        messages.success(request, message % {"count": count})

    def has_delete_recording_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.has_perm("voip.configure_pbx"))

    @admin.display(description=_("caller"), ordering="caller_number")
    def caller(self, call: CallLog) -> str:
        return format_html('<span class="number">{}</span>', display(call.caller_number))

    @admin.display(description=_("callee"), ordering="callee_number")
    def callee(self, call: CallLog) -> str:
        return format_html('<span class="number">{}</span>', display(call.callee_number))

    @admin.display(description=_("duration"), ordering="duration")
    def length(self, call: CallLog) -> str:
        """Talk time of an answered call, ringing time of any other (as the contact card shows it)."""
        seconds = call.billsec if call.disposition == "answered" else call.duration
        return f"{seconds // 60}:{seconds % 60:02d}"

    @admin.display(boolean=True, description=_("recording"))
    def has_recording(self, call: CallLog) -> bool:
        return bool(call.recording_file)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Supervisors see every call (voip.view_all_calls); the model's own view permission also works.
        return request.user.is_active and (
            request.user.has_perm("voip.view_all_calls") or super().has_view_permission(request, obj)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


@admin.register(RecordingDeletion)
class RecordingDeletionAdmin(ReadOnlyAdmin):
    """Which recordings were deleted, when, why and by whom (retention or a PBX admin's request)."""

    list_display = ("deleted_at", "linkedid", "recording_file", "reason", "deleted_by", "file_found")
    list_filter = ("reason", "deleted_at")
    search_fields = ("linkedid", "recording_file")
    list_select_related = ("deleted_by",)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and (
            request.user.has_perm("voip.configure_pbx") or super().has_view_permission(request, obj)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
