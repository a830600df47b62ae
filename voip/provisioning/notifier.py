"""Tells Asterisk what a write changed: exactly that, once, after the realtime transaction commits.

Write services call :func:`notify` with the object type, the ids and what happened to them. The
change is remembered on the realtime connection's transaction and turned into AMI actions by one
``transaction.on_commit`` callback there (a rollback sends nothing); inside :func:`batched` the
changes of several transactions are sent together when the block ends. What each change needs
(docs/provisioning.md, "Live on save"):

* endpoint, AOR, auth: nothing without the sorcery memory cache (res_pjsip reads realtime on each
  lookup, NOTES "Realtime behaviour"); with it, an update or delete expires the object
  (``SorceryMemoryCacheExpireObject``), or the whole cache above :data:`WHOLE_CACHE_THRESHOLD`
  objects (``SorceryMemoryCacheExpire``). A created object needs no expiry: the cache keeps no
  "not found" (res/res_sorcery_memory_cache.c, sorcery_memory_cache_retrieve_id).
* a created AOR that does not qualify: ``Reload res_pjsip.so`` (NOTES pitfall: else UNAVAILABLE to
  queues and BLF; transcript 11-endpoint-inserted-after-start-devicestate.txt). With
  ``expire_on_reload=yes`` that reload also empties the caches, so their expiries are dropped.
* a created (or re-provisioned) transport: ``pjsip show transport <id>`` (bound on its first
  lookup, NOTES).
* an AOR with a static contact (a trunk's) created, changed or deleted: ``Reload res_pjsip.so``.
  Qualify reads AORs and their static contacts when res_pjsip loads or reloads
  (res/res_pjsip/pjsip_options.c, sip_options_synchronize): a realtime row written later is
  never qualified and shows ``NonQualified`` until then (observed on Asterisk 22.10.1).
* a registration: ``Reload res_pjsip_outbound_registration.so`` (NOTES "Trunks").
* a registration's credentials (its auth row) while the registration row is unchanged:
  ``PJSIPRegister`` for it, after that reload when both are due. The reload keeps an unchanged
  registration's state, Rejected included (NOTES "Trunks").
* a realtime queue or queue member: nothing (app_queue re-reads both on each lookup).
* dialplan rows (routes): nothing; pbx_realtime reads them per call (docs/routes.md).

When AMI cannot be reached the unsent actions are stored as :class:`PendingAsteriskAction` rows
and sent first by the next notification, or by :func:`retry_pending`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import F

from voip.ami.errors import AMIActionError, AMIConnectionError
from voip.asterisk_config.writer import SORCERY_MEMORY_CACHES
from voip.backends import ValidationError, get_backend
from voip.conf import TelephonyNotConfigured, sorcery_memory_cache_enabled
from voip.provisioning.models import PendingAsteriskAction
from voip.realtime.router import realtime_db_alias

logger = logging.getLogger(__name__)

# Above this many objects of one cache in one notification, one whole-cache expire is sent instead.
WHOLE_CACHE_THRESHOLD = 20
PJSIP_MODULE = "res_pjsip.so"
REGISTRATION_MODULE = "res_pjsip_outbound_registration.so"


class ObjectType(StrEnum):
    ENDPOINT = "endpoint"
    AOR = "aor"
    AUTH = "auth"
    TRANSPORT = "transport"
    REGISTRATION = "registration"
    STATIC_CONTACT_AOR = "static_contact_aor"
    REGISTRATION_CREDENTIALS = "registration_credentials"
    # app_queue re-reads realtime queues and their members on each lookup: these need no action
    # (apps/app_queue.c, load_realtime_queue and update_realtime_members).
    QUEUE = "queue"
    QUEUE_MEMBER = "queue_member"
    # Rows of the realtime ``extensions`` table (routes): read per call by pbx_realtime, whose cache
    # keeps a lookup one second (pbx/pbx_realtime.c), so they need no AMI action.
    DIALPLAN = "dialplan"


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class Changed:
    """Objects of one type that one write created, updated or deleted."""

    object_type: ObjectType
    ids: tuple[str, ...]
    change: Change
    qualifies: bool = True  # created AORs: whether they have qualify_frequency > 0


@dataclass(frozen=True)
class AmiAction:
    name: str
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, key: str) -> str | None:
        return next((value for name, value in self.headers if name == key), None)

    def __str__(self) -> str:
        return " ".join([self.name, *(f"{key}={value}" for key, value in self.headers)])


@dataclass
class Outcome:
    """What one flush did: actions sent, actions left queued (AMI down) and why."""

    sent: list[AmiAction] = field(default_factory=list)
    queued: list[AmiAction] = field(default_factory=list)
    error: str = ""


@dataclass
class Delivery:
    """The fate of one :func:`notify` call; ``outcome`` is set once its transaction committed."""

    needs_action: bool
    outcome: Outcome | None = None

    @property
    def pending(self) -> bool:
        """Something this change needs has not reached Asterisk (not committed yet, or queued)."""
        return self.needs_action and (self.outcome is None or bool(self.outcome.queued))


# -- planning (pure) ------------------------------------------------------------------------------


def _expire_actions(cache: str, ids: Sequence[str]) -> list[AmiAction]:
    if len(ids) > WHOLE_CACHE_THRESHOLD:
        return [AmiAction("SorceryMemoryCacheExpire", (("Cache", cache),))]
    return [AmiAction("SorceryMemoryCacheExpireObject", (("Cache", cache), ("Object", i))) for i in ids]


def plan_actions(changes: Iterable[Changed], *, cache: bool) -> list[AmiAction]:
    """The AMI actions that make Asterisk use ``changes``, fewest first-class (see the module doc)."""
    changes = list(changes)
    actions: list[AmiAction] = []
    reload_pjsip = any(
        (c.object_type is ObjectType.AOR and c.change is Change.CREATED and not c.qualifies)
        or c.object_type is ObjectType.STATIC_CONTACT_AOR
        for c in changes
    )
    if reload_pjsip:
        actions.append(AmiAction("Reload", (("Module", PJSIP_MODULE),)))
    elif cache:
        stale: dict[str, list[str]] = {}
        for c in changes:
            name = SORCERY_MEMORY_CACHES.get(c.object_type.value)
            if name is not None and c.change is not Change.CREATED:
                stale.setdefault(name, []).extend(c.ids)
        for name, ids in stale.items():
            actions.extend(_expire_actions(name, list(dict.fromkeys(ids))))
    if any(c.object_type is ObjectType.REGISTRATION for c in changes):
        actions.append(AmiAction("Reload", (("Module", REGISTRATION_MODULE),)))
    told_again = [
        i
        for c in changes
        if c.object_type is ObjectType.REGISTRATION_CREDENTIALS and c.change is not Change.DELETED
        for i in c.ids
    ]
    actions.extend(AmiAction("PJSIPRegister", (("Registration", i),)) for i in dict.fromkeys(told_again))
    transports = [
        i for c in changes if c.object_type is ObjectType.TRANSPORT and c.change is not Change.DELETED for i in c.ids
    ]
    actions.extend(AmiAction("Command", (("Command", f"pjsip show transport {i}"),)) for i in dict.fromkeys(transports))
    return actions


def coalesce(actions: Iterable[AmiAction]) -> list[AmiAction]:
    """Duplicates out; many object expiries of one cache become one whole-cache expire; a
    ``Reload res_pjsip.so`` covers every cache expiry (the caches are written ``expire_on_reload``)."""
    unique = list(dict.fromkeys(actions))
    if any(a.name == "Reload" and a.header("Module") == PJSIP_MODULE for a in unique):
        return [a for a in unique if not a.name.startswith("SorceryMemoryCacheExpire")]
    per_cache: dict[str, int] = {}
    for a in unique:
        if a.name == "SorceryMemoryCacheExpireObject":
            per_cache[a.header("Cache") or ""] = per_cache.get(a.header("Cache") or "", 0) + 1
    whole = {a.header("Cache") for a in unique if a.name == "SorceryMemoryCacheExpire"}
    whole |= {name for name, count in per_cache.items() if count > WHOLE_CACHE_THRESHOLD}
    result: list[AmiAction] = []
    for a in unique:
        cache = a.header("Cache")
        if a.name.startswith("SorceryMemoryCacheExpire") and cache in whole:
            whole_action = AmiAction("SorceryMemoryCacheExpire", (("Cache", cache or ""),))
            if whole_action not in result:
                result.append(whole_action)
            continue
        result.append(a)
    return result


# -- collecting changes per transaction ----------------------------------------------------------


class _Flush:
    """The one on_commit callback of a transaction: holds its changes until the commit."""

    def __init__(self) -> None:
        self.changes: list[Changed] = []
        self.deliveries: list[Delivery] = []

    def __call__(self) -> None:
        collector = _collectors()[-1] if _collectors() else None
        if collector is not None:
            collector.changes.extend(self.changes)
            collector.deliveries.extend(self.deliveries)
            return
        send(self.changes, self.deliveries)


_local = threading.local()


def _collectors() -> list[_Flush]:
    if not hasattr(_local, "collectors"):
        _local.collectors = []
    return _local.collectors


def notify(
    object_type: ObjectType,
    ids: Iterable[str],
    *,
    change: Change,
    qualifies: bool = True,
    using: str | None = None,
) -> Delivery:
    """Tell Asterisk that these objects changed, after the realtime transaction commits.

    Outside a transaction it is sent at once. Returns a :class:`Delivery` whose ``pending`` says
    whether anything it needs has yet to reach Asterisk.
    """
    item = Changed(ObjectType(object_type), tuple(dict.fromkeys(str(i) for i in ids)), Change(change), qualifies)
    delivery = Delivery(needs_action=bool(item.ids and plan_actions([item], cache=sorcery_memory_cache_enabled())))
    if not item.ids:
        delivery.outcome = Outcome()
        return delivery
    using = using or realtime_db_alias()
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        immediate = _Flush()
        immediate.changes.append(item)
        immediate.deliveries.append(delivery)
        immediate()
        return delivery
    flush = next((f for _sids, f, _robust in connection.run_on_commit if isinstance(f, _Flush)), None)
    if flush is None:
        flush = _Flush()
        transaction.on_commit(flush, using=using)
    flush.changes.append(item)
    flush.deliveries.append(delivery)
    return delivery


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Send what the transactions inside the block committed once, when it ends (bulk provisioning)."""
    collector = _Flush()
    _collectors().append(collector)
    try:
        yield
    finally:
        _collectors().remove(collector)
        collector()


# -- sending -------------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    return (str(exc) or exc.__class__.__name__)[:255]


def _reason(changes: Sequence[Changed]) -> str:
    parts = []
    for c in changes:
        shown = ", ".join(c.ids[:3]) + (f" and {len(c.ids) - 3} more" if len(c.ids) > 3 else "")
        parts.append(f"{c.object_type.value} {shown} {c.change.value}")
    return "; ".join(parts)[:255] or "retry"


def _send_one(backend: Any, action: AmiAction) -> None:
    if action.name == "Reload":
        backend.reload_module(action.header("Module") or PJSIP_MODULE)
    elif action.name == "SorceryMemoryCacheExpireObject":
        backend.expire_sorcery_cache(action.header("Cache") or "", action.header("Object"))
    elif action.name == "SorceryMemoryCacheExpire":
        backend.expire_sorcery_cache(action.header("Cache") or "")
    elif action.name == "Command":
        backend.command(action.header("Command") or "")
    elif action.name == "PJSIPRegister":
        backend.register_outbound(action.header("Registration") or "")
    else:
        raise ValueError(f"the notifier does not send {action.name}")


def _deliver(actions: list[AmiAction]) -> Outcome:
    outcome = Outcome()
    if not actions:
        return outcome
    try:
        backend = get_backend()
        session = getattr(backend, "session", None)
        with session() if callable(session) else contextlib.nullcontext():
            for index, action in enumerate(actions):
                try:
                    _send_one(backend, action)
                except (AMIActionError, ValidationError) as exc:
                    # Asterisk refused it (or it can never be sent): retrying would not help.
                    logger.warning("Asterisk refused %s: %s", action, _describe(exc))
                    continue
                except AMIConnectionError as exc:
                    outcome.queued = actions[index:]
                    outcome.error = _describe(exc)
                    return outcome
                outcome.sent.append(action)
    except (AMIConnectionError, TelephonyNotConfigured, OSError) as exc:
        outcome.queued = actions[len(outcome.sent) :]
        outcome.error = _describe(exc)
    return outcome


def send(
    changes: Sequence[Changed],
    deliveries: Sequence[Delivery] = (),
    *,
    extra: Sequence[AmiAction] = (),
    reason: str | None = None,
) -> Outcome:
    """Send what ``changes`` (and ``extra``) need, after what is still pending; queue what AMI did not take."""
    new = [*plan_actions(changes, cache=sorcery_memory_cache_enabled()), *extra]
    pending = pending_actions()
    old = {AmiAction(row.action, tuple((str(k), str(v)) for k, v in row.headers)): row for row in pending}
    outcome = _deliver(coalesce([*old, *new]))
    if pending or outcome.queued:
        _store(outcome, old, reason=(reason or _reason(changes))[:255])
    if outcome.queued:
        logger.warning("%d Asterisk action(s) pending: %s", len(outcome.queued), outcome.error)
    elif pending:
        logger.info("%d pending Asterisk action(s) sent", len(pending))
    for delivery in deliveries:
        delivery.outcome = outcome
    return outcome


def _store(outcome: Outcome, old: dict[AmiAction, PendingAsteriskAction], *, reason: str) -> None:
    queued = set(outcome.queued)
    with transaction.atomic(using="default"):
        done = [row.pk for action, row in old.items() if action not in queued]
        PendingAsteriskAction.objects.using("default").filter(pk__in=done).delete()
        retried = [row.pk for action, row in old.items() if action in queued]
        PendingAsteriskAction.objects.using("default").filter(pk__in=retried).update(
            attempts=F("attempts") + 1, last_error=outcome.error
        )
        PendingAsteriskAction.objects.using("default").bulk_create(
            PendingAsteriskAction(
                action=action.name, headers=[list(h) for h in action.headers], reason=reason, last_error=outcome.error
            )
            for action in outcome.queued
            if action not in old
        )


def pending_actions() -> list[PendingAsteriskAction]:
    return list(PendingAsteriskAction.objects.using("default").order_by("requested_at", "pk"))


def retry_pending() -> Outcome:
    """Send the pending actions now (``setup_asterisk_realtime --reload-pjsip``, the admin)."""
    return send([])


def request_pjsip_reload(reason: str) -> Outcome:
    """``Reload res_pjsip.so`` now, after whatever is pending; queued when AMI is down."""
    return send([], extra=[AmiAction("Reload", (("Module", PJSIP_MODULE),))], reason=reason)
