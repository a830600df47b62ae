"""Realtime queues and their members."""

from __future__ import annotations

from django.contrib import admin

from voip.realtime.models import Queue, QueueMember

from .common import RealtimeAdmin


@admin.register(Queue)
class QueueAdmin(RealtimeAdmin):
    list_display = ("name", "strategy", "timeout", "context", "musiconhold")
    search_fields = ("name",)


@admin.register(QueueMember)
class QueueMemberAdmin(RealtimeAdmin):
    list_display = ("queue_name", "interface", "membername", "penalty", "paused")
    list_filter = ("queue_name",)
    search_fields = ("queue_name", "interface", "membername")
