"""Our migrated realtime tables against Asterisk's own schema (../shared/asterisk/realtime-schema.json).

On PostgreSQL the whole catalogue is compared: every column with a compatible type, at least the
reference's length, the same nullability, every enum value enforced, every unique key. On SQLite,
table and column names.
"""

from __future__ import annotations

import re

import pytest
from django.db import connections

from voip.realtime.router import realtime_db_alias

from .reference_schema import ReferenceSchema

# Reference type -> the column types that hold the same values without loss.
COMPATIBLE_TYPES = {
    "character varying": {"character varying"},
    "integer": {"integer", "bigint"},
    "bigint": {"bigint"},
    "double precision": {"double precision"},
    "timestamp without time zone": {"timestamp without time zone"},
    "text": {"text"},
    "boolean": {"boolean"},
    "numeric": {"numeric"},
    "bytea": {"bytea"},
}


@pytest.fixture(scope="module")
def reference(asterisk_facts_dir) -> ReferenceSchema:
    return ReferenceSchema.load(asterisk_facts_dir)


def _postgres_columns(cursor, table: str) -> dict[str, dict]:
    cursor.execute(
        "SELECT column_name, data_type, udt_name, character_maximum_length, is_nullable "
        "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
        [table],
    )
    return {
        name: {"type": data_type, "udt": udt, "max_length": length, "nullable": nullable == "YES"}
        for name, data_type, udt, length, nullable in cursor.fetchall()
    }


def _postgres_check_values(cursor, table: str) -> dict[str, set[str]]:
    """Column -> the values its CHECK constraint admits (our stand-in for Asterisk's enum types)."""
    cursor.execute(
        "SELECT pg_get_constraintdef(c.oid), a.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
        "WHERE c.contype = 'c' AND c.conrelid = %s::regclass",
        [table],
    )
    allowed: dict[str, set[str]] = {}
    for definition, column in cursor.fetchall():
        allowed.setdefault(column, set()).update(re.findall(r"'((?:[^']|'')*)'::", definition))
    return allowed


def _postgres_unique_keys(cursor, table: str) -> list[frozenset[str]]:
    cursor.execute(
        "SELECT array_agg(a.attname::text) FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisunique GROUP BY i.indexrelid",
        [table],
    )
    return [frozenset(row[0]) for row in cursor.fetchall()]


def postgres_mismatches(connection, reference: ReferenceSchema) -> list[str]:
    problems: list[str] = []
    with connection.cursor() as cursor:
        for table, spec in reference.tables.items():
            live = _postgres_columns(cursor, table)
            if not live:
                problems.append(f"{table}: table missing")
                continue
            checks = _postgres_check_values(cursor, table)
            for column in spec["columns"]:
                name = column["name"]
                found = live.get(name)
                if found is None:
                    problems.append(f"{table}.{name}: column missing")
                    continue
                if found["nullable"] != column["nullable"]:
                    problems.append(f"{table}.{name}: nullable={found['nullable']}, reference {column['nullable']}")
                if column.get("enum"):
                    expected = set(reference.enums[column["enum"]])
                    if found["type"] == "USER-DEFINED" and found["udt"] == column["enum"]:
                        continue  # Asterisk's own enum type (an adopted database)
                    if found["type"] != "character varying":
                        problems.append(f"{table}.{name}: {found['type']} cannot hold enum {column['enum']}")
                    elif checks.get(name) != expected:
                        admitted = sorted(checks.get(name, set()))
                        problems.append(f"{table}.{name}: CHECK admits {admitted}, enum is {sorted(expected)}")
                    if found["max_length"] and found["max_length"] < max(len(value) for value in expected):
                        problems.append(f"{table}.{name}: varchar({found['max_length']}) too short for its values")
                    continue
                if found["type"] not in COMPATIBLE_TYPES[column["type"]]:
                    problems.append(f"{table}.{name}: type {found['type']}, reference {column['type']}")
                if column.get("max_length") and (found["max_length"] or 0) < column["max_length"]:
                    problems.append(f"{table}.{name}: length {found['max_length']}, reference {column['max_length']}")
            live_keys = _postgres_unique_keys(cursor, table)
            for key in reference.unique_keys(table):
                if key not in live_keys:
                    problems.append(f"{table}: no unique key on ({', '.join(sorted(key))})")
    return problems


def sqlite_mismatches(connection, reference: ReferenceSchema) -> list[str]:
    problems: list[str] = []
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table, spec in reference.tables.items():
            if table not in existing:
                problems.append(f"{table}: table missing")
                continue
            live = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            problems += [f"{table}.{c['name']}: column missing" for c in spec["columns"] if c["name"] not in live]
    return problems


@pytest.mark.django_db(databases=["default", "asterisk"])
def test_migrated_realtime_schema_matches_asterisks_reference(reference):
    connection = connections[realtime_db_alias()]
    if connection.vendor == "postgresql":
        problems = postgres_mismatches(connection, reference)
    else:
        problems = sqlite_mismatches(connection, reference)
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db(databases=["default", "asterisk"])
def test_enum_columns_refuse_values_outside_asterisks_enum():
    from django.db import IntegrityError, transaction

    from voip.models import PsEndpoint

    with pytest.raises(IntegrityError), transaction.atomic(using=realtime_db_alias()):
        PsEndpoint.objects.create(id="enum-check", direct_media="maybe")
    PsEndpoint.objects.create(id="enum-ok", direct_media="no")
    assert PsEndpoint.objects.get(id="enum-ok").direct_media == "no"
