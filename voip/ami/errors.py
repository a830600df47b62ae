"""Exceptions raised by the AMI protocol core, the clients and the Asterisk backend.

Hierarchy::

    AMIError
    ├── AMIProtocolError            bytes from the server that cannot be AMI
    ├── AMIInjectionError           (also ValueError) an action we refuse to serialise
    ├── AMIConnectionError          host, port, reason
    │   ├── AMIAuthenticationError  Asterisk answered "Authentication failed" (and closes)
    │   ├── AMITimeoutError         connect/read/action timed out
    │   └── AMIConnectionClosed     Asterisk closed the socket (EOF)
    └── AMIActionError              Asterisk answered ``Response: Error`` (message, response)
        └── AMIPermissionDenied     ... with ``Message: Permission denied``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .protocol import Message

__all__ = [
    "AMIActionError",
    "AMIAuthenticationError",
    "AMIConnectionClosed",
    "AMIConnectionError",
    "AMIError",
    "AMIInjectionError",
    "AMIPermissionDenied",
    "AMIProtocolError",
    "AMITimeoutError",
]


class AMIError(Exception):
    """Base class of every error raised by :mod:`voip.ami`."""


class AMIProtocolError(AMIError):
    """The peer sent bytes that cannot be parsed as AMI (e.g. an endless line)."""


class AMIInjectionError(AMIError, ValueError):
    """An action was refused before serialisation.

    Raised for CR/LF/NUL in a key or value, empty or non-token keys, lines longer than
    Asterisk's 1,024-byte input buffer and actions with more than 128 headers. Each of
    these would make Asterisk split, drop or truncate the action, i.e. run something else
    than what the caller asked for.
    """


class AMIConnectionError(AMIError):
    """The TCP connection to Asterisk failed; says which host, port and why."""

    def __init__(self, host: str, port: int, reason: str, *, response: Message | None = None) -> None:
        self.host = host
        self.port = port
        self.reason = reason
        self.response = response
        super().__init__(f"AMI {host}:{port}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_connection_error, (type(self), self.host, self.port, self.reason))


def _rebuild_connection_error(cls: type[AMIConnectionError], host: str, port: int, reason: str) -> AMIConnectionError:
    return cls(host, port, reason)


class AMIAuthenticationError(AMIConnectionError):
    """Login refused (``Message: Authentication failed``); Asterisk closes the socket after it."""


class AMITimeoutError(AMIConnectionError):
    """Connecting, reading the greeting or waiting for a response/event took too long."""


class AMIConnectionClosed(AMIConnectionError):
    """Asterisk closed the connection (EOF) while we still expected data."""


class AMIActionError(AMIError):
    """Asterisk answered an action with ``Response: Error`` (or ``Failure``).

    ``message`` is Asterisk's own ``Message:`` text, stripped of the stray bare LF that some
    PJSIP errors carry (transcripts 20-listings-during-call-channels-endpoint-contacts-devicestate.txt and
    22-pjsipqualify-with-concurrent-listener.txt); ``response`` is the full :class:`Message`.
    """

    def __init__(self, action: str, message: str, response: Message | None = None) -> None:
        self.action = action
        self.message = message
        self.response = response
        super().__init__(f"{action}: {message}" if action else message)


class AMIPermissionDenied(AMIActionError):
    """``Message: Permission denied``: the AMI user lacks the write class for this action."""


def connect_failure(exc: OSError, host: str, port: int, timeout: float) -> AMIConnectionError:
    """The AMI error for a failed TCP connect, the same for the blocking and the asyncio client."""
    if isinstance(exc, ConnectionRefusedError):
        return AMIConnectionError(host, port, "connection refused")
    if isinstance(exc, TimeoutError):
        return AMITimeoutError(host, port, f"no TCP connection within {timeout:g}s")
    return AMIConnectionError(host, port, f"cannot connect: {exc.strerror or exc}")
