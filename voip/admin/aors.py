"""PJSIP AORs (read-only: max_contacts is changed by the Disable/Enable actions on endpoints)."""

from __future__ import annotations

from django.contrib import admin

from voip.realtime.models import PsAor

from .common import ReadOnlyAdmin
from .filters import AsteriskBooleanFilter


@admin.register(PsAor)
class AorAdmin(ReadOnlyAdmin):
    list_display = ("id", "max_contacts", "remove_existing", "qualify_frequency", "default_expiration")
    list_filter = (("remove_existing", AsteriskBooleanFilter),)
    search_fields = ("id",)
    list_per_page = 100
    show_full_result_count = False
