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
  ``cdr`` (Cdr events when cdr_manager is enabled; transcript 23-cdr-events-answered-and-no-answer.txt)
  and ``security`` (failed SIP authentications, :mod:`voip.calls.sip_security`; transcripts
  18-restricted-user-permission-denied-md5-challenge.txt and 22-pjsipqualify-with-concurrent-listener.txt
  show the event form).
* A database outage loses nothing: a write (and every read the tracker needs) is retried with
  capped backoff for as long as the database is unreachable; the events keep their own times
  (``Timestamp``/``EventTV``), so calls end with their real times once it returns.
* The queue is bounded: at ``queue_max`` events the socket is no longer read (backpressure:
  Asterisk holds what is unsent, and ends a session whose writes stall past its ``writetimeout``,
  so a long outage ends in a reconnect and its resync). Events already read past
  ``queue_hard_max`` are dropped and counted, and a resync follows as soon as reading resumes.
* One listener per Asterisk server (:mod:`voip.calls.single_listener`): a second one stands by.

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

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections

from voip.ami.aio import AsyncAMIClient
from voip.ami.errors import AMIAuthenticationError, AMIError
from voip.ami.protocol import Message
from voip.callcentre import services as callcentre_services
from voip.callcentre.tracker import QueueTracker
from voip.calls import services, sip_security
from voip.calls.event_fields import event_time
from voip.calls.presence import PresenceTracker, PresenceUpdate
from voip.calls.single_listener import ListenerLock, listener_lock_name
from voip.calls.tracker import CallTracker, CallUpdate, Directory, Output
from voip.conf import (
    AsteriskSettings,
    TelephonyNotConfigured,
    asterisk_settings,
    async_ami_client,
    calls_settings,
    pbx_time_zone,
)
from voip.webhooks.delivery import WebhookDeliveryThread

__all__ = [
    "LISTENER_EVENTS",
    "CallEventListener",
    "ListenerStats",
    "embedded_listener_app",
    "maybe_start_embedded_listener",
]

logger = logging.getLogger("voip.calls.listener")

LISTENER_EVENTS = "call,system,dialplan,cdr,security,agent"
_STOP = object()
# Errors of an unreachable or locked database (connection refused or lost, lock timeouts,
# SQLite's "database is locked"): they heal by waiting, so the listener waits for them.
_TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
_DB_RETRY_INITIAL = 0.1
_DB_RETRY_MAX = 5.0
_BLOCK_SWEEP_INTERVAL = 30.0


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
    db_retries: int = 0
    queue_peak: int = 0
    backpressure_pauses: int = 0
    dropped_events: int = 0
    security_events: int = 0
    blocks: int = 0
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
    # queue name -> the items of a filtered QueueStatus (never an unfiltered one: with realtime
    # queues that re-reads every queue from the database, apps/app_queue.c).
    queues: dict[str, list[Any]] | None = None
    wrapups: dict[str, int] | None = None
    at: dt.datetime | None = None


class _WaitingDirectory:
    """The tracker's directory, waiting out database outages instead of failing mid-event.

    The tracker asks it while it consumes an event; an error there would leave the event half
    applied, so each lookup is retried until the database answers.
    """

    def __init__(self, inner: Directory, retry: Callable[..., Any]) -> None:
        self.inner = inner
        self._retry = retry

    def is_our_extension(self, number: str) -> bool:
        return self._retry(self.inner.is_our_extension, number)

    def agent_for_extension(self, extension: str) -> Any:
        return self._retry(self.inner.agent_for_extension, extension)

    def extension_for_endpoint(self, endpoint: str) -> Any:
        return self._retry(self.inner.extension_for_endpoint, endpoint)

    def origination(self, *, channel_id: str | None = None, action_id: str | None = None) -> Any:
        return self._retry(lambda: self.inner.origination(channel_id=channel_id, action_id=action_id))

    def refresh(self) -> None:
        refresh = getattr(self.inner, "refresh", None)
        if refresh is not None:
            self._retry(refresh)


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
        queue_max: int | None = None,
        queue_hard_max: int | None = None,
        single_instance: bool = True,
        standby_retry: float = 5.0,
        deliver_webhooks: bool = False,
    ) -> None:
        if options is None:
            options = asterisk_settings()
        self.config = options if isinstance(options, AsteriskSettings) else AsteriskSettings.from_options(options)
        self.directory = _WaitingDirectory(directory or services.DbDirectory(), self._with_db_retry)
        self.tracker = CallTracker(self.directory, pbx_tz=pbx_time_zone())
        self.presence = PresenceTracker()
        self._wrapups: dict[str, int] = {}
        self.queues = QueueTracker(wrapup_for=lambda name: self._wrapups.get(name, 0))
        self.push = push
        self.batch_max = batch_max
        self.record_lags = record_lags
        self.on_batch = on_batch
        self.stats = ListenerStats()
        self.queue_max = int(queue_max or calls_settings().get("LISTENER_QUEUE_MAX", 10_000))
        self.queue_hard_max = int(queue_hard_max or self.queue_max + max(self.queue_max // 4, 1))
        if self.queue_hard_max < self.queue_max:
            raise ValueError("queue_hard_max must not be below queue_max")
        # Items queued and not yet done; changed by the loop's thread and the worker, under the lock.
        self._queued = 0
        self._queued_lock = threading.Lock()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._stop_task: asyncio.Future[None] | None = None
        self._resync_pending = 0
        self._resync_after_resume = False
        self._resume_scheduled = False
        self._background: set[asyncio.Future[None]] = set()
        self._stopped: asyncio.Event | None = None
        self.single_instance = single_instance
        self.standby_retry = standby_retry
        # The listener that holds this Asterisk's lock also sends the webhooks, in a thread of its own.
        self.deliver_webhooks = deliver_webhooks
        self._webhooks: WebhookDeliveryThread | None = None
        self.lock: ListenerLock | None = None
        security = sip_security.security_settings()
        self.security_enabled = bool(security["ENABLED"])
        self._block_for = dt.timedelta(seconds=security["BLOCK_SECONDS"])
        self._never_block: list[Any] = list(security["NEVER_BLOCK"])
        self._never_block_loaded_at = -1e9
        self.sip_failures = sip_security.SipFailureTracker(
            threshold=security["BLOCK_AFTER_FAILURES"],
            window=dt.timedelta(seconds=security["FAILURE_WINDOW"]),
            never_block=lambda address: sip_security.in_networks(address, self._never_block),
        )
        # The first sweep of expired blocks comes one interval after the start, then every interval.
        self._last_block_sweep = time.monotonic()
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
        if self._queued >= self.queue_hard_max:
            # Read before the pause took hold: dropping it is safe only because a resync follows.
            self.stats.dropped_events += 1
            if not self._resync_after_resume:
                self._resync_after_resume = True
                _log(logging.WARNING, "queue_overflow", queued=self._queued, limit=self.queue_hard_max)
            return
        self._put((message, time.time()))
        if self._queued >= self.queue_max and not self._resync_pending:
            # A pending resync needs its listing read first; it is small and short.
            if not self.client.reading_paused:
                self.stats.backpressure_pauses += 1
                _log(logging.WARNING, "backpressure_on", queued=self._queued, limit=self.queue_max)
            # Again on every event while over: asyncio's StreamReader resumes the transport by
            # itself once its own buffer has drained, undoing an earlier pause.
            self.client.pause_reading()

    def _put(self, item: Any) -> None:
        self.idle.clear()
        with self._queued_lock:
            self._queued += 1
            self.stats.queue_peak = max(self.stats.queue_peak, self._queued)
        self._queue.put(item)

    @property
    def queued(self) -> int:
        """Items waiting for the worker (events and resync markers)."""
        return self._queued

    def _maybe_resume(self) -> None:
        """Worker thread: once the queue is down to half its bound, read the socket again."""
        if self._resume_scheduled or self._loop is None:
            return
        if not (self.client.reading_paused or self._resync_after_resume) or self._queued > self.queue_max // 2:
            return
        self._resume_scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop is closing
            self._loop.call_soon_threadsafe(self._resume)

    def _resume(self) -> None:
        self._resume_scheduled = False
        if self.client.reading_paused:
            self.client.resume_reading()
            _log(logging.INFO, "backpressure_off", queued=self._queued)
        if self._resync_after_resume and self.client.connected:
            self._resync_after_resume = False
            task = asyncio.ensure_future(self._resync_session(self.client))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _on_connect(self, client: AsyncAMIClient) -> None:
        self.stats.connects += 1
        _log(logging.INFO, "ami_connected", host=client.host, port=client.port, connects=self.stats.connects)
        # A new session starts from a listing anyway: dropped events of the last one are covered.
        self._resync_after_resume = False
        await self._resync_session(client)

    async def _resync_session(self, client: AsyncAMIClient) -> None:
        marker = _Resync()
        self._resync_pending += 1
        self._put(marker)
        try:
            channels = await client.send_list_action("CoreShowChannels")
            marker.channels = list(channels.items)
            try:
                contacts = await client.send_list_action("PJSIPShowContacts")
                marker.contacts = list(contacts.items)
            except AMIError as exc:
                _log(logging.WARNING, "resync_contacts_failed", error=str(exc))
            marker.queues, marker.wrapups = await self._queue_listings(client)
        except AMIError as exc:
            _log(logging.WARNING, "resync_failed", error=str(exc))
        finally:
            marker.at = dt.datetime.now(dt.UTC)
            marker.ready.set()
            self._resync_pending -= 1

    async def _queue_listings(self, client: AsyncAMIClient) -> tuple[dict[str, list[Any]] | None, dict[str, int]]:
        """One filtered ``QueueStatus Queue: X`` per CRM queue, at (re)connect only."""
        try:
            wrapups = await asyncio.to_thread(_queue_wrapups)
        except DatabaseError as exc:
            _log(logging.WARNING, "resync_queues_failed", error=type(exc).__name__)
            return None, {}
        listings: dict[str, list[Any]] = {}
        for name in wrapups:
            try:
                listing = await client.send_list_action("QueueStatus", [("Queue", name)])
            except AMIError as exc:
                _log(logging.WARNING, "resync_queue_failed", queue=name, error=str(exc))
                continue
            listings[name] = list(listing.items)
        return listings, wrapups

    async def _on_disconnect(self, client: AsyncAMIClient) -> None:
        _log(logging.WARNING, "ami_disconnected", host=client.host, port=client.port)

    async def run(self) -> None:
        """Connect and consume until :meth:`stop`; reconnects by itself.

        With ``single_instance`` (the default) it first takes this Asterisk's listener lock and,
        while another listener holds it, stands by and retries every ``standby_retry`` seconds.
        """
        self._stopping = False
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        if self.single_instance and not await self._acquire_lock():
            return  # stopped while standing by
        self._start_worker()
        watch = asyncio.ensure_future(self._watch_lock()) if self.lock is not None else None
        try:
            await self.client.run_forever()
        except AMIAuthenticationError as exc:
            self.stats.last_error = str(exc)
            _log(logging.ERROR, "ami_login_refused", host=self.client.host, port=self.client.port)
            raise
        finally:
            if watch is not None:
                watch.cancel()
            await self.client.close()
            await asyncio.to_thread(self._stop_worker)
            if self.lock is not None:
                await asyncio.to_thread(self.lock.release)

    async def _acquire_lock(self) -> bool:
        self.lock = ListenerLock(name=listener_lock_name(host=self.client.host, port=self.client.port))
        announced = False
        while not self._stopping:
            try:
                if await asyncio.to_thread(self.lock.acquire):
                    _log(logging.INFO, "listener_lock_taken", lock=self.lock.name, kind=self.lock.kind)
                    return True
                if not announced:
                    announced = True
                    _log(
                        logging.WARNING,
                        "listener_standby",
                        lock=self.lock.name,
                        reason="another listener is connected to this Asterisk; retrying",
                        retry=self.standby_retry,
                    )
            except DatabaseError as exc:
                _log(logging.WARNING, "listener_lock_unavailable", lock=self.lock.name, error=type(exc).__name__)
            assert self._stopped is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.standby_retry)
        return False

    async def _watch_lock(self) -> None:
        """An advisory lock dies with its session: if another listener took over, this one stops."""
        assert self.lock is not None
        while True:
            await asyncio.sleep(self.standby_retry)
            if not await asyncio.to_thread(self.lock.still_held):
                _log(logging.ERROR, "listener_lock_lost", lock=self.lock.name)
                await self.stop()
                return

    async def stop(self) -> None:
        self._stopping = True
        if self._stopped is not None:
            self._stopped.set()
        await self.client.close()

    def install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Not possible outside the main thread (embedded mode) or on some platforms.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._on_signal, signum)

    def _on_signal(self, signum: int) -> None:
        _log(logging.INFO, "listener_stopping", signal=signal.Signals(signum).name)
        self._stop_task = asyncio.ensure_future(self.stop())

    # -- worker thread ---------------------------------------------------------------------------
    def _start_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(target=self._work, name="voip-call-events", daemon=True)
        self._worker.start()
        if self.deliver_webhooks and (self._webhooks is None or not self._webhooks.is_alive()):
            self._webhooks = WebhookDeliveryThread()
            self._webhooks.start()

    def _stop_worker(self) -> None:
        if self._webhooks is not None:
            self._webhooks.stop()
            self._webhooks.join(timeout=10)
            self._webhooks = None
        if self._worker is None:
            return
        self._put(_STOP)
        self._worker.join(timeout=30)
        if self._worker.is_alive():
            _log(logging.ERROR, "listener_stopped_with_unwritten_events", queued=self._queued)
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
            self._put((message, now))

    def _work(self) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(timeout=_BLOCK_SWEEP_INTERVAL)
                except queue.Empty:
                    self._sweep_blocks()
                    continue
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
                    with self._queued_lock:
                        self._queued -= len(batch)
                    for _ in batch:
                        self._queue.task_done()
                self._maybe_resume()
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
        queue_outputs: list[Any] = []
        blocks: list[sip_security.BlockDecision] = []
        tracker, presence, queues = self.tracker, self.presence, self.queues
        oldest: float | None = None
        events = 0
        for item in batch:
            if item is _STOP:
                continue
            if isinstance(item, _Resync):
                if outputs or queue_outputs:
                    self._apply(outputs, oldest, queue_outputs)
                    outputs, queue_outputs, oldest = [], [], None
                self._resync(item)
                continue
            message, received = item
            events += 1
            if oldest is None:
                oldest = received
            when = dt.datetime.fromtimestamp(received, dt.UTC)
            if message.get("Event") in sip_security.SECURITY_EVENTS:
                self.stats.security_events += 1
                decision = self._feed_security(message, when)
                if decision is not None:
                    blocks.append(decision)
                continue
            outputs.extend(tracker.feed(message, when))
            outputs.extend(presence.feed(message, when))
            queue_outputs.extend(queues.feed(message, when))
        self.stats.events += events
        if outputs or queue_outputs or oldest is not None:
            self._apply(outputs, oldest, queue_outputs)
        for decision in blocks:
            self._with_db_retry(sip_security.block_address, decision=decision, block_for=self._block_for)
            self.stats.blocks += 1
        if time.monotonic() - self._last_block_sweep > _BLOCK_SWEEP_INTERVAL:
            self._sweep_blocks()

    def _feed_security(self, message: Message, when: dt.datetime) -> sip_security.BlockDecision | None:
        if not self.security_enabled or message.get("Event") not in sip_security.FAILURE_EVENTS:
            return None
        if message.get("Service") != "PJSIP":
            # AMI's own login failures (18-restricted-user-permission-denied-md5-challenge.txt): not SIP traffic
            return None
        if time.monotonic() - self._never_block_loaded_at > 300:
            # The trunks' addresses come from ps_endpoint_id_ips: re-read every few minutes.
            self._never_block = self._with_db_retry(sip_security.never_block_networks, ami_host=self.client.host)
            self._never_block_loaded_at = time.monotonic()
        return self.sip_failures.feed(message, event_time(message) or when)

    def _sweep_blocks(self) -> None:
        self._last_block_sweep = time.monotonic()
        if self.security_enabled:
            self._with_db_retry(sip_security.expire_blocks)

    def _with_db_retry(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)``, retried with capped backoff while the database is unreachable.

        Connection-level errors (:data:`_TRANSIENT_DB_ERRORS`) are waited out for as long as they
        last: dropping a batch would lose calls. Other database errors (a constraint, bad data)
        do not heal by waiting: they are retried three times, then raised.
        """
        attempt = 0
        delay = _DB_RETRY_INITIAL
        while True:
            try:
                return function(*args, **kwargs)
            except DatabaseError as exc:
                transient = isinstance(exc, _TRANSIENT_DB_ERRORS)
                if not transient and attempt >= 3:
                    raise
                attempt += 1
                self.stats.db_retries += 1
                if attempt == 1 or attempt % 10 == 0:
                    _log(logging.WARNING, "db_unavailable_retrying", attempt=attempt, error=type(exc).__name__)
                self.stats.last_error = str(exc)
                # Drop this thread's broken connections so the next attempt reconnects.
                for connection in connections.all(initialized_only=True):
                    with contextlib.suppress(Exception):
                        if connection.in_atomic_block:
                            continue
                        connection.close()
                time.sleep(delay)
                delay = min(_DB_RETRY_MAX, delay * 2)

    def _apply(self, outputs: list[Any], oldest: float | None, queue_outputs: list[Any] | None = None) -> None:
        # The tracker already consumed these events: retry the write, never re-feed them.
        result = self._with_db_retry(services.apply_outputs, outputs, push=self.push)
        linkedids = {o.linkedid for o in outputs if isinstance(o, CallUpdate)}
        if queue_outputs or linkedids:
            # After the CallLogs: queue, wait, answering agent and "abandoned" are laid over them.
            self._with_db_retry(
                callcentre_services.apply_queue_outputs,
                queue_outputs or [],
                call_linkedids=linkedids,
                push_changes=self.push,
            )
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
        self.directory.refresh()
        now = marker.at or dt.datetime.now(dt.UTC)
        outputs: list[Output | PresenceUpdate] = [*self.tracker.resync_channels(marker.channels, now)]
        if marker.contacts is not None:
            outputs.extend(self.presence.resync_contacts(marker.contacts, now))
        queue_outputs: list[Any] = []
        if marker.wrapups is not None:
            self._wrapups = dict(marker.wrapups)
        for name, items in (marker.queues or {}).items():
            queue_outputs.extend(self.queues.resync_queue(name, items, now))
        if queue_outputs:
            self._with_db_retry(callcentre_services.apply_queue_outputs, queue_outputs, push_changes=self.push)
        active = {m.get("Linkedid") or m.get("Uniqueid") for m in marker.channels} | self.tracker.live_linkedids()
        result = self._with_db_retry(services.apply_outputs, outputs, push=self.push)
        closed = self._with_db_retry(services.close_stale_calls, {a for a in active if a}, now)
        self.stats.resyncs += 1
        _log(
            logging.INFO,
            "resync_done",
            channels=len(marker.channels),
            contacts=len(marker.contacts or ()),
            calls_written=result.calls_written,
            closed=len(closed),
        )


def _queue_wrapups() -> dict[str, int]:
    """The CRM's queues and their wrap-up seconds (a worker thread: closes its connection)."""
    try:
        return callcentre_services.queue_wrapups()
    finally:
        connections.close_all()


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
        listener = CallEventListener(deliver_webhooks=True)

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
