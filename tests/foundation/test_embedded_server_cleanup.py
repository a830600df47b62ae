"""The throwaway PostgreSQL of a test run is stopped, not only deleted, when the run's process exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]

START_AND_EXIT = """
import config.test_database as test_database
test_database.configure_test_environment()
server = test_database._started_server
print(server.pgdata)
print(server.get_pid())
"""


def _postgres_processes_using(data_dir: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if any(data_dir in part for part in cmdline):
            found.append(process)
    return found


def test_embedded_server_is_stopped_before_its_directory_is_removed() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TEST_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", START_AND_EXIT], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    data_dir, pid = result.stdout.split()
    assert pid.isdigit()  # the server did run
    assert not Path(data_dir).exists()
    leftovers = _postgres_processes_using(data_dir)
    for process in leftovers:  # do not leave a server behind even when the test fails
        process.kill()
    assert leftovers == []
    assert not psutil.pid_exists(int(pid)) or psutil.Process(int(pid)).status() == psutil.STATUS_ZOMBIE
