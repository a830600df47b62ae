"""The AMI event listener: AsyncAMIClient -> CallTracker -> services (DB + pushes).

* The asyncio side (``AsyncAMIClient.run_forever``) logs in with events on, reconnects with
  backoff when Asterisk restarts or the network drops and, after every (re)connect, asks for
  ``CoreShowChannels`` and ``PJSIPShowContacts`` to resynchronise.
* Every event is handed, in wire order, to ONE worker thread that runs the pure tracker and
  writes its output in small batches (``voip.calls.services.apply_outputs``). One consumer keeps
  the order per call; the ORM never runs on the event loop.
* Read classes: ``call`` (channels, dial, bridge, hangup, DeviceStateChange, OriginateResponse;
  transcript 24-webapp-originate-channelid-wait-hangup-crm-refused.txt), ``system`` (ContactStatus, PeerStatus;
  transcript 19-event-filtering-events-mask-and-filter-action.txt), ``dialplan`` (VarSet
  MIXMONITOR_FILENAME for the recording; transcript 19-event-filtering-events-mask-and-filter-action.txt shows
  ``call,system`` gets no VarSet) and
  ``cdr`` (Cdr events when cdr_manager is enabled; transcript 23-cdr-events-answered-and-no-answer.txt).

Run it with ``python manage.py asterisk_events`` (production) or embedded in the web server
(:func:`maybe_start_embedded_listener`, called from ``config/asgi.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, close_old_connections, connections

from voip.ami.aio import AsyncAMIClient
from voip.ami.errors import AMIAuthenticationError, AMIError
from voip.ami.protocol import Message
from voip.calls import services
from voip.calls.presence import PresenceTracker
from voip.calls.tracker import CallTracker, Directory
from voip.conf import (
    AsteriskSettings,
    TelephonyNotConfigured,
    asterisk_settings,
    async_ami_client,
    calls_settings,
    pbx_time_zone,
)

__all__ = [
    "LISTENER_EVENTS",
    "CallEventListener",
    "ListenerStats",
    "embedded_listener_app",
    "maybe_start_embedded_listener",
]

logger = logging.getLogger("voip.calls.listener")

LISTENER_EVENTS = "call,system,dialplan,cdr"
_STOP = object()


def _kv(event: str, **fields: Any) -> str:
    """``event=x key=value ...`` for plain log formatters (the same fields go into ``extra``)."""
    parts = [f"event={event}"] + [f"{key}={value}" for key, value in fields.items()]
    return " ".join(parts)


def _log(level: int, event: str, **fields: Any) -> None:
    logger.log(level, _kv(event, **fields), extra={"event": event, **fields})


@dataclass
class ListenerStats:
    events: int = 0
    batches: int = 0
    calls_written: int = 0
    presence_written: int = 0
    pushes: int = 0
    resyncs: int = 0
    connects: int = 0
    max_lag: float = 0.0
    total_lag: float = 0.0
    lag_samples: int = 0
    last_error: str = ""
    lags: list[float] = field(default_factory=list)

    @property
    def mean_lag(self) -> float:
        return self.total_lag / self.lag_samples if self.lag_samples else 0.0


@dataclass
class _Resync:
    """Marker queued at (re)connect; the worker waits at it until the listings arrive."""

    ready: threading.Event = field(default_factory=threading.Event)
    channels: list[Any] | None = None
    contacts: list[Any] | None = None
    at: dt.datetime | None = None


class CallEventListener:
    """Consumes one Asterisk's events. ``await run()`` until :meth:`stop` (or a signal)."""

    def __init__(
        self,
        options: AsteriskSettings | dict[str, Any] | None = None,
        *,
        directory: Directory | None = None,
        push: bool = True,
        batch_max: int = 500,
        keepalive_interval: float | None = 30.0,
        reconnect_initial_delay: float = 0.5,
        reconnect_max_delay: float = 30.0,
        record_lags: bool = False,
        on_batch: Callable[[services.ApplyResult], None] | None = None,
    ) -> None:
        if options is None:
            options = asterisk_settings()
        self.config = options if isinstance(options, AsteriskSettings) else AsteriskSettings.from_options(options)
        self.directory = directory or services.DbDirectory()
        self.tracker = CallTracker(self.directory, pbx_tz=pbx_time_zone())
        self.presence = PresenceTracker()
        self.push = push
        self.batch_max = batch_max
        self.record_lags = record_lags
        self.on_batch = on_batch
        self.stats = ListenerStats()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._stopping = False
        self._stop_task: asyncio.Future[None] | None = None
        self.client = async_ami_client(
            self.config,
            events=LISTENER_EVENTS,
            keepalive_interval=keepalive_interval,
            reconnect_initial_delay=reconnect_initial_delay,
            reconnect_max_delay=reconnect_max_delay,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
        )
        self.client.add_event_handler(self._on_event)
        self.idle = threading.Event()  # set whenever the worker has nothing queued

    # -- asyncio side ------------------------------------------------------------------------
    def _on_event(self, message: Message) -> None:
        if message.action_id and message.event != "OriginateResponse":
            return  # list items of our own resync actions
        self.idle.clear()
        self._queue.put((message, time.time()))

    async def _on_connect(self, client: AsyncAMIClient) -> None:
        self.stats.connects += 1
        _log(logging.INFO, "ami_connected", host=client.host, port=client.port, connects=self.stats.connects)
        marker = _Resync()
        self.idle.clear()
        self._queue.put(marker)
        try:
            channels = await client.send_list_action("CoreShowChannels")
            marker.channels = list(channels.items)
            try:
                contacts = await client.send_list_action("PJSIPShowContacts")
                marker.contacts = list(contacts.items)
            except AMIError as exc:
                _log(logging.WARNING, "resync_contacts_failed", error=str(exc))
        except AMIError as exc:
            _log(logging.WARNING, "resync_failed", error=str(exc))
        finally:
            marker.at = dt.datetime.now(dt.UTC)
            marker.ready.set()

    async def _on_disconnect(self, client: AsyncAMIClient) -> None:
        _log(logging.WARNING, "ami_disconnected", host=client.host, port=client.port)

    async def run(self) -> None:
        """Connect and consume until :meth:`stop`; reconnects by itself."""
        self._stopping = False
        self._start_worker()
        try:
            await self.client.run_forever()
        except AMIAuthenticationError as exc:
            self.stats.last_error = str(exc)
            _log(logging.ERROR, "ami_login_refused", host=self.client.host, port=self.client.port)
            raise
        finally:
            await self.client.close()
            self._stop_worker()

    async def stop(self) -> None:
        self._stopping = True
        await self.client.close()

    def install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Not possible outside the main thread (embedded mode) or on some platforms.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, lambda s=signum: self._on_signal(s))

    def _on_signal(self, signum: int) -> None:
        _log(logging.INFO, "listener_stopping", signal=signal.Signals(signum).name)
        self._stop_task = asyncio.ensure_future(self.stop())

    # -- worker thread ---------------------------------------------------------------------------
    def _start_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(target=self._work, name="voip-call-events", daemon=True)
        self._worker.start()

    def _stop_worker(self) -> None:
        if self._worker is None:
            return
        self._queue.put(_STOP)
        self._worker.join(timeout=30)
        self._worker = None

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued event has been written (tests, benchmark)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    def feed_bytes_parsed(self, messages: list[Message], received_at: float | None = None) -> None:
        """Queue already-parsed messages as if they came from the socket (benchmark)."""
        now = received_at if received_at is not None else time.time()
        for message in messages:
            self._queue.put((message, now))

    def _work(self) -> None:
        try:
            while True:
                item = self._queue.get()
                batch = [item]
                stop = item is _STOP
                while not stop and len(batch) < self.batch_max and not isinstance(item, _Resync):
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    batch.append(item)
                    stop = item is _STOP
                try:
                    self._process(batch)
                except Exception as exc:  # never let one bad batch kill the listener
                    self.stats.last_error = str(exc)
                    logger.exception(_kv("batch_failed", size=len(batch)), extra={"event": "batch_failed"})
                    close_old_connections()
                finally:
                    for _ in batch:
                        self._queue.task_done()
                if self._queue.unfinished_tasks == 0:
                    self.idle.set()
                if stop:
                    return
        finally:
            connections.close_all()  # this thread's connections only

    def process_batch(self, batch: list[Any]) -> None:
        """Run the tracker and write one batch in the calling thread (benchmark's direct path)."""
        self._process(batch)

    def _process(self, batch: list[Any]) -> None:
        outputs: list[Any] = []
        tracker, presence = self.tracker, self.presence
        oldest: float | None = None
        events = 0
        for item in batch:
            if item is _STOP:
                continue
            if isinstance(item, _Resync):
                if outputs:
                    self._apply(outputs, oldest)
                    outputs, oldest = [], None
                self._resync(item)
                continue
            message, received = item
            events += 1
            if oldest is None:
                oldest = received
            when = dt.datetime.fromtimestamp(received, dt.UTC)
            outputs.extend(tracker.feed(message, when))
            outputs.extend(presence.feed(message, when))
        self.stats.events += events
        if outputs or oldest is not None:
            self._apply(outputs, oldest)

    def _apply(self, outputs: list[Any], oldest: float | None) -> None:
        # The tracker already consumed these events: retry the write, never re-feed them.
        for attempt in range(4):
            try:
                result = services.apply_outputs(outputs, push=self.push)
                break
            except DatabaseError as exc:
                if attempt == 3:
                    raise
                _log(logging.WARNING, "db_write_retry", attempt=attempt + 1, error=str(exc))
                close_old_connections()
                time.sleep(0.1 * 2**attempt)
        self.stats.batches += 1
        self.stats.calls_written += result.calls_written
        self.stats.presence_written += result.presence_written
        self.stats.pushes += result.pushes
        if oldest is not None:
            lag = time.time() - oldest
            self.stats.max_lag = max(self.stats.max_lag, lag)
            self.stats.total_lag += lag
            self.stats.lag_samples += 1
            if self.record_lags:
                self.stats.lags.append(lag)
        if self.on_batch is not None:
            self.on_batch(result)

    def _resync(self, marker: _Resync) -> None:
        if not marker.ready.wait(timeout=self.config.action_timeout * 2 + 5):
            _log(logging.WARNING, "resync_timeout")
            return
        if marker.channels is None:
            return  # the listing failed; keep the state we have
        self.tracker.forget_directory_cache()
        if isinstance(self.directory, services.DbDirectory):
            self.directory.refresh()
        now = marker.at or dt.datetime.now(dt.UTC)
        outputs = self.tracker.resync_channels(marker.channels, now)
        if marker.contacts is not None:
            outputs.extend(self.presence.resync_contacts(marker.contacts, now))
        active = {m.get("Linkedid") or m.get("Uniqueid") for m in marker.channels} | self.tracker.live_linkedids()
        result = services.apply_outputs(outputs, push=self.push)
        closed = services.close_stale_calls({a for a in active if a}, now)
        self.stats.resyncs += 1
        _log(
            logging.INFO,
            "resync_done",
            channels=len(marker.channels),
            contacts=len(marker.contacts or ()),
            calls_written=result.calls_written,
            closed=len(closed),
        )


# --- embedded mode ---------------------------------------------------------------------------------

_embedded_lock = threading.Lock()
_embedded_thread: threading.Thread | None = None
_embedded_listener: CallEventListener | None = None


def _embedded_enabled() -> bool:
    if not calls_settings().get("EMBEDDED_LISTENER", False):
        return False
    try:
        config = asterisk_settings()
    except TelephonyNotConfigured:
        return False
    if not config.secret:
        return False
    argv = [os.path.basename(arg) for arg in sys.argv[:2]]
    # manage.py: only runserver serves the app; any other command (migrate, test, ...) must not listen.
    return not (argv and argv[0] == "manage.py" and argv[1:2] != ["runserver"])


def maybe_start_embedded_listener() -> bool:
    """Start the listener in a background thread of the web server process, once.

    Only with ``VOIP_CALLS['EMBEDDED_LISTENER']`` on, an AMI secret configured and the process
    being the server (``manage.py runserver`` or an ASGI server), never for other commands.
    """
    global _embedded_thread, _embedded_listener
    if not _embedded_enabled():
        return False
    with _embedded_lock:
        if _embedded_thread is not None and _embedded_thread.is_alive():
            return False
        listener = CallEventListener()

        def run() -> None:
            try:
                asyncio.run(listener.run())
            except AMIAuthenticationError:
                pass  # already logged: a wrong secret does not heal by retrying
            except Exception:
                logger.exception(_kv("embedded_listener_crashed"))

        _embedded_listener = listener
        _embedded_thread = threading.Thread(target=run, name="voip-embedded-listener", daemon=True)
        _embedded_thread.start()
        _log(logging.INFO, "embedded_listener_started", host=listener.client.host, port=listener.client.port)
        return True


def embedded_listener_app(app: Any) -> Any:
    """Wrap the ASGI app so pushes from the embedded listener run on the server's loop.

    The in-memory channel layer is bound to the loop the WebSocket consumers run on; the
    listener thread therefore hands its pushes to that loop (``push.bind_event_loop``).
    """
    from voip.calls.push import bind_event_loop

    async def wrapper(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if _embedded_listener is not None:
            loop = asyncio.get_running_loop()
            from voip.calls import push as push_module

            if push_module._server_loop is not loop:
                bind_event_loop(loop)
        return await app(scope, receive, send)

    return wrapper
