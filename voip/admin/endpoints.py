"""VOIP > PJSIP Endpoints: extensions with their user and registration status, and the PBX actions.

Rows are never written here directly: reset/disable/enable call voip.provisioning.services, and
"Test registration"/"Reload PJSIP config" ask Asterisk through AsteriskRealtimeAPI.
Queries per changelist page (superuser): session, user, count, page (+ ps_contacts subqueries),
owners (InternalNumber on default), presence (EndpointPresence on default) = 6, however many
endpoints exist.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from voip.ami.errors import AMIConnectionError, AMIError
from voip.calls.models import PresenceStatus
from voip.calls.presence_selectors import (
    endpoint_ids_with_presence,
    endpoints_with_contacts,
    live_status,
    owners_of,
    presence_of,
    registration_status,
    user_endpoint_ids,
)
from voip.provisioning import services
from voip.realtime.models import PsAor, PsContact, PsEndpoint

from .common import (
    NewPasswordsPageMixin,
    ProvisioningPermissionsMixin,
    ReadOnlyAdmin,
    RealtimeChangeList,
    reset_passwords_page,
)

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec  # the stubs' name for what get_fieldsets returns

logger = logging.getLogger(__name__)

MAX_LIVE_CHECKS = 50  # "Test registration" asks Asterisk about at most this many endpoints at once

STATUS_LABELS = dict(PresenceStatus.choices)


class RegistrationStatusFilter(admin.SimpleListFilter):
    title = _("registration status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            # The same words as the status column (the model's labels): one word per state.
            *((status, STATUS_LABELS[status]) for status in ("registered", "unregistered", "unreachable", "in_call")),
            ("disabled", _("disabled")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PsEndpoint]) -> QuerySet[PsEndpoint] | None:
        value = self.value()
        has_contact = Exists(PsContact.objects.filter(endpoint=OuterRef("pk")))
        if value == "registered":
            return queryset.filter(has_contact)
        if value == "unregistered":
            return queryset.filter(~has_contact)
        if value in ("unreachable", "in_call"):
            return queryset.filter(pk__in=endpoint_ids_with_presence(value))
        if value == "disabled":
            return queryset.filter(pk__in=PsAor.objects.filter(max_contacts=0).values("id"))
        return queryset


class EndpointChangeList(RealtimeChangeList):
    """Attach owner and presence to the page's rows: two queries on ``default`` per page."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        rows = list(self.result_list)
        ids = [row.pk for row in rows]
        owners = owners_of(ids) if ids else {}
        presence = presence_of(ids) if ids else {}
        for row in rows:
            row.owner = owners.get(row.pk)
            row.presence = presence.get(row.pk)
        self.result_list = rows


@admin.register(PsEndpoint)
class EndpointAdmin(NewPasswordsPageMixin, ProvisioningPermissionsMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "extension_user",
        "registration",
        "contact",
        "user_agent",
        "last_change",
        "context",
        "transport",
    )
    list_filter = (RegistrationStatusFilter,)
    search_fields = ("id", "callerid")
    search_help_text = _("Extension, caller ID or the user's name/username")
    list_per_page = 100
    show_full_result_count = False
    ordering = ("id",)
    actions = ["test_registration", "reload_pjsip_config", "reset_passwords", "disable_extensions", "enable_extensions"]

    # The endpoint page: what people look at first, then Asterisk's other ~150 columns folded away.
    MAIN_FIELDS = (
        "id",
        "extension_user",
        "callerid",
        "allow",
        "context",
        "transport",
        "max_contacts",
        "page_registration",
        "aors",
        "auth",
    )
    readonly_fields = ("extension_user", "max_contacts", "page_registration")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> _FieldsetSpec:
        advanced = [f.name for f in self.model._meta.fields if f.name not in self.MAIN_FIELDS]
        return [
            (None, {"fields": self.MAIN_FIELDS}),
            (
                _("Advanced"),
                {
                    "classes": ("collapse",),
                    "fields": advanced,
                    "description": _(
                        "Asterisk's other PJSIP endpoint options, one column each in ps_endpoints; empty means "
                        "Asterisk's default. Their meaning is in Asterisk's pjsip.conf documentation "
                        "(section [endpoint]). Provisioning sets the ones an extension needs."
                    ),
                },
            ),
        ]

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> PsEndpoint | None:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:  # the page's owner and presence, as the list attaches them per page
            obj.owner = owners_of([obj.pk]).get(obj.pk)
            obj.presence = presence_of([obj.pk]).get(obj.pk)
        return obj

    @admin.display(description=_("max contacts"))
    def max_contacts(self, obj: PsEndpoint) -> Any:
        value = PsAor.objects.filter(id=obj.pk).values_list("max_contacts", flat=True).first()
        return "—" if value is None else value

    @admin.display(description=_("status"))
    def page_registration(self, obj: PsEndpoint) -> str:
        return self.registration(obj)

    # Read-only (ReadOnlyAdmin): writes go through the provisioning services.
    def get_queryset(self, request: HttpRequest) -> QuerySet[PsEndpoint]:
        return endpoints_with_contacts(super().get_queryset(request))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return EndpointChangeList

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        users_url = reverse("admin:auth_user_changelist")
        return super().changelist_view(request, {"users_url": users_url, **(extra_context or {})})

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PsEndpoint], search_term: str
    ) -> tuple[QuerySet[PsEndpoint], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            ids = user_endpoint_ids(search_term)  # one query on default, then a plain IN on the realtime DB
            if ids:
                found = found | queryset.filter(pk__in=ids)
        return found, may_have_duplicates

    # -- columns ---------------------------------------------------------------------
    @admin.display(description=_("user"))
    def extension_user(self, obj: PsEndpoint) -> str:
        owner = getattr(obj, "owner", None)
        if owner is None:
            return "—"
        suffix = "" if owner.is_active else " " + gettext("(inactive)")
        return f"{owner.user_label}{suffix}"

    @admin.display(description=_("status"))
    def registration(self, obj: PsEndpoint) -> str:
        status = registration_status(getattr(obj, "presence", None), getattr(obj, "contact_count", None))
        return format_html('<span class="voip-status voip-status-{}">{}</span>', status, STATUS_LABELS[status])

    @admin.display(description=_("contact URI"))
    def contact(self, obj: PsEndpoint) -> str:
        presence = getattr(obj, "presence", None)
        return getattr(obj, "contact_uri", None) or (presence.contact_uri if presence else "") or "—"

    @admin.display(description=_("user agent"))
    def user_agent(self, obj: PsEndpoint) -> str:
        presence = getattr(obj, "presence", None)
        return getattr(obj, "contact_user_agent", None) or (presence.user_agent if presence else "") or "—"

    @admin.display(description=_("last change"))
    def last_change(self, obj: PsEndpoint) -> Any:
        presence = getattr(obj, "presence", None)
        return presence.since if presence and presence.since else "—"

    # -- actions ---------------------------------------------------------------------
    @admin.action(description=_("Test registration"), permissions=["configure"])
    def test_registration(self, request: HttpRequest, queryset: QuerySet[PsEndpoint]) -> None:
        ids = list(queryset.order_by("id").values_list("id", flat=True)[: MAX_LIVE_CHECKS + 1])
        if len(ids) > MAX_LIVE_CHECKS:
            tested = ngettext(
                "Only the first %(n)d endpoint was tested.",
                "Only the first %(n)d endpoints were tested.",
                MAX_LIVE_CHECKS,
            )
            messages.warning(request, tested % {"n": MAX_LIVE_CHECKS})
            ids = ids[:MAX_LIVE_CHECKS]
        results = live_status(ids, qualify=True)
        unreachable = {r.error for r in results if r.error and r.status == PresenceStatus.UNKNOWN}
        for reason in unreachable:
            messages.warning(request, gettext("Registration status unknown: %(reason)s") % {"reason": reason})
        for result in results:
            label = STATUS_LABELS[result.status]
            if result.contacts:
                details = "; ".join(
                    f"{c.get('uri')} {c.get('status') or ''}"
                    + (f" ({int(c['roundtrip_usec']) / 1000:.1f} ms)" if c.get("roundtrip_usec") else "")
                    for c in result.contacts
                )
                text = f"{result.endpoint_id}: {label} — {details}"
            else:
                text = f"{result.endpoint_id}: {label}"
            if result.status == PresenceStatus.REGISTERED:
                messages.success(request, text)
            elif result.status == PresenceStatus.UNKNOWN:
                messages.warning(request, text)
            else:
                messages.info(request, text)

    @admin.action(description=_("Reload PJSIP config"), permissions=["configure"])
    def reload_pjsip_config(self, request: HttpRequest, queryset: QuerySet[PsEndpoint]) -> None:
        from voip.backends import get_backend

        try:
            api = get_backend()
            result = api.reload_pjsip()
        except AMIConnectionError as exc:
            messages.error(
                request,
                gettext("Asterisk is unreachable (%(host)s:%(port)s: %(reason)s); nothing was reloaded.")
                % {"host": exc.host, "port": exc.port, "reason": exc.reason},
            )
            return
        except AMIError as exc:
            messages.error(request, gettext("Asterisk refused the reload: %(error)s") % {"error": exc})
            return
        # Asterisk's own words (transcript 17-reload-modules-and-command-output.txt): "Module Reloaded" / Event: Reload
        # Status 0 done.
        text = gettext("Asterisk answered: %(message)s") % {"message": result.message or "-"}
        if result.status not in (None, 0):
            messages.warning(request, f"{text} (status {result.status})")
        else:
            messages.success(request, text)

    @admin.action(description=_("Reset password"), permissions=["provision"])
    def reset_passwords(self, request: HttpRequest, queryset: QuerySet[PsEndpoint]) -> HttpResponse | None:
        return reset_passwords_page(request, self, queryset.order_by("id").values_list("id", flat=True))

    @admin.action(description=_("Disable"), permissions=["provision"])
    def disable_extensions(self, request: HttpRequest, queryset: QuerySet[PsEndpoint]) -> None:
        self._each(request, queryset, services.disable_extension, gettext("Disabled %(e)s"))

    @admin.action(description=_("Enable"), permissions=["provision"])
    def enable_extensions(self, request: HttpRequest, queryset: QuerySet[PsEndpoint]) -> None:
        self._each(request, queryset, services.enable_extension, gettext("Enabled %(e)s"))

    def _each(self, request: HttpRequest, queryset: QuerySet[PsEndpoint], service: Any, done: str) -> None:
        for endpoint_id in queryset.order_by("id").values_list("id", flat=True):
            try:
                service(endpoint_id)
            except Exception as exc:
                messages.error(request, f"{endpoint_id}: {exc}")
            else:
                messages.success(request, done % {"e": endpoint_id})
