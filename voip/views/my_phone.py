""" "My phone": every logged-in user's own extension, softphone settings, registration and password reset.

Resetting asks for confirmation (``voip:my_phone_reset``), then posts, then redirects back here
(post/redirect/get), so reloading a page never resets the password again. The new password is
shown on the page the redirect lands on, once: it waits for it in :mod:`voip.new_passwords`, never
in messages, the session or a log. A PBX admin without an extension can give themself one here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from voip import new_passwords
from voip.calls.models import EndpointPresence, PresenceStatus
from voip.calls.presence_selectors import live_status_now, presence_of, registration_status
from voip.provisioning import services
from voip.provisioning.errors import ProvisioningError
from voip.provisioning.models import InternalNumber
from voip.ratelimit import hit
from voip.realtime.models import PsAor, PsAuth, PsContact, PsEndpoint, PsTransport
from voip.realtime.router import realtime_db_alias
from voip.roles import PBX_ADMINS

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)

STATUS_LABELS = dict(PresenceStatus.choices)
LIVE_TIMEOUT = 3.0  # seconds: the optional "ask Asterisk now" must not hang the page


@dataclass
class PhoneInfo:
    number: str
    endpoint_id: str
    server: str
    port: int
    transport: str
    username: str
    realm: str
    enabled: bool
    status: str
    status_label: str
    presence: EndpointPresence | None
    contacts: Sequence[Mapping[str, Any]]


def _extension_of(user: Any) -> InternalNumber | None:
    return InternalNumber.objects.using("default").filter(user=user).first()


def phone_info(internal: InternalNumber) -> PhoneInfo:
    """The user's phone as the database sees it (no AMI): settings, enabled, contacts, presence."""
    alias = realtime_db_alias()
    prov = getattr(settings, "VOIP_PROVISIONING", {})
    endpoint_id = internal.endpoint_id
    endpoint = PsEndpoint.objects.using(alias).filter(id=endpoint_id).values("transport").first()
    transport_id = (endpoint["transport"] if endpoint is not None else None) or prov.get("ENDPOINT_TRANSPORT") or ""
    protocol = (
        PsTransport.objects.using(alias).filter(id=transport_id).values_list("protocol", flat=True).first() or "udp"
    )
    realm = PsAuth.objects.using(alias).filter(id=endpoint_id).values_list("realm", flat=True).first()
    max_contacts = PsAor.objects.using(alias).filter(id=endpoint_id).values_list("max_contacts", flat=True).first()
    contacts = list(
        PsContact.objects.using(alias)
        .filter(endpoint=endpoint_id)
        .order_by("-expiration_time")
        .values("uri", "user_agent", "expiration_time")
    )
    presence = presence_of([endpoint_id]).get(endpoint_id)
    return PhoneInfo(
        number=internal.number,
        endpoint_id=endpoint_id,
        server=str(prov.get("SIP_SERVER") or ""),
        port=int(prov.get("SIP_PORT") or 5060),
        transport=str(protocol).upper(),
        username=endpoint_id,
        realm=realm or str(prov.get("SIP_REALM") or "asterisk"),
        enabled=bool(internal.is_active and endpoint is not None and max_contacts),
        status=(status := registration_status(presence, len(contacts))),
        status_label=str(STATUS_LABELS[status]),
        presence=presence,
        contacts=contacts,
    )


def pbx_admin_names() -> list[str]:
    users = get_user_model().objects.filter(groups__name=PBX_ADMINS, is_active=True).order_by("last_name", "username")
    return [u.get_full_name() or u.get_username() for u in users[:10]]


PAGE = "my_phone"  # where new_passwords keeps this page's new password


def can_provision(user: User | AnonymousUser) -> TypeGuard[User]:
    return bool(user.is_active and user.has_perm("voip.provision_extensions"))


def _refresh_rate() -> str:
    return getattr(settings, "VOIP_CALLS", {}).get("PHONE_REFRESH_RATE", "6/m")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_phone(request: HttpRequest) -> HttpResponse:
    internal = _extension_of(request.user)
    context: dict[str, Any] = {"internal": internal}
    if request.method == "POST":
        # The only POST here: a PBX admin giving themself an extension.
        if internal is not None or request.POST.get("action") != "give_extension":
            return HttpResponse(status=400)
        if not can_provision(request.user):
            return HttpResponse(status=403)
        try:
            result = services.provision_extension(request.user)
        except ProvisioningError as exc:
            context.update(pbx_admins=pbx_admin_names(), can_provision=True, error=str(exc))
            return render(request, "voip/my_phone.html", context, status=409)
        if result.password:
            new_passwords.keep_for_next_page(request, rows=[(result.number, result.password)], page=PAGE)
        return redirect("voip:my_phone")
    if internal is None:
        context.update(pbx_admins=pbx_admin_names(), can_provision=can_provision(request.user))
        return render(request, "voip/my_phone.html", context)
    shown = new_passwords.take(request, page=PAGE)
    new_password = shown[0][1] if shown else None
    info = phone_info(internal)
    context.update(info=info, new_password=new_password)
    status_code = 200
    refresh_limit = None
    if request.GET.get("refresh") == "1":
        # Each refresh is an AMI login: a per-user limit keeps a held-down F5 off Asterisk.
        refresh_limit = hit(f"phone-refresh:{request.user.pk}", _refresh_rate())
    if refresh_limit is not None and not refresh_limit.allowed:
        status_code = 429
        context["live_warning"] = _(
            "Asterisk was asked too often; try again in %(seconds)d seconds. The status shown may be out of date."
        ) % {"seconds": refresh_limit.retry_after}
    elif refresh_limit is not None:
        status, error = live_status_now(info.endpoint_id, timeout=LIVE_TIMEOUT)
        context["live_status"] = str(STATUS_LABELS.get(status or "", status or ""))
        context["live_error"] = error
        if error:
            context["live_warning"] = _("Could not ask Asterisk: %(error)s. The status shown may be out of date.") % {
                "error": error
            }
    response = render(request, "voip/my_phone.html", context, status=status_code)
    if status_code == 429 and refresh_limit is not None:
        response["Retry-After"] = str(refresh_limit.retry_after)
    if new_password:
        response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reset_my_password(request: HttpRequest) -> HttpResponse:
    """GET: ask for confirmation. POST: reset, then redirect to "My phone", which shows it once."""
    internal = _extension_of(request.user)
    if internal is None:
        return redirect("voip:my_phone")
    if request.method == "GET":
        return render(request, "voip/my_phone_reset.html", {"internal": internal})
    password = services.reset_password(internal)
    logger.info("user %s reset the password of extension %s", request.user.pk, internal.endpoint_id)
    new_passwords.keep_for_next_page(request, rows=[(internal.number, password)], page=PAGE)
    return redirect("voip:my_phone")
