"""What a manager session's actions mean, shared by the blocking and the asyncio client.

Sans-IO like :mod:`.protocol`: these functions build the headers of the login sequence and turn
Asterisk's responses into values or exceptions; the clients only move the bytes.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from .errors import AMIActionError, AMIAuthenticationError, AMIPermissionDenied
from .protocol import Message, challenge_key

__all__ = [
    "ActionIdGenerator",
    "AuthMethod",
    "Headers",
    "command_output",
    "events_header",
    "login_headers",
    "md5_key_from_challenge",
    "raise_for_login",
    "raise_for_response",
]

AuthMethod = Literal["plain", "md5"]
Headers = Mapping[str, Any] | Iterable[tuple[str, Any]] | None
CHALLENGE_HEADERS: list[tuple[str, Any]] = [("AuthType", "MD5")]


class ActionIdGenerator:
    """``<random prefix>-<n>``: unique per client and across processes sharing one Asterisk."""

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix or f"dar-{uuid.uuid4().hex[:12]}"
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self.prefix}-{next(self._counter)}"


def events_header(events: str | bool) -> str:
    """Value of the Login ``Events:`` header: True -> ``on``, False -> ``off``, str as given."""
    if events is True:
        return "on"
    if events is False:
        return "off"
    return events


def raise_for_response(action: str, response: Message) -> Message:
    """Raise :class:`AMIActionError` (or :class:`AMIPermissionDenied`) for an error response."""
    if response.is_error:
        text = (response.message or "").strip()
        if text.lower() == "permission denied":
            raise AMIPermissionDenied(action, text, response)
        raise AMIActionError(action, text, response)
    return response


def md5_key_from_challenge(challenge: Message, secret: str, host: str, port: int) -> str:
    """The ``Key:`` for an MD5 login, from the reply to ``Action: Challenge`` (transcript
    18-restricted-user-permission-denied-md5-challenge.txt)."""
    if challenge.is_error or not challenge.get("Challenge"):
        reason = f"MD5 challenge refused: {(challenge.message or '').strip()}"
        raise AMIAuthenticationError(host, port, reason, response=challenge)
    return challenge_key(challenge["Challenge"], secret)


def login_headers(username: str, secret: str, events: str | bool, md5_key: str | None = None) -> list[tuple[str, Any]]:
    """Headers of ``Action: Login``: the secret itself, or the MD5 key when a challenge was used."""
    headers: list[tuple[str, Any]] = [("Username", username)]
    if md5_key is not None:
        headers += [("AuthType", "MD5"), ("Key", md5_key)]
    else:
        headers.append(("Secret", secret))
    headers.append(("Events", events_header(events)))
    return headers


def raise_for_login(response: Message, username: str, host: str, port: int) -> None:
    """A refused login (``Authentication failed``; Asterisk then closes the connection, transcript
    10-failed-login.txt)."""
    if response.is_error:
        reason = f"login as {username!r} refused: {(response.message or '').strip()}"
        raise AMIAuthenticationError(host, port, reason, response=response)


def command_output(response: Message) -> str:
    """The CLI output of an ``Action: Command`` reply: its ``Output:`` lines (Asterisk 14+)."""
    output = "\n".join(response.getall("Output"))
    if response.is_error:
        message = (response.message or "").strip()
        if message.lower() == "permission denied":
            raise AMIPermissionDenied("Command", "Permission denied", response)
        # A CLI error still says "Command output follows"; the output is the reason.
        raise AMIActionError("Command", output or message, response)
    return output
