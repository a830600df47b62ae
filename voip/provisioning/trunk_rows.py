"""What one trunk looks like in Asterisk's realtime tables, and the one writer of those rows.

Every row takes the trunk's name as its id (identify rows: ``<name>.<n>``, one per inbound match),
so the rows of a trunk are found, compared and replaced by that name. The writer compares what is
stored with what the trunk needs and writes, and tells Asterisk, only what differs
(docs/trunks.md). It runs inside the caller's realtime transaction; ``voip.trunks.services``
is the only caller.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from voip.provisioning.notifier import Change, ObjectType, notify
from voip.realtime.escaping import encode_realtime_value
from voip.realtime.models import PsAor, PsAuth, PsContact, PsEndpoint, PsEndpointIdIp, PsRegistration

# A rejected or failed registration is retried this often (seconds), and after a 403 this often.
REGISTRATION_RETRY_INTERVAL = 60
REGISTRATION_FORBIDDEN_RETRY_INTERVAL = 300
# Effectively "never give up" on a provider that is temporarily down.
REGISTRATION_MAX_RETRIES = 10000
REGISTRATION_EXPIRATION = 3600
# The first REGISTER after a reload waits a random 0..N s (NOTES: the default 10 delays a new trunk
# up to 10 s); 1 keeps many trunks from registering in the same instant.
REGISTRATION_MAX_RANDOM_INITIAL_DELAY = 1
QUALIFY_TIMEOUT = 3.0
# Seconds between the reload that unregisters a removed registration and the removal of its auth
# row: several round trips to a provider (REGISTER Expires: 0, its challenge, our answer).
UNREGISTER_GRACE = 2.0


@dataclass(frozen=True)
class TrunkRowInput:
    """The validated values of a trunk that Asterisk reads (see voip.trunks.validation)."""

    name: str
    uri_host: str  # host or host:port as written in a SIP URI
    transport: str
    username: str
    register: bool
    from_user: str
    from_domain: str
    match: tuple[str, ...]
    codecs: tuple[str, ...]
    max_channels: int | None
    qualify_frequency: int
    external_address: str
    dtmf_mode: str
    context: str


@dataclass(frozen=True)
class TrunkRows:
    endpoint: dict[str, Any]
    aor: dict[str, Any]
    auth: dict[str, Any] | None
    registration: dict[str, Any] | None
    identifies: tuple[dict[str, Any], ...] = field(default=())


def _or_none(value: str) -> str | None:
    return encode_realtime_value(value) if value else None


def trunk_rows(trunk: TrunkRowInput, *, password: str | None) -> TrunkRows:
    """The rows of ``trunk`` (pure). ``password`` is the one to store; ``None`` leaves the auth
    row's password column out, so that :func:`trunk_rows_write` keeps the stored one."""
    name = trunk.name
    has_auth = bool(trunk.username)
    endpoint: dict[str, Any] = {
        "id": name,
        "transport": _or_none(trunk.transport),
        "aors": name,
        # Nothing authenticates to us as this trunk: its calls are identified by source address.
        "auth": None,
        "outbound_auth": name if has_auth else None,
        "context": encode_realtime_value(trunk.context),
        "disallow": "all",
        "allow": ",".join(trunk.codecs),
        "dtmf_mode": trunk.dtmf_mode,
        "direct_media": "no",
        "rtp_symmetric": "yes",
        "force_rport": "yes",
        "rewrite_contact": "yes",
        # Only by source address: with "username" an INVITE whose From user is the trunk's name
        # would be taken for the trunk from any address (NOTES "Trunks").
        "identify_by": "ip",
        "from_user": _or_none(trunk.from_user),
        "from_domain": _or_none(trunk.from_domain),
        "media_address": _or_none(trunk.external_address),
        # Asterisk's own reading of the limit: the endpoint's device state is BUSY at this many
        # channels; the outbound routes also read it to skip a full trunk.
        "device_state_busy_at": trunk.max_channels,
    }
    aor = {
        "id": name,
        "contact": f"sip:{trunk.uri_host}",
        "max_contacts": 1,
        "qualify_frequency": trunk.qualify_frequency,
        "qualify_timeout": QUALIFY_TIMEOUT,
    }
    auth: dict[str, Any] | None = None
    if has_auth:
        # No realm: an auth with realm=asterisk cannot answer the provider's challenge in its own
        # realm (NOTES "Trunks"). Plain text: an md5_cred would need that realm in advance.
        auth = {"id": name, "auth_type": "userpass", "username": trunk.username, "realm": None}
        if password is not None:
            auth["password"] = encode_realtime_value(password)
    registration: dict[str, Any] | None = None
    if has_auth and trunk.register:
        registration = {
            "id": name,
            "server_uri": f"sip:{trunk.uri_host}",
            "client_uri": f"sip:{trunk.username}@{trunk.uri_host}",
            "contact_user": trunk.username,
            "outbound_auth": name,
            "transport": _or_none(trunk.transport),
            # No "endpoint": Asterisk refuses a registration naming one without line support
            # ("An endpoint has been specified on outbound registration ... without enabling
            # line support"); inbound calls are identified by address instead.
            "expiration": REGISTRATION_EXPIRATION,
            "retry_interval": REGISTRATION_RETRY_INTERVAL,
            "forbidden_retry_interval": REGISTRATION_FORBIDDEN_RETRY_INTERVAL,
            "max_retries": REGISTRATION_MAX_RETRIES,
            # A wrong password stops the registration instead of hammering the provider (which
            # may block our address); a password change revives it with PJSIPRegister.
            "auth_rejection_permanent": "yes",
            "max_random_initial_delay": REGISTRATION_MAX_RANDOM_INITIAL_DELAY,
        }
    identifies = tuple(
        {"id": f"{name}.{index}", "endpoint": name, "match": entry} for index, entry in enumerate(trunk.match, 1)
    )
    return TrunkRows(endpoint=endpoint, aor=aor, auth=auth, registration=registration, identifies=identifies)


def _stored(model: Any, using: str, object_id: str, columns: Sequence[str]) -> dict[str, Any] | None:
    return model.objects.using(using).filter(id=object_id).values(*columns).first()


def _write_one(model: Any, using: str, row: dict[str, Any] | None, object_id: str) -> tuple[Change | None, set[str]]:
    """Create, update or delete one row so that it is ``row``; returns the change and the changed columns."""
    manager = model.objects.using(using)
    if row is None:
        deleted, _ = manager.filter(id=object_id).delete()
        return (Change.DELETED if deleted else None), set()
    stored = _stored(model, using, object_id, list(row))
    if stored is None:
        manager.create(**row)
        return Change.CREATED, set(row)
    changed = {key for key, value in row.items() if stored.get(key) != value}
    if changed:
        manager.filter(id=object_id).update(**{key: row[key] for key in changed})
        return Change.UPDATED, changed
    return None, set()


@dataclass(frozen=True)
class TrunkRowsWritten:
    """What :func:`trunk_rows_write` changed (for the service's log and its tests)."""

    endpoint: Change | None
    aor: Change | None
    auth: Change | None
    registration: Change | None
    identifies: bool
    password_changed: bool


def trunk_rows_write(*, using: str, rows: TrunkRows) -> TrunkRowsWritten:
    """Make the stored rows of one trunk equal ``rows`` and notify exactly what changed.

    Must run inside a transaction on ``using`` (the notifier sends after its commit).
    """
    name = rows.endpoint["id"]
    endpoint_change, _ = _write_one(PsEndpoint, using, rows.endpoint, name)
    aor_change, _ = _write_one(PsAor, using, rows.aor, name)
    registration_change, _ = _write_one(PsRegistration, using, rows.registration, name)
    if rows.auth is None and registration_change is Change.DELETED:
        # The unregistration that the reload starts is challenged by the provider and answered
        # with this auth row: it goes once that is over.
        auth_change, auth_columns = None, set[str]()
    else:
        auth_change, auth_columns = _write_one(PsAuth, using, rows.auth, name)
    identifies_changed = _write_identifies(using, name, rows.identifies)

    if endpoint_change:
        notify(ObjectType.ENDPOINT, [name], change=endpoint_change, using=using)
    if aor_change:
        notify(ObjectType.AOR, [name], change=aor_change, using=using)
        notify(ObjectType.STATIC_CONTACT_AOR, [name], change=aor_change, using=using)
    if auth_change:
        notify(ObjectType.AUTH, [name], change=auth_change, using=using)
    if registration_change:
        notify(ObjectType.REGISTRATION, [name], change=registration_change, using=using)
        if rows.auth is None and registration_change is Change.DELETED and _auth_exists(using, name):
            _delete_auth_after_unregister(using, name)
    elif auth_change is Change.UPDATED and rows.registration is not None:
        # An unchanged registration keeps its state (Rejected included) across the module reload:
        # it must be told to register again with the new credentials (NOTES "Trunks").
        notify(ObjectType.REGISTRATION_CREDENTIALS, [name], change=Change.UPDATED, using=using)
    return TrunkRowsWritten(
        endpoint=endpoint_change,
        aor=aor_change,
        auth=auth_change,
        registration=registration_change,
        identifies=identifies_changed,
        password_changed="password" in auth_columns,
    )


def _write_identifies(using: str, name: str, rows: Sequence[dict[str, Any]]) -> bool:
    manager = PsEndpointIdIp.objects.using(using)
    stored = {r["id"]: r for r in manager.filter(endpoint=name).values("id", "endpoint", "match")}
    wanted = {r["id"]: r for r in rows}
    if stored == wanted:
        return False
    manager.filter(endpoint=name).exclude(id__in=list(wanted)).delete()
    for object_id, row in wanted.items():
        if object_id not in stored:
            manager.create(**row)
        elif stored[object_id] != row:
            manager.filter(id=object_id).update(match=row["match"])
    # res_pjsip_endpoint_identifier_ip looks identify objects up on every request (no cache of
    # its own), so no AMI action is needed.
    return True


def trunk_rows_snapshot(*, using: str, name: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored row of one trunk, to put back if the CRM side of a save fails (Option B)."""
    return {
        "endpoint": [dict(row) for row in PsEndpoint.objects.using(using).filter(id=name).values()],
        "aor": [dict(row) for row in PsAor.objects.using(using).filter(id=name).values()],
        "auth": [dict(row) for row in PsAuth.objects.using(using).filter(id=name).values()],
        "registration": [dict(row) for row in PsRegistration.objects.using(using).filter(id=name).values()],
        "identify": [dict(row) for row in PsEndpointIdIp.objects.using(using).filter(endpoint=name).values()],
    }


_SNAPSHOT_MODELS: dict[str, Any] = {
    "endpoint": PsEndpoint,
    "aor": PsAor,
    "auth": PsAuth,
    "registration": PsRegistration,
}


def trunk_rows_restore(*, using: str, name: str, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    """Put a :func:`trunk_rows_snapshot` back (inside a transaction on ``using``) and notify."""
    for key, model in _SNAPSHOT_MODELS.items():
        model.objects.using(using).filter(id=name).delete()
        for row in snapshot[key]:
            model.objects.using(using).create(**row)
    PsEndpointIdIp.objects.using(using).filter(endpoint=name).delete()
    for row in snapshot["identify"]:
        PsEndpointIdIp.objects.using(using).create(**row)
    for object_type in (
        ObjectType.ENDPOINT,
        ObjectType.AOR,
        ObjectType.STATIC_CONTACT_AOR,
        ObjectType.AUTH,
        ObjectType.REGISTRATION,
    ):
        notify(object_type, [name], change=Change.UPDATED, using=using)


def _auth_exists(using: str, name: str) -> bool:
    return PsAuth.objects.using(using).filter(id=name).exists()


def _delete_auth_after_unregister(using: str, name: str) -> None:
    """Delete the auth row of a removed registration after the commit, once the unregistration
    had time to answer the provider's challenge (:data:`UNREGISTER_GRACE`).

    Asterisk looks the auth up when the challenge to its unregistering REGISTER arrives; deleted
    with the registration it is gone by then ("Auth object ... could not be found", "Failed to
    create authenticated REGISTER request") and the provider keeps the contact until it expires.
    Call it after the registration's :func:`notify`: on_commit callbacks run in the order they
    were registered, so this one runs after the notifier sent the reload.
    """

    def forget() -> None:
        time.sleep(UNREGISTER_GRACE)
        with transaction.atomic(using=using):
            # Saved again meanwhile (a registration or an auth user again): keep it.
            if PsRegistration.objects.using(using).filter(id=name).exists():
                return
            if PsEndpoint.objects.using(using).filter(id=name, outbound_auth=name).exists():
                return
            deleted, _ = PsAuth.objects.using(using).filter(id=name).delete()
            if deleted:
                notify(ObjectType.AUTH, [name], change=Change.DELETED, using=using)

    transaction.on_commit(forget, using=using)


def trunk_rows_delete(*, using: str, name: str) -> bool:
    """Remove every row of one trunk and notify; False when there was none. A registered trunk's
    auth row goes shortly after the commit (:func:`_delete_auth_after_unregister`)."""
    registration, _ = PsRegistration.objects.using(using).filter(id=name).delete()
    identifies, _ = PsEndpointIdIp.objects.using(using).filter(endpoint=name).delete()
    auth = 0
    if not registration:
        auth, _ = PsAuth.objects.using(using).filter(id=name).delete()
    # A static AOR contact has no ps_contacts row; this removes any a misconfigured REGISTER left.
    PsContact.objects.using(using).filter(endpoint=name).delete()
    aor, _ = PsAor.objects.using(using).filter(id=name).delete()
    endpoint, _ = PsEndpoint.objects.using(using).filter(id=name).delete()
    if endpoint:
        notify(ObjectType.ENDPOINT, [name], change=Change.DELETED, using=using)
    if aor:
        notify(ObjectType.AOR, [name], change=Change.DELETED, using=using)
        notify(ObjectType.STATIC_CONTACT_AOR, [name], change=Change.DELETED, using=using)
    if auth and not registration:
        notify(ObjectType.AUTH, [name], change=Change.DELETED, using=using)
    if registration:
        notify(ObjectType.REGISTRATION, [name], change=Change.DELETED, using=using)
        _delete_auth_after_unregister(using, name)
    return bool(registration or identifies or auth or aor or endpoint)
