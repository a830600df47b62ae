"""PJSIP auths. Secrets (``PsAuth.secret_fields``: password, md5_cred, password_digest, OAuth secrets)
are never displayed, filtered or searched (SecretFieldsAdminMixin); the only way to change one is
"Reset password"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from voip.realtime.models import PsAuth

from .common import NewPasswordsPageMixin, ProvisioningPermissionsMixin, ReadOnlyAdmin, reset_passwords_page


@admin.register(PsAuth)
class AuthAdmin(NewPasswordsPageMixin, ProvisioningPermissionsMixin, ReadOnlyAdmin):
    list_display = ("id", "auth_type", "username", "realm")
    search_fields = ("id", "username")
    list_per_page = 100
    show_full_result_count = False
    actions = ["reset_passwords"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:  # as SecretFieldsAdminMixin
        return self._without_secrets(f.name for f in self.model._meta.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    @admin.action(description=_("Reset password"), permissions=["provision"])
    def reset_passwords(self, request: HttpRequest, queryset: QuerySet[PsAuth]) -> HttpResponse | None:
        return reset_passwords_page(request, self, queryset.order_by("id").values_list("id", flat=True))
