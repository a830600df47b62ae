"""Install the generated configuration where Asterisk reads it, and make Asterisk load it.

``setup_asterisk_realtime --install`` is the short path from a fresh clone to a registered phone:
it writes the files of :func:`render_asterisk_config` into Asterisk's configuration directory,
keeping a dated backup of every file it replaces, then restarts Asterisk through its own CLI.

A restart, not a reload: the realtime mappings (``sorcery.conf``, ``extconfig.conf``) and the
database driver's connection are read when their modules load. The CLI (``asterisk -rx``), not
AMI, because before this step the manager may not be configured at all (the stock
``manager.conf`` has it switched off), and ``core restart gracefully`` lets calls in progress end.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.utils import timezone

from .writer import AsteriskConfigError, render_asterisk_config, write_atomically

# Replaced only when absent: a site's modules.conf carries its own load/noload choices, and
# Asterisk's default (autoload = yes) already loads every module the generated files need.
KEPT_WHEN_PRESENT = frozenset({"modules.conf"})


@dataclass(frozen=True)
class InstalledFile:
    path: Path
    status: Literal["installed", "replaced", "unchanged", "kept"]
    backup: Path | None = None


def install_asterisk_config(*, directory: Path) -> list[InstalledFile]:
    """Write every generated file into ``directory``; back up each one it replaces.

    Everything is rendered before anything is written, so a bad setting changes nothing. New files
    get the owner and group of the directory (Asterisk usually runs as its own user) and mode 0640.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise AsteriskConfigError(
            f"{directory} is not a directory (Asterisk's configuration directory, e.g. /etc/asterisk)"
        )
    files = render_asterisk_config()
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    owner = directory.stat()
    results: list[InstalledFile] = []
    for name, text in files.items():
        path = directory / name
        if path.exists():
            if name in KEPT_WHEN_PRESENT:
                results.append(InstalledFile(path, "kept"))
                continue
            if path.read_text(encoding="utf-8", errors="replace") == text:
                results.append(InstalledFile(path, "unchanged"))
                continue
            backup = path.with_name(f"{name}.{stamp}.bak")
            shutil.copy2(path, backup)
            existing = path.stat()
            write_atomically(path, text, owner=(existing.st_uid, existing.st_gid))
            results.append(InstalledFile(path, "replaced", backup))
        else:
            write_atomically(path, text, owner=(owner.st_uid, owner.st_gid))
            results.append(InstalledFile(path, "installed"))
    return results


class AsteriskCliError(RuntimeError):
    pass


def cli_command(cli: str) -> list[str]:
    """``ASTERISK_CLI`` as an argument list (``asterisk``, or ``asterisk -C /path/asterisk.conf``)."""
    words = shlex.split(cli)
    if not words:
        raise AsteriskCliError("the Asterisk CLI command is empty")
    return words


def run_cli(cli: Sequence[str], command: str, *, timeout: float = 30) -> str:
    try:
        result = subprocess.run(  # noqa: S603  the administrator's own Asterisk binary, no shell
            [*cli, "-rx", command], capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise AsteriskCliError(f"{cli[0]} not found: is Asterisk installed here? (--asterisk-cli)") from exc
    except subprocess.TimeoutExpired as exc:
        raise AsteriskCliError(f"'{command}' did not answer within {timeout:.0f} s") from exc
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise AsteriskCliError(f"'{command}' failed: {reason} (is Asterisk running, and may this user use its CLI?)")
    return result.stdout


def restart_asterisk(cli: Sequence[str], *, timeout: float = 120) -> None:
    """``core restart gracefully``, then wait until Asterisk says it is fully booted again."""
    run_cli(cli, "core restart gracefully")
    time.sleep(1.0)  # the old process is still "fully booted" for a moment
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        try:
            if "fully booted" in run_cli(cli, "core waitfullybooted", timeout=10).lower():
                return
        except AsteriskCliError as exc:
            last_error = str(exc)
        time.sleep(0.5)
    raise AsteriskCliError(f"Asterisk did not come back within {timeout:.0f} s after the restart {last_error}".strip())
