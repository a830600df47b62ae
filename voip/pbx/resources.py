"""The PBX as one file: each PBX area plugs in a resource for its top-level key of that file.

``pbx apply`` validates every resource of the file first (errors name the key path, for example
``outbound_routes[1].trunks[0]: no trunk 'carier1'``), then applies them in ``order`` inside one
transaction through the area's own services (the same ones the admin and the API call). ``pbx
export`` prints every resource's :meth:`Resource.export`; export followed by apply changes nothing.
The resources are registered in one place, ``voip.pbx.apps.PbxConfig.ready`` (docs/pbx-as-code.md,
"Adding a resource"), so the file's keys and their apply order can be read in one list.

Applying runs in two passes inside the one transaction: every resource's :meth:`Resource.apply`
(create, update) in ``order``, then every :meth:`Resource.prune` (delete what the file no longer
names) in reverse ``order``, so a route moves to its new trunk before the old trunk goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class PbxError:
    path: str  # "trunks[0].host"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class PbxInvalid(Exception):
    """A file that cannot be applied: every error found, each with its key path."""

    def __init__(self, errors: Sequence[PbxError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass(frozen=True)
class PlannedChange:
    """One line of ``pbx apply --dry-run``: what would be created, updated or deleted."""

    action: str  # "create" | "update" | "delete"
    path: str  # "trunks[carrier1]"
    details: tuple[str, ...] = field(default=())  # "host: 127.0.0.2 -> 127.0.0.3"; secrets masked


class Resource(Protocol):
    # Read-only, so that a class attribute satisfies them as well as an instance one.
    @property
    def key(self) -> str:
        """The file's top-level key: "trunks"."""
        ...

    @property
    def order(self) -> int:
        """Apply order: referenced resources (trunks) before those that refer to them (routes)."""
        ...

    def export(self) -> list[dict[str, Any]]:
        """The current objects in the file's format, without secrets, in a stable order."""
        ...

    def validate(self, items: Sequence[Any], *, document: Mapping[str, Any]) -> list[PbxError]:
        """Every error of this key's items; ``document`` is the whole file, for references."""
        ...

    def plan(self, items: Sequence[Any]) -> list[PlannedChange]:
        """What :meth:`apply` would change, for already validated items."""
        ...

    def apply(self, items: Sequence[Any]) -> list[str] | None:
        """Create and update the items inside the caller's transaction; an omitted secret keeps the
        current one. Returns lines to show the operator once (a new extension's password), if any.
        Raises :class:`PbxInvalid` for an item its service refuses."""
        ...

    def prune(self, items: Sequence[Any]) -> list[str] | None:
        """Delete the objects the items no longer name, inside the caller's transaction."""
        ...


_RESOURCES: dict[str, Resource] = {}


def register(resource: Resource) -> None:
    _RESOURCES[resource.key] = resource


def resources() -> list[Resource]:
    return sorted(_RESOURCES.values(), key=lambda resource: resource.order)


def get_resource(key: str) -> Resource | None:
    return _RESOURCES.get(key)
