"""README command 1 with an Asterisk configured: `manage.py runserver` runs the AMI event listener
itself (no second command), and a call Asterisk reports becomes a CallLog row.

A real runserver subprocess on a SQLite file, pointed at the fake AMI server; events are the bytes
of transcript 14's click-to-call.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.calls.test_listener_fake_ami import LINKEDID, call_events

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database: Path, fake_ami, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ASTERISK_", "VOIP_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{database}",
        ASTERISK_DATABASE_URL="",
        ASTERISK_DB_NAME="",
        ASTERISK_AMI_HOST=fake_ami.host,
        ASTERISK_AMI_PORT=str(fake_ami.port),
        ASTERISK_AMI_USERNAME=fake_ami.username,
        ASTERISK_AMI_SECRET=fake_ami.secret,
        DEBUG="1",
        **extra,
    )
    return env


def logins(fake_ami) -> int:
    return sum(1 for action in fake_ami.server.actions if action.get("Action") == "Login")


def wait_until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def call_rows(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT linkedid, disposition FROM calls_calllog").fetchall()


@pytest.fixture
def migrated_database(tmp_path, fake_ami) -> Path:
    database = tmp_path / "embedded.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=REPO_ROOT,
        env=server_env(database, fake_ami),
        check=True,
        timeout=300,
    )
    return database


def run_server(database: Path, fake_ami, **extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT,
        env=server_env(database, fake_ami, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, port


def serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def test_runserver_runs_the_listener_and_logs_calls(migrated_database, fake_ami):
    server, _port = run_server(migrated_database, fake_ami)
    try:
        # The listener logs in on its own, with events on, as soon as the server has loaded the app.
        assert wait_until(lambda: logins(fake_ami) >= 1), "runserver never logged in to AMI"
        login = next(action for action in fake_ami.server.actions if action.get("Action") == "Login")
        assert login.get("Events") not in (None, "off")
        before_bridge, after_bridge = call_events()
        assert wait_until(lambda: fake_ami.server.push_events_threadsafe(before_bridge + after_bridge) > 0, 10)
        assert wait_until(lambda: (LINKEDID, "answered") in call_rows(migrated_database)), call_rows(migrated_database)
    finally:
        stop(server)


def test_no_listener_when_switched_off(migrated_database, fake_ami):
    server, port = run_server(migrated_database, fake_ami, VOIP_EMBEDDED_LISTENER="0")
    try:
        assert wait_until(lambda: serves(port)), "runserver did not come up"
        assert logins(fake_ami) == 0
    finally:
        stop(server)
