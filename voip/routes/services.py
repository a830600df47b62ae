"""Writes of outbound and inbound routes, with the dialplan rows Asterisk reads for them.

Every service validates all of its input first (:func:`outbound_route_validate`,
:func:`inbound_route_validate`, reusable by ``pbx apply``) and raises :class:`RouteError` naming
the field; then one transaction on each database writes the CRM's record and the ``extensions``
rows (docs/routes.md). The rows are live on commit: pbx_realtime reads them per call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from crm.phones import to_e164
from voip.conf import routing_settings
from voip.provisioning.models import InternalNumber
from voip.provisioning.notifier import Change, ObjectType, notify
from voip.realtime.models import Extension, OutboundAccess
from voip.realtime.router import realtime_db_alias
from voip.routes import dialplan
from voip.routes import patterns as dial_patterns
from voip.routes.destinations import DestinationError, steps_for
from voip.routes.destinations import parse as parse_destination
from voip.routes.models import ROUTE_NAME_PATTERN, InboundRoute, OutboundCallerId, OutboundRoute, OutboundRouteTrunk
from voip.trunks.models import Trunk

_CALLER_ID_RE = re.compile(r"^\+?[0-9]{1,19}$")
_PREPEND_RE = re.compile(r"^[0-9*#+]{0,20}$")
_NAME_RE = re.compile(ROUTE_NAME_PATTERN)
MAX_STRIP = 20
MAX_PATTERNS = 50
MAX_BLOCKLIST = 500


class RouteError(ValueError):
    """Input a route cannot be saved with; ``path`` names the field (``patterns[1]``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class OutboundRouteData:
    name: str
    patterns: list[str]
    trunks: list[Trunk]
    strip: int = 0
    prepend: str = ""
    caller_id: str = ""
    international: bool = False
    premium: bool = False
    groups: list[Group] = field(default_factory=list)
    caller_ids: dict[int, str] = field(default_factory=dict)  # user id -> caller ID
    order: int = 0
    enabled: bool = True


@dataclass(frozen=True)
class InboundRouteData:
    trunk: Trunk
    did: str
    destination: dict[str, Any]
    blocklist: list[str]


# -- validation ----------------------------------------------------------------------------------


def _caller_id(value: Any, path: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not _CALLER_ID_RE.match(value.strip()):
        raise RouteError(path, "a caller ID is a number: digits with an optional leading +")
    return value.strip()


def outbound_route_validate(
    *,
    name: str,
    patterns: Sequence[str],
    trunks: Sequence[str],
    strip: int = 0,
    prepend: str = "",
    caller_id: str = "",
    international: bool = False,
    premium: bool = False,
    groups: Sequence[str] = (),
    caller_ids: Mapping[str, str] | None = None,
    order: int = 0,
    enabled: bool = True,
    known_trunks: Mapping[str, Trunk] | None = None,
) -> OutboundRouteData:
    """The route's input checked and resolved; RouteError names the first bad field.

    ``known_trunks`` lets a caller that validates a whole file supply trunks not saved yet.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise RouteError("name", "use 1-40 lower-case letters, digits, '_' and '-'")
    if isinstance(patterns, str) or not isinstance(patterns, Sequence) or not patterns:
        raise RouteError("patterns", 'at least one dial pattern, e.g. ["8XXXXXXXXXX"]')
    if len(patterns) > MAX_PATTERNS:
        raise RouteError("patterns", f"at most {MAX_PATTERNS} patterns per route")
    cleaned: list[str] = []
    premium_prefixes = routing_settings().premium_prefixes
    for index, raw in enumerate(patterns):
        path = f"patterns[{index}]"
        try:
            pattern = patterns_normalise(raw)
        except dial_patterns.PatternError as exc:
            raise RouteError(path, str(exc)) from None
        if pattern in cleaned:
            raise RouteError(path, f"{raw!r} is listed twice")
        if pattern in routing_settings().emergency_numbers:
            raise RouteError(path, f"{raw!r} is an emergency number: it is always routed through every trunk")
        if not international and dial_patterns.reaches_international(pattern):
            raise RouteError(path, f"{raw!r} reaches international numbers; mark the route international to allow it")
        if not premium and dial_patterns.names_premium(pattern, prefixes=premium_prefixes):
            raise RouteError(path, f"{raw!r} names premium-rate numbers; mark the route premium to allow it")
        cleaned.append(pattern)
    if isinstance(trunks, str) or not isinstance(trunks, Sequence) or not trunks:
        raise RouteError("trunks", "at least one trunk, tried in the order given")
    resolved: list[Trunk] = []
    for index, trunk_name in enumerate(trunks):
        trunk = (known_trunks or {}).get(trunk_name)
        if trunk is None:
            trunk = Trunk.objects.filter(name=trunk_name).first() if isinstance(trunk_name, str) else None
        if trunk is None:
            raise RouteError(f"trunks[{index}]", f"no trunk {trunk_name!r}")
        if any(t.name == trunk.name for t in resolved):
            raise RouteError(f"trunks[{index}]", f"trunk {trunk_name!r} is listed twice")
        resolved.append(trunk)
    if isinstance(strip, bool) or not isinstance(strip, int) or not 0 <= strip <= MAX_STRIP:
        raise RouteError("strip", f"a number of digits from 0 to {MAX_STRIP}")
    if not isinstance(prepend, str) or not _PREPEND_RE.match(prepend):
        raise RouteError("prepend", "digits, '+', '*' or '#', at most 20")
    group_objects: list[Group] = []
    for index, group_name in enumerate(groups):
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            raise RouteError(f"groups[{index}]", f"no group {group_name!r}")
        group_objects.append(group)
    per_user: dict[int, str] = {}
    for username, value in (caller_ids or {}).items():
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise RouteError(f"caller_ids.{username}", f"no user {username!r}")
        per_user[user.pk] = _caller_id(value, f"caller_ids.{username}")
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise RouteError("order", "a whole number, 0 or more")
    data = OutboundRouteData(
        name=name,
        patterns=cleaned,
        trunks=resolved,
        strip=strip,
        prepend=prepend,
        caller_id=_caller_id(caller_id, "caller_id"),
        international=bool(international),
        premium=bool(premium),
        groups=group_objects,
        caller_ids=per_user,
        order=order,
        enabled=bool(enabled),
    )
    clash = (
        list(OutboundRoute.objects.exclude(name=name).filter(enabled=True).values_list("name", "patterns"))
        if data.enabled
        else []
    )
    for other, other_patterns in clash:
        for index, pattern in enumerate(cleaned):
            if pattern in other_patterns:
                raise RouteError(f"patterns[{index}]", f"{pattern!r} is already a pattern of route {other!r}")
    try:
        _outbound_rows(0, data, access=2)
    except dialplan.DialplanTooLong as exc:
        raise RouteError("trunks", str(exc)) from None
    return data


def patterns_normalise(raw: Any) -> str:
    return dial_patterns.normalise_pattern(raw)


def _did(value: Any, path: str) -> str:
    if value in (None, "", dialplan.ANY_DID):
        return ""
    if not isinstance(value, str):
        raise RouteError(path, 'a DID is a phone number, or "any"')
    e164 = to_e164(value)
    if e164 is None:
        raise RouteError(path, f"{value!r} is not a phone number")
    return e164


def inbound_route_validate(
    *,
    trunk: str,
    did: str,
    destination: Any,
    blocklist: Iterable[str] = (),
    known_trunks: Mapping[str, Trunk] | None = None,
) -> InboundRouteData:
    trunk_obj = (known_trunks or {}).get(trunk)
    if trunk_obj is None:
        trunk_obj = Trunk.objects.filter(name=trunk).first() if isinstance(trunk, str) else None
    if trunk_obj is None:
        raise RouteError("trunk", f"no trunk {trunk!r}")
    cleaned_did = _did(did, "did")
    try:
        parse_destination(destination, path="destination")
    except DestinationError as exc:
        raise RouteError(exc.path, exc.message) from None
    numbers: list[str] = []
    if isinstance(blocklist, str):
        raise RouteError("blocklist", "a list of phone numbers")
    for index, raw in enumerate(blocklist):
        e164 = to_e164(raw) if isinstance(raw, str) else None
        if e164 is None:
            raise RouteError(f"blocklist[{index}]", f"{raw!r} is not a phone number")
        if e164 not in numbers:
            numbers.append(e164)
    if len(numbers) > MAX_BLOCKLIST:
        raise RouteError("blocklist", f"at most {MAX_BLOCKLIST} numbers")
    return InboundRouteData(trunk=trunk_obj, did=cleaned_did, destination=dict(destination), blocklist=numbers)


# -- rows ------------------------------------------------------------------------------------------


def _hops(trunks: Iterable[Trunk]) -> list[dialplan.TrunkHop]:
    return [
        dialplan.TrunkHop(t.name, t.max_channels or 0, t.number_format) for t in trunks if getattr(t, "enabled", True)
    ]


def _outbound_rows(route_id: int, data: OutboundRouteData, *, access: int) -> list[dialplan.Row]:
    return dialplan.outbound_rows(
        route_id=route_id,
        patterns=data.patterns,
        strip=data.strip,
        prepend=data.prepend,
        caller_id=data.caller_id,
        access=access,
        premium=data.premium,
        hops=_hops(data.trunks),
    )


def _write_rows(context: str, extens: Iterable[str], rows: list[dialplan.Row]) -> None:
    alias = realtime_db_alias()
    Extension.objects.using(alias).filter(context=context, exten__in=list(extens)).delete()
    Extension.objects.using(alias).bulk_create(
        [Extension(context=r.context, exten=r.exten, priority=r.priority, app=r.app, appdata=r.appdata) for r in rows]
    )
    notify(ObjectType.DIALPLAN, sorted({r.exten for r in rows} | set(extens)), change=Change.UPDATED, using=alias)


def _atomic_both() -> ExitStack:
    stack = ExitStack()
    stack.enter_context(transaction.atomic(using="default"))
    if realtime_db_alias() != "default":
        stack.enter_context(transaction.atomic(using=realtime_db_alias()))
    return stack


def _endpoints_of(user_ids: Iterable[int]) -> dict[int, str]:
    return dict(
        InternalNumber.objects.filter(user_id__in=list(user_ids), is_active=True).values_list("user_id", "endpoint_id")
    )


def _access_rows(route: OutboundRoute) -> tuple[int, list[OutboundAccess]]:
    """The route's access mode and its ``crm_outbound_access`` rows."""
    group_ids = list(route.groups.values_list("id", flat=True))
    own = dict(route.caller_ids.values_list("user_id", "caller_id"))
    if group_ids:
        users = set(get_user_model().objects.filter(groups__in=group_ids).values_list("id", flat=True))
        endpoints = _endpoints_of(users | set(own))
        rows = [
            OutboundAccess(id=f"{route.pk}:{ep}", allowed="1" if uid in users else "0", caller_id=own.get(uid, ""))
            for uid, ep in endpoints.items()
        ]
        return 1, rows
    if own:
        endpoints = _endpoints_of(own)
        return 2, [
            OutboundAccess(id=f"{route.pk}:{ep}", allowed="1", caller_id=own[uid]) for uid, ep in endpoints.items()
        ]
    return 0, []


def _sync_outbound(route: OutboundRoute, *, old_patterns: Iterable[str] = ()) -> None:
    alias = realtime_db_alias()
    access, access_rows = _access_rows(route)
    OutboundAccess.objects.using(alias).filter(id__startswith=f"{route.pk}:").delete()
    OutboundAccess.objects.using(alias).bulk_create(access_rows)
    data = OutboundRouteData(
        name=route.name,
        patterns=list(route.patterns),
        trunks=[link.trunk for link in route.trunk_links.select_related("trunk").order_by("position")],
        strip=route.strip,
        prepend=route.prepend,
        caller_id=route.caller_id,
        premium=route.premium,
    )
    rows = _outbound_rows(route.pk, data, access=access) if route.enabled and data.trunks else []
    stale = {f"_{p}" for p in old_patterns} | {f"_{p}" for p in route.patterns}
    _write_rows(dialplan.OUTBOUND_CONTEXT, stale, rows)


# -- services --------------------------------------------------------------------------------------


def outbound_route_save(
    *,
    name: str,
    patterns: Sequence[str],
    trunks: Sequence[str],
    strip: int = 0,
    prepend: str = "",
    caller_id: str = "",
    international: bool = False,
    premium: bool = False,
    groups: Sequence[str] = (),
    caller_ids: Mapping[str, str] | None = None,
    order: int = 0,
    enabled: bool = True,
) -> OutboundRoute:
    """Create or update the route called ``name`` and its dialplan rows, all or nothing."""
    data = outbound_route_validate(
        name=name,
        patterns=patterns,
        trunks=trunks,
        strip=strip,
        prepend=prepend,
        caller_id=caller_id,
        international=international,
        premium=premium,
        groups=groups,
        caller_ids=caller_ids,
        order=order,
        enabled=enabled,
    )
    with _atomic_both():
        route = OutboundRoute.objects.select_for_update().filter(name=data.name).first()
        old_patterns = list(route.patterns) if route else []
        route = route or OutboundRoute(name=data.name)
        for attr in ("patterns", "strip", "prepend", "caller_id", "international", "premium", "order", "enabled"):
            setattr(route, attr, getattr(data, attr))
        route.save()
        route.groups.set(data.groups)
        route.trunk_links.all().delete()
        OutboundRouteTrunk.objects.bulk_create(
            [OutboundRouteTrunk(route=route, trunk=t, position=i) for i, t in enumerate(data.trunks)]
        )
        route.caller_ids.all().delete()
        OutboundCallerId.objects.bulk_create(
            [OutboundCallerId(route=route, user_id=uid, caller_id=cid) for uid, cid in data.caller_ids.items() if cid]
        )
        _sync_outbound(route, old_patterns=old_patterns)
    return route


def outbound_route_delete(*, name: str) -> None:
    with _atomic_both():
        route = OutboundRoute.objects.select_for_update().filter(name=name).first()
        if route is None:
            raise RouteError("name", f"no outbound route {name!r}")
        OutboundAccess.objects.using(realtime_db_alias()).filter(id__startswith=f"{route.pk}:").delete()
        _write_rows(dialplan.OUTBOUND_CONTEXT, [f"_{p}" for p in route.patterns], [])
        route.delete()


def _sync_inbound(route: InboundRoute, *, old_key: str | None = None) -> None:
    key = dialplan.inbound_key(route.trunk.name, route.did)
    rows = dialplan.inbound_rows(
        trunk=route.trunk.name, did=route.did, blocklist=list(route.blocklist), steps=steps_for(route.destination)
    )
    _write_rows(dialplan.INBOUND_ROUTES_CONTEXT, {key} | ({old_key} if old_key else set()), rows)


def inbound_route_save(
    *, trunk: str, did: str, destination: Any, blocklist: Iterable[str] = (), route_id: int | None = None
) -> InboundRoute:
    """Create or update the inbound route of (trunk, DID); ``route_id`` moves an existing route."""
    data = inbound_route_validate(trunk=trunk, did=did, destination=destination, blocklist=blocklist)
    with _atomic_both():
        existing = InboundRoute.objects.select_for_update().filter(trunk=data.trunk, did=data.did).first()
        route = InboundRoute.objects.select_for_update().filter(pk=route_id).first() if route_id else existing
        if route_id and existing and existing.pk != route_id:
            raise RouteError("did", f"trunk {data.trunk.name!r} already has a route for {data.did or 'any number'}")
        old_key = dialplan.inbound_key(route.trunk.name, route.did) if route else None
        route = route or InboundRoute()
        route.trunk, route.did, route.destination, route.blocklist = (
            data.trunk,
            data.did,
            data.destination,
            data.blocklist,
        )
        route.save()
        _sync_inbound(route, old_key=old_key)
    return route


def inbound_route_delete(*, trunk: str, did: str) -> None:
    cleaned = _did(did, "did")
    with _atomic_both():
        route = InboundRoute.objects.select_for_update().filter(trunk__name=trunk, did=cleaned).first()
        if route is None:
            raise RouteError("did", f"no inbound route for {did or 'any number'} on trunk {trunk!r}")
        _write_rows(dialplan.INBOUND_ROUTES_CONTEXT, [dialplan.inbound_key(trunk, cleaned)], [])
        route.delete()


def routes_sync_trunks() -> None:
    """Rewrite what depends on trunks: emergency rows (every enabled trunk) and the rows of every
    route (a trunk's limit, format or state changed). Called after a trunk is saved or deleted."""
    with _atomic_both():
        hops = _hops(Trunk.objects.filter(enabled=True).order_by("name"))
        numbers = list(routing_settings().emergency_numbers)
        _write_rows(dialplan.OUTBOUND_CONTEXT, numbers, dialplan.emergency_rows(hops))
        for route in OutboundRoute.objects.prefetch_related("trunk_links__trunk"):
            _sync_outbound(route)


def routes_sync_user(*, user_id: int) -> None:
    """Rewrite the access rows of routes that name the user (their groups or caller ID changed,
    their extension moved)."""
    routes = list(
        (
            OutboundRoute.objects.filter(groups__user__id=user_id)
            | OutboundRoute.objects.filter(caller_ids__user_id=user_id)
        ).distinct()
    )
    if not routes:
        return  # most users: nothing to rewrite, and the realtime database is not touched
    with _atomic_both():
        for route in routes:
            _sync_outbound(route)
