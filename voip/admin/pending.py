"""AMI actions the notifier could not send yet (AMI was down): a read-only list.

They are sent by the next save that notifies Asterisk, or by ``setup_asterisk_realtime --reload-pjsip``.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from voip.provisioning.models import PendingAsteriskAction


@admin.register(PendingAsteriskAction)
class PendingAsteriskActionAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "action", "headers", "reason", "attempts", "last_error")
    list_filter = ("action",)
    search_fields = ("reason", "last_error")
    readonly_fields = ("action", "headers", "reason", "requested_at", "attempts", "last_error")
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PendingAsteriskAction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PendingAsteriskAction | None = None) -> bool:
        return False
