"""Webhooks (PBX admins): where call events are POSTed, and the log of every delivery.

A webhook's signing secret is generated, shown once after the save that made it (post/redirect/get,
through ``voip.new_passwords``), and never displayed again; "New signing secret" replaces it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from voip import new_passwords
from voip.webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from voip.webhooks.services import webhook_deliveries_retry, webhook_secret_generate, webhook_secrets_renew

from .common import shown_once_page

SHOWN_ONCE_PAGE = "webhooks"  # where voip.new_passwords keeps a new signing secret


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "is_active"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Use an http:// or https:// URL."))
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "url", "event_list", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    actions = ["new_secret"]

    @admin.display(description=_("events"))
    def event_list(self, obj: Webhook) -> str:
        labels = dict(WebhookEvent.choices)
        return ", ".join(str(labels.get(event, event)) for event in obj.events)

    def get_urls(self) -> list[Any]:
        page = path("secret/", self.admin_site.admin_view(self.secret_view), name="webhooks_webhook_secret")
        return [page, *super().get_urls()]

    def save_model(self, request: HttpRequest, obj: Webhook, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.secret = webhook_secret_generate()
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: Webhook, post_url_continue: str | None = None) -> HttpResponse:
        return self._show_secrets(request, [obj])

    @admin.action(description=_("New signing secret"), permissions=["change"])
    def new_secret(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> HttpResponse:
        return self._show_secrets(request, webhook_secrets_renew(webhooks=queryset))

    def _show_secrets(self, request: HttpRequest, webhooks: list[Webhook]) -> HttpResponse:
        new_passwords.keep_for_next_page(request, rows=[(w.name, w.secret) for w in webhooks], page=SHOWN_ONCE_PAGE)
        return redirect("admin:webhooks_webhook_secret")

    def secret_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            messages.error(request, gettext("You may not see webhooks."))
            return redirect("admin:index")
        return shown_once_page(
            request,
            self,
            template="voip/admin/webhook_secret.html",
            title=gettext("Signing secret"),
            page=SHOWN_ONCE_PAGE,
            rows_name="secrets",
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "webhook",
        "event",
        "linkedid",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event", "webhook")
    search_fields = ("linkedid", "last_error")
    readonly_fields = (*list_display, "payload")
    list_select_related = ("webhook",)
    list_per_page = 100
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False

    def has_send_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("webhooks.change_webhook"))

    @admin.action(description=_("Send again"), permissions=["send"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = webhook_deliveries_retry(delivery_ids=queryset.values_list("pk", flat=True))
        message = ngettext("%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", count)
        messages.success(request, message % {"count": count})
