"""Presence reads: who owns an extension and whether it is registered, without cross-database joins.

Used by the admin's endpoint list and by "My phone".

* InternalNumber and EndpointPresence live on ``default``; ps_* rows on the realtime alias.
* Per page of endpoints: one query for owners, one for presence (``endpoint_id IN (...)``); the
  latest contact of each endpoint comes from ps_contacts as a subquery of the endpoint query
  itself (same database), so no per-row query anywhere.
* Asking Asterisk live (AMI) is separate and tolerant: when Asterisk is down the answer is
  "unknown" plus the reason, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from voip.ami.codes import is_in_call
from voip.ami.errors import AMIActionError, AMIConnectionError, AMIError, AMIInjectionError
from voip.backends import get_backend
from voip.calls.models import EndpointPresence, PresenceStatus
from voip.provisioning.models import InternalNumber
from voip.realtime.models import PsContact, PsEndpoint
from voip.realtime.router import realtime_db_alias

logger = logging.getLogger(__name__)

UNKNOWN = PresenceStatus.UNKNOWN.value


def endpoints_with_contacts(queryset: QuerySet[PsEndpoint] | None = None) -> QuerySet[PsEndpoint]:
    """Endpoints annotated with their newest contact's URI and user agent and their contact count."""
    queryset = PsEndpoint.objects.using(realtime_db_alias()) if queryset is None else queryset
    newest = PsContact.objects.filter(endpoint=OuterRef("pk")).order_by("-expiration_time", "-id")
    contact_count = (
        PsContact.objects.filter(endpoint=OuterRef("pk"))
        .order_by()
        .values("endpoint")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        contact_uri=Subquery(newest.values("uri")[:1]),
        contact_user_agent=Subquery(newest.values("user_agent")[:1]),
        contact_count=Subquery(contact_count[:1]),
    )


@dataclass
class Owner:
    number: str
    user_label: str
    is_active: bool


def owners_of(endpoint_ids: Iterable[str]) -> dict[str, Owner]:
    """endpoint id -> Owner, in one query on ``default``."""
    rows = (
        InternalNumber.objects.using("default")
        .filter(endpoint_id__in=list(endpoint_ids))
        .select_related("user")
        .only("endpoint_id", "number", "is_active", "user__username", "user__first_name", "user__last_name")
    )
    result: dict[str, Owner] = {}
    for row in rows:
        full = row.user.get_full_name()
        label = f"{full} ({row.user.get_username()})" if full else row.user.get_username()
        result[row.endpoint_id] = Owner(row.number, label, row.is_active)
    return result


def presence_of(endpoint_ids: Iterable[str]) -> dict[str, EndpointPresence]:
    """endpoint id -> EndpointPresence kept by the event listener, in one query on ``default``."""
    return {
        p.endpoint_id: p for p in EndpointPresence.objects.using("default").filter(endpoint_id__in=list(endpoint_ids))
    }


def registration_status(presence: EndpointPresence | None, contact_count: int | None) -> str:
    """The listener's word when it has one; otherwise what ps_contacts says."""
    if presence is not None and presence.status != UNKNOWN:
        return presence.status
    if contact_count:
        return PresenceStatus.REGISTERED.value
    if presence is not None:
        return UNKNOWN
    return PresenceStatus.UNREGISTERED.value


def user_endpoint_ids(search: str, limit: int = 1000) -> list[str]:
    """Endpoint ids of users whose username or name contains ``search`` (one query on ``default``)."""
    from django.db.models import Q

    text = search.strip()
    if not text:
        return []
    return list(
        InternalNumber.objects.using("default")
        .filter(
            Q(user__username__icontains=text)
            | Q(user__first_name__icontains=text)
            | Q(user__last_name__icontains=text)
            | Q(number=text)
        )
        .values_list("endpoint_id", flat=True)[:limit]
    )


def endpoint_ids_with_presence(status: str) -> list[str]:
    return list(EndpointPresence.objects.using("default").filter(status=status).values_list("endpoint_id", flat=True))


@dataclass
class LiveStatus:
    endpoint_id: str
    status: str  # registered / unregistered / unreachable / in_call / unknown
    device_state: str | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # why it is "unknown"


def _status_from(endpoint_status: Any) -> str:
    contacts = endpoint_status.contacts
    if is_in_call(endpoint_status.device_state):
        return PresenceStatus.IN_CALL.value
    if not contacts:
        return PresenceStatus.UNREGISTERED.value
    if all((c.status or "").lower() == "unreachable" for c in contacts):
        return PresenceStatus.UNREACHABLE.value
    return PresenceStatus.REGISTERED.value


def live_status(endpoint_ids: list[str], *, qualify: bool = False, backend: Any = None) -> list[LiveStatus]:
    """Ask Asterisk (one AMI connection) about each endpoint; "unknown" with the reason if it cannot."""
    results: list[LiveStatus] = []
    api = backend or get_backend()
    try:
        with api.session():
            for endpoint_id in endpoint_ids:
                try:
                    if qualify:
                        try:
                            api.qualify(endpoint_id)
                        except AMIActionError as exc:  # e.g. no contacts to qualify: the status says why
                            logger.info("qualify %s: %s", endpoint_id, exc)
                    status = api.get_endpoint_status(endpoint_id)
                except AMIActionError as exc:
                    results.append(LiveStatus(endpoint_id, UNKNOWN, error=exc.message))
                    continue
                except AMIInjectionError as exc:  # an id Asterisk could not even be asked about
                    results.append(LiveStatus(endpoint_id, UNKNOWN, error=str(exc)))
                    continue
                results.append(
                    LiveStatus(
                        endpoint_id,
                        _status_from(status),
                        device_state=status.device_state,
                        contacts=[c.to_dict() for c in status.contacts],
                    )
                )
    except AMIConnectionError as exc:
        reason = _("Asterisk is unreachable (%(host)s:%(port)s: %(reason)s)") % {
            "host": exc.host,
            "port": exc.port,
            "reason": exc.reason,
        }
        done = {r.endpoint_id for r in results}
        results += [LiveStatus(e, UNKNOWN, error=reason) for e in endpoint_ids if e not in done]
    except AMIError as exc:
        done = {r.endpoint_id for r in results}
        results += [LiveStatus(e, UNKNOWN, error=str(exc)) for e in endpoint_ids if e not in done]
    return results


def live_status_now(endpoint_id: str, *, timeout: float) -> tuple[str | None, str | None]:
    """(status, why it is unknown) of one endpoint asked of Asterisk, within ``timeout`` seconds."""
    try:
        backend = get_backend(timeout=timeout)
    except Exception as exc:  # a misconfigured backend degrades like an unreachable Asterisk
        return None, str(exc)
    result = live_status([endpoint_id], backend=backend)[0]
    return result.status, result.error
