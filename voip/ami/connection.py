"""The state of one manager session, without I/O (as ``h11.Connection`` is for HTTP/1.1).

:class:`AMIConnection` owns everything about a session except the socket: it parses what
Asterisk sends, sequences the login (greeting, optional MD5 ``Challenge``, ``Login``, ``Filter``
actions), numbers actions with unique ActionIDs, correlates responses with them, collects event
lists (``EventList: start`` ... ``...Complete``) and routes everything else as events. The
blocking client (:mod:`.client`) and the asyncio client (:mod:`.aio`) only move bytes::

    connection = AMIConnection(username="crm", secret="...", events="call")
    outputs = connection.receive_data(sock.recv(65536))  # -> [LoggedIn(), Response(...), Event(...)]
    sock.sendall(connection.data_to_send())  # login actions, then what send_action() queued

Responses to ActionIDs nobody waits for any more (:meth:`AMIConnection.forget`, after a timeout)
are dropped here, so a late answer can never be taken for another action's.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from .errors import AMIConnectionClosed
from .protocol import AMIParser, EventListCollector, EventListResult, Message, serialize_action
from .session import (
    CHALLENGE_HEADERS,
    ActionIdGenerator,
    AuthMethod,
    Headers,
    events_header,
    login_headers,
    md5_key_from_challenge,
    raise_for_login,
    raise_for_response,
)

__all__ = [
    "AMIConnection",
    "ConnectionState",
    "Event",
    "ListComplete",
    "LoggedIn",
    "Output",
    "Response",
]

logger = logging.getLogger(__name__)


class ConnectionState(enum.Enum):
    GREETING = "greeting"  # connected, waiting for "Asterisk Call Manager/x.y.z"
    LOGGING_IN = "logging in"  # Challenge / Login / Filter actions in flight
    READY = "ready"  # logged in: actions may be sent
    CLOSED = "closed"  # Logoff sent, or the transport is gone


@dataclass(frozen=True)
class LoggedIn:
    """The login sequence (and the Filter actions) succeeded."""

    greeting: str | None
    ami_version: str | None


@dataclass(frozen=True)
class Response:
    """The response to an action sent with :meth:`AMIConnection.send_action`."""

    action_id: str
    action: str
    message: Message


@dataclass(frozen=True)
class ListComplete:
    """A whole event list, for an action sent with :meth:`AMIConnection.send_list_action`."""

    action_id: str
    action: str
    result: EventListResult


@dataclass(frozen=True)
class Event:
    """An event nobody asked for by ActionID (including ``OriginateResponse``, transcript
    13-originate-failures-noanswer-busy-sync.txt)."""

    message: Message


Output = LoggedIn | Response | ListComplete | Event


class AMIConnection:
    """One manager session's protocol state; see the module docstring."""

    def __init__(
        self,
        *,
        username: str,
        secret: str,
        events: str | bool = False,
        auth: AuthMethod = "plain",
        event_filters: tuple[str, ...] | list[str] = (),
        host: str = "",
        port: int = 0,
        action_ids: ActionIdGenerator | None = None,
        parser: AMIParser | None = None,
    ) -> None:
        if auth not in ("plain", "md5"):
            raise ValueError(f"auth must be 'plain' or 'md5', not {auth!r}")
        self.username = username
        self._secret = secret
        self.events = events_header(events)
        self.auth = auth
        self.event_filters = tuple(event_filters)
        # Only for the exceptions' text: which server refused.
        self.host = host
        self.port = port
        self.state = ConnectionState.GREETING
        self._parser = parser or AMIParser()
        self._next_action_id = action_ids or ActionIdGenerator()
        self._outgoing = bytearray()
        self._responses: dict[str, str] = {}  # ActionID -> action name, awaiting a response
        self._lists: dict[str, tuple[str, EventListCollector]] = {}
        self._login_steps: dict[str, str] = {}  # ActionID -> Challenge / Login / Filter

    # -- what the I/O layer asks --------------------------------------------------------
    @property
    def greeting(self) -> str | None:
        return self._parser.greeting

    @property
    def ami_version(self) -> str | None:
        return self._parser.ami_version

    @property
    def waiting_for(self) -> str:
        """What the login is waiting for, in words for a timeout message."""
        if self.state is ConnectionState.GREETING:
            return "the AMI greeting"
        if self._login_steps:
            return f"the {next(iter(self._login_steps.values()))} response"
        return "the login"

    def data_to_send(self) -> bytes:
        """Every byte queued since the last call (login actions included)."""
        data = bytes(self._outgoing)
        self._outgoing.clear()
        return data

    def receive_data(self, data: bytes) -> list[Output]:
        """Feed received bytes; return what they mean, in wire order.

        Raises :class:`~voip.ami.errors.AMIAuthenticationError` for a refused login,
        :class:`~voip.ami.errors.AMIActionError` for a refused ``Filter`` and
        :class:`~voip.ami.errors.AMIProtocolError` for bytes that cannot be AMI.
        """
        outputs: list[Output] = []
        had_greeting = self._parser.greeting is not None
        messages = self._parser.feed(data)
        if not had_greeting and self._parser.greeting is not None and self.state is ConnectionState.GREETING:
            self._start_login()
        for message in messages:
            self._route(message, outputs)
        return outputs

    def connection_closed(self) -> None:
        """The transport is gone: nothing more will be answered."""
        self.state = ConnectionState.CLOSED
        self._responses.clear()
        self._lists.clear()
        self._login_steps.clear()

    # -- what the application asks ------------------------------------------------------
    def send_action(self, action: str, headers: Headers = None, *, action_id: str | None = None) -> str:
        """Queue an action; its response comes back as :class:`Response`. Returns the ActionID."""
        self._require_ready()
        action_id = self._queue(action, headers, action_id)
        self._responses[action_id] = action
        return action_id

    def send_list_action(self, action: str, headers: Headers = None, *, action_id: str | None = None) -> str:
        """Queue a list action; the whole list comes back as one :class:`ListComplete`."""
        self._require_ready()
        action_id = self._queue(action, headers, action_id)
        self._lists[action_id] = (action, EventListCollector(action_id))
        return action_id

    def logoff(self) -> str:
        """Queue ``Logoff``; its response (``Goodbye``) is still delivered. No action after it."""
        action_id = self.send_action("Logoff")
        self.state = ConnectionState.CLOSED
        return action_id

    def forget(self, action_id: str) -> None:
        """Nobody waits for ``action_id`` any more (a timeout): drop its answer when it comes."""
        self._responses.pop(action_id, None)
        self._lists.pop(action_id, None)

    # -- internals ----------------------------------------------------------------------
    def _require_ready(self) -> None:
        if self.state is not ConnectionState.READY:
            raise AMIConnectionClosed(self.host, self.port, f"not logged in ({self.state.value})")

    def _queue(self, action: str, headers: Headers, action_id: str | None) -> str:
        action_id = action_id or self._next_action_id()
        # Serialise first: a refused value (CR/LF ...) leaves nothing half-queued.
        self._outgoing += serialize_action(action, headers, action_id)
        return action_id

    def _login_step(self, action: str, headers: Headers) -> None:
        self._login_steps[self._queue(action, headers, None)] = action

    def _start_login(self) -> None:
        self.state = ConnectionState.LOGGING_IN
        if self.auth == "md5":
            self._login_step("Challenge", CHALLENGE_HEADERS)
        else:
            self._login_step("Login", login_headers(self.username, self._secret, self.events))

    def _login_response(self, step: str, message: Message, outputs: list[Output]) -> None:
        if step == "Challenge":
            key = md5_key_from_challenge(message, self._secret, self.host, self.port)
            self._login_step("Login", login_headers(self.username, self._secret, self.events, key))
            return
        if step == "Login":
            raise_for_login(message, self.username, self.host, self.port)
            for expression in self.event_filters:
                self._login_step("Filter", [("Operation", "Add"), ("Filter", expression)])
        else:
            raise_for_response("Filter", message)
        if not self._login_steps:
            self.state = ConnectionState.READY
            outputs.append(LoggedIn(self.greeting, self.ami_version))

    def _route(self, message: Message, outputs: list[Output]) -> None:
        action_id = message.action_id
        if action_id is not None:
            listing = self._lists.get(action_id)
            # Items before the list's response would be a protocol violation: route them as events.
            if listing is not None and (listing[1].response is not None or message.is_response):
                action, collector = listing
                if collector.add(message):
                    del self._lists[action_id]
                    outputs.append(ListComplete(action_id, action, collector.result()))
                return
            if message.is_response:
                step = self._login_steps.pop(action_id, None)
                if step is not None:
                    self._login_response(step, message, outputs)
                    return
                action_name = self._responses.pop(action_id, None)
                if action_name is not None:
                    outputs.append(Response(action_id, action_name, message))
                else:
                    logger.debug("AMI %s:%s: dropping a response nobody waits for: %r", self.host, self.port, message)
                return
        if message.is_event:
            outputs.append(Event(message))
        else:
            logger.debug("AMI %s:%s: dropping an unsolicited response: %r", self.host, self.port, message)

    def __repr__(self) -> str:
        return f"<AMIConnection {self.username}@{self.host}:{self.port} {self.state.value}>"
