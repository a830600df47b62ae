"""Asyncio AMI client on the same sans-IO core as the blocking client.

A reader task parses everything Asterisk sends and routes it: responses to the coroutine
waiting for that ActionID, list items to their :class:`EventListCollector`, every other event
to the registered handlers, :meth:`AsyncAMIClient.events` iterators and
:meth:`AsyncAMIClient.wait_for_event` waiters.

For long-running listeners, :meth:`AsyncAMIClient.run_forever` keeps the session alive:
reconnect with capped exponential backoff plus jitter, a keepalive ``Ping`` every
``keepalive_interval`` seconds (a missed Pong drops the connection so it is re-made), and
the ``on_connect`` hook after every (re)connect so the caller can resync its state.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .connection import AMIConnection, ConnectionState, Event, ListComplete, LoggedIn, Output, Response
from .errors import (
    AMIActionError,
    AMIAuthenticationError,
    AMIConnectionClosed,
    AMIConnectionError,
    AMIError,
    AMITimeoutError,
    connect_failure,
)
from .protocol import EventListResult, Message
from .session import ActionIdGenerator, AuthMethod, Headers, command_output, events_header, raise_for_response

__all__ = ["AsyncAMIClient", "EventFilter", "EventHandler", "EventStream", "backoff_delay"]

logger = logging.getLogger(__name__)

EventHandler = Callable[[Message], Awaitable[None] | None]
EventFilter = str | Iterable[str] | Callable[[Message], bool] | None
ConnectHook = Callable[["AsyncAMIClient"], Awaitable[None] | None]


def backoff_delay(
    attempt: int, *, initial: float = 0.5, cap: float = 30.0, jitter: float = 0.2, rng: random.Random | None = None
) -> float:
    """``min(cap, initial * 2**attempt)`` spread by ±``jitter`` (a fraction), never above ``cap``.

    Jitter keeps many listeners from hammering a restarted Asterisk in lock-step.
    """
    base = min(cap, initial * (2 ** min(attempt, 32)))
    spread = (rng or random).uniform(-jitter, jitter)
    return max(0.0, min(cap, base * (1.0 + spread)))


def _compile_filter(event_filter: EventFilter) -> Callable[[Message], bool]:
    if event_filter is None:
        return lambda message: True
    if callable(event_filter):
        return event_filter
    names = {event_filter.lower()} if isinstance(event_filter, str) else {name.lower() for name in event_filter}
    return lambda message: (message.event or "").lower() in names


@dataclass
class _Handler:
    callback: EventHandler
    matches: Callable[[Message], bool]


@dataclass
class EventStream:
    """Async iterator of events (``async for event in client.events(): ...``).

    Ends when the client is closed. Holds at most ``maxsize`` unread events; on overflow the
    oldest is dropped and counted in ``dropped`` so a slow consumer cannot exhaust memory.
    """

    matches: Callable[[Message], bool]
    maxsize: int = 10_000
    dropped: int = 0
    _items: deque[Message | None] = field(default_factory=deque)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _detach: Callable[[EventStream], None] | None = None

    def _put(self, item: Message | None) -> None:
        if item is not None and len(self._items) >= self.maxsize:
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)
        self._ready.set()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Message:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        item = self._items.popleft()
        if item is None:
            raise StopAsyncIteration
        return item

    def close(self) -> None:
        if self._detach is not None:
            self._detach(self)
            self._detach = None
        self._put(None)


class AsyncAMIClient:
    """Asyncio AMI client; ``async with AsyncAMIClient(...) as ami:`` or ``await run_forever()``."""

    def __init__(
        self,
        host: str,
        port: int = 5038,
        username: str = "",
        secret: str = "",
        *,
        connect_timeout: float = 5.0,
        action_timeout: float = 10.0,
        events: str | bool = True,
        auth: AuthMethod = "plain",
        event_filter: Iterable[str] | None = None,
        keepalive_interval: float | None = 30.0,
        reconnect_initial_delay: float = 0.5,
        reconnect_max_delay: float = 30.0,
        reconnect_jitter: float = 0.2,
        stable_after: float = 60.0,
        on_connect: ConnectHook | None = None,
        on_disconnect: ConnectHook | None = None,
    ) -> None:
        if auth not in ("plain", "md5"):
            raise ValueError(f"auth must be 'plain' or 'md5', not {auth!r}")
        self.host = host
        self.port = int(port)
        self.username = username
        self.secret = secret
        self.connect_timeout = connect_timeout
        self.action_timeout = action_timeout
        self.events_mask = events_header(events)
        self.auth = auth
        # AMI Filter expressions (e.g. "Event: Newchannel"), sent after every login.
        self.event_filter = list(event_filter or ())
        self.keepalive_interval = keepalive_interval
        self.reconnect_initial_delay = reconnect_initial_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.reconnect_jitter = reconnect_jitter
        # A connection counts as healthy, and the backoff starts over, only after this long up.
        self.stable_after = stable_after
        self.on_connect = on_connect
        self.on_disconnect = on_disconnect
        self.ami_version: str | None = None
        self.greeting: str | None = None
        self.connect_count = 0
        self.last_error: BaseException | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._keepalive_task: asyncio.Task[None] | None = None
        self._connection: AMIConnection | None = None
        self._logged_in: asyncio.Future[None] | None = None
        self._pending: dict[str, asyncio.Future[Message]] = {}
        self._lists: dict[str, asyncio.Future[EventListResult]] = {}
        self._handlers: list[_Handler] = []
        self._streams: list[EventStream] = []
        self._waiters: list[tuple[Callable[[Message], bool], asyncio.Future[Message]]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self._next_action_id = ActionIdGenerator()
        self._connected = False
        self._closing = False
        self._disconnected = asyncio.Event()
        self._closed_event = asyncio.Event()
        self._reading_paused = False
        self._resumed = asyncio.Event()
        self._resumed.set()

    # -- context manager ----------------------------------------------------------------
    async def __aenter__(self) -> AsyncAMIClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._connected

    # -- connection -----------------------------------------------------------------------
    async def connect(self) -> AsyncAMIClient:
        """Connect, read the greeting, log in, install filters, start keepalive, call on_connect."""
        if self._connected:
            return self
        self._closing = False
        self._closed_event.clear()
        await self._open()
        assert self._logged_in is not None and self._connection is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._logged_in), self.connect_timeout)
        except TimeoutError:
            reason = f"timed out waiting for {self._connection.waiting_for}"
            await self._teardown(AMIConnectionClosed(self.host, self.port, "login did not complete"))
            raise AMITimeoutError(self.host, self.port, reason) from None
        except BaseException:
            await self._teardown(AMIConnectionClosed(self.host, self.port, "login did not complete"))
            raise
        if self._disconnected.is_set():  # Asterisk hung up right after accepting the login
            raise AMIConnectionClosed(self.host, self.port, "connection closed by Asterisk right after the login")
        self.greeting, self.ami_version = self._connection.greeting, self._connection.ami_version
        self._connected = True
        self.connect_count += 1
        if self.keepalive_interval:
            self._keepalive_task = asyncio.ensure_future(self._keepalive())
        if self.on_connect is not None:
            try:
                await _maybe_await(self.on_connect(self))
            except Exception:  # a failed resync must not kill the session; the hook can retry
                logger.exception("AMI %s:%s on_connect hook failed", self.host, self.port)
        return self

    async def _open(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout
            )
        except OSError as exc:  # TimeoutError included
            raise connect_failure(exc, self.host, self.port, self.connect_timeout) from None
        self._connection = AMIConnection(
            username=self.username,
            secret=self.secret,
            events=self.events_mask,
            auth=self.auth,
            event_filters=self.event_filter,
            host=self.host,
            port=self.port,
            action_ids=self._next_action_id,
        )
        self._logged_in = asyncio.get_running_loop().create_future()
        self._disconnected.clear()
        self._reader_task = asyncio.ensure_future(self._read_loop(self._connection))

    async def close(self) -> None:
        """Stop reconnecting, send Logoff (errors ignored), close the socket, end event streams."""
        self._closing = True
        self._closed_event.set()
        if self._connected:
            with contextlib.suppress(Exception):
                await self._logoff()
        await self._teardown(AMIConnectionClosed(self.host, self.port, "client closed"))
        for stream in list(self._streams):
            stream.close()
        for task in list(self._background):
            task.cancel()

    async def _logoff(self) -> None:
        connection = self._ready_connection()
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        action_id = connection.logoff()
        self._pending[action_id] = future
        try:
            self._flush()
            await self._wait(future, min(self.action_timeout, 2.0), "the Logoff response")
        finally:
            self._pending.pop(action_id, None)

    def _close_transport(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    async def _teardown(self, error: AMIConnectionError) -> None:
        was_connected = self._connected
        self._connected = False
        for task in (self._keepalive_task, self._reader_task):
            if task is not None and task is not asyncio.current_task() and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        self._keepalive_task = self._reader_task = None
        self._close_transport()
        self._fail_pending(error)
        self._disconnected.set()
        if was_connected and self.on_disconnect is not None and not self._closing:
            await _maybe_await(self.on_disconnect(self))

    def _fail_pending(self, error: AMIConnectionError) -> None:
        if self._connection is not None:
            self._connection.connection_closed()
        if self._logged_in is not None and not self._logged_in.done():
            self._logged_in.set_exception(error)
            self._logged_in.exception()  # retrieved here when nobody awaits it any more
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        for list_future in self._lists.values():
            if not list_future.done():
                list_future.set_exception(error)
        for _matches, future in self._waiters:
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._lists.clear()
        self._waiters.clear()

    # -- reading ------------------------------------------------------------------------
    async def _read_loop(self, connection: AMIConnection) -> None:
        reason = "connection closed by Asterisk"
        try:
            assert self._reader is not None
            while True:
                data = await self._reader.read(65536)
                if not data:
                    if connection.state is ConnectionState.GREETING:
                        reason = "connection closed by Asterisk before the greeting"
                    break
                try:
                    outputs = connection.receive_data(data)
                except AMIError as exc:
                    if self._logged_in is not None and not self._logged_in.done():
                        self._logged_in.set_exception(exc)  # a refused login or Filter: connect() raises it
                        reason = f"login refused: {exc}"
                        break
                    raise
                self._flush()
                for output in outputs:
                    self._route(output)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # protocol error or socket error: the session is unusable
            reason = f"connection lost: {exc}"
            logger.warning("AMI %s:%s reader stopped: %s", self.host, self.port, exc)
        error = AMIConnectionClosed(self.host, self.port, reason)
        self.last_error = error
        self._reader_task = None  # we are that task; _teardown must not cancel itself
        await self._teardown(error)

    def _route(self, output: Output) -> None:
        if isinstance(output, Event):
            self._dispatch_event(output.message)
        elif isinstance(output, Response):
            future = self._pending.pop(output.action_id, None)
            if future is not None and not future.done():
                future.set_result(output.message)
        elif isinstance(output, ListComplete):
            listing = self._lists.pop(output.action_id, None)
            if listing is not None and not listing.done():
                listing.set_result(output.result)
        elif isinstance(output, LoggedIn) and self._logged_in is not None and not self._logged_in.done():
            self._logged_in.set_result(None)

    def _dispatch_event(self, event: Message) -> None:
        for matches, future in list(self._waiters):
            if not future.done() and matches(event):
                future.set_result(event)
                self._waiters.remove((matches, future))
        for handler in list(self._handlers):
            try:
                if not handler.matches(event):
                    continue
                result = handler.callback(event)
                if inspect.isawaitable(result):
                    self._spawn(result)
            except Exception:
                logger.exception("AMI event handler %r failed", handler.callback)
        for stream in list(self._streams):
            if stream.matches(event):
                stream._put(event)

    def _spawn(self, awaitable: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(awaitable)
        self._background.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("AMI event handler failed", exc_info=task.exception())

    # -- flow control -------------------------------------------------------------------
    @property
    def reading_paused(self) -> bool:
        return self._reading_paused

    def pause_reading(self) -> None:
        """Stop reading the socket until :meth:`resume_reading` (backpressure from a slow consumer).

        What the kernel has not handed over stays in Asterisk's buffers; Asterisk ends a session
        whose writes stall longer than its ``writetimeout`` (``send_string`` in main/manager.c), so
        a long pause ends in a reconnect and its resync. While paused no keepalive Ping is sent (its
        Pong could not be read) and no reconnect is made. Call from the event loop's thread.
        """
        self._reading_paused = True
        self._resumed.clear()
        transport = self._writer.transport if self._writer is not None else None
        # A stream's transport reads too (StreamWriter only types its write side).
        if isinstance(transport, asyncio.ReadTransport) and not transport.is_closing():
            transport.pause_reading()

    def resume_reading(self) -> None:
        """Undo :meth:`pause_reading`. Call from the event loop's thread."""
        self._reading_paused = False
        self._resumed.set()
        transport = self._writer.transport if self._writer is not None else None
        # A stream's transport reads too (StreamWriter only types its write side).
        if isinstance(transport, asyncio.ReadTransport) and not transport.is_closing():
            transport.resume_reading()

    # -- actions ------------------------------------------------------------------------
    def _ready_connection(self) -> AMIConnection:
        if self._connection is None or self._writer is None or self._writer.is_closing():
            raise AMIConnectionClosed(self.host, self.port, "not connected")
        return self._connection

    def _flush(self) -> None:
        if self._connection is None or self._writer is None or self._writer.is_closing():
            return
        data = self._connection.data_to_send()
        if data:
            self._writer.write(data)

    async def send_action(
        self,
        action: str,
        headers: Headers = None,
        *,
        raise_on_error: bool = True,
        timeout: float | None = None,
    ) -> Message:
        connection = self._ready_connection()
        action_id = connection.send_action(action, headers)
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = future
        try:
            self._flush()
            response = await self._wait(future, timeout, f"the {action} response")
        finally:
            self._pending.pop(action_id, None)
            connection.forget(action_id)
        return raise_for_response(action, response) if raise_on_error else response

    async def send_list_action(
        self,
        action: str,
        headers: Headers = None,
        *,
        raise_on_error: bool = True,
        timeout: float | None = None,
    ) -> EventListResult:
        connection = self._ready_connection()
        action_id = connection.send_list_action(action, headers)
        future: asyncio.Future[EventListResult] = asyncio.get_running_loop().create_future()
        self._lists[action_id] = future
        try:
            self._flush()
            result = await self._wait(future, timeout, f"the {action} list")
        finally:
            self._lists.pop(action_id, None)
            connection.forget(action_id)
        if raise_on_error:
            raise_for_response(action, result.response)
        return result

    async def _wait(self, future: asyncio.Future[Any], timeout: float | None, waiting_for: str) -> Any:
        seconds = self.action_timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(future, seconds)
        except TimeoutError:
            raise AMITimeoutError(
                self.host, self.port, f"timed out after {seconds:g}s waiting for {waiting_for}"
            ) from None

    async def command(self, cli: str, *, timeout: float | None = None) -> str:
        """Run a CLI command; return its ``Output:`` lines joined with newlines."""
        response = await self.send_action("Command", [("Command", cli)], raise_on_error=False, timeout=timeout)
        return command_output(response)

    async def ping(self, *, timeout: float | None = None) -> Message:
        return await self.send_action("Ping", timeout=timeout)

    # -- events -------------------------------------------------------------------------
    def add_event_handler(self, callback: EventHandler, filter: EventFilter = None) -> Callable[[], None]:
        """Call ``callback(event)`` (plain function or coroutine function) for matching events.

        ``filter``: an event name, several names, or a predicate. Returns a remover.
        """
        handler = _Handler(callback, _compile_filter(filter))
        self._handlers.append(handler)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._handlers.remove(handler)

        return remove

    def events(self, filter: EventFilter = None, *, maxsize: int = 10_000) -> EventStream:
        """An async iterator of matching events until :meth:`close`."""
        stream = EventStream(_compile_filter(filter), maxsize)
        stream._detach = lambda item: self._streams.remove(item) if item in self._streams else None
        self._streams.append(stream)
        return stream

    async def wait_for_event(self, predicate: Callable[[Message], bool], timeout: float | None = None) -> Message:
        """The next event matching ``predicate`` (e.g. OriginateResponse with our ActionID)."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await self._wait(future, timeout, "an event")
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)

    # -- long-running -------------------------------------------------------------------
    async def _keepalive(self) -> None:
        assert self.keepalive_interval
        while True:
            await asyncio.sleep(self.keepalive_interval)
            if self._reading_paused:
                continue  # the Pong could not be read: not a sign of a dead Asterisk
            try:
                await self.ping(timeout=self.action_timeout)
            except (AMIConnectionError, AMIActionError) as exc:
                logger.warning("AMI %s:%s keepalive failed (%s); dropping the connection", self.host, self.port, exc)
                self.last_error = exc
                self._keepalive_task = None  # _teardown must not cancel the running task
                await self._teardown(AMITimeoutError(self.host, self.port, "keepalive Ping unanswered"))
                return

    async def run_forever(self, *, rng: random.Random | None = None) -> None:
        """Stay connected until :meth:`close`: reconnect with backoff, resync via ``on_connect``.

        The backoff grows with every failed or short-lived connection and starts over once a
        connection has stayed up for ``stable_after`` seconds.

        A refused login stops the loop with :class:`AMIAuthenticationError` (a wrong secret
        does not heal by retrying).
        """
        attempt = 0
        loop = asyncio.get_running_loop()
        while not self._closing:
            try:
                if not self._connected:
                    await self._wait_until_resumed()
                    if self._closing:
                        break
                    await self.connect()
                connected_at = loop.time()
                await self._disconnected.wait()
                # A server that accepts the login and then hangs up must not get a reconnect
                # (and the caller's resync) every initial delay: start over only after a stable session.
                if loop.time() - connected_at >= self.stable_after:
                    attempt = 0
            except AMIAuthenticationError:
                raise
            except AMIConnectionError as exc:
                self.last_error = exc
                logger.warning("AMI %s:%s connect failed: %s", self.host, self.port, exc.reason)
            if self._closing:
                break
            delay = backoff_delay(
                attempt,
                initial=self.reconnect_initial_delay,
                cap=self.reconnect_max_delay,
                jitter=self.reconnect_jitter,
                rng=rng,
            )
            attempt += 1
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(self._closed_event.wait(), delay)

    async def _wait_until_resumed(self) -> None:
        """A paused consumer could not take a new session's events: reconnect once it resumes."""
        if not self._reading_paused:
            return
        resumed = asyncio.ensure_future(self._resumed.wait())
        closed = asyncio.ensure_future(self._closed_event.wait())
        try:
            await asyncio.wait({resumed, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            resumed.cancel()
            closed.cancel()


async def _maybe_await(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result
