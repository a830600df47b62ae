"""Benchmark: the call reports and the call-list export over a year of calls on PostgreSQL.

Run from the repository root::

    python bench/reports.py                         # starts a throwaway embedded PostgreSQL
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres python bench/reports.py
    python bench/reports.py --calls 200000          # a smaller year, to try things out

A fresh database (``bench_reports_<pid>``) is created, migrated and filled (not timed) with CALLS
CallLog rows spread evenly over 2025 (CRM time zone Europe/Moscow) and 200 agents: half inbound
(a third of them through one of five queues, with waits), a third outbound, the rest internal;
answered, missed, abandoned, busy and failed in realistic shares; trunks and DIDs on the external
calls. Then VACUUM ANALYZE (what autovacuum does on a live database).

Timed, with Django's test Client logged in as a supervisor: the reports page (every figure, chart
and table) for a month and for the year, unfiltered and filtered by agent and by queue, REQUESTS
times each (p50/p95); then the CSV export of the call list of a month and of the year (rows/s, and
the peak of Python allocations while streaming, tracemalloc, plus the process's resident memory
growth). Targets: month < 300 ms, year < 2 s; export memory not growing with the rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
import tracemalloc

from _databases import scratch_databases

AGENTS = 200
ZONE = "Europe/Moscow"

FILL_SQL = """
INSERT INTO calls_calllog (
    linkedid, session_id, direction, caller_number, caller_name, callee_number, agent_id,
    agent_extension, started_at, answered_at, ended_at, duration, billsec, disposition,
    hangup_cause_text, recording_file, origination_id, trunk, did, dialled_number, sent_number,
    queue, wait_seconds, created_at, updated_at)
SELECT
    'bench.' || i, 'PJSIP/' || (1000 + a) || '-' || i, c.direction,
    CASE WHEN c.direction = 'inbound' THEN '+7495' || (1000000 + i % 9000000) ELSE (1000 + a)::text END,
    '',
    CASE WHEN c.direction = 'outbound' THEN '+7812' || (1000000 + i % 9000000)
         ELSE (1000 + (a + 7) % %(agents)s)::text END,
    CASE WHEN i % 20 = 0 THEN NULL ELSE u.first_id + a END, (1000 + a)::text,
    c.started, CASE WHEN c.disposition = 'answered' THEN c.started + c.wait * interval '1 second' END,
    c.started + (c.wait + c.talk) * interval '1 second', c.wait + c.talk,
    CASE WHEN c.disposition = 'answered' THEN c.talk ELSE 0 END, c.disposition,
    '', '', '',
    CASE WHEN c.direction <> 'internal' THEN 'trunk' || (i % 3) ELSE '' END,
    CASE WHEN c.direction = 'inbound' THEN '+7495100000' || (i % 5) ELSE '' END, '', '',
    CASE WHEN c.queued THEN 'queue' || (i % 5) ELSE '' END, CASE WHEN c.queued THEN c.wait END,
    c.started, c.started
FROM generate_series(1, %(calls)s) AS i
CROSS JOIN (SELECT min(id) AS first_id FROM auth_user WHERE username LIKE 'agent%%') AS u
CROSS JOIN LATERAL (
    SELECT (hashint4(i) & 2147483647) %% %(agents)s AS a, (hashint4(i + 7) & 2147483647) %% 100 AS r
) AS h
CROSS JOIN LATERAL (
    SELECT
        timestamptz '2025-01-01 00:00 Europe/Moscow' + (i::float8 / %(calls)s) * interval '365 days' AS started,
        CASE WHEN h.r < 50 THEN 'inbound' WHEN h.r < 85 THEN 'outbound' ELSE 'internal' END AS direction,
        h.r < 17 AS queued,
        CASE WHEN h.r % 10 < 7 THEN 'answered' WHEN h.r < 17 THEN 'abandoned' WHEN h.r % 10 = 7 THEN 'no_answer'
             WHEN h.r % 10 = 8 THEN 'busy' WHEN h.r >= 85 THEN 'cancelled' ELSE 'failed' END AS disposition,
        (hashint4(i + 13) & 2147483647) % 90 AS wait,
        (hashint4(i + 29) & 2147483647) % 600 AS talk
) AS c
"""


def fill(calls: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    user_model = get_user_model()
    user_model.objects.bulk_create(
        [user_model(username=f"agent{1000 + n}", first_name="Agent", last_name=str(1000 + n)) for n in range(AGENTS)]
    )
    sql = FILL_SQL.replace("%(agents)s", str(AGENTS)).replace("%(calls)s", str(calls)).replace("%%", "%")
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE calls_calllog")


def timed_gets(client, url: str, params: dict, requests: int) -> tuple[float, float]:
    response = client.get(url, params)  # warm: templates compiled, plans cached
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[max(0, round(len(times) * 0.95) - 1)]


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def export(client, url: str, params: dict) -> tuple[int, float, float, float]:
    """(rows, rows/s, Python peak MiB, RSS growth MiB) of one streamed CSV export."""
    response = client.get(url, params)
    rows, started = 0, time.perf_counter()
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    rows -= 1  # the header
    # Memory in a second pass (tracemalloc slows it down): peak of Python allocations while streaming,
    # and the resident set's growth sampled every 10 ms.
    before, peak_rss, done = _rss(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_rss[0] = max(peak_rss[0], _rss())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    sampler.start()
    response = client.get(url, params)
    for _chunk in response.streaming_content:
        pass
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    done.set()
    sampler.join()
    return rows, rows / seconds, peak / 2**20, max(0, peak_rss[0] - before) / 2**20


def run(calls: int, requests: int) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from voip.roles import SUPERVISORS

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.TIME_ZONE = ZONE
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(calls)
    fill_s = time.perf_counter() - started
    supervisor = get_user_model().objects.create_user("bench-supervisor", password="x")
    supervisor.groups.add(Group.objects.get(name=SUPERVISORS))
    client = Client()
    client.force_login(supervisor)
    agent_id = get_user_model().objects.get(username="agent1042").pk
    month = {"date_from": "2025-06-01", "date_to": "2025-06-30"}
    year = {"date_from": "2025-01-01", "date_to": "2025-12-31"}
    cases = [
        ("month", month, requests * 2),
        ("month, one agent", {**month, "agent": agent_id}, requests * 2),
        ("month, one queue", {**month, "queue": "queue3"}, requests * 2),
        ("year", year, requests),
        ("year, one agent", {**year, "agent": agent_id}, requests),
        ("year, one queue", {**year, "queue": "queue3"}, requests),
    ]
    print(
        f"calls: {calls:,}; agents: {AGENTS}; fill (untimed) {fill_s:.1f} s; Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}"
    )
    print()
    print("| reports page | requests | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    url = reverse("reports:reports")
    worst = {"month": 0.0, "year": 0.0}
    for name, params, count in cases:
        p50, p95 = timed_gets(client, url, params, count)
        kind = name.split(",")[0]
        worst[kind] = max(worst[kind], p50)
        print(f"| {name} | {count} | {p50:.0f} | {p95:.0f} |")
    print()
    print("| CSV export of the call list | rows | rows/s | Python peak MiB | RSS growth MiB |")
    print("|---|---:|---:|---:|---:|")
    export_url = reverse("reports:export", args=["calls", "csv"])
    for name, params in (("month", month), ("year", year)):
        rows, rate, peak, rss = export(client, export_url, params)
        print(f"| {name} | {rows:,} | {rate:,.0f} | {peak:.1f} | {rss:.1f} |")
    return 0 if worst["month"] < 300 and worst["year"] < 2000 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    with scratch_databases("bench_reports"):
        return run(args.calls, args.requests)


if __name__ == "__main__":
    sys.exit(main())
