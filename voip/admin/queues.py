"""Realtime queues and their members."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from voip.realtime.models import Queue, QueueMember

from .common import RealtimeAdmin


@admin.register(Queue)
class QueueAdmin(RealtimeAdmin):
    list_display = ("name", "strategy", "timeout", "context", "musiconhold")
    search_fields = ("name",)

    # What a call centre changes first; queues.conf's other options folded away, as on the endpoint page.
    MAIN_FIELDS = (
        "name",
        "strategy",
        "timeout",
        "context",
        "musiconhold",
        "announce",
        "maxlen",
        "retry",
        "wrapuptime",
        "servicelevel",
        "weight",
        "joinempty",
        "leavewhenempty",
        "ringinuse",
        "autopause",
        "autofill",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        advanced = [f.name for f in self.model._meta.fields if f.name not in self.MAIN_FIELDS]
        return [
            (None, {"fields": self.MAIN_FIELDS}),
            (
                _("Advanced"),
                {
                    "classes": ("collapse",),
                    "fields": advanced,
                    "description": _(
                        "Asterisk's other queue options, one column each in queues; empty means Asterisk's "
                        "default. Their meaning is in Asterisk's queues.conf documentation."
                    ),
                },
            ),
        ]


@admin.register(QueueMember)
class QueueMemberAdmin(RealtimeAdmin):
    list_display = ("queue_name", "interface", "membername", "penalty", "paused")
    list_filter = ("queue_name",)
    search_fields = ("queue_name", "interface", "membername")
