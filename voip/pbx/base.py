"""A resource made of named items (trunks, routes, extensions): the diff, plan and apply they share.

A subclass says what one item looks like (``fields``), how it is named (:meth:`identity`), what
exists now (:meth:`current`, in the file's format without secrets) and how to create, update and
delete one item through its area's services. Everything else (shape checks, duplicates, the plan
with field diffs and masked secrets, export in a stable order) is here, the same for every area.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django.db import DatabaseError

from voip.pbx.resources import PbxError, PbxInvalid, PlannedChange
from voip.pbx.schema import Field, check_items, exported

MASK = "********"


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(shown(entry) for entry in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {shown(inner)}" for key, inner in value.items()) + "}"
    return str(value)


class ItemResource:
    key: ClassVar[str]
    order: ClassVar[int]
    what: ClassVar[str]  # one item, for messages: "trunk"
    fields: ClassVar[tuple[Field, ...]]
    # Exceptions of the area's services that mean "this item cannot be written": shown with its path.
    service_errors: ClassVar[tuple[type[Exception], ...]] = (ValueError,)

    # -- what a subclass provides ---------------------------------------------------------------

    def identity(self, item: Mapping[str, Any]) -> str:
        return str(item["name"])

    def current(self) -> dict[str, dict[str, Any]]:
        """Identity -> every non-secret field of each existing object."""
        raise NotImplementedError

    def normalise(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item as its service stores it (a pattern without ``_``), for comparing with :meth:`current`;
        only called on items :meth:`validate` accepted."""
        return item

    def check_references(self, path: str, item: Mapping[str, Any], document: Mapping[str, Any]) -> list[PbxError]:
        """Errors of one shape-checked item against the rest of the file and the database."""
        return []

    def secret_differs(self, ident: str, name: str, value: Any) -> bool:
        """Whether a given secret differs from the stored one (compared, never shown)."""
        return True

    def create(self, item: Mapping[str, Any]) -> list[str]:
        raise NotImplementedError

    def update(self, ident: str, item: Mapping[str, Any], before: Mapping[str, Any]) -> list[str]:
        raise NotImplementedError

    def delete(self, ident: str) -> list[str]:
        raise NotImplementedError

    def check_delete(self, ident: str, document: Mapping[str, Any]) -> list[PbxError]:
        """Errors of removing an object the file no longer names (something still uses it)."""
        return []

    # -- shared ---------------------------------------------------------------------------------

    def checked(self, items: Any) -> tuple[list[tuple[str, dict[str, Any]]], list[PbxError]]:
        return check_items(items, self.key, self.fields, self.identity, self.what)

    def identities_after(self, document: Mapping[str, Any]) -> set[str]:
        """What exists once the file is applied: the file's items when it has this key, else today's."""
        if self.key in document:
            return {self.identity(item) for _path, item in self.checked(document[self.key])[0]}
        return set(self.current())

    def export(self) -> list[dict[str, Any]]:
        current = self.current()
        return [exported(current[ident], self.fields) for ident in sorted(current, key=self.sort_key)]

    def sort_key(self, ident: str) -> Any:
        return ident

    def validate(self, items: Sequence[Any], *, document: Mapping[str, Any]) -> list[PbxError]:
        valid, errors = self.checked(items)
        for path, item in valid:
            errors.extend(self.check_references(path, item, document))
        wanted = {self.identity(item) for _path, item in valid}
        if not errors:
            for ident in sorted(set(self.current()) - wanted, key=self.sort_key):
                errors.extend(self.check_delete(ident, document))
        return errors

    def _diff(self, item: Mapping[str, Any], before: Mapping[str, Any] | None, ident: str) -> list[str]:
        details: list[str] = []
        for spec in self.fields:
            if spec.name not in item:
                continue
            value = item[spec.name]
            if spec.secret:
                if value is None:
                    continue  # null, like an omitted secret, keeps the stored one
                if before is None:
                    details.append(f"{spec.name}: {MASK}")
                elif self.secret_differs(ident, spec.name, value):
                    details.append(f"{spec.name}: {MASK} (changed)")
                continue
            if before is None:
                if spec.required or value != spec.default_value():
                    details.append(f"{spec.name}: {shown(value)}")
            elif before.get(spec.name) != value:
                details.append(f"{spec.name}: {shown(before.get(spec.name))} -> {shown(value)}")
        return details

    def changes(self, items: Sequence[Any]) -> list[tuple[str, str, dict[str, Any] | None, list[str]]]:
        """(action, identity, item, details) per object that differs, in the file's order, deletions last."""
        valid, errors = self.checked(items)
        if errors:
            raise PbxInvalid(errors)
        current = self.current()
        result: list[tuple[str, str, dict[str, Any] | None, list[str]]] = []
        for _path, raw in valid:
            item = self.normalise(raw)
            ident = self.identity(item)
            before = current.get(ident)
            details = self._diff(item, before, ident)
            if before is None:
                result.append(("create", ident, item, details))
            elif details:
                result.append(("update", ident, item, details))
        wanted = {self.identity(item) for _path, item in valid}
        for ident in sorted(set(current) - wanted, key=self.sort_key):
            result.append(("delete", ident, None, []))
        return result

    def plan(self, items: Sequence[Any]) -> list[PlannedChange]:
        return [
            PlannedChange(action, f"{self.key}[{ident}]", tuple(details))
            for action, ident, _item, details in self.changes(items)
        ]

    def _run(self, ident: str, call: Any, *args: Any) -> list[str]:
        try:
            return list(call(*args) or [])
        except self.service_errors as exc:
            raise PbxInvalid([PbxError(f"{self.key}[{ident}]", str(exc))]) from exc
        except DatabaseError as exc:
            # A row the database refused (a constraint the checks did not foresee): the whole apply
            # rolls back, and the operator learns which object it was.
            raise PbxInvalid([PbxError(f"{self.key}[{ident}]", f"the database refused it: {exc}")]) from exc

    def apply(self, items: Sequence[Any]) -> list[str]:
        """Create and update; deletions wait for :meth:`prune` (run after every resource applied)."""
        notes: list[str] = []
        current = self.current()
        for action, ident, item, _details in self.changes(items):
            if action == "create":
                notes.extend(self._run(ident, self.create, item))
            elif action == "update":
                notes.extend(self._run(ident, self.update, ident, item, current[ident]))
        return notes

    def prune(self, items: Sequence[Any]) -> list[str]:
        notes: list[str] = []
        for action, ident, _item, _details in self.changes(items):
            if action == "delete":
                notes.extend(self._run(ident, self.delete, ident))
        return notes
