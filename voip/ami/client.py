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

from .errors import AMIConnectionClosed, AMIConnectionError, AMITimeoutError
from .protocol import AMIParser, EventListCollector, EventListResult, Message, serialize_action
from .session import (
    CHALLENGE_HEADERS,
    ActionIdGenerator,
    AuthMethod,
    Headers,
    command_output,
    events_header,
    login_headers,
    md5_key_from_challenge,
    raise_for_login,
    raise_for_response,
)

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
        self._parser = AMIParser()
        self._inbox: deque[Message] = deque()
        self._events: deque[Message] = deque(maxlen=MAX_QUEUED_EVENTS)
        self._next_action_id = ActionIdGenerator()
        self._logged_in = False

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
        return self._socket is not None and self._logged_in

    def connect(self) -> AMIClient:
        """Open the socket, read the greeting and log in (plain or MD5 challenge)."""
        if self._socket is not None:
            self._drop_socket()  # connect() again means a fresh session
        deadline = time.monotonic() + self.connect_timeout
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except ConnectionRefusedError:
            raise AMIConnectionError(self.host, self.port, "connection refused") from None
        except TimeoutError:
            raise AMITimeoutError(self.host, self.port, f"no TCP connection within {self.connect_timeout:g}s") from None
        except OSError as exc:
            raise AMIConnectionError(self.host, self.port, f"cannot connect: {exc.strerror or exc}") from None
        self._socket = sock
        self._parser = AMIParser()
        self._inbox.clear()
        try:
            self._read_greeting(deadline)
            self._login(deadline)
        except BaseException:
            self._drop_socket()
            raise
        return self

    def _read_greeting(self, deadline: float) -> None:
        while self._parser.greeting is None:
            self._receive(deadline, "the AMI greeting")
        self.greeting = self._parser.greeting
        self.ami_version = self._parser.ami_version

    def _login(self, deadline: float) -> None:
        md5_key = None
        if self.auth == "md5":
            challenge = self._request("Challenge", CHALLENGE_HEADERS, deadline)
            md5_key = md5_key_from_challenge(challenge, self.secret, self.host, self.port)
        response = self._request("Login", login_headers(self.username, self.secret, self.events, md5_key), deadline)
        if response.is_error:
            self._drop_socket()  # Asterisk closes after a failed login anyway
        raise_for_login(response, self.username, self.host, self.port)
        self._logged_in = True

    def close(self) -> None:
        """Send Logoff (politely, ignoring every error) and close the socket."""
        if self._socket is None:
            return
        if self._logged_in:
            try:
                self._request("Logoff", None, time.monotonic() + min(self.action_timeout, 2.0))
            except Exception:  # closing must never fail
                logger.debug("AMI Logoff to %s:%s failed", self.host, self.port, exc_info=True)
        self._drop_socket()

    def _drop_socket(self) -> None:
        sock, self._socket = self._socket, None
        self._logged_in = False
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    # -- I/O ----------------------------------------------------------------------------
    def _require_socket(self) -> socket.socket:
        if self._socket is None:
            raise AMIConnectionClosed(self.host, self.port, "not connected")
        return self._socket

    def _send(self, data: bytes, deadline: float) -> None:
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
        """Read once from the socket into the parser; raise on timeout or EOF."""
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
        self._inbox.extend(self._parser.feed(data))

    def _next_message(self, deadline: float, waiting_for: str) -> Message:
        while not self._inbox:
            self._receive(deadline, waiting_for)
        return self._inbox.popleft()

    def _request(self, action: str, headers: Headers, deadline: float, action_id: str | None = None) -> Message:
        """Send one action and return its response (no error mapping)."""
        action_id = action_id or self._next_action_id()
        self._send(serialize_action(action, headers, action_id), deadline)
        while True:
            message = self._next_message(deadline, f"the {action} response")
            if message.is_response and message.action_id == action_id:
                return message
            self._keep_unsolicited(message)

    def _keep_unsolicited(self, message: Message) -> None:
        if message.is_event:
            self._events.append(message)
        else:
            logger.debug("AMI %s:%s: dropping response nobody waits for: %r", self.host, self.port, message)

    def _deadline(self, timeout: float | None) -> float:
        return time.monotonic() + (self.action_timeout if timeout is None else timeout)

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
        response = self._request(action, headers, self._deadline(timeout), action_id)
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
        action_id = self._next_action_id()
        self._send(serialize_action(action, headers, action_id), deadline)
        collector = EventListCollector(action_id)
        while not collector.done:
            message = self._next_message(deadline, f"the {action} list")
            if collector.accepts(message) and (collector.response is not None or message.is_response):
                collector.add(message)
            else:
                self._keep_unsolicited(message)
        result = collector.result()
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
        for position, event in enumerate(self._events):
            if predicate(event):
                del self._events[position]
                return event
        deadline = self._deadline(timeout)
        while True:
            message = self._next_message(deadline, "an event")
            if message.is_event and predicate(message):
                return message
            self._keep_unsolicited(message)

    def pop_events(self) -> list[Message]:
        """Every event queued so far (oldest first); empties the queue."""
        events = list(self._events)
        self._events.clear()
        return events

    def poll_events(self, timeout: float = 0.0) -> list[Message]:
        """Read whatever arrives within ``timeout`` seconds and return all queued events."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                while self._inbox:
                    self._keep_unsolicited(self._inbox.popleft())
                if time.monotonic() >= deadline:
                    break
                self._receive(deadline, "events")
        except AMITimeoutError:
            pass
        return self.pop_events()
