"""Realtime queues and their members."""

from __future__ import annotations

from django.contrib import admin

from voip.realtime.models import Queue, QueueMember


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "strategy", "timeout", "context", "musiconhold")
    search_fields = ("name",)


@admin.register(QueueMember)
class QueueMemberAdmin(admin.ModelAdmin):
    list_display = ("queue_name", "interface", "membername", "penalty", "paused")
    list_filter = ("queue_name",)
    search_fields = ("queue_name", "interface", "membername")
