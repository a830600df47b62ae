"""Benchmark: the "VOIP > PJSIP Endpoints" admin changelist with 10,000 endpoints on PostgreSQL.

Run from the repository root::

    python bench/admin_endpoints.py                     # starts a throwaway embedded PostgreSQL
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres python bench/admin_endpoints.py
    BENCH_DATABASE_URL=... BENCH_ASTERISK_DATABASE_URL=postgres://postgres@127.0.0.1/postgres \\
        python bench/admin_endpoints.py                 # Option B: realtime tables in another database

A fresh database (``bench_admin_<pid>``, plus ``bench_admin_ast_<pid>`` for Option B) is created,
migrated and filled (not timed) with ENDPOINTS endpoints, each with auth, AOR, a user and its
InternalNumber; every second endpoint has a ps_contacts row and every tenth an EndpointPresence row.
Then Django's test Client, logged in as a superuser, GETs the changelist (first page, a search, a
status filter) REQUESTS times each. Reported: SQL queries per request (both aliases) and the
median / p95 wall time per request. Targets: <= 6 queries, median <= 150 ms. Databases are dropped.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

from _databases import scratch_databases


def fill(count: int) -> None:
    from django.contrib.auth import get_user_model

    from voip.calls.models import EndpointPresence
    from voip.provisioning.models import InternalNumber
    from voip.realtime.models import PsAor, PsAuth, PsContact, PsEndpoint

    user_model = get_user_model()
    ids = [str(100_000 + i) for i in range(count)]
    PsEndpoint.objects.bulk_create(
        [PsEndpoint(id=e, aors=e, auth=e, context="from-internal", transport="transport-udp") for e in ids],
        batch_size=2000,
    )
    PsAor.objects.bulk_create([PsAor(id=e, max_contacts=1) for e in ids], batch_size=2000)
    PsAuth.objects.bulk_create(
        [PsAuth(id=e, auth_type="md5", username=e, realm="asterisk", md5_cred="0" * 32) for e in ids], batch_size=2000
    )
    PsContact.objects.bulk_create(
        [
            PsContact(
                id=f"{e};@{i:x}",
                endpoint=e,
                uri=f"sip:{e}@10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}:5060",
                user_agent="baresip 1.0.0",
                expiration_time=2_000_000_000,
            )
            for i, e in enumerate(ids)
            if i % 2 == 0
        ],
        batch_size=2000,
    )
    user_model.objects.bulk_create(
        [user_model(username=f"agent{e}", first_name="Agent", last_name=e) for e in ids], batch_size=2000
    )
    users = dict(user_model.objects.filter(username__startswith="agent").values_list("username", "id"))
    InternalNumber.objects.bulk_create(
        [InternalNumber(user_id=users[f"agent{e}"], number=e, endpoint_id=e) for e in ids], batch_size=2000
    )
    EndpointPresence.objects.bulk_create(
        [EndpointPresence(endpoint_id=e, status="registered") for i, e in enumerate(ids) if i % 10 == 0],
        batch_size=2000,
    )


def measure(client, url: str, params: dict, requests: int) -> tuple[int, float, float]:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    contexts = [CaptureQueriesContext(connections[alias]) for alias in ("default", "asterisk")]
    for context in contexts:
        context.__enter__()
    response = client.get(url, params)
    for context in reversed(contexts):
        context.__exit__(None, None, None)
    assert response.status_code == 200, response.status_code
    queries = sum(len(c.captured_queries) for c in contexts)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return queries, statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def run(count: int, requests: int, *, option_b: bool) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    if option_b:
        call_command("migrate", database="asterisk", verbosity=0)
    started = time.perf_counter()
    fill(count)
    fill_s = time.perf_counter() - started
    root = get_user_model().objects.create_superuser("bench-root", "root@example.com", "x")
    client = Client()
    client.force_login(root)
    url = reverse("admin:realtime_psendpoint_changelist")
    cases = [
        ("first page (100 rows)", {}),
        ("search by user name", {"q": f"agent{100_000 + count // 2}"}),
        ("filter: registered", {"status": "registered"}),
        ("page 50", {"p": "50"}),
    ]
    print(
        f"endpoints: {count:,}; requests per case: {requests}; fill (untimed) {fill_s:.1f} s; "
        f"{'Option B' if option_b else 'Option A'}; Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs"
    )
    print()
    print("| case | queries | median ms | p95 ms |")
    print("|---|---:|---:|---:|")
    first_page_queries = None
    for name, params in cases:
        queries, median, p95 = measure(client, url, params, requests)
        first_page_queries = queries if first_page_queries is None else first_page_queries
        print(f"| {name} | {queries} | {median:.1f} | {p95:.1f} |")
    # Target: the plain list in <= 6 queries (a user-name search adds its one lookup on default).
    return 0 if first_page_queries is not None and first_page_queries <= 6 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with scratch_databases("bench_admin") as option_b:
        return run(args.endpoints, args.requests, option_b=option_b)


if __name__ == "__main__":
    sys.exit(main())
