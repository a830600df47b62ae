"""Shared bits of the VOIP admin pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


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


def new_passwords_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, rows: list[tuple[str, str]]
) -> HttpResponse:
    """The one page a new SIP password is shown on: rendered directly, never stored or cached."""
    response = TemplateResponse(
        request,
        "voip/admin/new_passwords.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": gettext("New SIP passwords"),
            "passwords": rows,
            "opts": model_admin.model._meta,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def reset_passwords_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, endpoint_ids: Iterable[str]
) -> HttpResponse | None:
    """Reset each extension's password (provisioning service) and show the new ones once."""
    from voip.provisioning import services

    new: list[tuple[str, str]] = []
    for endpoint_id in endpoint_ids:
        try:
            new.append((endpoint_id, services.reset_password(endpoint_id)))
        except Exception as exc:  # report per extension; the others still get their password
            logger.warning("reset_password %s failed: %s", endpoint_id, type(exc).__name__)
            messages.error(request, gettext("%(e)s: password not changed (%(err)s)") % {"e": endpoint_id, "err": exc})
    return new_passwords_page(request, model_admin, new) if new else None
