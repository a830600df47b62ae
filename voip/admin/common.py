"""Shared bits of the VOIP admin pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


def has_perm(request: HttpRequest, codename: str) -> bool:
    return bool(request.user.is_active and request.user.has_perm(codename))


class ProvisioningPermissionsMixin:
    """``permissions = ["provision"]`` / ``["configure"]`` on actions map to these checks."""

    def has_provision_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, "voip.provision_extensions")

    def has_configure_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, "voip.configure_pbx")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows Asterisk owns: visible to PBX admins, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RealtimeModelAdmin(admin.ModelAdmin):
    """Admin of a realtime table that PBX admins edit directly (transports, identify, dialplan, queues).

    The admin saves inside ``transaction.atomic(using=<realtime alias>)`` and writes its LogEntry to
    ``default`` meanwhile. With one SQLite file behind both aliases (Option A) the second writer would
    wait for the first and fail ("database is locked"), so history entries are written once the
    realtime transaction has committed.
    """

    def _after_realtime_commit(self, write: Any) -> None:
        from django.db import transaction

        from voip.realtime.router import realtime_db_alias

        transaction.on_commit(write, using=realtime_db_alias())

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> None:
        self._after_realtime_commit(lambda: super(RealtimeModelAdmin, self).log_addition(request, obj, message))

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> None:
        self._after_realtime_commit(lambda: super(RealtimeModelAdmin, self).log_change(request, obj, message))

    def log_deletions(self, request: HttpRequest, queryset: Any) -> None:
        from django.contrib.admin.models import DELETION, LogEntry

        objects = list(queryset)  # the rows are gone by the time the entries are written
        user_id = request.user.pk
        self._after_realtime_commit(
            lambda: LogEntry.objects.log_actions(user_id=user_id, queryset=objects, action_flag=DELETION)
        )
