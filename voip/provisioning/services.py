"""Writes for extensions: the one place that creates, changes and removes them.

The management command, the admin, the signals and any API call these functions.

Write order (docs/provisioning.md, "Two databases"): an outer ``transaction.atomic('default')``
wraps an inner ``transaction.atomic(<realtime write alias>)``. Inside the inner block the
number-space lock is taken, numbers are allocated, the ``ps_endpoints``/``ps_auths``/``ps_aors``
rows are written and then the ``InternalNumber`` rows (on ``default``, not yet committed).

* Any error before the inner block ends rolls back both. The realtime
  transaction commits first, then ``default``; if that last commit fails the realtime rows just
  written are deleted again (compensation), so nothing is left half-done.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from voip.audit.services import audit_record
from voip.provisioning import numbering
from voip.provisioning.bulk import insert_rows
from voip.provisioning.conf import ProvisioningSettings, provisioning_settings
from voip.provisioning.errors import ExtensionNotFound, NumberTaken, ProvisioningError
from voip.provisioning.models import InternalNumber
from voip.provisioning.notifier import Change, Delivery, ObjectType, batched, notify
from voip.provisioning.passwords import generate_password
from voip.provisioning.rows import aor_row, auth_row, endpoint_context, endpoint_row, format_callerid
from voip.realtime.escaping import encode_realtime_value
from voip.realtime.models import PsAor, PsAuth, PsContact, PsEndpoint, PsTransport, UnconfirmedExtension
from voip.realtime.router import realtime_db_alias, realtime_db_is_separate

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_BATCH_SIZE = 1000
# A batch's realtime commit and its CRM commit are milliseconds apart: an unconfirmed extension
# older than this belongs to a run that died in between, not to one still running.
UNCONFIRMED_GRACE = dt.timedelta(seconds=60)
TEST_ENDPOINT_NAME = "Test endpoint"
_KNOWN_PROTOCOLS = ("wss", "ws", "tls", "tcp", "udp")


@dataclass(frozen=True)
class ProvisionResult:
    """One extension as provisioned. ``password`` is set only when a new one was made (shown once)."""

    endpoint_id: str
    number: str
    created: bool
    username: str
    server: str
    port: int
    transport: str
    password: str | None = field(default=None, repr=False)
    user_id: int | None = None
    pjsip_reload_pending: bool = False

    @property
    def sip_uri(self) -> str:
        return f"sip:{self.endpoint_id}@{self.server}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sip_uri"] = self.sip_uri
        return data

    def softphone_lines(self) -> list[str]:
        """What to type into a softphone, for the commands that print it once (first run, --install)."""
        return [
            "  Register a softphone (Zoiper, Linphone, MicroSIP) to it; shown only this once:",
            f"    Server:   {self.server}",
            f"    Port:     {self.port} ({self.transport.upper()})",
            f"    Username: {self.username}",
            f"    Password: {self.password}",
        ]


@dataclass
class ProvisionSummary:
    """What :func:`provision_users` did."""

    created: list[ProvisionResult] = field(default_factory=list)
    already_provisioned: int = 0
    skipped_inactive: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (username, reason)
    pjsip_reload_pending: bool = False
    repaired: list[str] = field(default_factory=list)  # endpoints an interrupted run left without a user

    @property
    def total(self) -> int:
        return len(self.created) + self.already_provisioned + self.skipped_inactive + len(self.failed)


@dataclass(frozen=True)
class TransportResult:
    id: str
    protocol: str
    bind: str
    created: bool
    not_loaded: str = ""  # why Asterisk could not be told to bind it ("" when it was)


# --- helpers ----------------------------------------------------------------------------------


def display_name(user: User) -> str:
    full = getattr(user, "get_full_name", lambda: "")() or ""
    return full.strip() or user.get_username()


def _transport_protocol(transport_id: str, using: str) -> str:
    protocol = PsTransport.objects.using(using).filter(id=transport_id).values_list("protocol", flat=True).first()
    if protocol:
        return protocol
    lowered = transport_id.lower()
    return next((p for p in _KNOWN_PROTOCOLS if lowered.endswith(p)), "udp")


def _result(
    number: InternalNumber | None,
    endpoint_id: str,
    conf: ProvisioningSettings,
    *,
    password: str | None,
    created: bool,
    user_id: int | None,
    protocol: str | None = None,
    reload_pending: bool = False,
) -> ProvisionResult:
    return ProvisionResult(
        endpoint_id=endpoint_id,
        number=number.number if number is not None else endpoint_id,
        created=created,
        username=endpoint_id,
        server=conf.sip_server,
        port=conf.sip_port,
        transport=protocol or _transport_protocol(conf.endpoint_transport, realtime_db_alias()),
        password=password,
        user_id=user_id,
        pjsip_reload_pending=reload_pending,
    )


def _insert_realtime_rows(using: str, rows: Sequence[tuple[dict, dict, dict]]) -> Delivery:
    """ps_endpoints, ps_auths, ps_aors rows in bulk (see voip.provisioning.bulk for why not bulk_create).

    Returns the delivery of the AORs' notification (the one that may need a res_pjsip reload).
    """
    if not rows:
        return notify(ObjectType.AOR, [], change=Change.CREATED, using=using)
    insert_rows(using, PsEndpoint, [r[0] for r in rows])
    insert_rows(using, PsAuth, [r[1] for r in rows])
    insert_rows(using, PsAor, [r[2] for r in rows])
    notify(ObjectType.ENDPOINT, [r[0]["id"] for r in rows], change=Change.CREATED, using=using)
    notify(ObjectType.AUTH, [r[1]["id"] for r in rows], change=Change.CREATED, using=using)
    delivery = notify(
        ObjectType.AOR,
        [r[2]["id"] for r in rows if int(r[2].get("qualify_frequency") or 0) > 0],
        change=Change.CREATED,
        using=using,
    )
    unqualified = [r[2]["id"] for r in rows if not int(r[2].get("qualify_frequency") or 0) > 0]
    if unqualified:
        delivery = notify(ObjectType.AOR, unqualified, change=Change.CREATED, qualifies=False, using=using)
    return delivery


def _contacts_of(endpoint_ids: Sequence[str]) -> Q:
    query = Q(endpoint__in=list(endpoint_ids))
    for endpoint_id in endpoint_ids:
        # Contact ids are "<aor>;@<hash>", stored raw or escaped the realtime way ("^3B").
        query |= Q(id__startswith=f"{endpoint_id};@") | Q(id__startswith=f"{endpoint_id}^3B@")
    return query


def _delete_realtime_rows(using: str, endpoint_ids: Sequence[str]) -> None:
    ids = list(endpoint_ids)
    PsContact.objects.using(using).filter(_contacts_of(ids)).delete()
    PsAor.objects.using(using).filter(id__in=ids).delete()
    PsAuth.objects.using(using).filter(id__in=ids).delete()
    PsEndpoint.objects.using(using).filter(id__in=ids).delete()
    for object_type in (ObjectType.ENDPOINT, ObjectType.AUTH, ObjectType.AOR):
        notify(object_type, ids, change=Change.DELETED, using=using)


def _build_rows(
    endpoint_id: str, name: str, password: str, conf: ProvisioningSettings, *, enabled: bool = True
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    callerid = format_callerid(name, endpoint_id)
    return (
        endpoint_row(endpoint_id, callerid, conf, enabled=enabled),
        auth_row(endpoint_id, password, conf),
        aor_row(endpoint_id, conf, enabled=enabled),
    )


def _two_database_write(write: Callable[[str], T], compensate: Callable[[str, T], None]) -> T:
    """Run ``write(realtime alias)`` in the documented order, retrying number races."""
    using = realtime_db_alias()
    for attempt in range(numbering.ALLOCATION_ATTEMPTS):
        realtime_committed = False
        outcome: Any = _NOTHING
        try:
            with transaction.atomic(using="default"):
                with transaction.atomic(using=using):
                    numbering.lock_number_space(using)
                    outcome = write(using)
                realtime_committed = not transaction.get_connection(using).in_atomic_block
            return outcome
        except IntegrityError:
            if realtime_committed and outcome is not _NOTHING:
                compensate(using, outcome)
            if attempt == numbering.ALLOCATION_ATTEMPTS - 1:
                raise
            logger.info("extension number race lost, retrying (attempt %d)", attempt + 2)
        except BaseException:
            if realtime_committed and outcome is not _NOTHING:
                compensate(using, outcome)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


_NOTHING = object()


def _resolve(target: Any) -> tuple[str, InternalNumber | None]:
    """(endpoint id, InternalNumber or None) for a user, an InternalNumber or an endpoint id."""
    if isinstance(target, InternalNumber):
        return target.endpoint_id, target
    if isinstance(target, get_user_model()):
        number = InternalNumber.objects.filter(user=target).first()
        if number is None:
            raise ExtensionNotFound(f"user {target.get_username()} has no extension")
        return number.endpoint_id, number
    if isinstance(target, str | int):
        endpoint_id = str(target).strip()
        return endpoint_id, InternalNumber.objects.filter(endpoint_id=endpoint_id).first()
    raise TypeError(f"expected a user, an InternalNumber or an endpoint id, not {type(target).__name__}")


def _require_endpoint(endpoint_id: str, using: str) -> None:
    if not PsEndpoint.objects.using(using).filter(id=endpoint_id).exists():
        raise ExtensionNotFound(f"endpoint {endpoint_id} does not exist in ps_endpoints")


# --- single extensions ------------------------------------------------------------------------


def provision_extension(
    user: User, *, number: str | int | None = None, reset_password: bool = False
) -> ProvisionResult:
    """Give ``user`` an extension (idempotent).

    New extension: next free number of USER_EXTENSION_RANGE (or ``number``), new password returned.
    Existing one: returned with ``password=None``, unless ``reset_password`` (new password returned)
    or its realtime rows went missing (rebuilt with a new password).
    """
    conf = provisioning_settings()
    wanted = numbering.validate_number(number) if number is not None else None
    name = display_name(user)
    existing = InternalNumber.objects.filter(user=user).first()
    if existing is not None:
        if wanted is not None and wanted != existing.number:
            raise ProvisioningError(f"user {user.get_username()} already has extension {existing.number}")
        return _existing_extension(user, existing, conf, name, reset=reset_password)

    deliveries: list[Delivery] = []

    def write(using: str) -> tuple[InternalNumber, str]:
        used = numbering.used_numbers(using)
        if wanted is not None:
            numbering.check_free(used, wanted)
            endpoint_id = wanted
        else:
            endpoint_id = numbering.allocate(used, 1, *conf.user_extension_range)[0]
        password = generate_password(conf.password_length)
        rows = [_build_rows(endpoint_id, name, password, conf, enabled=user.is_active)]
        deliveries.append(_insert_realtime_rows(using, rows))
        internal = InternalNumber.objects.using("default").create(
            user=user, number=endpoint_id, endpoint_id=endpoint_id, is_active=user.is_active
        )
        return internal, password

    def compensate(using: str, outcome: tuple[InternalNumber, str]) -> None:
        _delete_realtime_rows(using, [outcome[0].endpoint_id])

    try:
        internal, password = _two_database_write(write, compensate)
    except IntegrityError:
        # Lost every retry: most likely another process provisioned this very user meanwhile.
        existing = InternalNumber.objects.filter(user=user).first()
        if existing is None:
            raise
        return _existing_extension(user, existing, conf, name, reset=reset_password)
    logger.info("provisioned extension %s for user %s", internal.endpoint_id, user.get_username())
    audit_record(
        action="created",
        object_type="extension",
        object_id=internal.endpoint_id,
        changes={"user": [None, user.get_username()], "number": [None, internal.number], "password": [None, "set"]},
    )
    pending = deliveries[-1].pending
    return _result(
        internal, internal.endpoint_id, conf, password=password, created=True, user_id=user.pk, reload_pending=pending
    )


def _existing_extension(
    user: User, existing: InternalNumber, conf: ProvisioningSettings, name: str, *, reset: bool
) -> ProvisionResult:
    using = realtime_db_alias()
    if PsEndpoint.objects.using(using).filter(id=existing.endpoint_id).exists():
        password = reset_password(existing) if reset else None
        return _result(existing, existing.endpoint_id, conf, password=password, created=False, user_id=user.pk)
    # The realtime rows were removed behind our back: rebuild them under the same number.
    password = generate_password(conf.password_length)
    with transaction.atomic(using=using):
        _delete_realtime_rows(using, [existing.endpoint_id])
        delivery = _insert_realtime_rows(
            using, [_build_rows(existing.endpoint_id, name, password, conf, enabled=existing.is_active)]
        )
    logger.info("rebuilt realtime rows of extension %s for user %s", existing.endpoint_id, user.get_username())
    pending = delivery.pending
    return _result(
        existing, existing.endpoint_id, conf, password=password, created=False, user_id=user.pk, reload_pending=pending
    )


def create_test_endpoint(number: str | int | None = None, *, name: str = TEST_ENDPOINT_NAME) -> ProvisionResult:
    """One endpoint not tied to a user, on ``number`` or the next free one from TEST_EXTENSION_START."""
    return create_test_endpoints(1, number=number, name=name)[0]


def create_test_endpoints(
    count: int, *, number: str | int | None = None, name: str = TEST_ENDPOINT_NAME
) -> list[ProvisionResult]:
    """``count`` new endpoints on the next free numbers from TEST_EXTENSION_START; existing ones untouched."""
    if count < 1:
        raise ProvisioningError("the number of test endpoints must be at least 1")
    conf = provisioning_settings()
    wanted = numbering.validate_number(number) if number is not None else None
    if wanted is not None and count != 1:
        raise ProvisioningError("a fixed number makes sense for one endpoint only")

    deliveries: list[Delivery] = []

    def write(using: str) -> list[tuple[str, str]]:
        used = numbering.used_numbers(using)
        if wanted is not None:
            numbering.check_free(used, wanted)
            numbers = [wanted]
        else:
            numbers = numbering.allocate(used, count, conf.test_extension_start)
        made = [(endpoint_id, generate_password(conf.password_length)) for endpoint_id in numbers]
        deliveries.append(
            _insert_realtime_rows(using, [_build_rows(eid, name, password, conf) for eid, password in made])
        )
        return made

    def compensate(using: str, made: list[tuple[str, str]]) -> None:
        _delete_realtime_rows(using, [eid for eid, _ in made])

    made = _two_database_write(write, compensate)
    logger.info("created %d test endpoint(s): %s", len(made), ", ".join(eid for eid, _ in made))
    pending = deliveries[-1].pending
    protocol = _transport_protocol(conf.endpoint_transport, realtime_db_alias())
    return [
        _result(
            None, eid, conf, password=password, created=True, user_id=None, protocol=protocol, reload_pending=pending
        )
        for eid, password in made
    ]


def update_extension(
    target: Any,
    *,
    name: str | None = None,
    context: str | None = None,
    codecs: Sequence[str] | None = None,
    transport: str | None = None,
) -> str:
    """Change an extension's settings; returns its endpoint id.

    ``name`` sets the caller id name; for a user target without ``name`` the caller id is rebuilt
    from the user's current full name (call it after a name change).
    """
    endpoint_id, internal = _resolve(target)
    using = realtime_db_alias()
    _require_endpoint(endpoint_id, using)
    if name is None and internal is not None:
        name = display_name(internal.user)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["callerid"] = format_callerid(name, endpoint_id)
    if context is not None:
        changes["context"] = encode_realtime_value(context)
    if codecs is not None:
        changes.update(disallow="all", allow=encode_realtime_value(",".join(codecs)))
    if transport is not None:
        changes["transport"] = encode_realtime_value(transport)
    if changes:
        with transaction.atomic(using=using):
            PsEndpoint.objects.using(using).filter(id=endpoint_id).update(**changes)
            notify(ObjectType.ENDPOINT, [endpoint_id], change=Change.UPDATED, using=using)
        logger.info("updated extension %s (%s)", endpoint_id, ", ".join(sorted(changes)))
        audit_record(
            action="updated",
            object_type="extension",
            object_id=endpoint_id,
            changes={name: [None, value] for name, value in changes.items()},
        )
    return endpoint_id


def disable_extension(target: Any) -> str:
    """Stop an extension without deleting it; returns its endpoint id.

    AOR ``max_contacts=0`` (Asterisk answers REGISTER with 403), its ``ps_contacts`` rows removed
    (no calls reach the phone any more), the endpoint moved to ``DISABLED_CONTEXT`` (a phone that
    still knows the password can INVITE without registering; that context refuses every call) and
    ``InternalNumber.is_active=False``.
    """
    conf = provisioning_settings()
    endpoint_id, internal = _resolve(target)
    using = realtime_db_alias()
    _require_endpoint(endpoint_id, using)
    with transaction.atomic(using="default"), transaction.atomic(using=using):
        PsAor.objects.using(using).filter(id=endpoint_id).update(max_contacts=0)
        PsEndpoint.objects.using(using).filter(id=endpoint_id).update(context=endpoint_context(conf, enabled=False))
        PsContact.objects.using(using).filter(_contacts_of([endpoint_id])).delete()
        notify(ObjectType.AOR, [endpoint_id], change=Change.UPDATED, using=using)
        notify(ObjectType.ENDPOINT, [endpoint_id], change=Change.UPDATED, using=using)
        if internal is not None and internal.is_active:
            internal.is_active = False
            internal.save(update_fields=["is_active", "updated_at"])
    logger.info("disabled extension %s", endpoint_id)
    audit_record(action="disabled", object_type="extension", object_id=endpoint_id)
    return endpoint_id


def enable_extension(target: Any) -> str:
    """Undo :func:`disable_extension`: registrations allowed again (MAX_CONTACTS), the endpoint back in
    ENDPOINT_CONTEXT, InternalNumber active."""
    conf = provisioning_settings()
    endpoint_id, internal = _resolve(target)
    using = realtime_db_alias()
    _require_endpoint(endpoint_id, using)
    with transaction.atomic(using="default"), transaction.atomic(using=using):
        updated = (
            PsAor.objects.using(using)
            .filter(id=endpoint_id)
            .update(max_contacts=conf.max_contacts, remove_existing="yes" if conf.max_contacts == 1 else "no")
        )
        if updated:
            notify(ObjectType.AOR, [endpoint_id], change=Change.UPDATED, using=using)
        else:
            PsAor.objects.using(using).create(**aor_row(endpoint_id, conf))
            qualifies = conf.qualify_frequency > 0
            notify(ObjectType.AOR, [endpoint_id], change=Change.CREATED, qualifies=qualifies, using=using)
        PsEndpoint.objects.using(using).filter(id=endpoint_id).update(context=endpoint_context(conf))
        notify(ObjectType.ENDPOINT, [endpoint_id], change=Change.UPDATED, using=using)
        if internal is not None and not internal.is_active:
            internal.is_active = True
            internal.save(update_fields=["is_active", "updated_at"])
    logger.info("enabled extension %s", endpoint_id)
    audit_record(action="enabled", object_type="extension", object_id=endpoint_id)
    return endpoint_id


def is_extension_enabled(target: Any) -> bool:
    endpoint_id, _internal = _resolve(target)
    max_contacts = (
        PsAor.objects.using(realtime_db_alias()).filter(id=endpoint_id).values_list("max_contacts", flat=True).first()
    )
    return bool(max_contacts)


def reset_password(target: Any) -> str:
    """Give an extension a new password and return it (the only time it is shown)."""
    conf = provisioning_settings()
    endpoint_id, _internal = _resolve(target)
    using = realtime_db_alias()
    _require_endpoint(endpoint_id, using)
    password = generate_password(conf.password_length)
    row = auth_row(endpoint_id, password, conf)
    with transaction.atomic(using=using):
        updated = (
            PsAuth.objects.using(using)
            .filter(id=endpoint_id)
            .update(**{key: value for key, value in row.items() if key != "id"})
        )
        if updated:
            notify(ObjectType.AUTH, [endpoint_id], change=Change.UPDATED, using=using)
        else:
            PsAuth.objects.using(using).create(**row)
            PsEndpoint.objects.using(using).filter(id=endpoint_id).update(auth=endpoint_id)
            notify(ObjectType.AUTH, [endpoint_id], change=Change.CREATED, using=using)
            notify(ObjectType.ENDPOINT, [endpoint_id], change=Change.UPDATED, using=using)
    logger.info("new password set for extension %s", endpoint_id)
    audit_record(action="password_reset", object_type="extension", object_id=endpoint_id, changes={"password": []})
    return password


def delete_extension(target: Any) -> str:
    """Remove an extension: its realtime rows (contacts too) and its InternalNumber.

    Option B: realtime rows go first (inside the default transaction); if the default commit then
    failed, the InternalNumber stays and :func:`provision_extension` rebuilds the rows.
    """
    endpoint_id, internal = _resolve(target)
    using = realtime_db_alias()
    with transaction.atomic(using="default"), transaction.atomic(using=using):
        _delete_realtime_rows(using, [endpoint_id])
        if internal is not None and internal.pk is not None:
            InternalNumber.objects.filter(pk=internal.pk).delete()
    logger.info("deleted extension %s", endpoint_id)
    audit_record(action="deleted", object_type="extension", object_id=endpoint_id)
    return endpoint_id


def delete_realtime_rows(endpoint_id: str) -> None:
    """Remove only the realtime rows of ``endpoint_id`` (after its InternalNumber was deleted)."""
    using = realtime_db_alias()
    with transaction.atomic(using=using):
        _delete_realtime_rows(using, [endpoint_id])


# --- transports -------------------------------------------------------------------------------


def transport_ids(conf: ProvisioningSettings | None = None) -> dict[str, str]:
    """Transport id per protocol; the UDP one takes ENDPOINT_TRANSPORT's id unless it names another."""
    conf = conf or provisioning_settings()
    protocols = ["udp", "tcp"] + (["ws", "wss"] if conf.enable_websocket_transports else [])
    ids = {protocol: f"transport-{protocol}" for protocol in protocols}
    if conf.endpoint_transport not in ids.values():
        ids["udp"] = conf.endpoint_transport
    return ids


def create_transports() -> list[TransportResult]:
    """udp and tcp (and ws/wss with ENABLE_WEBSOCKET_TRANSPORTS) rows in ``ps_transports``; idempotent."""
    conf = provisioning_settings()
    using = realtime_db_alias()
    results: list[TransportResult] = []
    with transaction.atomic(using=using):
        for protocol, transport_id in transport_ids(conf).items():
            existing = PsTransport.objects.using(using).filter(id=transport_id).first()
            if existing is not None:
                results.append(TransportResult(transport_id, existing.protocol or protocol, existing.bind or "", False))
                continue
            PsTransport.objects.using(using).create(id=transport_id, protocol=protocol, bind=conf.transport_bind)
            results.append(TransportResult(transport_id, protocol, conf.transport_bind, True))
        created = notify(ObjectType.TRANSPORT, [r.id for r in results if r.created], change=Change.CREATED, using=using)
        # A row that is already there may never have been looked up (nothing bound yet): counted as
        # an update, which looks it up again.
        kept = notify(
            ObjectType.TRANSPORT, [r.id for r in results if not r.created], change=Change.UPDATED, using=using
        )
    if any(r.created for r in results):
        logger.info("created transports: %s", ", ".join(r.id for r in results if r.created))
    outcomes = [d.outcome for d in (created, kept) if d.pending and d.outcome is not None]
    not_loaded = next((o.error for o in outcomes if o.error), "")
    return [replace(r, not_loaded=not_loaded) for r in results]


# --- many users at once -----------------------------------------------------------------------


def provision_users(
    users: Iterable[User],
    progress: Callable[[int, int], None] | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[list[ProvisionResult]], None] | None = None,
) -> ProvisionSummary:
    """Give every active user in ``users`` without an extension one; one transaction per batch.

    ``progress(done, total)`` is called after each batch, ``on_batch(results)`` with each batch's
    new extensions (passwords included) as soon as the batch is committed, so a caller can keep
    them before the next batch starts. Users that already have an extension are counted,
    inactive ones skipped, and when the range runs out the rest are reported as failed. First,
    extensions an interrupted run left without a CRM user are removed (see UnconfirmedExtension)
    and their users provisioned again.
    """
    conf = provisioning_settings()
    summary = ProvisionSummary()
    summary.repaired = remove_unconfirmed_extensions()
    users = list(users)
    have = set(InternalNumber.objects.values_list("user_id", flat=True))
    todo: list[User] = []
    for user in users:
        if user.pk in have:
            summary.already_provisioned += 1
        elif not user.is_active:
            summary.skipped_inactive += 1
        else:
            todo.append(user)
    total = len(users)
    done = total - len(todo)
    if progress:
        progress(done, total)
    protocol = _transport_protocol(conf.endpoint_transport, realtime_db_alias())
    exhausted: str | None = None
    deliveries: list[Delivery] = []
    with batched():  # one notification for every batch: O(1) AMI actions for 10,000 users
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            made: Sequence[tuple[Any, str, str | None]] = []
            if exhausted is None:
                try:
                    made = _provision_batch(batch, conf, deliveries)
                    if len(made) < len(batch):  # the range ran out part-way through this batch
                        low, high = conf.user_extension_range
                        exhausted = f"no free extension left in {low}-{high}"
                except numbering.NumberSpaceExhausted as exc:
                    exhausted = str(exc)
                except (IntegrityError, NumberTaken) as exc:
                    # Someone provisioned some of these users meanwhile: fall back to one at a time.
                    logger.info("batch conflict (%s), provisioning this batch one by one", exc.__class__.__name__)
                    made = _provision_one_by_one(batch, summary)
            if exhausted is not None:
                got = {id(user) for user, _n, _p in made}
                summary.failed.extend((user.get_username(), exhausted) for user in batch if id(user) not in got)
            batch_results: list[ProvisionResult] = []
            for user, endpoint_id, password in made:
                batch_results.append(
                    ProvisionResult(
                        endpoint_id=endpoint_id,
                        number=endpoint_id,
                        created=True,
                        username=endpoint_id,
                        server=conf.sip_server,
                        port=conf.sip_port,
                        transport=protocol,
                        password=password,
                        user_id=user.pk,
                    )
                )
            summary.created.extend(batch_results)
            if on_batch and batch_results:
                on_batch(batch_results)
            done += len(batch)
            if progress:
                progress(done, total)
    if exhausted is not None:
        logger.warning("provisioning stopped: %s", exhausted)
    if summary.created:
        low, high = conf.user_extension_range
        logger.info("provisioned %d extension(s) in %d-%d", len(summary.created), low, high)
        summary.pjsip_reload_pending = any(delivery.pending for delivery in deliveries)
    return summary


def _provision_one_by_one(batch: Sequence[Any], summary: ProvisionSummary) -> list[tuple[Any, str, str | None]]:
    made: list[tuple[Any, str, str | None]] = []
    for user in batch:
        try:
            result = provision_extension(user)
        except ProvisioningError as exc:
            summary.failed.append((user.get_username(), str(exc)))
            continue
        if result.created:
            made.append((user, result.endpoint_id, result.password))
        else:
            summary.already_provisioned += 1
    return made


def _provision_batch(
    batch: Sequence[User], conf: ProvisioningSettings, deliveries: list[Delivery]
) -> list[tuple[Any, str, str]]:
    def write(using: str) -> list[tuple[Any, str, str]]:
        used = numbering.used_numbers(using)
        numbers = numbering.allocate(used, len(batch), *conf.user_extension_range, partial=True)
        pairs = zip(batch, numbers, strict=False)  # fewer numbers than users when the range runs out
        made = [(user, number, generate_password(conf.password_length)) for user, number in pairs]
        deliveries.append(_insert_realtime_rows(using, [_build_rows(n, display_name(u), p, conf) for u, n, p in made]))
        now = timezone.now()
        if separate:
            journal = [{"endpoint_id": n, "user_id": u.pk, "created_at": now} for u, n, _p in made]
            insert_rows(using, UnconfirmedExtension, journal)
        insert_rows(
            "default",
            InternalNumber,
            [
                {
                    "user_id": u.pk,
                    "number": n,
                    "endpoint_id": n,
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for u, n, _p in made
            ],
        )
        return made

    def compensate(using: str, made: list[tuple[Any, str, str]]) -> None:
        _delete_realtime_rows(using, [n for _u, n, _p in made])
        if separate:
            UnconfirmedExtension.objects.using(using).filter(endpoint_id__in=[n for _u, n, _p in made]).delete()

    separate = realtime_db_is_separate()
    made = _two_database_write(write, compensate)
    if separate and made:
        # Both commits are done: these extensions have their CRM rows.
        confirmed = [n for _u, n, _p in made]
        UnconfirmedExtension.objects.using(realtime_db_alias()).filter(endpoint_id__in=confirmed).delete()
    return made


def unconfirmed_extensions(*, older_than: dt.timedelta = UNCONFIRMED_GRACE, tidy: bool = True) -> list[str]:
    """Endpoints an interrupted batch left in the realtime database without an InternalNumber.

    Only rows older than ``older_than``: a younger one may belong to a batch still committing.
    ``tidy`` drops the bookkeeping rows of extensions that did get their InternalNumber.
    """
    if not realtime_db_is_separate():
        return []
    using = realtime_db_alias()
    cutoff = timezone.now() - older_than
    pending = list(
        UnconfirmedExtension.objects.using(using).filter(created_at__lt=cutoff).values_list("endpoint_id", flat=True)
    )
    if not pending:
        return []
    confirmed = set(
        InternalNumber.objects.using("default").filter(endpoint_id__in=pending).values_list("endpoint_id", flat=True)
    )
    if confirmed and tidy:  # the run died after its CRM commit: only the bookkeeping row was left
        UnconfirmedExtension.objects.using(using).filter(endpoint_id__in=confirmed).delete()
    return sorted(endpoint_id for endpoint_id in pending if endpoint_id not in confirmed)


def remove_unconfirmed_extensions() -> list[str]:
    """Delete the realtime rows of :func:`unconfirmed_extensions`; their passwords were never handed out.

    The users they were made for still have no extension, so the same run provisions them again.
    """
    orphans = unconfirmed_extensions()
    if not orphans:
        return []
    using = realtime_db_alias()
    with transaction.atomic(using=using):
        numbering.lock_number_space(using)
        # Re-checked under the lock: a number taken since by a confirmed extension is kept.
        owners = InternalNumber.objects.using("default").filter(endpoint_id__in=orphans)
        owned = set(owners.values_list("endpoint_id", flat=True))
        orphans = [endpoint_id for endpoint_id in orphans if endpoint_id not in owned]
        _delete_realtime_rows(using, orphans)
        UnconfirmedExtension.objects.using(using).filter(endpoint_id__in=[*orphans, *owned]).delete()
    logger.warning("removed %d extension(s) an interrupted provisioning run left without a user", len(orphans))
    return orphans
