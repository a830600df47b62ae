"""A fake Asterisk Manager Interface server that replays real Asterisk 22.10.1 bytes.

Every response and event it sends is taken from the recorded transcripts in
``../shared/asterisk/ami`` (via :mod:`tests.ami.transcripts`); only the ``ActionID`` and,
where the scenario needs it, a few identifying headers (``Uniqueid``, ``Channel``,
``Challenge``, ``Module``) are substituted in those real bytes.

Usage (asyncio)::

    server = FakeAMIServer()                     # users admin/crm, see DEFAULT_USERS
    await server.start()                         # binds 127.0.0.1 on a random port
    ... connect to server.host, server.port ...
    await server.push_events(raw_event_bytes)    # to every session whose Events mask matches
    await server.stop()

Usage (threads, for sync code and Django views)::

    server = FakeAMIServer().start_in_thread()
    server.push_events_threadsafe(raw_event_bytes)
    server.stop_thread()

The pytest fixtures ``fake_ami`` (thread) and ``async_fake_ami`` (asyncio) are in
``tests/fixtures_ami.py`` (plugin) and re-exported from ``tests/ami/conftest.py``.

What it records: ``server.received`` (every raw byte received, all sessions), ``server.sessions``
(one :class:`FakeSession` per TCP connection, each with ``received`` bytes, parsed ``actions``
and ``user``) and ``server.actions`` (all parsed actions, in order).

Behaviour, as recorded from the real Asterisk:

* greeting ``Asterisk Call Manager/11.0.0``; ``Login`` plain or with ``AuthType: MD5`` after
  ``Challenge``; a failed login answers ``Authentication failed`` and closes (files 10, 18);
* every action before login answers ``Permission denied`` (file 18); after login, an action
  is allowed when one of its privilege classes (from ListCommands, file 21) overlaps the
  user's ``write`` classes, as in ``main/manager.c``;
* ``Events:`` at login selects which event classes a session receives (``on``/``off``/list);
* ``Originate`` answers ``Originate successfully queued`` and then sends ``OriginateResponse``
  (answered, file 24; failure, no answer, rejected: file 13) to every session whose mask
  includes ``call``; the outcome per channel is ``server.originate_outcomes``; outcome
  ``busy`` replays file 13's busy phone whole, its channel events around the OriginateResponse;
* ``Hangup``, ``MixMonitor``, ``StopMixMonitor`` know the channels created by Originate
  (``server.active_channels``); ``QueueAdd/QueueRemove/QueuePause`` keep queue state
  (``server.queues``, the static member PJSIP/1001 in ``support``);
* everything else (CoreSettings, PJSIPShowEndpoint(s), PJSIPShowContacts, PJSIPQualify,
  ModuleCheck, Command, GetConfig, Reload + ``Event: Reload``, ...) is replayed from the
  recording of the same action with the same parameters, with recorded error replies for
  unknown endpoints/modules/files/commands; unknown actions get Asterisk's own error text.

Another PBX state: ``replay_transcript(path)`` answers the actions of a transcript recorded
elsewhere (``tests/diagnostics/transcripts``) with its bytes.

Fault injection: ``silent_actions`` (never answered), ``send_greeting=False``,
``close_after_login`` (seconds: accepts the login, closes that long after),
``drop_mid_list`` (list actions whose connection is closed after the first item),
``drop_connections()`` and ``restart()`` (listener comes back on the same port).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import re
import secrets
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.ami import transcripts as tr
from voip.ami.protocol import AMIParser, Message, challenge_key

__all__ = ["DEFAULT_USERS", "AMIUser", "FakeAMIServer", "FakeSession", "templates"]

GREETING = b"Asterisk Call Manager/11.0.0\r\n"
T = TypeVar("T")


@dataclass(frozen=True)
class AMIUser:
    secret: str
    read: frozenset[str] = frozenset({"all"})
    write: frozenset[str] = frozenset({"all"})


DEFAULT_USERS: dict[str, AMIUser] = {
    # As in the recording's manager.conf: admin read/write all, crm read/write call only.
    "admin": AMIUser("admin-secret"),
    "crm": AMIUser("crm-secret", read=frozenset({"call"}), write=frozenset({"call"})),
}

# Outcome names -> ActionID of the recorded OriginateResponse that shows it.
ORIGINATE_RECORDINGS = {
    "answered": ("24", "web-orig-7f3a"),  # Response: Success, Reason: 4
    "failure": ("13", "orig-unreg"),  # unregistered endpoint: Failure, Reason: 0
    "noanswer": ("13", "orig-noanswer"),  # rang until Timeout: Failure, Reason: 3
    "rejected": ("13", "orig-reject"),  # callee answered 486: Failure, Reason: 0
}
# Outcomes replayed with the outgoing channel's own events around the OriginateResponse (file 13:
# Newchannel ... HangupRequest Cause 17, DialEnd BUSY, OriginateResponse Reason 0, Hangup).
# Recorded channel name and Uniqueid, replaced by the ones of each Originate.
ORIGINATE_EXCHANGES = {"busy": ("13", "orig-reject", "PJSIP/1005-00000001", "1795815126.3")}

# Events that follow a response without carrying its ActionID (file 17: Event: Reload).
_FOLLOW_EVENTS = {"reload": (b"Event: Reload\r\n",)}
_LIST_ACTIONS_WITH_ITEMS = "EventList: start"


# -- real bytes ------------------------------------------------------------------------


def _replay_key(action: str, params: Iterable[tuple[str, str]]) -> tuple[str, tuple[tuple[str, str], ...]]:
    ignored = {"action", "actionid"}
    return action.lower(), tuple(sorted((key.lower(), value) for key, value in params if key.lower() not in ignored))


@dataclass
class _Templates:
    replay: dict[tuple[str, tuple[tuple[str, str], ...]], list[bytes]]
    privileges: dict[str, frozenset[str]]

    def response(self, message_text: str, prefix: str | None = None) -> bytes:
        """The first recorded response whose ``Message:`` is exactly ``message_text``."""
        return tr.find_message(
            lambda raw: not raw.startswith(b"Event:") and tr.header(raw, "Message") == message_text, prefix
        )

    def with_header(self, key: str, prefix: str | None = None) -> bytes:
        return tr.find_message(lambda raw: not raw.startswith(b"Event:") and tr.header(raw, key) is not None, prefix)

    def event(self, name: str, prefix: str | None = None, action_id: str | None = None) -> bytes:
        return tr.find_message(
            lambda raw: (
                tr.header(raw, "Event") == name and (action_id is None or tr.header(raw, "ActionID") == action_id)
            ),
            prefix,
        )

    def exchange(self, action: str, params: Iterable[tuple[str, str]]) -> list[bytes] | None:
        return self.replay.get(_replay_key(action, params))


@functools.cache
def templates() -> _Templates:
    """Index of the admin sessions' exchanges and the action privileges from ListCommands."""
    replay: dict[tuple[str, tuple[tuple[str, str], ...]], list[bytes]] = {}
    for sessions in tr.load_all().values():
        for session in sessions:
            if session.user != "admin":
                continue
            for sent, received in session.exchanges():
                headers = tr.parse_headers(sent)
                action = next(value for key, value in headers if key.lower() == "action")
                action_id = next((value for key, value in headers if key.lower() == "actionid"), None)
                key = _replay_key(action, headers)
                if action_id is None:
                    continue
                messages = _messages_for(action, action_id, received)
                # Keep the fullest recording (file 17's Reload has its Event: Reload, file 11's not).
                if key not in replay or len(messages) > len(replay[key]):
                    replay[key] = messages
    privileges: dict[str, frozenset[str]] = {}
    listing = next(
        received[0]
        for session in tr.load("21")
        if session.user == "admin"
        for sent, received in session.exchanges()
        if sent.startswith(b"Action: ListCommands")
    )
    for key, value in tr.parse_headers(listing):
        match = re.search(r"\(Priv: ([^)]*)\)\s*$", value)
        if match:
            classes = match.group(1)
            privileges[key.lower()] = frozenset() if classes == "<none>" else frozenset(classes.split(","))
    return _Templates(replay, privileges)


def _messages_for(action: str, action_id: str, received: list[bytes]) -> list[bytes]:
    mine = [raw for raw in received if tr.header(raw, "ActionID") == action_id]
    follow = _FOLLOW_EVENTS.get(action.lower(), ())
    for prefix in follow:
        extra = next((raw for raw in received if raw.startswith(prefix)), None)
        if extra is not None:
            mine.append(extra)
    return mine


def _set_action_id(raw: bytes, action_id: str | None) -> bytes:
    if tr.header(raw, "ActionID") is None:
        return raw
    if action_id is None:  # Asterisk leaves ActionID out when the action had none
        return re.sub(rb"(?i)(^|\r\n)ActionID: [^\r\n]*\r\n", rb"\1", raw, count=1)
    return tr.with_header(raw, "ActionID", action_id)


def _privilege_classes(raw: bytes) -> set[str] | None:
    value = tr.header(raw, "Privilege")
    if value is None:
        return None
    return {item.strip().lower() for item in value.split(",")} - {"all"}


# -- server ----------------------------------------------------------------------------


@dataclass
class FakeSession:
    """One TCP connection to the fake server."""

    number: int
    received: bytearray = field(default_factory=bytearray)
    actions: list[Message] = field(default_factory=list)
    user: str | None = None
    event_classes: frozenset[str] = frozenset()
    challenge: str | None = None
    closed: bool = False
    writer: asyncio.StreamWriter | None = field(default=None, repr=False)
    opened_at: float = field(default_factory=time.monotonic)

    @property
    def logged_in(self) -> bool:
        return self.user is not None

    def wants(self, raw_event: bytes) -> bool:
        if not self.logged_in or self.closed or not self.event_classes:
            return False
        if "all" in self.event_classes:
            return True
        classes = _privilege_classes(raw_event)
        return classes is None or bool(classes & self.event_classes)


class FakeAMIServer:
    """Asyncio fake AMI server; see the module docstring."""

    def __init__(
        self,
        users: dict[str, AMIUser] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        send_greeting: bool = True,
        silent_actions: Iterable[str] = (),
        drop_mid_list: Iterable[str] = (),
        originate_delay: float = 0.02,
        close_after_login: float | None = None,
    ) -> None:
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.host = host
        self.port = port
        self.send_greeting = send_greeting
        self.silent_actions = {name.lower() for name in silent_actions}
        self.drop_mid_list = {name.lower() for name in drop_mid_list}
        self.originate_delay = originate_delay
        self.close_after_login = close_after_login
        self.originate_outcomes: dict[str, str] = {
            "PJSIP/1001": "answered",
            "PJSIP/1003": "answered",
            "PJSIP/1004": "answered",
            "PJSIP/1005": "noanswer",
            "PJSIP/1002": "failure",
        }
        self.queues: dict[str, dict[str, str]] = {"support": {"PJSIP/1001": "static"}}
        self.active_channels: set[str] = set()
        self.mixmonitors: dict[str, str] = {}
        self.sessions: list[FakeSession] = []
        self.received = bytearray()
        self.connections = 0
        self._server: asyncio.base_events.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._channel_numbers = itertools.count(0x20)
        self.templates = templates()
        self.overrides: dict[tuple[str, tuple[tuple[str, str], ...]], list[bytes]] = {}
        self.sorcery_caches: set[str] = set()

    # -- lifecycle --------------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    async def start(self) -> FakeAMIServer:
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self.drop_connections()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    async def restart(self, downtime: float = 0.0) -> None:
        """Close everything, stay down for ``downtime`` seconds, listen again on the same port."""
        await self.stop()
        if downtime:
            await asyncio.sleep(downtime)
        await self.start()

    async def drop_connections(self) -> None:
        """Close every client connection (like an Asterisk crash), keep listening."""
        for session in self.sessions:
            await self._close_session(session)

    async def __aenter__(self) -> FakeAMIServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- thread mode --------------------------------------------------------------------
    def start_in_thread(self) -> FakeAMIServer:
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name=f"fake-ami-{id(self):x}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def call_threadsafe(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the server's loop from another thread and wait for it."""
        if self._loop is None:
            raise RuntimeError("server not started")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def push_events_threadsafe(self, data: bytes) -> int:
        return self.call_threadsafe(self.push_events(data))

    def drop_connections_threadsafe(self) -> None:
        self.call_threadsafe(self.drop_connections())

    def replay_transcript(self, path: Path) -> FakeAMIServer:
        """Answer the actions recorded in another transcript file (same format) with its bytes.

        Its exchanges take precedence over the shared recordings: a PBX in another state.
        """
        for session in tr.parse_file(path):
            for sent, received in session.exchanges():
                headers = tr.parse_headers(sent)
                action = next(value for key, value in headers if key.lower() == "action")
                action_id = next((value for key, value in headers if key.lower() == "actionid"), None)
                if action_id is not None and action.lower() != "login":
                    self.overrides[_replay_key(action, headers)] = _messages_for(action, action_id, received)
        return self

    # -- inspection -------------------------------------------------------------------
    @property
    def actions(self) -> list[Message]:
        return [action for session in self.sessions for action in session.actions]

    def action_names(self) -> list[str]:
        return [action.get("Action", "") for action in self.actions]

    def received_after_login(self) -> bytes:
        """Bytes every session sent after its Login action (what the tests care about)."""
        out = bytearray()
        for session in self.sessions:
            data = bytes(session.received)
            login = data.find(b"Action: Login")
            if login < 0:
                out += data
                continue
            end = data.find(b"\r\n\r\n", login)
            out += data[end + 4 :] if end >= 0 else b""
        return bytes(out)

    # -- events -------------------------------------------------------------------------
    async def push_events(self, data: bytes) -> int:
        """Send raw event bytes (one or more messages) to every session that wants them.

        Returns the number of (session, event) deliveries.
        """
        delivered = 0
        for raw in tr.split_messages(data):
            for session in list(self.sessions):
                if session.wants(raw):
                    await self._write(session, raw)
                    delivered += 1
        return delivered

    # -- connection handling ----------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        session = FakeSession(number=self.connections, writer=writer)
        self.sessions.append(session)
        parser = AMIParser(expect_greeting=False)
        try:
            if self.send_greeting:
                await self._write(session, GREETING)
            while not session.closed:
                data = await reader.read(65536)
                if not data:
                    break
                session.received += data
                self.received += data
                for action in parser.feed(data):
                    session.actions.append(action)
                    if session.closed:
                        break
                    await self._handle(session, action)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            await self._close_session(session)

    async def _write(self, session: FakeSession, data: bytes) -> None:
        if session.closed or session.writer is None:
            return
        try:
            session.writer.write(data)
            await session.writer.drain()
        except ConnectionError:
            await self._close_session(session)

    async def _close_session(self, session: FakeSession) -> None:
        if session.closed:
            return
        session.closed = True
        if session.writer is not None:
            session.writer.close()
            with contextlib.suppress(Exception):
                await session.writer.wait_closed()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- action dispatch ----------------------------------------------------------------
    async def _reply(self, session: FakeSession, action: Message, *raws: bytes) -> None:
        for raw in raws:
            await self._write(session, _set_action_id(raw, action.action_id))

    async def _reply_text(self, session: FakeSession, action: Message, message_text: str) -> None:
        await self._reply(session, action, self.templates.response(message_text))

    async def _handle(self, session: FakeSession, action: Message) -> None:
        name = (action.get("Action") or "").strip()
        lowered = name.lower()
        if lowered in self.silent_actions:
            return
        if lowered == "login":
            await self._login(session, action)
            return
        if lowered == "challenge":
            await self._challenge(session, action)
            return
        if lowered == "logoff":
            await self._reply_text(session, action, "Thanks for all the fish.")
            await self._close_session(session)
            return
        if not session.logged_in or not self._allowed(session, lowered):
            await self._reply_text(session, action, "Permission denied")
            return
        handler: Callable[[FakeSession, Message], Coroutine[Any, Any, None]] | None = getattr(
            self, f"_action_{lowered}", None
        )
        if handler is not None:
            await handler(session, action)
            return
        await self._replay(session, action, name)

    async def _close_later(self, session: FakeSession, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._close_session(session)

    def _allowed(self, session: FakeSession, lowered_action: str) -> bool:
        user = self.users[session.user or ""]
        if "all" in user.write:
            return True
        required = self.templates.privileges.get(lowered_action)
        if required is None:
            return True  # unknown actions: let the unknown-action error speak
        return not required or bool(required & user.write)

    async def _login(self, session: FakeSession, action: Message) -> None:
        username = action.get("Username", "")
        user = self.users.get(username)
        if (action.get("AuthType") or "").lower() == "md5":
            ok = (
                user is not None
                and session.challenge is not None
                and action.get("Key", "") == challenge_key(session.challenge, user.secret)
            )
        else:
            ok = user is not None and action.get("Secret") == user.secret
        if not ok or user is None:
            await self._reply_text(session, action, "Authentication failed")
            await self._close_session(session)
            return
        session.user = username
        session.event_classes = self._event_mask(user, action.get("Events", "on"))
        await self._reply_text(session, action, "Authentication accepted")
        if self.close_after_login is not None:
            self._spawn(self._close_later(session, self.close_after_login))
        booted = self.templates.event("FullyBooted", "01")
        if session.wants(booted):
            await self._write(session, booted)

    @staticmethod
    def _event_mask(user: AMIUser, events: str) -> frozenset[str]:
        value = events.strip().lower()
        if value in ("off", "no", "false", "0", ""):
            return frozenset()
        if value in ("on", "yes", "true", "1"):
            return user.read
        wanted = {item.strip() for item in value.split(",")}
        return frozenset(wanted if "all" in user.read else wanted & user.read)

    async def _challenge(self, session: FakeSession, action: Message) -> None:
        if (action.get("AuthType") or "").lower() != "md5":
            await self._reply_text(session, action, "Must specify AuthType")
            return
        session.challenge = str(secrets.randbelow(900_000_000) + 100_000_000)
        raw = tr.with_header(self.templates.with_header("Challenge", "18"), "Challenge", session.challenge)
        await self._reply(session, action, raw)

    async def _replay(self, session: FakeSession, action: Message, name: str) -> None:
        params = [(key, value) for key, value in action.headers]
        recorded = self.overrides.get(_replay_key(name, params)) or self.templates.exchange(name, params)
        if recorded is None:
            recorded = self._fallback(name, action)
        if recorded is None:
            unknown = self.templates.exchange("NoSuchAction", [])
            assert unknown is not None
            await self._reply(
                session, action, unknown[0].replace(b"command: NoSuchAction.", f"command: {name}.".encode())
            )
            return
        if name.lower() in self.drop_mid_list and _LIST_ACTIONS_WITH_ITEMS.encode() in recorded[0]:
            await self._reply(session, action, *recorded[:2])
            await self._close_session(session)
            return
        # Events without ActionID that follow a response (Event: Reload) obey the Events mask.
        await self._reply(
            session, action, *(raw for raw in recorded if tr.header(raw, "ActionID") is not None or session.wants(raw))
        )

    def _fallback(self, name: str, action: Message) -> list[bytes] | None:
        """Recorded error replies for parameters that were not recorded themselves."""
        lowered = name.lower()
        exchange = self.templates.exchange
        if lowered == "pjsipshowendpoint":
            endpoint = action.get("Endpoint", "")
            recorded = exchange("PJSIPShowEndpoint", [("Endpoint", "9999")]) or []
            return [raw.replace(b"endpoint 9999", f"endpoint {endpoint}".encode()) for raw in recorded]
        if lowered == "pjsipqualify":
            if action.get("Endpoint") is None:
                return exchange("PJSIPQualify", [])
            return exchange("PJSIPQualify", [("Endpoint", "9999")])
        if lowered == "modulecheck":
            return exchange("ModuleCheck", [("Module", "res_does_not_exist.so")])
        if lowered == "reload":
            module = action.get("Module", "")
            recorded = exchange("Reload", [("Module", "res_does_not_exist.so")]) or []
            return [tr.with_header(raw, "Module", module) if raw.startswith(b"Event:") else raw for raw in recorded]
        if lowered == "command":
            cli = action.get("Command", "")
            recorded = exchange("Command", [("Command", "frobnicate the widgets")]) or []
            hint = cli.rsplit(" ", 1)[0] if " " in cli else cli
            return [
                raw.replace(b"help frobnicate the'", f"help {hint}'".encode()).replace(
                    b"frobnicate the widgets", cli.encode()
                )
                for raw in recorded
            ]
        if lowered == "getconfig":
            filename = action.get("Filename", "")
            if action.get("Category") is not None:
                return exchange("GetConfig", [("Filename", "manager.conf"), ("Category", "nosuchcategory")])
            if filename.startswith("/"):
                return exchange("GetConfig", [("Filename", "/opt/asterisk-notes/configs/asterisk/pjsip.conf")])
            return exchange("GetConfig", [("Filename", "nosuchfile.conf")])
        if lowered == "coreshowchannels":
            return None
        return None

    # -- sorcery memory cache: NOT recorded bytes ------------------------------------------
    # No transcript has these actions; the replies are built from the texts in Asterisk's
    # res/res_sorcery_memory_cache.c (sorcery_memory_cache_ami_expire_object / _expire).
    # ``server.sorcery_caches`` names the caches that exist (empty: Asterisk without the cache).
    async def _action_sorcerymemorycacheexpireobject(self, session: FakeSession, action: Message) -> None:
        if action.get("Cache") not in self.sorcery_caches:
            await self._write_unrecorded(session, action, "Error", "The provided cache does not exist")
            return
        await self._write_unrecorded(session, action, "Success", "The provided object was expired from the cache")

    async def _action_sorcerymemorycacheexpire(self, session: FakeSession, action: Message) -> None:
        if action.get("Cache") not in self.sorcery_caches:
            await self._write_unrecorded(session, action, "Error", "The provided cache does not exist")
            return
        await self._write_unrecorded(session, action, "Success", "All objects were expired from the cache")

    async def _write_unrecorded(self, session: FakeSession, action: Message, response: str, text: str) -> None:
        action_id = f"ActionID: {action.action_id}\r\n" if action.action_id else ""
        await self._write(session, f"Response: {response}\r\n{action_id}Message: {text}\r\n\r\n".encode())

    # -- stateful actions ---------------------------------------------------------------
    async def _action_coreshowchannels(self, session: FakeSession, action: Message) -> None:
        # File 20: one listing during a bridged call (2 channels), one after the hangup (empty).
        listings = [
            _messages_for("CoreShowChannels", tr.header(sent, "ActionID") or "", received)
            for s in tr.load("20")
            for sent, received in s.exchanges()
            if sent.startswith(b"Action: CoreShowChannels")
        ]
        await self._reply(session, action, *(listings[0] if self.active_channels else listings[-1]))

    async def _action_originate(self, session: FakeSession, action: Message) -> None:
        channel = action.get("Channel")
        if not channel:
            await self._reply_text(session, action, "Channel not specified")
            return
        if "/" not in channel:
            await self._reply_text(session, action, "Invalid channel")
            return
        await self._reply_text(session, action, "Originate successfully queued")
        outcome = self.originate_outcomes.get(channel, "failure")
        if outcome in ORIGINATE_EXCHANGES:
            self._spawn(self._deliver_later(self._recorded_originate(outcome, action, channel), self.originate_delay))
            return
        prefix, recorded_id = ORIGINATE_RECORDINGS[outcome]
        raw = self.templates.event("OriginateResponse", prefix, recorded_id)
        if action.action_id is not None:
            raw = tr.with_header(raw, "ActionID", action.action_id)
        if outcome == "answered":
            channel_name = f"{channel}-{next(self._channel_numbers):08x}"
            unique_id = action.get("ChannelId") or f"1795816600.{next(self._channel_numbers)}"
            raw = tr.with_header(tr.with_header(raw, "Channel", channel_name), "Uniqueid", unique_id)
            self.active_channels.update({channel_name, unique_id})
        else:
            raw = tr.with_header(raw, "Channel", channel)
        self._spawn(self._deliver_later(raw, self.originate_delay))

    def _recorded_originate(self, outcome: str, action: Message, channel: str) -> bytes:
        """The recorded events of one Originate, for this Originate's channel, ChannelId and ActionID."""
        prefix, recorded_id, recorded_channel, recorded_uniqueid = ORIGINATE_EXCHANGES[outcome]
        received = next(
            received
            for session in tr.load(prefix)
            for sent, received in session.exchanges()
            if tr.header(sent, "ActionID") == recorded_id
        )
        channel_name = f"{channel}-{next(self._channel_numbers):08x}"
        unique_id = action.get("ChannelId") or f"1795816600.{next(self._channel_numbers)}"
        recorded_endpoint = recorded_channel.rsplit("-", 1)[0]
        events = bytearray()
        for raw in received:
            if not raw.startswith(b"Event:"):
                continue  # the response was sent already
            raw = raw.replace(recorded_channel.encode(), channel_name.encode())
            raw = raw.replace(recorded_uniqueid.encode(), unique_id.encode())
            raw = raw.replace(recorded_endpoint.encode(), channel.encode())
            if tr.header(raw, "Event") == "OriginateResponse":
                raw = _set_action_id(raw, action.action_id)
            events += raw
        return bytes(events)

    async def _deliver_later(self, raw: bytes, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.push_events(raw)

    async def _action_hangup(self, session: FakeSession, action: Message) -> None:
        channel = action.get("Channel", "")
        if channel not in self.active_channels:
            await self._reply_text(session, action, "No such channel")
            return
        self.active_channels.discard(channel)
        await self._reply_text(session, action, "Channel Hungup")

    async def _action_mixmonitor(self, session: FakeSession, action: Message) -> None:
        channel = action.get("Channel")
        if not channel:
            await self._reply_text(session, action, "No channel specified")
        elif channel not in self.active_channels:
            await self._reply_text(session, action, "No such channel")
        else:
            raw = self.templates.with_header("MixMonitorID", "15")
            self.mixmonitors[tr.header(raw, "MixMonitorID") or ""] = channel
            await self._reply(session, action, raw)

    async def _action_stopmixmonitor(self, session: FakeSession, action: Message) -> None:
        channel = action.get("Channel")
        monitor_id = action.get("MixMonitorID")
        if not channel:
            await self._reply_text(session, action, "No channel specified")
        elif channel not in self.active_channels:
            await self._reply_text(session, action, "No such channel")
        elif (monitor_id is None and channel not in self.mixmonitors.values()) or (
            monitor_id is not None and self.mixmonitors.get(monitor_id) != channel
        ):
            await self._reply_text(session, action, "Could not stop monitoring channel")
        else:
            for key, value in list(self.mixmonitors.items()):
                if value == channel and (monitor_id is None or key == monitor_id):
                    del self.mixmonitors[key]
                    break
            recorded = self.templates.exchange(
                "StopMixMonitor", [("Channel", "PJSIP/1001-00000005"), ("MixMonitorID", "0x7f2938003a40")]
            )
            assert recorded is not None
            await self._reply(session, action, recorded[0])

    async def _action_queueadd(self, session: FakeSession, action: Message) -> None:
        queue, interface = action.get("Queue"), action.get("Interface")
        if not interface:
            await self._reply_text(session, action, "'Interface' not specified.")
        elif queue not in self.queues:
            await self._reply_text(session, action, "Unable to add interface to queue: No such queue")
        elif interface in self.queues[queue]:
            await self._reply_text(session, action, "Unable to add interface: Already there")
        else:
            self.queues[queue][interface] = "dynamic"
            await self._reply_text(session, action, "Added interface to queue")

    async def _action_queueremove(self, session: FakeSession, action: Message) -> None:
        queue, interface = action.get("Queue"), action.get("Interface")
        if not queue or not interface:
            await self._reply_text(session, action, "Need 'Queue' and 'Interface' parameters.")
        elif queue not in self.queues:
            await self._reply_text(session, action, "Unable to remove interface from queue: No such queue")
        elif interface not in self.queues[queue]:
            await self._reply_text(session, action, "Unable to remove interface: Not there")
        elif self.queues[queue][interface] != "dynamic":
            await self._reply_text(session, action, "Member not dynamic")
        else:
            del self.queues[queue][interface]
            await self._reply_text(session, action, "Removed interface from queue")

    async def _action_queuepause(self, session: FakeSession, action: Message) -> None:
        queue, interface, paused = action.get("Queue"), action.get("Interface"), action.get("Paused")
        if not interface or paused is None:
            await self._reply_text(session, action, "Need 'Interface' and 'Paused' parameters.")
            return
        members = (
            self.queues.get(queue or "", {}) if queue else {m: s for q in self.queues.values() for m, s in q.items()}
        )
        if interface not in members:
            await self._reply_text(session, action, "Interface not found")
            return
        pausing = paused.strip().lower() in ("true", "yes", "1", "on")
        await self._reply_text(
            session, action, "Interface paused successfully" if pausing else "Interface unpaused successfully"
        )
