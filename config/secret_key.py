"""The development ``SECRET_KEY``: generated once into a file, never committed to git."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def persistent_secret_key(path: Path) -> str:
    """The key kept in ``path``, created on first use; every process starting at once gets the same one.

    The new key is written to a private temporary file first and then published with ``link``,
    which fails if ``path`` exists (like ``O_CREAT | O_EXCL``, but the file is never seen empty or
    half-written): the first process wins, the others discard theirs and read the winner's.
    """
    if not path.exists():
        descriptor, draft = tempfile.mkstemp(prefix=".secret_key-", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process published its key first
                os.link(draft, path)
        finally:
            os.unlink(draft)
    return path.read_text().strip()
