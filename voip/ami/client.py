"""Blocking AMI client over one TCP socket, built on the sans-IO core in :mod:`.protocol`.

Every socket operation has a deadline, so no call can hang: connect uses
``connect_timeout``, each action ``action_timeout`` (or its own ``timeout=``).

Messages that arrive while we wait for something else are never dropped: events go to an
internal queue (see :meth:`AMIClient.wait_for_event` and :meth:`AMIClient.pop_events`),
responses to ActionIDs nobody waits for any more (after a timeout) are discarded.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType

from .connection import AMIConnection, ConnectionState, Event, ListComplete, Output, Response
from .errors import AMIConnectionClosed, AMITimeoutError, connect_failure
from .protocol import EventListResult, Message
from .session import ActionIdGenerator, AuthMethod, Headers, command_output, events_header, raise_for_response

__all__ = ["AMIClient", "ActionIdGenerator", "AuthMethod", "Headers", "events_header", "raise_for_response"]

logger = logging.getLogger(__name__)

MAX_QUEUED_EVENTS = 100_000
_RECV_SIZE = 65536


class AMIClient:
    """Synchronous AMI client; use as a context manager or call :meth:`connect`/:meth:`close`."""

    def __init__(
        self,
        host: str,
        port: int = 5038,
        username: str = "",
        secret: str = "",
        *,
        connect_timeout: float = 5.0,
        action_timeout: float = 10.0,
        events: str | bool = False,
        auth: AuthMethod = "plain",
    ) -> None:
        if auth not in ("plain", "md5"):
            raise ValueError(f"auth must be 'plain' or 'md5', not {auth!r}")
        self.host = host
        self.port = int(port)
        self.username = username
        self.secret = secret
        self.connect_timeout = connect_timeout
        self.action_timeout = action_timeout
        self.events = events
        self.auth = auth
        self.ami_version: str | None = None
        self.greeting: str | None = None
        self._socket: socket.socket | None = None
        self._next_action_id = ActionIdGenerator()
        self._connection = self._new_connection()
        self._responses: dict[str, Message] = {}
        self._lists: dict[str, EventListResult] = {}
        self._events: deque[Message] = deque(maxlen=MAX_QUEUED_EVENTS)

    def _new_connection(self) -> AMIConnection:
        return AMIConnection(
            username=self.username,
            secret=self.secret,
            events=self.events,
            auth=self.auth,
            host=self.host,
            port=self.port,
            action_ids=self._next_action_id,
        )

    # -- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> AMIClient:
        if self._socket is None:
            self.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._socket is not None and self._connection.state is ConnectionState.READY

    def connect(self) -> AMIClient:
        """Open the socket, read the greeting and log in (plain or MD5 challenge)."""
        if self._socket is not None:
            self._drop_socket()  # connect() again means a fresh session
        deadline = time.monotonic() + self.connect_timeout
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:  # TimeoutError included
            raise connect_failure(exc, self.host, self.port, self.connect_timeout) from None
        self._socket = sock
        self._connection = self._new_connection()
        self._responses.clear()
        self._lists.clear()
        try:
            while self._connection.state is not ConnectionState.READY:
                self._receive(deadline, self._connection.waiting_for)
        except BaseException:
            self._drop_socket()  # Asterisk closes after a failed login anyway
            raise
        self.greeting = self._connection.greeting
        self.ami_version = self._connection.ami_version
        return self

    def close(self) -> None:
        """Send Logoff (politely, ignoring every error) and close the socket."""
        if self._socket is None:
            return
        if self._connection.state is ConnectionState.READY:
            try:
                action_id = self._connection.logoff()
                self._await_response(action_id, time.monotonic() + min(self.action_timeout, 2.0), "the Logoff response")
            except Exception:  # closing must never fail
                logger.debug("AMI Logoff to %s:%s failed", self.host, self.port, exc_info=True)
        self._drop_socket()

    def _drop_socket(self) -> None:
        sock, self._socket = self._socket, None
        self._connection.connection_closed()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    # -- I/O ----------------------------------------------------------------------------
    def _require_socket(self) -> socket.socket:
        if self._socket is None:
            raise AMIConnectionClosed(self.host, self.port, "not connected")
        return self._socket

    def _flush(self, deadline: float) -> None:
        data = self._connection.data_to_send()
        if not data:
            return
        sock = self._require_socket()
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            sock.sendall(data)
        except TimeoutError:
            raise AMITimeoutError(self.host, self.port, "timed out sending an action") from None
        except OSError as exc:
            self._drop_socket()
            raise AMIConnectionClosed(self.host, self.port, f"connection lost while sending: {exc}") from None

    def _receive(self, deadline: float, waiting_for: str) -> None:
        """Send what is queued, read once from the socket and route what arrived."""
        self._flush(deadline)
        sock = self._require_socket()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AMITimeoutError(self.host, self.port, f"timed out waiting for {waiting_for}")
        sock.settimeout(remaining)
        try:
            data = sock.recv(_RECV_SIZE)
        except TimeoutError:
            raise AMITimeoutError(self.host, self.port, f"timed out waiting for {waiting_for}") from None
        except OSError as exc:
            self._drop_socket()
            raise AMIConnectionClosed(
                self.host, self.port, f"connection lost waiting for {waiting_for}: {exc}"
            ) from None
        if not data:
            self._drop_socket()
            raise AMIConnectionClosed(
                self.host, self.port, f"connection closed by Asterisk while waiting for {waiting_for}"
            )
        for output in self._connection.receive_data(data):
            self._keep(output)
        self._flush(deadline)  # login steps queued by what just arrived

    def _keep(self, output: Output) -> None:
        if isinstance(output, Response):
            self._responses[output.action_id] = output.message
        elif isinstance(output, ListComplete):
            self._lists[output.action_id] = output.result
        elif isinstance(output, Event):
            self._events.append(output.message)

    def _await_response(self, action_id: str, deadline: float, waiting_for: str) -> Message:
        try:
            while action_id not in self._responses:
                self._receive(deadline, waiting_for)
        finally:
            if action_id not in self._responses:
                self._connection.forget(action_id)
        return self._responses.pop(action_id)

    def _deadline(self, timeout: float | None) -> float:
        return time.monotonic() + (self.action_timeout if timeout is None else timeout)

    def _connection_ready(self) -> AMIConnection:
        self._require_socket()
        return self._connection

    # -- public API ---------------------------------------------------------------------
    def send_action(
        self,
        action: str,
        headers: Headers = None,
        *,
        raise_on_error: bool = True,
        timeout: float | None = None,
        action_id: str | None = None,
    ) -> Message:
        """Send an action, return its response; events arriving meanwhile are queued.

        ``action_id`` lets a caller pick the ActionID beforehand (e.g. to record it before the
        action's events can arrive); by default the client generates a unique one.
        """
        deadline = self._deadline(timeout)
        sent_id = self._connection_ready().send_action(action, headers, action_id=action_id)
        response = self._await_response(sent_id, deadline, f"the {action} response")
        return raise_for_response(action, response) if raise_on_error else response

    def send_list_action(
        self,
        action: str,
        headers: Headers = None,
        *,
        raise_on_error: bool = True,
        timeout: float | None = None,
    ) -> EventListResult:
        """Send a list action (PJSIPShowEndpoints, CoreShowChannels ...), collect the whole list."""
        deadline = self._deadline(timeout)
        action_id = self._connection_ready().send_list_action(action, headers)
        try:
            while action_id not in self._lists:
                self._receive(deadline, f"the {action} list")
        finally:
            if action_id not in self._lists:
                self._connection.forget(action_id)
        result = self._lists.pop(action_id)
        if raise_on_error:
            raise_for_response(action, result.response)
        return result

    def command(self, cli: str, *, timeout: float | None = None) -> str:
        """Run a CLI command; return its ``Output:`` lines joined with newlines."""
        return command_output(self.send_action("Command", [("Command", cli)], raise_on_error=False, timeout=timeout))

    def ping(self, *, timeout: float | None = None) -> Message:
        return self.send_action("Ping", timeout=timeout)

    def wait_for_event(self, predicate: Callable[[Message], bool], timeout: float | None = None) -> Message:
        """Return (and remove) the first queued or incoming event matching ``predicate``."""
        deadline = self._deadline(timeout)
        while True:
            for position, event in enumerate(self._events):
                if predicate(event):
                    del self._events[position]
                    return event
            self._receive(deadline, "an event")

    def pop_events(self) -> list[Message]:
        """Every event queued so far (oldest first); empties the queue."""
        events = list(self._events)
        self._events.clear()
        return events

    def poll_events(self, timeout: float = 0.0) -> list[Message]:
        """Read whatever arrives within ``timeout`` seconds and return all queued events."""
        deadline = time.monotonic() + timeout
        with contextlib.suppress(AMITimeoutError):
            while time.monotonic() < deadline:
                self._receive(deadline, "events")
        return self.pop_events()
