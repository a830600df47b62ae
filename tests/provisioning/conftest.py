"""Fixtures for the provisioning tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model


def _databases() -> list[str]:
    """Aliases the tests touch: both, except Option A on SQLite where provisioning uses ``default`` only.

    (Two SQLite connections to one test database lock each other out: a test that writes through
    ``default`` fails at teardown when ``asterisk`` is also in play; see voip.provisioning.conf.)
    """
    from voip.realtime.router import realtime_db_alias

    return ["default"] if realtime_db_alias() == "default" else ["default", "asterisk"]


DATABASES = _databases()


@pytest.fixture
def provisioning(settings: Any) -> Callable[..., dict]:
    """``provisioning(KEY=value, ...)`` overrides entries of settings.VOIP_PROVISIONING for one test."""

    def override(**values: Any) -> dict:
        settings.VOIP_PROVISIONING = {**settings.VOIP_PROVISIONING, **values}
        return settings.VOIP_PROVISIONING

    return override


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    counter = iter(range(1, 1_000_000))

    def make(username: str | None = None, **fields: Any) -> Any:
        username = username or f"user{next(counter)}"
        fields.setdefault("is_active", True)
        return get_user_model().objects.create(username=username, **fields)

    return make


@pytest.fixture
def ami_at(settings: Any) -> Iterator[Callable[..., None]]:
    """``ami_at(**OPTIONS)`` points settings.VOIP's Asterisk entry at another AMI."""

    def point(**options: Any) -> None:
        entries = []
        for entry in settings.VOIP:
            if entry.get("PROVIDER") == "Asterisk":
                entry = {**entry, "OPTIONS": {**entry["OPTIONS"], **options}}
            entries.append(entry)
        settings.VOIP = entries

    yield point
