"""The shape of one item of a PBX file: its keys, their types and defaults, checked with key paths.

A resource declares its item as a tuple of :class:`Field`; :func:`check_items` returns the items
with defaults filled in (secrets only when given) and every error, so that a file with ten mistakes
reports ten lines. Meaning beyond the shape (references, a service's own rules) is the resource's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from voip.pbx.document import child_path
from voip.pbx.resources import PbxError

# The value's own check: returns an error message, or None when it is fine.
Check = Callable[[Any], str | None]

STRING = "string"
INTEGER = "integer"
BOOLEAN = "boolean"
STRING_LIST = "list of strings"
MAPPING = "mapping"
ANY = "any"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # one of STRING, INTEGER, BOOLEAN, STRING_LIST, MAPPING, ANY
    required: bool = False
    default: Any = None
    pattern: str | None = None  # for strings and the entries of string lists; the whole value must match
    pattern_hint: str = ""  # what the pattern means, for the error
    secret: bool = False  # never exported nor shown; omitted = keep the current value
    nullable: bool = False
    minimum: int | None = None
    choices: tuple[str, ...] = ()
    check: Check | None = None
    doc: str = field(default="", compare=False)

    def default_value(self) -> Any:
        return list(self.default) if isinstance(self.default, list | tuple) else self.default


def _type_error(spec: Field, value: Any) -> str | None:
    if value is None:
        return None if spec.nullable or (not spec.required and spec.default is None) else f"expected a {spec.kind}"
    if spec.kind == STRING and not isinstance(value, str):
        hint = f' (quote it: "{value}")' if isinstance(value, int | float) and not isinstance(value, bool) else ""
        return f"expected a string, not {_type_name(value)}{hint}"
    if spec.kind == INTEGER and (isinstance(value, bool) or not isinstance(value, int)):
        return f"expected an integer, not {_type_name(value)}"
    if spec.kind == BOOLEAN and not isinstance(value, bool):
        return f"expected true or false, not {_type_name(value)}"
    if spec.kind == STRING_LIST and not isinstance(value, list):
        return f"expected a list of strings, not {_type_name(value)}"
    if spec.kind == MAPPING and not isinstance(value, Mapping):
        return f"expected a mapping, not {_type_name(value)}"
    return None


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _value_errors(spec: Field, value: Any, path: str) -> list[PbxError]:
    problem = _type_error(spec, value)
    if problem:
        return [PbxError(path, problem)]
    if value is None:
        return []
    errors: list[PbxError] = []
    if spec.kind == STRING_LIST:
        for index, entry in enumerate(value):
            entry_path = child_path(path, index)
            if not isinstance(entry, str):
                errors.append(PbxError(entry_path, f"expected a string, not {_type_name(entry)}"))
            elif spec.pattern and not re.fullmatch(spec.pattern, entry):
                errors.append(PbxError(entry_path, f"{entry!r} is not valid: {spec.pattern_hint or spec.pattern}"))
        if not errors and len(set(value)) != len(value):
            errors.append(PbxError(path, "the list names an entry twice"))
    elif spec.kind == STRING:
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            errors.append(PbxError(path, f"{value!r} is not valid: {spec.pattern_hint or spec.pattern}"))
        if spec.choices and value not in spec.choices:
            errors.append(PbxError(path, f"{value!r} is not one of {', '.join(spec.choices)}"))
    elif spec.kind == INTEGER and spec.minimum is not None and value < spec.minimum:
        errors.append(PbxError(path, f"must be at least {spec.minimum}"))
    if not errors and spec.check is not None:
        message = spec.check(value)
        if message:
            errors.append(PbxError(path, message))
    return errors


def check_item(item: Any, path: str, fields: Sequence[Field]) -> tuple[dict[str, Any] | None, list[PbxError]]:
    """One item: the normalised mapping (defaults filled, secrets only when given) and its errors."""
    if not isinstance(item, Mapping):
        return None, [PbxError(path, f"expected a mapping, not {_type_name(item)}")]
    known = {spec.name: spec for spec in fields}
    errors = [
        PbxError(child_path(path, key), f"unknown key; known: {', '.join(known)}") for key in item if key not in known
    ]
    normalised: dict[str, Any] = {}
    for spec in fields:
        key_path = child_path(path, spec.name)
        if spec.name not in item:
            if spec.required:
                errors.append(PbxError(key_path, "required"))
            elif not spec.secret:
                normalised[spec.name] = spec.default_value()
            continue
        value = item[spec.name]
        value_errors = _value_errors(spec, value, key_path)
        errors.extend(value_errors)
        normalised[spec.name] = spec.default_value() if value is None and not spec.nullable else value
    return (None if errors else normalised), errors


def check_items(
    items: Any, key: str, fields: Sequence[Field], identity: Callable[[Mapping[str, Any]], str], what: str
) -> tuple[list[tuple[str, dict[str, Any]]], list[PbxError]]:
    """Every item of a top-level key: ``(path, normalised item)`` of the valid ones, and all errors.

    Two items with the same identity (two trunks named ``carrier1``) are an error on the second.
    """
    if not isinstance(items, list):
        return [], [PbxError(key, f"expected a list, not {_type_name(items)} (an empty list is [])")]
    valid: list[tuple[str, dict[str, Any]]] = []
    errors: list[PbxError] = []
    first_seen: dict[str, str] = {}
    for index, raw in enumerate(items):
        path = child_path(key, index)
        item, item_errors = check_item(raw, path, fields)
        errors.extend(item_errors)
        if item is None:
            continue
        ident = identity(item)
        if ident in first_seen:
            errors.append(PbxError(path, f"{what} {ident!r} is already defined at {first_seen[ident]}"))
            continue
        first_seen[ident] = path
        valid.append((path, item))
    return valid, errors


def exported(item: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """The item as ``pbx export`` writes it: the fields' order, defaults and secrets left out."""
    result: dict[str, Any] = {}
    for spec in fields:
        if spec.secret or spec.name not in item:
            continue
        value = item[spec.name]
        if not spec.required and value == spec.default_value():
            continue
        result[spec.name] = value
    return result
