"""The reports page and its exports: thin, over the selectors (who may see what lives there)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from voip.calls.selectors import can_view_all_calls
from voip.reports.charts import report_chart_data
from voip.reports.exports import (
    FORMATS,
    TABLES,
    call_rows,
    csv_stream,
    export_tables,
    report_table_rows,
    weekday_names,
    xlsx_file,
)
from voip.reports.filters import ReportFilterForm
from voip.reports.selectors import can_view_reports, report_build, report_calls
from voip.reports.streaming import download_response, file_chunks

_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _form(request: HttpRequest) -> ReportFilterForm:
    if not can_view_reports(request.user):
        raise PermissionDenied
    return ReportFilterForm(request.GET, user=request.user, all_calls=can_view_all_calls(request.user))


@require_GET
@login_required
def reports(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    context: dict = {"form": form, "all_calls": can_view_all_calls(request.user)}
    if not form.is_valid():
        return render(request, "reports/reports.html", context, status=400)
    filters = form.filters()
    report = report_build(user=request.user, filters=filters)
    context.update(
        report=report,
        charts=report_chart_data(report=report),
        date_from=date_format(filters.date_from, "SHORT_DATE_FORMAT"),
        date_to=date_format(filters.date_to, "SHORT_DATE_FORMAT"),
        hours=[f"{hour:02d}" for hour in range(24)],
        heat_rows=list(zip(weekday_names(), report.heat_map, strict=True)),
        export_tables=export_tables(),
        query_string=urlencode(filters.as_query()),
    )
    return render(request, "reports/reports.html", context)


@require_GET
@login_required
def report_export(request: HttpRequest, table: str, fmt: str) -> HttpResponseBase:
    if table not in TABLES or fmt not in FORMATS:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(str(message) for message in messages)}" for name, messages in form.errors.items()
        )
        message = _("The report was not exported: %(errors)s") % {"errors": errors}
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    if table == "calls":
        rows = call_rows(calls=report_calls(user=request.user, filters=filters))
    else:
        rows = report_table_rows(report=report_build(user=request.user, filters=filters), table=table)
    filename = f"{table}-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}.{fmt}"
    chunks = csv_stream(rows) if fmt == "csv" else file_chunks(xlsx_file(rows, title=table))
    return download_response(request=request, chunks=chunks, content_type=_CONTENT_TYPES[fmt], filename=filename)
