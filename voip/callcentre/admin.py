"""The call centre in the admin: queues (saved through the services), their agents, pause reasons."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from voip.callcentre import services
from voip.callcentre.models import CallQueue, PauseReason, QueueAgent, QueueCall, SupervisorAction
from voip.callcentre.validators import validate_queue_fields
from voip.provisioning.notifier import Change


class QueueAgentInline(admin.TabularInline):
    model = QueueAgent
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(CallQueue)
class CallQueueAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "strategy", "ring_timeout", "wrapup", "service_level")
    search_fields = ("name",)
    list_filter = ("strategy", "department")
    inlines = (QueueAgentInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: CallQueue | None = None) -> tuple[str, ...]:
        return ("name",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: CallQueue, form: Any, change: bool) -> None:
        fields = {key: getattr(obj, key) for key in services.QUEUE_FIELDS if key != "department"}
        try:
            validate_queue_fields(fields)
        except ValidationError as exc:
            # The form's own validation ran first; this is the service's stricter check.
            messages.error(request, "; ".join(exc.messages))
            raise
        with transaction.atomic(using="default"):
            super().save_model(request, obj, form, change)
            services.queue_sync(queue=obj, change=Change.UPDATED if change else Change.CREATED)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        # A penalty changed here reaches the logged-in agent's queue_members row too.
        for agent in form.instance.agents.all():
            services.queue_agent_add(queue=form.instance, user=agent.user, penalty=agent.penalty)

    def delete_model(self, request: HttpRequest, obj: CallQueue) -> None:
        services.queue_delete(queue=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for queue in queryset:
            services.queue_delete(queue=queue)


@admin.register(PauseReason)
class PauseReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "position", "is_active")
    list_editable = ("position", "is_active")


@admin.register(QueueCall)
class QueueCallAdmin(admin.ModelAdmin):
    list_display = ("joined_at", "queue", "caller_number", "wait_seconds", "answered_by", "talk_seconds", "abandoned")
    list_filter = ("queue", "abandoned")
    search_fields = ("caller_number", "linkedid")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SupervisorAction)
class SupervisorActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "supervisor", "agent", "mode", "succeeded", "error")
    list_filter = ("mode", "succeeded")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
