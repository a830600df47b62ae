"""PJSIP auths. Secrets (password, md5_cred, password_digest, OAuth secrets) are never displayed,
not even in the change form: they are excluded, and the only way to change one is "Reset password"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from voip.provisioning import services
from voip.realtime.models import PsAuth

from .common import ProvisioningPermissionsMixin

SECRET_FIELDS = ("password", "md5_cred", "password_digest", "oauth_secret", "refresh_token")


@admin.register(PsAuth)
class AuthAdmin(ProvisioningPermissionsMixin, admin.ModelAdmin):
    list_display = ("id", "auth_type", "username", "realm")
    search_fields = ("id", "username")
    list_per_page = 100
    show_full_result_count = False
    exclude = SECRET_FIELDS
    actions = ["reset_passwords"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in SECRET_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Reset password"), permissions=["provision"])
    def reset_passwords(self, request: HttpRequest, queryset: QuerySet[PsAuth]) -> HttpResponse | None:
        new: list[tuple[str, str]] = []
        for auth_id in queryset.order_by("id").values_list("id", flat=True):
            try:
                new.append((auth_id, services.reset_password(auth_id)))
            except Exception as exc:
                messages.error(request, gettext("%(e)s: password not changed (%(err)s)") % {"e": auth_id, "err": exc})
        if not new:
            return None
        response = TemplateResponse(
            request,
            "voip/admin/new_passwords.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("New SIP passwords"),
                "passwords": new,
                "opts": self.model._meta,
            },
        )
        response["Cache-Control"] = "no-store"
        return response
