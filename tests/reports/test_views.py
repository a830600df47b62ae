"""The reports page and its exports: who may see what, bad input refused, files that stream."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.test import AsyncClient
from django.urls import reverse
from openpyxl import load_workbook

from tests.calls.ui_support import make_supervisor, make_user
from tests.reports.stream import databases
from voip.calls.models import CallLog
from voip.reports.exports import safe_cell
from voip.roles import PBX_ADMINS, SUPERVISORS

pytestmark = pytest.mark.django_db(databases=databases())

NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-30"}
URL = "/voip/reports/"


def export_url(table: str, fmt: str) -> str:
    return reverse("reports:export", args=[table, fmt])


def in_group(username: str, role: str):
    user = make_user(username)
    user.groups.add(Group.objects.get(name=role))
    return user


def figure(html: str, name: str) -> str:
    marker = f'data-figure="{name}"'
    start = html.index(marker)
    dd = html.index("<dd>", start) + 4
    return html[dd : html.index("</dd>", dd)]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_reports_url() -> None:
    assert reverse("reports:reports") == URL


@pytest.mark.parametrize("role", [SUPERVISORS, PBX_ADMINS])
def test_supervisors_and_pbx_admins_see_every_call(client, stream, role) -> None:
    client.force_login(in_group("boss", role))
    response = client.get(URL, NOVEMBER)
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "inbound") == "10" and figure(html, "answered") == "9"
    assert figure(html, "missed") == "2" and figure(html, "abandoned") == "2"
    assert figure(html, "longest_wait") == "45" and figure(html, "average_wait") == "14.3"
    assert figure(html, "average_talk") == "45.2" and figure(html, "service_level") == "66.7 %"
    assert 'id="chart-days"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert response.context["report"].totals.total == 15


def test_an_agent_sees_only_their_own_calls(client, stream) -> None:
    client.force_login(stream.alice)
    response = client.get(URL, NOVEMBER)
    assert response.status_code == 200
    assert response.context["report"].totals.total == 6
    assert "Only your own calls are counted." in response.content.decode()


def test_an_agent_cannot_ask_for_another_agent(client, stream) -> None:
    client.force_login(stream.alice)
    response = client.get(URL, {**NOVEMBER, "agent": stream.carol.pk})
    assert response.status_code == 400 and "report" not in response.context
    assert client.get(export_url("calls", "csv"), {**NOVEMBER, "agent": stream.carol.pk}).status_code == 400


def test_an_agent_exports_only_their_own_calls(client, stream) -> None:
    client.force_login(stream.alice)
    rows = csv_rows(client.get(export_url("calls", "csv"), NOVEMBER))
    assert len(rows) == 1 + 6
    assert {row[8] for row in rows[1:]} == {"alice"}


def test_no_role_no_reports(client, stream) -> None:
    client.force_login(make_user("nobody"))
    assert client.get(URL, NOVEMBER).status_code == 403
    assert client.get(export_url("summary", "csv"), NOVEMBER).status_code == 403


def test_anonymous_is_sent_to_log_in(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(export_url("calls", "csv")).status_code == 302


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-11-31", "date_to": "2026-11-30"}, "date_from"),
        ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "date_to"),
        ({"date_from": "2025-01-01", "date_to": "2026-11-30"}, "date_to"),
        ({**NOVEMBER, "direction": "sideways"}, "direction"),
        ({**NOVEMBER, "queue": "support\r\nAction: Originate"}, "queue"),
        ({**NOVEMBER, "trunk": "a b"}, "trunk"),
        ({**NOVEMBER, "did": "x" * 41}, "did"),
        ({**NOVEMBER, "agent": "not-a-number"}, "agent"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(client, moscow, params, field) -> None:
    client.force_login(make_supervisor("sam", extension=None))
    response = client.get(URL, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    exported = client.get(export_url("calls", "csv"), params)
    assert exported.status_code == 400 and exported["Content-Type"].startswith("text/plain")
    assert f"{field}:" in exported.content.decode()


def test_default_range_is_this_month(client, moscow) -> None:
    client.force_login(make_supervisor("sam", extension=None))
    response = client.get(URL)
    assert response.status_code == 200
    filters = response.context["report"].filters
    assert filters.date_from.day == 1 and filters.date_from <= filters.date_to


def test_unknown_export_is_404(client, stream) -> None:
    client.force_login(make_supervisor("sam", extension=None))
    assert client.get(export_url("passwords", "csv"), NOVEMBER).status_code == 404
    assert client.get(export_url("calls", "pdf"), NOVEMBER).status_code == 404


def test_call_list_csv(client, stream) -> None:
    client.force_login(make_supervisor("sam", extension=None))
    response = client.get(export_url("calls", "csv"), {**NOVEMBER, "queue": "support"})
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="calls-2026-11-01-2026-11-30.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:5] == ["Started", "Answered at", "Ended", "Direction", "Result"]
    # Oldest first, in the CRM's time zone.
    assert [row[0] for row in rows] == [
        CallLog.objects.get(queue="support", wait_seconds=8)
        .started_at.astimezone(stream_zone())
        .strftime("%Y-%m-%d %H:%M:%S"),
        "2026-11-05 10:05:00",
        "2026-11-05 10:10:00",
        "2026-11-05 10:20:00",
    ]
    assert [row[4] for row in rows] == ["answered", "answered", "answered", "abandoned"]
    assert [row[11] for row in rows] == ["8", "5", "15", "45"]


def number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def cell_text(value: object) -> str:
    if value is None:
        return ""
    return f"{float(value):g}" if isinstance(value, int | float) else str(value)


def stream_zone():
    from tests.reports.stream import MOSCOW

    return MOSCOW


@pytest.mark.parametrize("table", ["summary", "days", "agents", "queues", "heatmap"])
def test_every_report_table_exports_to_csv_and_xlsx(client, stream, table) -> None:
    client.force_login(make_supervisor("sam", extension=None))
    rows = csv_rows(client.get(export_url(table, "csv"), NOVEMBER))
    response = client.get(export_url(table, "xlsx"), NOVEMBER)
    assert response.streaming and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    cells = [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == rows[0]
    assert cells[1:] == [[cell_text(number(value)) for value in row] for row in rows[1:]]
    if table == "summary":
        assert rows[1][:9] == ["2026-11-01", "2026-11-30", "15", "10", "3", "2", "9", "2", "2"]
    if table == "queues":
        assert [row[:2] for row in rows[1:]] == [["sales", "10"], ["support", "20"]]
    if table == "heatmap":
        assert rows[1][0] == "Monday" and rows[1][1 + 10] == "2" and rows[7][1 + 23] == "1"
    if table == "days":
        assert len(rows) == 1 + 30


def test_call_list_xlsx(client, stream) -> None:
    client.force_login(make_supervisor("sam", extension=None))
    response = client.get(export_url("calls", "xlsx"), NOVEMBER)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 15 and rows[0][0] == "Started"


def test_exports_in_russian(client, stream) -> None:
    client.force_login(make_supervisor("sam", extension=None))
    rows = csv_rows(client.get(export_url("heatmap", "csv"), NOVEMBER, headers={"accept-language": "ru"}))
    assert rows[0][0] == "День недели" and rows[1][0] == "Понедельник"


def test_cells_that_would_be_formulas_are_neutralised(client, stream) -> None:
    CallLog.objects.filter(linkedid="r9").update(caller_name='=HYPERLINK("http://x")', caller_number="+74951112233")
    client.force_login(make_supervisor("sam", extension=None))
    rows = csv_rows(client.get(export_url("calls", "csv"), NOVEMBER))
    r9 = next(row for row in rows if row[-1] == "r9")
    assert r9[6] == '\'=HYPERLINK("http://x")' and r9[5] == "+74951112233"
    response = client.get(export_url("calls", "xlsx"), NOVEMBER)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[6].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://x")' in names
    assert all(row[6].data_type != "f" for row in sheet.iter_rows(min_row=2))


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+74951234567", "+74951234567"),
        ("1001", "1001"),
        ("Ivan", "Ivan"),
        (42, 42),
    ],
)
def test_safe_cell(value, safe) -> None:
    assert safe_cell(value) == safe


# Committed rows: the async client runs the view on another thread, so another connection.
@pytest.mark.django_db(transaction=True, databases=databases())
async def test_under_asgi_the_export_streams_chunk_by_chunk(stream) -> None:
    from asgiref.sync import sync_to_async
    from django.db import connections

    try:
        supervisor = await sync_to_async(make_supervisor)("sam", extension=None)
        client = AsyncClient()
        await client.aforce_login(supervisor)
        response = await client.get(export_url("calls", "csv"), NOVEMBER)
        assert response.status_code == 200 and response.is_async  # an async iterator: Django does not buffer it
        body = b"".join([chunk async for chunk in response.streaming_content]).decode()
        assert body.count("\n") == 1 + 15
    finally:
        # The view ran on asgiref's thread: its connection would keep the test database in use.
        await sync_to_async(connections.close_all)()
