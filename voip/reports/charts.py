"""What the page's charts draw, with every label translated on the server (the script only draws)."""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from voip.reports.selectors import Report

# More agents than this would make bars too thin to read; the table below the chart has them all.
CHART_AGENTS = 20


def report_chart_data(*, report: Report) -> dict[str, Any]:
    totals = report.totals
    other = totals.total - totals.answered - totals.missed - totals.abandoned
    days = report.per_day
    agents = [row for row in report.per_agent if row.agent_id is not None][:CHART_AGENTS]
    hours = [sum(report.heat_map[weekday][hour] for weekday in range(7)) for hour in range(24)]
    return {
        "calls_axis": _("Calls"),
        "outcomes": {
            "title": ngettext("%(count)s call by outcome", "%(count)s calls by outcome", totals.total)
            % {"count": totals.total},
            "labels": [_("Answered"), _("Missed"), _("Abandoned"), _("Other")],
            "data": [totals.answered, totals.missed, totals.abandoned, other],
        },
        "directions": {
            "title": _("Calls by direction"),
            "labels": [_("Inbound"), _("Outbound"), _("Internal")],
            "data": [totals.inbound, totals.outbound, totals.internal],
        },
        "days": {
            "title": ngettext("Calls per day, %(count)s day", "Calls per day, %(count)s days", len(days))
            % {"count": len(days)},
            "labels": [date_format(day, "SHORT_DATE_FORMAT") for day, _figures in days],
            "series": [
                {"label": _("Answered"), "data": [f.answered for _day, f in days]},
                {"label": _("Missed"), "data": [f.missed for _day, f in days]},
                {"label": _("Abandoned"), "data": [f.abandoned for _day, f in days]},
            ],
        },
        "agents": {
            "title": ngettext("Calls per agent, %(count)s agent", "Calls per agent, %(count)s agents", len(agents))
            % {"count": len(agents)},
            "labels": [row.name for row in agents],
            "series": [
                {"label": _("Answered"), "data": [row.figures.answered for row in agents]},
                {"label": _("Missed"), "data": [row.figures.missed for row in agents]},
            ],
        },
        "queues": {
            "title": _("Service level per queue, %"),
            "labels": [row.queue for row in report.per_queue],
            "series": [
                {
                    "label": _("Service level, %"),
                    "data": [
                        None if row.figures.service_level is None else round(row.figures.service_level, 1)
                        for row in report.per_queue
                    ],
                }
            ],
        },
        "hours": {
            "title": _("Calls per hour of day"),
            "labels": [f"{hour:02d}" for hour in range(24)],
            "series": [{"label": _("Calls"), "data": hours}],
        },
    }
