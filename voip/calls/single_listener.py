"""One event listener per Asterisk server, whatever is started (``asterisk_events``, the embedded one).

Two listeners on one Asterisk would log every call twice over and push every screen pop and
missed-call badge twice. The listener therefore holds a lock named after the Asterisk it listens
to for as long as it runs:

* on PostgreSQL, a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its
  own, kept open for the listener's life: every CRM process shares that database, and the lock
  goes away with the session if the process dies;
* on SQLite (the embedded default, one machine), an exclusive ``flock`` on a file in ``var/``,
  released by the kernel when the process dies.

A listener that finds the lock taken stands by and retries (see ``CallEventListener.run``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import zlib
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connections

__all__ = ["ListenerLock", "listener_lock_name"]

# First key of the two-int advisory lock: "voip" in ASCII, so other users of advisory locks in the
# same database do not collide with ours.
_ADVISORY_CLASS_ID = 0x766F6970


def listener_lock_name(*, host: str, port: int) -> str:
    return f"asterisk-listener-{host}-{port}"


def _signed_int32(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value


class ListenerLock:
    """Non-blocking, process-wide lock for one Asterisk server (``acquire`` / ``still_held`` / ``release``)."""

    def __init__(self, *, name: str, database: str = "default", lock_dir: Path | None = None) -> None:
        self.name = name
        self.database = database
        self.lock_dir = lock_dir or Path(getattr(settings, "VAR_DIR", Path.cwd() / "var"))
        self._connection: Any = None
        self._file: IO[str] | None = None
        self.held = False

    @property
    def kind(self) -> str:
        return "advisory" if connections[self.database].vendor == "postgresql" else "file"

    @property
    def file_path(self) -> Path:
        return self.lock_dir / (re.sub(r"[^A-Za-z0-9_.-]", "_", self.name) + ".lock")

    def _advisory_key(self) -> tuple[int, int]:
        return _ADVISORY_CLASS_ID, _signed_int32(zlib.crc32(self.name.encode()))

    def acquire(self) -> bool:
        """Take the lock if it is free; True when this instance holds it."""
        if self.held:
            return True
        if self.kind == "advisory":
            self.held = self._acquire_advisory()
        else:
            self.held = self._acquire_file()
        return self.held

    def _acquire_advisory(self) -> bool:
        self._close_connection()
        # A connection of its own, outside Django's per-thread handler: the lock lives exactly as
        # long as this session, whatever the worker's connections do.
        connection = connections.create_connection(self.database)
        # Used from whichever worker thread the listener's event loop hands the checks to.
        connection.inc_thread_sharing()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", list(self._advisory_key()))
                (taken,) = cursor.fetchone()
        except DatabaseError:
            with contextlib.suppress(DatabaseError):
                connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _acquire_file(self) -> bool:
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.file_path, "a+")  # noqa: SIM115  (kept open while the lock is held)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def still_held(self) -> bool:
        """Is the lock still ours? An advisory lock dies with its session (database restart, network)."""
        if not self.held:
            return False
        if self.kind != "advisory":
            return True
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                    "AND classid = %s::oid AND objid = %s::oid AND objsubid = 2 AND granted",
                    [self._advisory_key()[0], self._advisory_key()[1] & 0xFFFFFFFF],
                )
                (count,) = cursor.fetchone()
        except DatabaseError:
            count = 0
        if count:
            return True
        # The session was lost: take the lock again unless another listener got it meanwhile.
        self.held = False
        try:
            return self.acquire()
        except DatabaseError:
            return False

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self._close_connection()
        self.held = False

    def _close_connection(self) -> None:
        if self._connection is not None:
            # Closing the session releases its advisory locks.
            with contextlib.suppress(DatabaseError):
                self._connection.close()
            self._connection = None
