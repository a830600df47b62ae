"""Scratch PostgreSQL databases for the benchmarks.

``BENCH_DATABASE_URL`` names a server to create them on (and ``BENCH_ASTERISK_DATABASE_URL`` a
server for a separate realtime database: Option B); without it a throwaway embedded PostgreSQL is
started, as the test run does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        return url
    from config.test_database import embedded_postgres_dsn

    return embedded_postgres_dsn("postgres")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_sql(url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    import psycopg

    parts = urlsplit(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    with psycopg.connect(
        host=query.get("host", parts.hostname or "") or None,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/") or "postgres",
        autocommit=True,
    ) as connection:
        connection.execute(sql)


@contextmanager
def scratch_databases(prefix: str) -> Iterator[bool]:
    """Create fresh databases, point Django's settings at them, drop them afterwards.

    Yields whether the realtime tables live in a database of their own (Option B).
    """
    server = server_url()
    asterisk_server = os.environ.get("BENCH_ASTERISK_DATABASE_URL", "")
    default_name, asterisk_name = f"{prefix}_{os.getpid()}", f"{prefix}_ast_{os.getpid()}"
    admin_sql(server, f'CREATE DATABASE "{default_name}"')
    if asterisk_server:
        admin_sql(asterisk_server, f'CREATE DATABASE "{asterisk_name}"')
    os.environ["DATABASE_URL"] = with_database(server, default_name)
    os.environ["ASTERISK_DATABASE_URL"] = with_database(asterisk_server, asterisk_name) if asterisk_server else ""
    os.environ["ASTERISK_DB_NAME"] = ""
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    try:
        yield bool(asterisk_server)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(server, f'DROP DATABASE IF EXISTS "{default_name}"')
        if asterisk_server:
            admin_sql(asterisk_server, f'DROP DATABASE IF EXISTS "{asterisk_name}"')
