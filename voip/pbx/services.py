"""``pbx apply``: a whole PBX file checked first, then written in one transaction.

Write order, the same as the provisioning services (docs/provisioning.md, "Two databases"): an
outer ``transaction.atomic('default')`` wraps an inner ``transaction.atomic(<realtime alias>)``, and
every resource writes inside both. Any error before the inner block ends (a service refusing an
item half-way included) rolls back both databases. Option A has one database, so one transaction.
Option B commits the realtime database first and then ``default``; should that very last commit
fail, a second ``pbx apply`` of the same file completes the work (applying is idempotent).

Asterisk is told once: every service writes inside the one realtime transaction, so the notifier
collects all their changes on it and sends the actions they need in one go when it commits. Not
:func:`voip.provisioning.notifier.batched`: that would hold the actions back past the commit, and a
trunk's removal relies on its registration reload going out at the commit, before the commit hook
that deletes the trunk's auth row once the unregistration was answered (``voip.provisioning.
trunk_rows``; seen on the private Asterisk, tests/integration/test_pbx_as_code.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from voip.pbx.document import read_document
from voip.pbx.resources import PbxError, PbxInvalid, PlannedChange, resources
from voip.provisioning import numbering
from voip.realtime.router import realtime_db_alias

FORMAT_VERSION = 1


@dataclass
class ApplyResult:
    changes: list[PlannedChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list, repr=False)  # shown once: may hold new passwords
    applied: bool = False


def pbx_validate(*, text: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The file's document, or :class:`PbxInvalid` with every error of the whole file."""
    document, errors = read_document(text, environ=os.environ if environ is None else environ)
    known = {resource.key: resource for resource in resources()}
    for key, value in document.items():
        if key == "version":
            if value != FORMAT_VERSION:
                errors.append(PbxError("version", f"this installation reads version {FORMAT_VERSION}, not {value!r}"))
        elif key not in known:
            errors.append(PbxError(key, f"unknown key; known: version, {', '.join(known)}"))
    reading = list(errors)
    for resource in known.values():
        if resource.key in document:
            errors.extend(
                error
                for error in resource.validate(document[resource.key], document=document)
                if not any(_within(error.path, earlier.path) for earlier in reading)
            )
    if errors:
        raise PbxInvalid(errors)
    return document


def _within(path: str, other: str) -> bool:
    """Whether ``path`` is ``other`` or below it: a value already reported (an unset variable left
    it empty) is not reported again by its resource."""
    return path == other or path.startswith((f"{other}.", f"{other}["))


def _present(document: Mapping[str, Any]) -> list[Any]:
    return [resource for resource in resources() if resource.key in document]


def pbx_plan(*, text: str, environ: Mapping[str, str] | None = None) -> list[PlannedChange]:
    """What :func:`pbx_apply` would change (``--dry-run``); writes nothing."""
    document = pbx_validate(text=text, environ=environ)
    return [change for resource in _present(document) for change in resource.plan(document[resource.key])]


def pbx_apply(*, text: str, environ: Mapping[str, str] | None = None) -> ApplyResult:
    """Make the PBX what the file says, for each of its top-level keys; nothing when the file has an error."""
    document = pbx_validate(text=text, environ=environ)
    present = _present(document)
    result = ApplyResult()
    using = realtime_db_alias()
    with transaction.atomic(using="default"), transaction.atomic(using=using):
        # Serialises concurrent applies with each other and with extension numbering.
        numbering.lock_number_space(using)
        result.changes = [change for resource in present for change in resource.plan(document[resource.key])]
        for resource in present:
            result.notes.extend(resource.apply(document[resource.key]) or [])
        for resource in reversed(present):
            result.notes.extend(resource.prune(document[resource.key]) or [])
    result.applied = True
    return result


__all__ = ["ApplyResult", "PbxError", "PbxInvalid", "pbx_apply", "pbx_plan", "pbx_validate"]
