"""Contacts in and out as CSV: an export that imports back unchanged, and an import planned first.

The import is two steps. :func:`contacts_import_plan` reads the whole file and says, row by row,
what would be created, updated or skipped, with every error naming its row and column; it writes
nothing (the dry run). :func:`contacts_import_apply` then writes a plan in one transaction, and only
a plan without errors unless the caller chose to import the valid rows alone.

Duplicates are found by E.164 number: a row whose phone or mobile is the number of one existing
contact updates that contact (or is skipped when nothing would change); a row whose number an
earlier row of the same file already used is skipped; a row matching two contacts is an error.
Companies are named; an unknown name creates the company. The owner is a username.

Exported cells that a spreadsheet would run as a formula (starting with ``=``, ``@``, ``+``, ``-``,
a tab or a CR) get a leading ``'``, except numbers in the phone columns; the import takes exactly
that one ``'`` off again, so an export round-trips.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Company, Contact
from .phones import to_e164
from .selectors import contacts_visible_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

COLUMNS = ("first_name", "last_name", "company", "email", "phone", "mobile", "owner", "notes")
PHONE_COLUMNS = frozenset({"phone", "mobile"})
MAX_ROWS = 50_000
_FORMULA_STARTS = ("=", "@", "+", "-", "\t", "\r")
_MAX_LENGTHS = {"first_name": 100, "last_name": 100, "company": 200, "email": 254, "phone": 40, "mobile": 40}


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"
    ERROR = "error"


ACTION_LABELS = {
    RowAction.CREATE: gettext_lazy("will be created"),
    RowAction.UPDATE: gettext_lazy("will be updated"),
    RowAction.SKIP: gettext_lazy("will be skipped"),
    RowAction.ERROR: gettext_lazy("has errors"),
}


@dataclass(frozen=True)
class RowError:
    row: int  # the line number in the file, the header being line 1
    column: str  # "" for a row-wide error
    message: str

    def __str__(self) -> str:
        where = _("row %(row)d") % {"row": self.row}
        if self.column:
            where = _("row %(row)d, column %(column)s") % {"row": self.row, "column": self.column}
        return f"{where}: {self.message}"


@dataclass
class PlannedRow:
    row: int
    action: RowAction
    values: dict[str, str]
    contact_id: int | None = None  # the contact an update changes
    reason: str = ""  # why a row is skipped
    changes: tuple[str, ...] = ()  # the columns an update changes
    errors: list[RowError] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    file_errors: list[str] = field(default_factory=list)  # errors of the file itself (header, encoding)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.errors)

    def count(self, action: RowAction) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def counts(self) -> dict[str, int]:
        return {action.value: self.count(action) for action in RowAction}


class ImportRefused(Exception):
    """The plan has errors and the caller did not choose to import only the valid rows."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: int


# ---- export -----------------------------------------------------------------------------------


def _protect(column: str, value: str) -> str:
    if value.startswith(_FORMULA_STARTS) and not (column in PHONE_COLUMNS and to_e164(value)):
        return "'" + value
    return value


def _unprotect(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def contacts_export_rows(*, contacts: QuerySet[Contact]) -> Iterator[list[str]]:
    """The header, then one row per contact, read in chunks (a large export never sits in memory)."""
    yield list(COLUMNS)
    rows = contacts.select_related("company", "owner").order_by("pk")
    for contact in rows.iterator(chunk_size=2000):
        values = {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "company": contact.company.name if contact.company else "",
            "email": contact.email,
            "phone": contact.phone,
            "mobile": contact.mobile,
            "owner": contact.owner.get_username() if contact.owner else "",
            "notes": contact.notes,
        }
        yield [_protect(column, values[column]) for column in COLUMNS]


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Each row as one CSV line, for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# ---- import -----------------------------------------------------------------------------------


def _read(text: str) -> tuple[list[str], list[list[str]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, [])
    return [name.strip() for name in header], list(reader)


def contacts_import_plan(*, text: str, user: User | AnonymousUser) -> ImportPlan:
    """What importing ``text`` (a CSV file, already decoded) as ``user`` would do; writes nothing.

    A row may update only a contact the user may see, and name a new company only if the user may
    add companies; otherwise it is an error of that row.
    """
    text = text.removeprefix("\ufeff")  # Excel's UTF-8 byte order mark
    try:
        header, lines = _read(text)
    except csv.Error as exc:
        return ImportPlan(rows=[], file_errors=[_("The file is not valid CSV: %(error)s") % {"error": exc}])
    unknown = [name for name in header if name not in COLUMNS]
    file_errors = []
    if unknown:
        file_errors.append(
            _("Unknown columns: %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)}
        )
    if "first_name" not in header:
        file_errors.append(_("The column first_name is missing."))
    if len(set(header)) != len(header):
        file_errors.append(_("A column appears twice."))
    if len(lines) > MAX_ROWS:
        file_errors.append(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    if file_errors:
        return ImportPlan(rows=[], file_errors=file_errors)

    users = {
        user.get_username(): user.pk for user in get_user_model().objects.only("pk", get_user_model().USERNAME_FIELD)
    }
    companies = {company.name: company.pk for company in Company.objects.only("pk", "name")}
    context = _PlanContext(
        users=users,
        companies=companies,
        may_add_companies=user.has_perm("crm.add_company"),
        visible=contacts_visible_to(user),
    )
    planned: list[PlannedRow] = []
    for index, cells in enumerate(lines, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        planned.append(_plan_row(index, header, cells, context))
    return ImportPlan(rows=planned)


@dataclass
class _PlanContext:
    users: dict[str, int]
    companies: dict[str, int]
    may_add_companies: bool
    visible: QuerySet[Contact]
    seen: dict[str, int] = field(default_factory=dict)  # E.164 number -> the row that had it first


def _plan_row(index: int, header: list[str], cells: list[str], context: _PlanContext) -> PlannedRow:
    errors: list[RowError] = []
    if len(cells) != len(header):
        error = RowError(
            index, "", _("%(found)d cells, the header has %(want)d") % {"found": len(cells), "want": len(header)}
        )
        return PlannedRow(index, RowAction.ERROR, {}, errors=[error])
    values = {column: _unprotect(cell.strip()) for column, cell in zip(header, cells, strict=True)}
    for column in COLUMNS:
        values.setdefault(column, "")
    if not values["first_name"]:
        errors.append(RowError(index, "first_name", _("a first name is required")))
    for column, limit in _MAX_LENGTHS.items():
        if len(values[column]) > limit:
            errors.append(RowError(index, column, _("longer than %(limit)d characters") % {"limit": limit}))
    numbers = []
    for column in PHONE_COLUMNS:
        if values[column]:
            e164 = to_e164(values[column])
            if e164 is None:
                errors.append(RowError(index, column, _("not a phone number: %(value)s") % {"value": values[column]}))
            else:
                numbers.append(e164)
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors.append(RowError(index, "email", _("not an email address: %(value)s") % {"value": values["email"]}))
    if values["owner"] and values["owner"] not in context.users:
        errors.append(RowError(index, "owner", _("no user %(value)s") % {"value": values["owner"]}))
    if values["company"] and values["company"] not in context.companies and not context.may_add_companies:
        message = _("no company %(value)s, and you may not add companies") % {"value": values["company"]}
        errors.append(RowError(index, "company", message))
    if errors:
        return PlannedRow(index, RowAction.ERROR, values, errors=errors)

    for number in numbers:
        if number in context.seen:
            reason = _("the number %(number)s is already in row %(row)d") % {
                "number": number,
                "row": context.seen[number],
            }
            return PlannedRow(index, RowAction.SKIP, values, reason=reason)
    for number in numbers:
        context.seen[number] = index
    matches = (
        list(Contact.objects.filter(Q(phone_e164__in=numbers) | Q(mobile_e164__in=numbers)).distinct()[:2])
        if numbers
        else []
    )
    if len(matches) > 1:
        message = _("its numbers belong to two contacts: %(a)s and %(b)s") % {"a": matches[0], "b": matches[1]}
        return PlannedRow(index, RowAction.ERROR, values, errors=[RowError(index, "", message)])
    if not matches:
        return PlannedRow(index, RowAction.CREATE, values)
    contact = matches[0]
    if not context.visible.filter(pk=contact.pk).exists():
        message = _("its number belongs to a contact you may not change")
        return PlannedRow(index, RowAction.ERROR, values, errors=[RowError(index, "", message)])
    changes = tuple(column for column in COLUMNS if _current(contact, column) != values[column])
    if not changes:
        return PlannedRow(index, RowAction.SKIP, values, contact_id=contact.pk, reason=_("unchanged"))
    return PlannedRow(index, RowAction.UPDATE, values, contact_id=contact.pk, changes=changes)


def _current(contact: Contact, column: str) -> str:
    if column == "company":
        return contact.company.name if contact.company else ""
    if column == "owner":
        return contact.owner.get_username() if contact.owner else ""
    return str(getattr(contact, column))


@transaction.atomic
def contacts_import_apply(
    *, plan: ImportPlan, imported_by: User | AnonymousUser, valid_rows_only: bool = False
) -> ImportResult:
    """Write a plan: all of it, or (``valid_rows_only``) the rows without errors; one transaction."""
    if plan.file_errors or (plan.errors and not valid_rows_only):
        raise ImportRefused(_("The file has errors; nothing was imported."))
    user_model = get_user_model()
    owners = {user.get_username(): user for user in user_model.objects.all()}
    companies: dict[str, Company] = {}
    created = updated = 0

    def company_named(name: str) -> Company | None:
        if not name:
            return None
        if name not in companies:
            companies[name] = Company.objects.filter(name=name).order_by("pk").first() or Company.objects.create(
                name=name
            )
        return companies[name]

    for row in plan.rows:
        if row.action not in (RowAction.CREATE, RowAction.UPDATE):
            continue
        values = row.values
        if row.action == RowAction.CREATE:
            contact = Contact()
        elif row.contact_id is not None:
            contact = Contact.objects.select_for_update().get(pk=row.contact_id)
        else:  # contacts_import_plan gives every update the contact it changes
            raise ValueError("an update row names no contact")
        for column in ("first_name", "last_name", "email", "phone", "mobile", "notes"):
            setattr(contact, column, values[column])
        contact.company = company_named(values["company"])
        contact.owner = owners.get(values["owner"]) if values["owner"] else None
        if row.action == RowAction.CREATE and contact.owner is None and imported_by.is_authenticated:
            contact.owner = owners.get(imported_by.get_username())
        contact.full_clean()
        contact.save()
        created += row.action == RowAction.CREATE
        updated += row.action == RowAction.UPDATE
    skipped = len(plan.rows) - created - updated
    return ImportResult(created=created, updated=updated, skipped=skipped)
