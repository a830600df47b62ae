"""The reports page in Chromium, in English and in Russian: the figures shown and the charts drawn.

The calls are the recorded stream of tests/reports/stream.py (November 2026, Moscow time).
"""

from __future__ import annotations

import re

import pytest

from tests.calls.ui_support import make_supervisor
from tests.reports.conftest import moscow, stream  # noqa: F401 (fixtures)
from tests.reports.stream import databases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=databases())]

CANVASES = ["chart-outcomes", "chart-directions", "chart-days", "chart-agents", "chart-queues", "chart-hours"]

# How many pixels of each canvas are painted, and the labels Chart.js was given.
DRAWN = """
(ids) => ids.map((id) => {
  const canvas = document.getElementById(id);
  const context = canvas.getContext("2d");
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted += 1; } }
  const chart = Chart.getChart(canvas);
  return {id, width: canvas.width, painted, labels: chart ? chart.data.labels : null,
          title: chart ? chart.options.plugins.title.text : null,
          series: chart ? chart.data.datasets.map((d) => d.label) : null};
})
"""

TEXTS = {
    "en": {
        "heading": "Call reports",
        "caption": "15 calls from",
        "outcomes": ["Answered", "Missed", "Abandoned", "Other"],
        "outcomes_title": "15 calls by outcome",
        "days_title": "Calls per day, 30 days",
        "agents_title": "Calls per agent, 3 agents",
        "monday": "Monday",
        "cell": "2 calls",
    },
    "ru": {
        "heading": "Отчёты по звонкам",
        "caption": "15 звонков с",
        "outcomes": ["Отвеченные", "Пропущенные", "Брошенные", "Прочие"],
        "outcomes_title": "15 звонков по результату",
        "days_title": "Звонки по дням, 30 дней",
        "agents_title": "Звонки по операторам, 3 оператора",
        "monday": "Понедельник",
        "cell": "2 звонка",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_reports_page_draws_its_charts(browser, asgi_live_server, stream, screenshot, language) -> None:  # noqa: F811
    make_supervisor("sam", extension=None)
    texts = TEXTS[language]
    locale = "ru-RU" if language == "ru" else "en-US"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = asgi_live_server.url
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "sam")
        page.fill("input[name=password]", "pw-sam")
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_url(re.compile(r".*/crm/contacts/.*"))
        page.click("header nav a[href='/voip/reports/']")
        page.wait_for_url(re.compile(r".*/voip/reports/.*"))
        page.fill("input[name=date_from]", "2026-11-01")
        page.fill("input[name=date_to]", "2026-11-30")
        page.click("form.report-filters button[type=submit]")
        page.wait_for_url(re.compile(r".*date_from=2026-11-01.*"))
        page.wait_for_function("() => typeof Chart !== 'undefined' && Chart.getChart('chart-hours') !== undefined")

        assert page.locator("h1").inner_text() == texts["heading"]
        assert texts["caption"] in page.locator(".report-caption").inner_text()
        shown = {
            name: page.locator(f"[data-figure={name}] dd").inner_text()
            for name in ("inbound", "outbound", "internal", "answered", "missed", "abandoned", "longest_wait")
        }
        assert shown == {
            "inbound": "10",
            "outbound": "3",
            "internal": "2",
            "answered": "9",
            "missed": "2",
            "abandoned": "2",
            "longest_wait": "45",
        }
        assert page.locator("[data-figure=service_level] dd").inner_text().startswith("66")

        drawn = {item["id"]: item for item in page.evaluate(DRAWN, CANVASES)}
        for name in CANVASES:
            assert drawn[name]["width"] > 100, drawn[name]
            assert drawn[name]["painted"] > 500, f"{name} looks empty: {drawn[name]}"
        assert drawn["chart-outcomes"]["labels"] == texts["outcomes"]
        assert drawn["chart-outcomes"]["title"] == texts["outcomes_title"]
        assert drawn["chart-days"]["title"] == texts["days_title"]
        assert drawn["chart-days"]["series"] == texts["outcomes"][:3]
        assert drawn["chart-agents"]["title"] == texts["agents_title"]

        heat = page.locator("#heat-map tbody tr").first
        assert heat.locator("th").inner_text() == texts["monday"]
        assert heat.locator("td").nth(10).get_attribute("title") == texts["cell"]
        assert page.locator("#per-queue tr[data-queue=support] td").nth(6).inner_text().startswith("75")
        screenshot(page, language)
    finally:
        context.close()
