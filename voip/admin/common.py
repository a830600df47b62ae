"""Shared bits of the VOIP admin pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext

from voip import new_passwords

from .labels import column_label, column_labels, list_column, names_itself

logger = logging.getLogger(__name__)


def has_perm(request: HttpRequest, codename: str) -> bool:
    return bool(request.user.is_active and request.user.has_perm(codename))


class ProvisioningPermissionsMixin:
    """``permissions = ["provision"]`` / ``["configure"]`` on actions map to these checks."""

    def has_provision_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, "voip.provision_extensions")

    def has_configure_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, "voip.configure_pbx")


_T = TypeVar("_T")


def secret_fields_of(model: type[Model]) -> tuple[str, ...]:
    """The model's secret columns, declared once on the model as ``secret_fields``."""
    return tuple(getattr(model, "secret_fields", ()))


if TYPE_CHECKING:
    # What the mixins below are mixed into: they use its model, admin_site and methods.
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class SecretFieldsAdminMixin(_ModelAdmin):
    """Secret columns (SIP passwords, md5_cred, key passwords) never leave the database through the admin.

    A filter such as ``?md5_cred__startswith=a`` answers one character at a time, so any lookup
    on a secret column is refused (``DisallowedModelAdminLookup``: a 400), and the columns are
    kept out of the list, the search, the forms and the read-only views whatever a subclass lists.
    """

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        field_name = lookup.split(LOOKUP_SEP, 1)[0]
        if field_name in secret_fields_of(self.model):
            return False
        return super().lookup_allowed(lookup, value, request)

    def _without_secrets(self, names: Iterable[_T]) -> list[_T]:
        secrets = secret_fields_of(self.model)
        return [name for name in names if not (isinstance(name, str) and name.split(LOOKUP_SEP, 1)[0] in secrets)]

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return self._without_secrets(super().get_list_display(request))

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return self._without_secrets(super().get_list_filter(request))

    def get_search_fields(self, request: HttpRequest) -> list[Any]:
        return self._without_secrets(super().get_search_fields(request))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self._without_secrets(super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self._without_secrets(super().get_readonly_fields(request, obj))

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *secret_fields_of(self.model)]


class RealtimeChangeList(ChangeList):
    """Filter titles in the page's language (Django titles a column's filter with its verbose name)."""

    def get_filters(self, request: HttpRequest) -> Any:
        specs, *rest = super().get_filters(request)
        for spec in specs:
            field_path = getattr(spec, "field_path", None)
            if field_path and LOOKUP_SEP not in field_path and names_itself(self.model, field_path):
                spec.title = column_label(self.model, field_path)
        return (specs, *rest)


class RealtimeAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    """Base of every admin of a realtime table: Asterisk's columns under translated names
    (``voip.admin.labels``) in the list headers, the filters and the forms."""

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns = {field.name for field in self.model._meta.fields if names_itself(self.model, field.name)}
        made = self.__dict__.setdefault("_list_columns", {})
        shown = []
        for name in super().get_list_display(request):
            if isinstance(name, str) and name in columns:
                if name not in made:
                    made[name] = list_column(self.model, name)
                name = made[name]
            shown.append(name)
        return shown

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return RealtimeChangeList

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = kwargs.get("form") or self.form
        own = getattr(getattr(form, "Meta", None), "labels", None) or {}
        kwargs["labels"] = {**column_labels(self.model), **own, **(kwargs.get("labels") or {})}
        return super().get_form(request, obj, change, **kwargs)


class ReadOnlyAdmin(RealtimeAdmin):
    """Rows Asterisk owns: visible to PBX admins, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


NEW_PASSWORDS_PAGE = "admin"  # where voip.new_passwords keeps the admin's new passwords


class NewPasswordsPageMixin(_ModelAdmin):
    """A ``new-passwords/`` page under the model's admin URL: where a reset or a new extension
    redirects to (post/redirect/get). It shows the new passwords once; a reload shows none."""

    def get_urls(self) -> list[Any]:
        opts = self.model._meta
        page = path(
            "new-passwords/",
            self.admin_site.admin_view(self.new_passwords_view),
            name=f"{opts.app_label}_{opts.model_name}_new_passwords",
        )
        return [page, *super().get_urls()]

    def new_passwords_view(self, request: HttpRequest) -> HttpResponse:
        return shown_once_page(
            request,
            self,
            template="voip/admin/new_passwords.html",
            title=gettext("New SIP passwords"),
            page=NEW_PASSWORDS_PAGE,
            rows_name="passwords",
        )


def shown_once_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, *, template: str, title: str, page: str, rows_name: str
) -> HttpResponse:
    """The page after a redirect that shows secrets kept by ``voip.new_passwords`` once, never cached."""
    response = TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            rows_name: new_passwords.take(request, page=page),
            "opts": model_admin.model._meta,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def show_new_passwords(
    request: HttpRequest, model_admin: admin.ModelAdmin, rows: list[tuple[str, str]]
) -> HttpResponse:
    """Redirect to ``model_admin``'s new-passwords page, which shows ``rows`` once."""
    new_passwords.keep_for_next_page(request, rows=rows, page=NEW_PASSWORDS_PAGE)
    opts = model_admin.model._meta
    return redirect(f"admin:{opts.app_label}_{opts.model_name}_new_passwords")


def reset_passwords_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, endpoint_ids: Iterable[str]
) -> HttpResponse | None:
    """Ask first; once confirmed, reset each extension's password (provisioning service) and show
    the new ones once, after a redirect, so reloading never resets again."""
    from voip.provisioning import services

    endpoint_ids = list(endpoint_ids)
    if request.POST.get("confirmed") != "yes":
        return TemplateResponse(
            request,
            "voip/admin/confirm_reset.html",
            {
                **model_admin.admin_site.each_context(request),
                "title": gettext("Reset SIP passwords?"),
                "endpoint_ids": endpoint_ids,
                "action": request.POST.get("action", ""),
                "opts": model_admin.model._meta,
            },
        )
    new: list[tuple[str, str]] = []
    for endpoint_id in endpoint_ids:
        try:
            new.append((endpoint_id, services.reset_password(endpoint_id)))
        except Exception as exc:  # report per extension; the others still get their password
            logger.warning("reset_password %s failed: %s", endpoint_id, type(exc).__name__)
            messages.error(request, gettext("%(e)s: password not changed (%(err)s)") % {"e": endpoint_id, "err": exc})
    return show_new_passwords(request, model_admin, new) if new else None
