"""The listener through database outages and floods, and one listener per Asterisk (issue 10, items 6-8).

The database is made unreachable for the listener's worker thread only: every statement it runs
raises ``OperationalError``, as a refused or dropped connection does, while the test thread keeps
reading. Call events are file 14's click-to-call (as in test_listener_fake_ami), cloned with new
ids, each event carrying the ``Timestamp:`` header Asterisk adds with ``timestampevents = yes``
(the recorded sessions had it off: the header values are invented, its form is Asterisk's).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.db.backends import utils as db_utils

from tests.calls.test_listener_fake_ami import LINKEDID, call_events, wait_for
from voip.ami.protocol import AMIParser
from voip.calls import services
from voip.calls.listener import CallEventListener
from voip.calls.models import CallLog
from voip.calls.single_listener import ListenerLock, listener_lock_name
from voip.provisioning.models import InternalNumber

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_THREAD = "voip-call-events"


class DatabaseOutage:
    """While on, every SQL statement of the listener's worker thread fails like an unreachable server."""

    def __init__(self) -> None:
        self.down = threading.Event()
        self.refused = 0

    def start(self) -> None:
        self.down.set()

    def stop(self) -> None:
        self.down.clear()


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> DatabaseOutage:
    state = DatabaseOutage()
    original = db_utils.CursorWrapper._execute_with_wrappers

    def execute(self: Any, sql: str, params: Any, many: bool, executor: Any) -> Any:
        if state.down.is_set() and threading.current_thread().name == WORKER_THREAD:
            state.refused += 1
            raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")
        return original(self, sql, params, many, executor)

    monkeypatch.setattr(db_utils.CursorWrapper, "_execute_with_wrappers", execute)
    return state


@pytest.fixture
def agents() -> None:
    User = get_user_model()
    for ext, name in [("1001", "Alice"), ("1003", "Carol")]:
        user = User.objects.create_user(name.lower(), first_name=name, password="x")
        InternalNumber.objects.create(user=user, number=ext, endpoint_id=ext)


Running = tuple[CallEventListener, asyncio.AbstractEventLoop, threading.Thread]


def start_listener(fake_ami: Any, **kwargs: Any) -> Running:
    options = {"push": False, "keepalive_interval": None, "reconnect_initial_delay": 0.05, "reconnect_max_delay": 0.2}
    options.update(kwargs)
    listener = CallEventListener(fake_ami.ami_options(), **options)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(listener.run(),), daemon=True)
    thread.start()
    return listener, loop, thread


def stop_listener(listener: CallEventListener, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    asyncio.run_coroutine_threadsafe(listener.stop(), loop).result(10)
    thread.join(30)
    loop.close()


@pytest.fixture
def make_listener(fake_ami, agents) -> Iterator[Callable[..., CallEventListener]]:
    started: list[Running] = []

    def make(wait_resync: bool = True, **kwargs: Any) -> CallEventListener:
        running = start_listener(fake_ami, **kwargs)
        started.append(running)
        if wait_resync:
            wait_for(lambda: running[0].stats.resyncs >= 1)
        return running[0]

    yield make
    for running in started:
        stop_listener(*running)


# --- event streams ----------------------------------------------------------------------------


def stamped(raws: list[bytes], start: dt.datetime, step: float = 0.25) -> tuple[bytes, list[dt.datetime]]:
    """Give each event a ``Timestamp:`` after its ``Privilege:`` line, as timestampevents does."""
    out, stamps = [], []
    for index, raw in enumerate(raws):
        moment = start + dt.timedelta(seconds=index * step)
        stamps.append(moment)
        head, _, rest = raw.partition(b"\r\n")
        privilege, _, tail = rest.partition(b"\r\n")
        out.append(head + b"\r\n" + privilege + f"\r\nTimestamp: {moment.timestamp():.6f}\r\n".encode() + tail)
    return b"".join(out), stamps


def split_raw(data: bytes) -> list[bytes]:
    return [part + b"\r\n\r\n" for part in data.split(b"\r\n\r\n") if part]


def one_call(serial: int | None = None) -> list[bytes]:
    """File 14's call; with a serial, every id renamed so that clones are distinct calls."""
    first, rest = call_events()
    raws = split_raw(first + rest)
    if serial is None:
        return raws
    renames = [
        (LINKEDID.encode(), f"1800{serial:06d}.1".encode()),
        (b"1795815413.13", f"1800{serial:06d}.2".encode()),
        (b"PJSIP/1001-00000009", f"PJSIP/1001-{serial:08x}".encode()),
        (b"PJSIP/1003-0000000a", f"PJSIP/1003-{serial + 0x10000000:08x}".encode()),
    ]
    for old, new in renames:
        raws = [raw.replace(old, new) for raw in raws]
    return raws


def real_times(raws: list[bytes], stamps: list[dt.datetime]) -> tuple[dt.datetime, dt.datetime]:
    """(first Newchannel, last Hangup): when the call started and ended."""
    pairs = list(zip(raws, stamps, strict=True))
    started = next(stamp for raw, stamp in pairs if raw.startswith(b"Event: Newchannel"))
    ended = [stamp for raw, stamp in pairs if raw.startswith(b"Event: Hangup")][-1]
    return started, ended


def push_in_background(fake_ami: Any, data: bytes) -> Any:
    """Send without waiting: with the listener not reading, the server's writes block (as Asterisk's do)."""
    server = fake_ami.server
    return asyncio.run_coroutine_threadsafe(server.push_events(data), server._loop)


# --- item 6: a database outage loses no event -------------------------------------------------


def test_a_database_outage_loses_no_event_and_the_call_keeps_its_real_times(fake_ami, make_listener, outage):
    listener = make_listener()
    raws = one_call()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=10)
    data, stamps = stamped(raws, start)
    outage.start()
    fake_ami.server.push_events_threadsafe(data)
    # Longer than the old three retries (0.7 s) that dropped the batch.
    wait_for(lambda: outage.refused >= 6, timeout=15)
    time.sleep(2.0)
    assert CallLog.objects.filter(linkedid=LINKEDID).count() == 0  # nothing could be written yet
    outage.stop()
    wait_for(lambda: CallLog.objects.filter(linkedid=LINKEDID, ended_at__isnull=False).exists(), timeout=20)
    call = CallLog.objects.get(linkedid=LINKEDID)
    assert call.disposition == "answered"
    assert (call.started_at, call.ended_at) == real_times(raws, stamps)
    assert listener.stats.db_retries >= 6


# --- item 7: a bounded queue and backpressure -------------------------------------------------


@pytest.mark.parametrize("outage_seconds", [1.5, 60.0], ids=["short", "60s"])
def test_the_queue_stays_bounded_and_nothing_is_lost_through_an_outage(fake_ami, make_listener, outage, outage_seconds):
    calls = 60
    listener = make_listener(queue_max=100, queue_hard_max=4000)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    expected: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    stream = []
    for serial in range(calls):
        raws = one_call(serial)
        data, stamps = stamped(raws, start + dt.timedelta(seconds=serial * 20))
        expected[f"1800{serial:06d}.1"] = real_times(raws, stamps)
        stream.append(data)
    total_events = sum(len(split_raw(data)) for data in stream)
    outage.start()
    down_since = time.monotonic()
    sending = push_in_background(fake_ami, b"".join(stream))
    wait_for(lambda: listener.client.reading_paused, timeout=20)
    time.sleep(max(0.0, outage_seconds - (time.monotonic() - down_since)))
    assert listener.queued <= listener.queue_hard_max
    assert listener.stats.queue_peak <= listener.queue_hard_max
    assert listener.stats.queue_peak < total_events  # the rest waited outside the process
    assert listener.stats.backpressure_pauses >= 1
    outage.stop()
    sending.result(60)
    wait_for(lambda: CallLog.objects.filter(ended_at__isnull=False).count() == calls, timeout=90)
    assert listener.stats.dropped_events == 0
    rows = {row.linkedid: (row.started_at, row.ended_at) for row in CallLog.objects.all()}
    assert rows == expected
    assert listener.stats.queue_peak <= listener.queue_hard_max


def deliver_as_one_read(listener: CallEventListener, data: bytes) -> None:
    """Hand ``data`` to the client as one socket read would: every message parsed, then dispatched."""

    async def feed() -> None:
        for message in AMIParser(expect_greeting=False).feed(data):
            listener.client._dispatch_event(message)

    assert listener._loop is not None
    asyncio.run_coroutine_threadsafe(feed(), listener._loop).result(10)


def test_events_read_past_the_hard_bound_are_dropped_and_a_resync_closes_their_calls(fake_ami, make_listener, outage):
    listener = make_listener(queue_max=20, queue_hard_max=30)
    resyncs = listener.stats.resyncs
    data = b"".join(stamped(one_call(serial), dt.datetime.now(dt.UTC))[0] for serial in range(5))
    outage.start()
    # Several hundred events in one read: the pause at 20 cannot stop those already read.
    deliver_as_one_read(listener, data)
    assert listener.client.reading_paused
    assert listener.stats.dropped_events > 0
    assert listener.stats.queue_peak == 30
    outage.stop()
    # Asterisk no longer lists these channels (fake server: no active channels): the resync that
    # follows the pause closes every call whose hangup was dropped.
    wait_for(lambda: listener.stats.resyncs > resyncs, timeout=30)
    listener.wait_idle(20)
    wait_for(lambda: CallLog.objects.exists() and not CallLog.objects.filter(disposition="in_progress").exists())
    assert not listener.client.reading_paused
    assert listener.stats.queue_peak == 30


# --- item 8: one listener per Asterisk --------------------------------------------------------


def test_two_listeners_on_one_asterisk_push_each_call_once(fake_ami, make_listener, monkeypatch, caplog):
    pushed: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def record(user_id: int, payload: dict[str, Any]) -> None:
        with lock:
            pushed.append((user_id, payload.get("kind", ""), str(payload.get("linkedid", ""))))

    monkeypatch.setattr(services, "push_to_user", record)
    first = make_listener(push=True, standby_retry=0.2)
    with caplog.at_level("WARNING", logger="voip.calls.listener"):
        second = make_listener(push=True, standby_retry=0.2, wait_resync=False)
        wait_for(lambda: any("listener_standby" in r.getMessage() for r in caplog.records), timeout=10)
    fake_ami.server.push_events_threadsafe(b"".join(one_call()))
    wait_for(lambda: CallLog.objects.filter(linkedid=LINKEDID, ended_at__isnull=False).exists())
    first.wait_idle()
    time.sleep(0.5)
    assert pushed, "the call should have been pushed"
    assert len(pushed) == len(set(pushed)), pushed
    assert second.stats.connects == 0 and second.stats.events == 0
    assert len([s for s in fake_ami.server.sessions if s.logged_in]) == 1


def test_the_standby_listener_takes_over_when_the_first_stops(fake_ami, agents):
    first = start_listener(fake_ami, standby_retry=0.2)
    wait_for(lambda: first[0].stats.resyncs >= 1)
    second = start_listener(fake_ami, standby_retry=0.2)
    try:
        time.sleep(0.6)
        assert second[0].stats.connects == 0
        stop_listener(*first)
        wait_for(lambda: second[0].stats.resyncs >= 1, timeout=10)
        assert second[0].stats.connects == 1
    finally:
        stop_listener(*second)


def test_the_lock_is_exclusive_and_released(tmp_path):
    name = listener_lock_name(host="192.0.2.1", port=5038)
    holder = ListenerLock(name=name, lock_dir=tmp_path)
    other = ListenerLock(name=name, lock_dir=tmp_path)
    elsewhere = ListenerLock(name=listener_lock_name(host="192.0.2.2", port=5038), lock_dir=tmp_path)
    try:
        assert holder.acquire() is True
        assert other.acquire() is False
        assert elsewhere.acquire() is True  # another Asterisk, another listener
        assert holder.still_held() is True
        holder.release()
        assert other.acquire() is True
    finally:
        for lock in (holder, other, elsewhere):
            lock.release()


def test_the_embedded_listener_stands_by_while_asterisk_events_runs(fake_ami, agents, settings, monkeypatch):
    from voip.calls import listener as listener_module

    settings.VOIP = [{"PROVIDER": "Asterisk", "OPTIONS": fake_ami.ami_options()}]
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "EMBEDDED_LISTENER": True}
    monkeypatch.setattr(listener_module.sys, "argv", ["daphne", "config.asgi:application"])
    holder = ListenerLock(name=listener_lock_name(host=fake_ami.host, port=fake_ami.port))
    assert holder.acquire()  # what a running `asterisk_events` holds
    try:
        assert listener_module.maybe_start_embedded_listener() is True
        embedded = listener_module._embedded_listener
        assert embedded is not None
        time.sleep(1.0)
        assert embedded.stats.connects == 0
        assert not any(s.logged_in for s in fake_ami.server.sessions)
    finally:
        holder.release()
        embedded = listener_module._embedded_listener
        if embedded is not None:
            wait_for(lambda: embedded.stats.connects >= 1, timeout=15)  # took over
            loop_thread = listener_module._embedded_thread
            future_loop = embedded._loop
            assert future_loop is not None
            asyncio.run_coroutine_threadsafe(embedded.stop(), future_loop).result(10)
            if loop_thread is not None:
                loop_thread.join(30)
            listener_module._embedded_listener = None
            listener_module._embedded_thread = None
