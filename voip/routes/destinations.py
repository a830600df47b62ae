"""Where an inbound call (or a timed-out queue, an IVR choice, ...) goes: a small registry of kinds.

A destination is written as a one-key mapping, the same in the database (a JSON field), in the PBX
file and in the API: ``{"extension": "1001"}``, ``{"hangup": true}``, ``{"queue": "support"}``.
Each kind says how to validate its value and which dialplan steps carry the call there; other
areas add their kinds by calling :func:`register` from their ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


class DestinationError(ValueError):
    """A destination that cannot be used; ``path`` names where it was written (``destination.user``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class DialplanStep:
    """One dialplan priority: an application and its (already validated) argument string."""

    app: str
    data: str = ""


@dataclass(frozen=True)
class DestinationKind:
    key: str
    label: str | Promise
    # Raises DestinationError(path, ...) for a value that cannot be used (unknown extension, ...).
    validate: Callable[[Any, str], None]
    # The steps that carry the call to a validated value; they never contain CR/LF.
    steps: Callable[[Any], list[DialplanStep]]


_KINDS: dict[str, DestinationKind] = {}


def register(kind: DestinationKind) -> None:
    if kind.key in _KINDS and _KINDS[kind.key] != kind:
        raise ValueError(f"destination kind {kind.key!r} is registered twice")
    _KINDS[kind.key] = kind


def kinds() -> dict[str, DestinationKind]:
    return dict(_KINDS)


def parse(value: Any, *, path: str = "destination") -> tuple[DestinationKind, Any]:
    """The kind and value of a destination mapping, validated; DestinationError names the path."""
    if not isinstance(value, Mapping) or len(value) != 1:
        known = ", ".join(sorted(_KINDS))
        raise DestinationError(path, f"expected one of {{{known}}} with its value")
    ((key, inner),) = value.items()
    kind = _KINDS.get(key)
    if kind is None:
        raise DestinationError(f"{path}.{key}", f"unknown destination; known: {', '.join(sorted(_KINDS))}")
    kind.validate(inner, f"{path}.{key}")
    return kind, inner


def steps_for(value: Any, *, path: str = "destination") -> list[DialplanStep]:
    kind, inner = parse(value, path=path)
    return kind.steps(inner)
