"""SIP addresses blocked after repeated authentication failures: visible, and liftable by PBX admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from voip.calls import sip_security
from voip.realtime.models import SipAddressBlock

from .common import RealtimeAdmin


@admin.register(SipAddressBlock)
class SipAddressBlockAdmin(RealtimeAdmin):
    list_display = ("address", "failures", "last_event", "last_account", "blocked_at", "expires_at")
    search_fields = ("address", "last_account")
    list_filter = ("last_event",)
    ordering = ("-blocked_at",)
    actions = ["lift"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # blocks come from the listener; a manual deny list belongs in the firewall

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Lift" is the one way out, through the service
        return actions

    @admin.action(description=_("Lift the selected blocks"), permissions=["delete"])
    def lift(self, request: HttpRequest, queryset: QuerySet[SipAddressBlock]) -> None:
        lifted = sum(sip_security.lift_block(block_id=block.pk, by=request.user.get_username()) for block in queryset)
        self.message_user(
            request,
            ngettext("%(n)d block lifted.", "%(n)d blocks lifted.", lifted) % {"n": lifted},
            messages.SUCCESS,
        )
