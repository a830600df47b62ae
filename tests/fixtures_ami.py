"""Pytest plugin with fake-AMI-server fixtures (``pytest_plugins = ['tests.fixtures_ami']``).

Fixtures:

* ``fake_ami`` -> :class:`FakeAMIHandle` with ``host``, ``port``, ``server`` (a
  :class:`tests.ami.fake_server.FakeAMIServer` running in a background thread), ``username``
  / ``secret`` of the admin user and ``ami_options()`` giving settings-style OPTIONS for
  ``AsteriskRealtimeAPI``. Usable from sync tests, Django views and live-server tests.
* ``async_fake_ami`` -> a started :class:`FakeAMIServer` on the test's own event loop
  (async tests; ``await server.push_events(...)``).
* ``fake_ami_factory`` -> ``make(**FakeAMIServer kwargs)`` for servers with special behaviour
  (silent actions, other users ...), each started in a thread and stopped after the test.

Every fixture skips the test only when ``../shared/asterisk/ami`` (the recorded bytes the
server replays) is absent; in CI it is present.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.ami.transcripts import TRANSCRIPT_DIR, transcripts_available

ADMIN_USER = "admin"


def _require_transcripts() -> None:
    if not transcripts_available():
        pytest.skip(f"{TRANSCRIPT_DIR} (recorded Asterisk bytes the fake AMI server replays) is absent")


@dataclass
class FakeAMIHandle:
    server: Any  # FakeAMIServer (imported lazily so collection works without ../shared)

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def username(self) -> str:
        return ADMIN_USER

    @property
    def secret(self) -> str:
        return self.server.users[ADMIN_USER].secret

    def ami_options(self, **overrides: Any) -> dict[str, Any]:
        """OPTIONS as in settings.VOIP for ``AsteriskRealtimeAPI`` pointing at this server."""
        options: dict[str, Any] = {
            "AMI_HOST": self.host,
            "AMI_PORT": self.port,
            "AMI_USERNAME": self.username,
            "AMI_SECRET": self.secret,
            "AMI_CONNECT_TIMEOUT": 2.0,
            "AMI_ACTION_TIMEOUT": 2.0,
            "AMI_AUTH": "plain",
            "CONTEXT": "from-internal",
        }
        options.update(overrides)
        return options


@pytest.fixture
def fake_ami_factory() -> Iterator[Callable[..., FakeAMIHandle]]:
    _require_transcripts()
    from tests.ami.fake_server import FakeAMIServer

    started: list[Any] = []

    def make(**kwargs: Any) -> FakeAMIHandle:
        server = FakeAMIServer(**kwargs).start_in_thread()
        started.append(server)
        return FakeAMIHandle(server)

    yield make
    for server in started:
        server.stop_thread()


@pytest.fixture
def fake_ami(fake_ami_factory: Callable[..., FakeAMIHandle]) -> FakeAMIHandle:
    return fake_ami_factory()


@pytest_asyncio.fixture
async def async_fake_ami() -> AsyncIterator[Any]:
    _require_transcripts()
    from tests.ami.fake_server import FakeAMIServer

    server = FakeAMIServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
