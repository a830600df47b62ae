"""Sends Asterisk's realtime tables to the ``asterisk`` database and everything else to ``default``.

Option A (no separate Asterisk database): both aliases point at one database and share one
``django_migrations`` table. Whichever alias migrates first records every migration as applied, so
each alias must then be allowed to create every table; otherwise a table skipped on one alias would
be recorded as applied without existing (the bug of the implementation this replaces).
Queries in Option A go through the ``default`` connection itself: two connections to one database
cannot share a transaction (on SQLite they even lock each other out), while one connection makes a
write that spans realtime and CRM tables atomic. ``.using("asterisk")`` keeps working, as the guide
shows. Option B (separate database): realtime tables live only on ``asterisk``, the rest only on
``default``.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

from voip.conf import configured_realtime_alias

__all__ = [
    "REALTIME_APP_LABEL",
    "RealtimeRouter",
    "configured_realtime_alias",
    "realtime_db_alias",
    "realtime_db_is_separate",
]

REALTIME_APP_LABEL = "realtime"


def realtime_db_alias() -> str:
    """The connection realtime tables are read and written through.

    The configured alias in Option B; ``default`` in Option A, where both name one database.
    """
    return configured_realtime_alias() if realtime_db_is_separate() else "default"


def realtime_db_is_separate() -> bool:
    """True in Option B: the realtime alias names another database than ``default``."""
    default = connections.settings["default"]
    realtime = connections.settings[configured_realtime_alias()]
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    if realtime.get("TEST", {}).get("MIRROR") == "default":
        return False
    return any(str(default.get(key) or "") != str(realtime.get(key) or "") for key in keys)


class RealtimeRouter:
    def _is_realtime(self, model: Any) -> bool:
        return model._meta.app_label == REALTIME_APP_LABEL

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return realtime_db_alias() if self._is_realtime(model) else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # No foreign keys across the two databases: link by endpoint id strings instead.
        if self._is_realtime(obj1) != self._is_realtime(obj2):
            return False
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        if not realtime_db_is_separate():
            return True  # Option A: one database, either alias may create every table.
        if app_label == REALTIME_APP_LABEL:
            return db == configured_realtime_alias()
        return db == "default"
