"""Asterisk's realtime schema reference (../shared/asterisk/realtime-schema.json) as test helpers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReferenceSchema:
    enums: dict[str, list[str]]
    tables: dict[str, dict]

    @classmethod
    def load(cls, facts_dir: Path) -> ReferenceSchema:
        data = json.loads((facts_dir / "realtime-schema.json").read_text())
        return cls(enums=data["enums"], tables=data["tables"])

    def unique_keys(self, table: str) -> list[frozenset[str]]:
        keys = []
        for constraint in self.tables[table]["constraints"]:
            if constraint["kind"] in ("unique", "primary key"):
                inside = constraint["definition"].split("(", 1)[1].rsplit(")", 1)[0]
                keys.append(frozenset(part.strip().strip('"') for part in inside.split(",")))
        return keys

    def create_statements(self) -> list[str]:
        """DDL recreating the reference tables the way Asterisk's scripts leave them (PostgreSQL)."""
        statements = []
        for name, values in self.enums.items():
            quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
            statements.append(f'CREATE TYPE "{name}" AS ENUM ({quoted})')
        for table, spec in self.tables.items():
            columns = []
            for column in spec["columns"]:
                sql_type = column["type"]
                if column.get("enum"):
                    sql_type = f'"{column["enum"]}"'
                elif column.get("max_length"):
                    sql_type = f"{sql_type}({column['max_length']})"
                default = column.get("default")
                if default and default.startswith("nextval("):
                    sequence = re.search(r"'([^']+)'", default).group(1)
                    statements.append(f'CREATE SEQUENCE IF NOT EXISTS "{sequence}"')
                    sql_type += f" DEFAULT {default}"
                elif default:
                    sql_type += f" DEFAULT {default}"
                null = "" if column["nullable"] else " NOT NULL"
                columns.append(f'"{column["name"]}" {sql_type}{null}')
            statements.append(f'CREATE TABLE "{table}" ({", ".join(columns)})')
        for table, spec in self.tables.items():
            for constraint in spec["constraints"]:
                if constraint["kind"] != "foreign key":
                    statements.append(
                        f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint["name"]}" {constraint["definition"]}'
                    )
            for index in spec["indexes"]:
                if " UNIQUE INDEX " not in index["definition"] and "_pkey" not in index["name"]:
                    statements.append(index["definition"])
        return statements
