"""Writes for trunks: the one place that creates, changes and removes them.

The admin, ``pbx apply`` and any API call these. One save is one transaction: the CRM's
:class:`~voip.trunks.models.Trunk` row on ``default`` and the trunk's realtime rows (written by
:mod:`voip.provisioning.trunk_rows`) on the realtime alias, in the order of
``voip.provisioning.services``: an outer ``atomic('default')`` around an inner realtime atomic. In
Option B (two databases) the realtime commit comes first; if the CRM commit then fails the realtime
rows are put back as they were. Asterisk is told what changed after the realtime commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from voip.audit.services import audit_record
from voip.provisioning.conf import provisioning_settings
from voip.provisioning.trunk_rows import (
    TrunkRowInput,
    trunk_rows,
    trunk_rows_delete,
    trunk_rows_restore,
    trunk_rows_snapshot,
    trunk_rows_write,
)
from voip.realtime.models import PsAuth, PsEndpoint
from voip.realtime.router import realtime_db_alias
from voip.trunks.models import DtmfMode, NumberFormat, Trunk
from voip.trunks.validation import (
    DEFAULT_TRUNK_CODECS,
    TRUNK_INBOUND_CONTEXT,
    FieldError,
    parse_host,
    trunk_validate,
)

logger = logging.getLogger(__name__)


class TrunkError(Exception):
    """A trunk could not be saved or deleted; ``errors`` lists ``(field, message)``."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors))


class TrunkNotFound(TrunkError):
    pass


def trunk_has_password(*, name: str) -> bool:
    """Whether Asterisk's auth row of trunk ``name`` holds a password (never returns it)."""
    return (
        PsAuth.objects.using(realtime_db_alias()).filter(id=name, password__isnull=False).exclude(password="").exists()
    )


def trunk_check(**values: Any) -> list[FieldError]:
    """:func:`~voip.trunks.validation.trunk_validate` plus the checks that read the databases: the
    stored password (``password=None`` keeps it) and an extension already using the name.
    Takes the keyword arguments of :func:`trunk_save`."""
    name = values.get("name", "")
    errors = trunk_validate(**values, has_password=isinstance(name, str) and trunk_has_password(name=name))
    if isinstance(name, str) and name and not any(field == "name" for field, _ in errors):
        is_trunk = Trunk.objects.filter(name=name).exists()
        if not is_trunk and PsEndpoint.objects.using(realtime_db_alias()).filter(id=name).exists():
            errors.insert(
                0, ("name", _("an extension or another endpoint is already called '%(name)s'") % {"name": name})
            )
    return errors


def _row_input(trunk: Trunk) -> TrunkRowInput:
    conf = provisioning_settings()
    return TrunkRowInput(
        name=trunk.name,
        uri_host=parse_host(trunk.host).uri_host,
        transport=trunk.transport or conf.endpoint_transport,
        username=trunk.username,
        register=trunk.register and trunk.enabled,
        from_user=trunk.from_user,
        from_domain=trunk.from_domain,
        match=tuple(trunk.match),
        codecs=tuple(trunk.codecs) or DEFAULT_TRUNK_CODECS,
        max_channels=trunk.max_channels,
        qualify_frequency=trunk.qualify_frequency,
        external_address=trunk.external_address,
        dtmf_mode=trunk.dtmf_mode,
        # A disabled trunk keeps its rows but its calls land where every call is refused.
        context=TRUNK_INBOUND_CONTEXT if trunk.enabled else conf.disabled_context,
    )


def trunk_save(
    *,
    name: str,
    host: str,
    transport: str = "",
    username: str = "",
    password: str | None = None,
    register: bool = False,
    from_user: str = "",
    from_domain: str = "",
    match: Sequence[str] = (),
    codecs: Sequence[str] = (),
    max_channels: int | None = None,
    number_format: str = NumberFormat.E164,
    qualify_frequency: int = 60,
    external_address: str = "",
    dtmf_mode: str = DtmfMode.RFC4733,
    enabled: bool = True,
) -> Trunk:
    """Create trunk ``name`` or replace all its settings; returns the saved Trunk.

    ``password=None`` keeps the stored password. An empty ``username`` makes an IP-authenticated
    trunk: no auth row, no registration, inbound calls identified by ``match`` only. Raises
    :class:`TrunkError` listing every invalid field; nothing is written then.
    """
    values: dict[str, Any] = {
        "name": name,
        "host": host,
        "transport": transport,
        "username": username,
        "password": password,
        "register": register,
        "from_user": from_user,
        "from_domain": from_domain,
        "match": list(match) if isinstance(match, list | tuple) else match,
        "codecs": list(codecs) if isinstance(codecs, list | tuple) else codecs,
        "max_channels": max_channels,
        "number_format": number_format,
        "qualify_frequency": qualify_frequency,
        "external_address": external_address,
        "dtmf_mode": dtmf_mode,
        "enabled": enabled,
    }
    errors = trunk_check(**values)
    if errors:
        raise TrunkError(errors)
    fields = {key: value for key, value in values.items() if key not in ("name", "password")}
    using = realtime_db_alias()
    snapshot: dict[str, list[dict[str, Any]]] | None = None
    realtime_committed = False
    try:
        with transaction.atomic(using="default"):
            trunk = Trunk.objects.select_for_update().filter(name=name).first()
            created = trunk is None
            if trunk is None:
                trunk = Trunk(name=name)
            changes = {
                key: [None if created else getattr(trunk, key), value]
                for key, value in fields.items()
                if created or getattr(trunk, key) != value
            }
            for key, value in fields.items():
                setattr(trunk, key, value)
            trunk.save()
            with transaction.atomic(using=using):
                snapshot = trunk_rows_snapshot(using=using, name=name)
                written = trunk_rows_write(using=using, rows=trunk_rows(_row_input(trunk), password=password))
            if written.password_changed:
                changes["password"] = [None, "set"]  # masked by the audit log
            if changes:
                audit_record(
                    action="created" if created else "updated", object_type="trunk", object_id=name, changes=changes
                )
            realtime_committed = not transaction.get_connection(using).in_atomic_block
    except BaseException:
        if realtime_committed and snapshot is not None:
            with transaction.atomic(using=using):
                trunk_rows_restore(using=using, name=name, snapshot=snapshot)
        raise
    logger.info(
        "%s trunk %s (registration %s, password %s)",
        "created" if created else "saved",
        name,
        written.registration or "unchanged",
        "changed" if written.password_changed else "unchanged",
    )
    return trunk


def trunk_delete(*, name: str) -> None:
    """Remove trunk ``name`` and every row it wrote to Asterisk (its registration is unregistered)."""
    using = realtime_db_alias()
    with transaction.atomic(using="default"):
        deleted, _per_model = Trunk.objects.filter(name=name).delete()
        if not deleted:
            raise TrunkNotFound([("name", _("no trunk '%(name)s'") % {"name": name})])
        # Realtime rows go first (inside the CRM transaction); if the CRM commit then failed the
        # Trunk row stays and the next save writes the rows again.
        with transaction.atomic(using=using):
            trunk_rows_delete(using=using, name=name)
        audit_record(action="deleted", object_type="trunk", object_id=name)
    logger.info("deleted trunk %s", name)
