"""Shared bits of the VOIP admin pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


def has_perm(request: HttpRequest, codename: str) -> bool:
    return bool(request.user.is_active and request.user.has_perm(codename))


class ProvisioningPermissionsMixin:
    """``permissions = ["provision"]`` / ``["configure"]`` on actions map to these checks."""

    def has_provision_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, "voip.provision_extensions")

    def has_configure_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, "voip.configure_pbx")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows Asterisk owns: visible to PBX admins, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
