"""The report figures, read from CallLog (one row per call, Asterisk ``linkedid``), never from raw CDR.

Definitions (also in docs/reports.md):

* **in / out / internal**: calls by ``direction``;
* **answered**: disposition ``answered``; **abandoned**: ``abandoned`` (a queue caller who gave up);
* **missed**: a call that came to us (inbound, or internal that rang an agent other than the caller)
  and ended ``no_answer``, ``cancelled`` or ``busy``, as on the missed-calls page;
* **wait**: ``wait_seconds`` of queue calls (until answered or abandoned): average and longest;
* **talk time**: ``billsec`` of answered calls, averaged;
* **service level**: of the queue calls answered or abandoned, the share answered within the
  queue's service-level seconds (:func:`service_levels`).

Three grouped queries make a report, whatever its length: per UTC hour (quarter hour in zones
with such offsets), rolled up here into the totals, the local days and the hour-of-day x weekday
heat map; per agent; per queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, DateTimeField, F, Func, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from voip.calls.models import CallDirection, CallDisposition, CallLog
from voip.calls.selectors import MISSED_DISPOSITIONS, can_view_all_calls
from voip.conf import reports_settings
from voip.reports.filters import ReportFilters

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser

    User = AuthUser | AnonymousUser

_MISSED = (
    Q(disposition__in=MISSED_DISPOSITIONS)
    & ~Q(direction=CallDirection.OUTBOUND)
    & ~(Q(direction=CallDirection.INTERNAL) & Q(caller_number=F("agent_extension")))
)
_ANSWERED = Q(disposition=CallDisposition.ANSWERED)
_QUEUE_OUTCOME = ~Q(queue="") & Q(disposition__in=(CallDisposition.ANSWERED, CallDisposition.ABANDONED))


class UtcBin(Func):
    """``started_at`` floored to a multiple of ``seconds`` since the Unix epoch, in UTC.

    Far cheaper per row than truncating in a named time zone (``AT TIME ZONE`` on every row, the
    bulk of a year's report before); the few thousand bins are moved to local time in Python.
    """

    output_field = DateTimeField()

    def __init__(self, expression: Any, *, seconds: int) -> None:
        self.seconds = int(seconds)
        super().__init__(expression)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            sql = f"date_bin(interval '{self.seconds} seconds', {column}, timestamptz '1970-01-01 00:00+00')"
            return sql, params
        if connection.vendor == "sqlite":
            return (
                f"datetime((CAST(strftime('%%s', {column}) AS INTEGER) / {self.seconds}) * {self.seconds},"
                " 'unixepoch')",
                params,
            )
        raise NotImplementedError(f"reports support PostgreSQL and SQLite, not {connection.vendor}")


def bin_seconds(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> int:
    """An hour when the zone's offset is whole hours over the range, else 15 minutes (+05:30, +05:45)."""
    moment = start
    while moment <= end:
        offset = moment.astimezone(zone).utcoffset() or dt.timedelta(0)
        if offset.total_seconds() % 3600:
            return 900
        moment += dt.timedelta(days=14)
    return 3600


def can_view_reports(user: User) -> bool:
    """Supervisors and PBX admins see every call's figures; agents (who place calls) their own."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_view_all_calls(user) or user.has_perm("voip.place_calls")


def service_levels() -> tuple[dict[str, int], int]:
    """Service-level seconds per queue name, and the default for the rest.

    A queue's own ``servicelevel`` in Asterisk's realtime ``queues`` table wins (it is what
    ``apps/app_queue.c`` counts ``callscompletedinsl`` against); ``VOIP_REPORTS`` gives the rest.
    """
    from voip.realtime.models import Queue

    configured = reports_settings()
    levels = dict(configured["QUEUE_SERVICE_LEVEL_SECONDS"])
    for name, seconds in Queue.objects.filter(servicelevel__gt=0).values_list("name", "servicelevel"):
        levels[name] = seconds
    return levels, configured["SERVICE_LEVEL_SECONDS"]


def _service_level_seconds(levels: dict[str, int], default: int) -> Case | Value:
    if not levels:
        return Value(default)
    whens = [When(queue=name, then=Value(seconds)) for name, seconds in sorted(levels.items())]
    return Case(*whens, default=Value(default), output_field=IntegerField())


def _aggregates(levels: dict[str, int], default: int) -> dict[str, Any]:
    within = _ANSWERED & ~Q(queue="") & Q(wait_seconds__lte=_service_level_seconds(levels, default))
    return {
        "total": Count("id"),
        "inbound": Count("id", filter=Q(direction=CallDirection.INBOUND)),
        "outbound": Count("id", filter=Q(direction=CallDirection.OUTBOUND)),
        "internal": Count("id", filter=Q(direction=CallDirection.INTERNAL)),
        "answered": Count("id", filter=_ANSWERED),
        "missed": Count("id", filter=_MISSED),
        "abandoned": Count("id", filter=Q(disposition=CallDisposition.ABANDONED)),
        "waits": Count("wait_seconds"),
        "wait_sum": Sum("wait_seconds"),
        "wait_max": Max("wait_seconds"),
        "talk_sum": Sum("billsec", filter=_ANSWERED),
        "queue_outcomes": Count("id", filter=_QUEUE_OUTCOME),
        "within_level": Count("id", filter=within),
    }


@dataclass
class Figures:
    """The figures of one slice of calls (the whole range, an agent, a queue, a day, an hour)."""

    total: int = 0
    inbound: int = 0
    outbound: int = 0
    internal: int = 0
    answered: int = 0
    missed: int = 0
    abandoned: int = 0
    waits: int = 0
    wait_sum: int = 0
    wait_max: int | None = None
    talk_sum: int = 0
    queue_outcomes: int = 0
    within_level: int = 0

    @classmethod
    def from_row(cls, row: Any) -> Figures:
        figures = cls(wait_max=row.get("wait_max"))
        for name in _SUMMED:
            setattr(figures, name, row.get(name) or 0)
        return figures

    def add(self, other: Figures) -> None:
        for name in _SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.wait_max is not None:
            self.wait_max = other.wait_max if self.wait_max is None else max(self.wait_max, other.wait_max)

    @property
    def average_wait(self) -> float | None:
        return self.wait_sum / self.waits if self.waits else None

    @property
    def average_talk(self) -> float | None:
        return self.talk_sum / self.answered if self.answered else None

    @property
    def service_level(self) -> float | None:
        """Percent of queue calls (answered or abandoned) answered within the service level."""
        return 100 * self.within_level / self.queue_outcomes if self.queue_outcomes else None


# The figures that add up across slices (the longest wait is a maximum instead).
_SUMMED = tuple(f.name for f in fields(Figures) if f.name != "wait_max")


@dataclass
class AgentRow:
    agent_id: int | None
    name: str
    figures: Figures


@dataclass
class QueueRow:
    queue: str
    service_level_seconds: int
    figures: Figures


@dataclass
class Report:
    filters: ReportFilters
    totals: Figures
    per_day: list[tuple[dt.date, Figures]]
    per_agent: list[AgentRow]
    per_queue: list[QueueRow]
    # heat_map[weekday 0=Monday][hour] = calls started then (CRM's time zone)
    heat_map: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])

    @property
    def heat_max(self) -> int:
        return max((max(row) for row in self.heat_map), default=0)


def report_calls(*, user: User, filters: ReportFilters) -> QuerySet[CallLog]:
    """The calls a report covers: those ``user`` may see, started in the range, matching the filters."""
    if not can_view_reports(user):
        return CallLog.objects.none()
    start, end = filters.bounds()
    calls = CallLog.objects.filter(started_at__gte=start, started_at__lt=end)
    if not can_view_all_calls(user):
        calls = calls.filter(agent_id=user.pk)
    if filters.direction:
        calls = calls.filter(direction=filters.direction)
    if filters.agent_id is not None:
        calls = calls.filter(agent_id=filters.agent_id)
    for name in ("queue", "trunk", "did"):
        if getattr(filters, name):
            calls = calls.filter(**{name: getattr(filters, name)})
    return calls


def _agent_names(ids: Iterable[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=list(ids))
    return {u.pk: (u.get_full_name() or u.get_username()) for u in users}


def report_build(*, user: User, filters: ReportFilters) -> Report:
    """Every figure of the report page for ``filters``, as ``user`` may see them."""
    calls = report_calls(user=user, filters=filters).order_by()
    levels, default = service_levels()
    aggregates = _aggregates(levels, default)
    zone = timezone.get_default_timezone()
    start, end = filters.bounds()
    bins = UtcBin("started_at", seconds=bin_seconds(start, end, zone))

    totals = Figures()
    days = {day: Figures() for day in filters.days()}
    heat_map = [[0] * 24 for _ in range(7)]
    for row in calls.annotate(bin=bins).values("bin").annotate(**aggregates):
        figures = Figures.from_row(row)
        local = timezone.localtime(row["bin"], zone)
        totals.add(figures)
        days.setdefault(local.date(), Figures()).add(figures)
        heat_map[local.weekday()][local.hour] += figures.total

    agent_rows = list(calls.values("agent_id").annotate(**aggregates))
    names = _agent_names(r["agent_id"] for r in agent_rows if r["agent_id"] is not None)
    per_agent = [
        AgentRow(agent_id=r["agent_id"], name=names.get(r["agent_id"], ""), figures=Figures.from_row(r))
        for r in agent_rows
    ]
    per_agent.sort(key=lambda row: (row.agent_id is None, -row.figures.total, row.name))

    queue_rows = calls.exclude(queue="").values("queue").annotate(**aggregates).order_by("queue")
    per_queue = [
        QueueRow(queue=r["queue"], service_level_seconds=levels.get(r["queue"], default), figures=Figures.from_row(r))
        for r in queue_rows
    ]
    return Report(
        filters=filters,
        totals=totals,
        per_day=sorted(days.items()),
        per_agent=per_agent,
        per_queue=per_queue,
        heat_map=heat_map,
    )
