"""Fixtures for the trunk tests: the provisioning ones (databases, settings overrides) and a fake
AMI server that also answers with the trunk transcripts recorded in ``tests/ami/transcripts/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.provisioning.conftest import DATABASES, ami_at, provisioning

__all__ = ["DATABASES", "TRUNK_TRANSCRIPTS", "ami_at", "forget_sent", "pbx", "provisioning", "sent"]

TRUNK_TRANSCRIPTS = Path(__file__).resolve().parents[1] / "ami" / "transcripts"
# The AMI actions that change something in Asterisk (listings are not counted).
CHANGING = ("Reload", "PJSIPRegister", "SorceryMemoryCacheExpireObject", "SorceryMemoryCacheExpire", "Command")


def sent(fake_ami: Any) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The changing actions the server received, in the order they arrived (over every connection:
    a reload waits for its event on a connection of its own)."""
    from tests.ami.transcripts import parse_headers, split_messages

    found = []
    for raw in split_messages(bytes(fake_ami.server.received)):
        headers = parse_headers(raw)
        action = next((v for k, v in headers if k.lower() == "action"), "")
        if action in CHANGING:
            found.append((action, tuple((k, v) for k, v in headers if k not in ("Action", "ActionID"))))
    return found


def forget_sent(fake_ami: Any) -> None:
    fake_ami.server.received.clear()


@pytest.fixture
def pbx(fake_ami: Any, ami_at: Callable[..., None], provisioning: Callable[..., dict], monkeypatch: Any) -> Any:
    """The fake AMI server as the project's Asterisk, in the state of ``trunk-01`` (carrier1 registered)."""
    from voip.provisioning import trunk_rows

    provisioning(QUALIFY_FREQUENCY=60)
    ami_at(**fake_ami.ami_options())
    fake_ami.server.replay_transcript(TRUNK_TRANSCRIPTS / "trunk-01-registered-reachable.txt")
    # The auth row of a removed registration waits for the unregistration; not in these tests.
    monkeypatch.setattr(trunk_rows, "UNREGISTER_GRACE", 0.0)
    return fake_ami
