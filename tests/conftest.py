"""Shared fixtures. Database selection for the whole run lives in config/test_database.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Fake AMI server fixtures (fake_ami, async_fake_ami, fake_ami_factory) and the browser fixtures (Chromium,
# Daphne) for every test folder: the browser tests and the real-Asterisk tests share one Daphne.
pytest_plugins = ["tests.fixtures_ami", "tests.fixtures_browser"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
ASTERISK_FACTS_DIR = SHARED_DIR / "asterisk"


def pytest_sessionstart(session: pytest.Session) -> None:
    # A user's clone may lack ../shared and then skips the tests built on it; CI must run them.
    if os.environ.get("CI") and not ASTERISK_FACTS_DIR.is_dir():
        raise pytest.UsageError(f"CI is set but {ASTERISK_FACTS_DIR} is missing: the Asterisk fact tests must run")


@pytest.fixture(scope="session")
def asterisk_facts_dir() -> Path:
    """../shared/asterisk: facts recorded from a real Asterisk. CI always has it; a user's clone may not."""
    if not ASTERISK_FACTS_DIR.is_dir():
        pytest.skip("../shared/asterisk is not beside this checkout (only CI and developers have it)")
    return ASTERISK_FACTS_DIR


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Close every connection before the test databases are dropped.

    In Option A the ``asterisk`` alias is a second connection to the same test database, and
    PostgreSQL refuses to drop a database somebody is still connected to.
    """
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            connection.close()


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nobody listens on (connecting is refused at once)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def asterisk_at(settings):
    """Point settings.VOIP's Asterisk entry at other AMI options."""

    def point(options: dict) -> None:
        entry = dict(settings.VOIP[0])
        entry["OPTIONS"] = {**entry["OPTIONS"], **options}
        settings.VOIP = [entry, *settings.VOIP[1:]]

    return point
