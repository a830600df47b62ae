"""Multi-row INSERTs of only the columns provisioning sets.

``ps_endpoints`` has about 170 columns. ``bulk_create`` builds a model instance per row and prepares
every column of it (1.8 million ``get_db_prep_save`` calls for 10,000 extensions, ~12 s of CPU);
the rows here carry the dozen columns we write and plain values (``str``/``int``/``None`` already
escaped for realtime). PostgreSQL gets them through ``COPY ... FROM STDIN`` (a multi-row VALUES
statement is slow with psycopg 3: it re-parses a 12,000-placeholder query on every call, and
``executemany`` through Django's client-side cursor is slower still); SQLite through
``executemany`` of one prepared INSERT. Columns not
named keep their database default (NULL), exactly as with ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Field, Model


def insert_rows(using: str, model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys: field names) into ``model``'s table through ``using``."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    names = list(rows[0])
    if any(list(row) != names for row in rows):
        raise ValueError("every row must name the same columns in the same order")
    fields, column_names = zip(*(_column_field(model, name) for name in names), strict=True)
    columns = ", ".join(quote(column) for column in column_names)
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        # COPY: the fastest way into PostgreSQL; psycopg adapts each value (text input of enum
        # columns included, as in Asterisk's own schema).
        # wrap_database_errors: psycopg's UniqueViolation becomes Django's IntegrityError (retried).
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[name] for name in names])
        return
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [
                    value
                    if value is None or isinstance(value, str | int)
                    else field.get_db_prep_save(value, connection)
                    for field, value in zip(fields, (row[name] for name in names), strict=True)
                ]
                for row in rows
            ],
        )


def _column_field(model: type[Model], name: str) -> tuple[Field, str]:
    """The concrete field ``name`` of ``model`` and its column: a reverse relation has none to insert into."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field, field.column
