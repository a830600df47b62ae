"""Exports of a report's tables and of the call list, as CSV or XLSX, streamed.

The call list is read with ``iterator()`` in chunks and written row by row: CSV goes to the client
as it is produced; XLSX is built by openpyxl's write-only workbook (rows go to a temporary file,
never into memory) and then streamed from that file. Memory does not grow with the number of rows
(``bench/reports.py`` measures it).

Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) are
written with a leading apostrophe, except plain phone numbers such as ``+74951234567``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, BinaryIO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from voip.calls.models import CallDirection, CallDisposition, CallLog
from voip.reports.selectors import Figures, Report

FORMATS = ("csv", "xlsx")
TABLES = ("calls", "summary", "days", "agents", "queues", "heatmap")
CHUNK = 2000

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^\+?\d+\Z")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet cell that cannot start a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _seconds(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def _figure_headers() -> list[str]:
    return [
        _("Calls"),
        _("Inbound"),
        _("Outbound"),
        _("Internal"),
        _("Answered"),
        _("Missed"),
        _("Abandoned"),
        _("Average wait, s"),
        _("Longest wait, s"),
        _("Average talk time, s"),
        _("Service level, %"),
    ]


def _figure_cells(f: Figures) -> list[Any]:
    return [
        f.total,
        f.inbound,
        f.outbound,
        f.internal,
        f.answered,
        f.missed,
        f.abandoned,
        _seconds(f.average_wait),
        "" if f.wait_max is None else f.wait_max,
        _seconds(f.average_talk),
        _seconds(f.service_level),
    ]


def report_table_rows(*, report: Report, table: str) -> Iterator[Sequence[Any]]:
    """One of the report's tables as rows, the header first."""
    if table == "summary":
        yield [_("From"), _("To"), *_figure_headers()]
        yield [report.filters.date_from.isoformat(), report.filters.date_to.isoformat(), *_figure_cells(report.totals)]
    elif table == "days":
        yield [_("Day"), *_figure_headers()]
        for day, figures in report.per_day:
            yield [day.isoformat(), *_figure_cells(figures)]
    elif table == "agents":
        yield [_("Agent"), *_figure_headers()]
        for row in report.per_agent:
            yield [row.name or _("no agent"), *_figure_cells(row.figures)]
    elif table == "queues":
        yield [_("Queue"), _("Service level, s"), *_figure_headers()]
        for queue_row in report.per_queue:
            yield [queue_row.queue, queue_row.service_level_seconds, *_figure_cells(queue_row.figures)]
    elif table == "heatmap":
        yield [_("Weekday"), *[f"{hour:02d}" for hour in range(24)]]
        for weekday, hours in zip(weekday_names(), report.heat_map, strict=True):
            yield [weekday, *hours]
    else:
        raise ValueError(f"unknown table {table!r}")


def export_tables() -> list[tuple[str, str]]:
    """Each exportable table with its name on the page."""
    names = {
        "calls": _("Call list"),
        "summary": _("Summary"),
        "days": _("Per day"),
        "agents": _("Per agent"),
        "queues": _("Per queue"),
        "heatmap": _("Hour of day and weekday"),
    }
    return [(table, names[table]) for table in TABLES]


def weekday_names() -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


_CALL_FIELDS = (
    "started_at",
    "answered_at",
    "ended_at",
    "direction",
    "disposition",
    "caller_number",
    "caller_name",
    "callee_number",
    "agent__username",
    "agent_extension",
    "queue",
    "wait_seconds",
    "trunk",
    "did",
    "duration",
    "billsec",
    "linkedid",
)


def call_rows(*, calls: QuerySet[CallLog]) -> Iterator[Sequence[Any]]:
    """The call list (oldest first), the header first, read in chunks: for any number of calls."""
    yield [
        _("Started"),
        _("Answered at"),
        _("Ended"),
        _("Direction"),
        _("Result"),
        _("Caller"),
        _("Caller name"),
        _("Callee"),
        _("Agent"),
        _("Agent extension"),
        _("Queue"),
        _("Wait, s"),
        _("Trunk"),
        _("DID"),
        _("Duration, s"),
        _("Talk time, s"),
        _("Call id"),
    ]
    zone = timezone.get_default_timezone()
    directions = {value: str(label) for value, label in CallDirection.choices}
    dispositions = {value: str(label) for value, label in CallDisposition.choices}

    def when(moment: dt.datetime | None) -> str:
        return "" if moment is None else timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M:%S")

    rows = calls.order_by("started_at", "pk").values_list(*_CALL_FIELDS).iterator(chunk_size=CHUNK)
    for row in rows:
        started, answered, ended, direction, disposition, *rest = row
        yield [
            when(started),
            when(answered),
            when(ended),
            directions.get(direction, direction),
            dispositions.get(disposition, disposition),
            *("" if value is None else value for value in rest),
        ]


class _Echo:
    """A file whose write() returns what it was given, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (spreadsheets then read Cyrillic right), a few rows a chunk."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow([safe_cell(cell) for cell in row]))
        if len(buffer) >= 500:
            yield "".join(buffer).encode()
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode()


def xlsx_file(rows: Iterable[Sequence[Any]], *, title: str) -> BinaryIO:
    """An XLSX of ``rows`` in an anonymous temporary file (rewound), built by a write-only workbook."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    # Not a with-block: the response streams the file and closes (so removes) it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle
