"""Recording PBX changes. Write services call :func:`audit_record` once a change has been made;
who made it comes from the context that the request, the API, ``pbx apply`` or a command set
with :func:`audit_context` (the middleware does it for every request)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from .models import AuditEntry, AuditSource

# Field names whose values never reach the log: only that they changed.
SECRET_FIELDS = frozenset({"password", "md5_cred", "password_digest", "secret", "token", "key"})
MASK = "***"


@dataclass(frozen=True)
class AuditActor:
    source: str
    user: User | AnonymousUser | None = None
    label: str = ""


_actor: contextvars.ContextVar[AuditActor | None] = contextvars.ContextVar("audit_actor", default=None)
_SYSTEM = AuditActor(source=AuditSource.SYSTEM)


@contextlib.contextmanager
def audit_context(*, source: str, user: User | AnonymousUser | None = None, label: str = "") -> Iterator[None]:
    token = _actor.set(AuditActor(source=source, user=user, label=label))
    try:
        yield
    finally:
        _actor.reset(token)


def audit_actor_set(*, source: str, user: User | AnonymousUser | None = None) -> None:
    """Name the actor for the rest of this context (the API, once it has authenticated a token)."""
    _actor.set(AuditActor(source=source, user=user))


def masked(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: ([MASK, MASK] if name.lower() in SECRET_FIELDS or "password" in name.lower() else value)
        for name, value in changes.items()
    }


def audit_record(
    *, action: str, object_type: str, object_id: str, changes: Mapping[str, Any] | None = None
) -> AuditEntry:
    actor = _actor.get() or _SYSTEM
    user = actor.user if isinstance(actor.user, User) else None
    label = actor.label or (user.get_username() if user is not None else "")
    return AuditEntry.objects.create(
        actor=user,
        actor_label=label,
        source=actor.source,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=masked(changes or {}),
    )
