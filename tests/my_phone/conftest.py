from __future__ import annotations

import socket

import pytest

from tests.fixtures_ami import fake_ami, fake_ami_factory

__all__ = ["asterisk_at", "closed_port", "fake_ami", "fake_ami_factory"]


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nobody listens on (connecting is refused at once)."""
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
