"""The listener against the fake AMI server: live CallLog, dropped connection + resync, replay."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError

from tests.ami.transcripts import load
from voip.calls.listener import LISTENER_EVENTS, CallEventListener
from voip.calls.models import CallLog, EndpointPresence
from voip.provisioning.models import InternalNumber

pytestmark = pytest.mark.django_db(transaction=True)

LINKEDID = "1795815413.12"  # the call file 20's CoreShowChannels lists (what the fake server answers)
# File 14's click-to-call (1001 -> 1003) renamed to the ids of that listing; bytes otherwise as recorded.
RENAMES = [
    (b"1795815155.5", LINKEDID.encode()),
    (b"1795815155.6", b"1795815413.13"),
    (b"PJSIP/1001-00000003", b"PJSIP/1001-00000009"),
    (b"PJSIP/1003-00000004", b"PJSIP/1003-0000000a"),
]


def call_events() -> tuple[bytes, bytes]:
    """File 14's unsolicited events split after both legs entered the bridge."""
    raws = [raw for raw in load("14")[0].messages() if raw.startswith(b"Event: ") and b"\r\nActionID: " not in raw]
    for old, new in RENAMES:
        raws = [raw.replace(old, new) for raw in raws]
    bridged = [i for i, raw in enumerate(raws) if raw.startswith(b"Event: BridgeEnter")][-1]
    return b"".join(raws[: bridged + 1]), b"".join(raws[bridged + 1 :])


def wait_for(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OperationalError:  # SQLite's shared in-memory test database: the worker holds the lock
            pass
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def agents() -> None:
    User = get_user_model()
    for ext, name in [("1001", "Alice"), ("1003", "Carol")]:
        user = User.objects.create_user(name.lower(), first_name=name, password="x")
        InternalNumber.objects.create(user=user, number=ext, endpoint_id=ext)


@pytest.fixture
def listener(fake_ami, agents) -> Iterator[CallEventListener]:
    listener = CallEventListener(
        fake_ami.ami_options(),
        push=False,
        keepalive_interval=None,
        reconnect_initial_delay=0.05,
        reconnect_max_delay=0.2,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(listener.run(),), daemon=True)
    thread.start()
    wait_for(lambda: listener.stats.resyncs >= 1)
    yield listener
    asyncio.run_coroutine_threadsafe(listener.stop(), loop).result(5)
    thread.join(10)
    loop.close()


def call() -> CallLog | None:
    return CallLog.objects.filter(linkedid=LINKEDID).first()


def test_login_asks_for_the_event_classes_and_resyncs(fake_ami, listener) -> None:
    login = next(a for a in fake_ami.server.actions if a.get("Action") == "Login")
    assert login.get("Events") == LISTENER_EVENTS
    names = fake_ami.server.action_names()
    assert names.index("CoreShowChannels") < names.index("PJSIPShowContacts")


def test_connection_dropped_mid_call_keeps_the_call(fake_ami, listener) -> None:
    first, rest = call_events()
    fake_ami.server.active_channels.add("PJSIP/1001-00000009")  # Asterisk still has the call
    fake_ami.server.push_events_threadsafe(first)
    wait_for(lambda: call() is not None and call().answered_at is not None)
    assert call().disposition == "in_progress"
    fake_ami.server.drop_connections_threadsafe()
    wait_for(lambda: listener.stats.resyncs >= 2)
    listener.wait_idle()
    live = call()
    assert live.disposition == "in_progress" and live.ended_at is None
    fake_ami.server.push_events_threadsafe(rest)
    wait_for(lambda: call().ended_at is not None)
    done = call()
    assert (done.disposition, done.caller_number, done.callee_number, done.hangup_cause) == (
        "answered",
        "1001",
        "1003",
        16,
    )
    assert CallLog.objects.count() == 1


def test_call_that_ended_during_the_outage_is_closed_on_resync(fake_ami, listener) -> None:
    first, _rest = call_events()
    fake_ami.server.push_events_threadsafe(first)
    wait_for(lambda: call() is not None and call().answered_at is not None)
    fake_ami.server.active_channels.clear()  # the call hung up while we were away
    fake_ami.server.drop_connections_threadsafe()
    wait_for(lambda: call().ended_at is not None)
    closed = call()
    assert closed.disposition == "answered" and "disconnected" in closed.hangup_cause_text
    assert listener.stats.connects >= 2


def test_replayed_events_do_not_duplicate(fake_ami, listener) -> None:
    first, rest = call_events()
    fake_ami.server.active_channels.add("PJSIP/1001-00000009")
    fake_ami.server.push_events_threadsafe(first + rest)
    wait_for(lambda: call() is not None and call().ended_at is not None)
    ended = call().ended_at
    fake_ami.server.push_events_threadsafe(first + rest)
    time.sleep(0.3)
    listener.wait_idle()
    assert CallLog.objects.count() == 1 and call().ended_at == ended


def test_presence_from_contact_events(fake_ami, listener) -> None:
    session_c = b"".join(raw for raw in load("12")[2].messages() if raw.startswith(b"Event: "))
    # The resync already saw 1003's contact (PJSIPShowContacts replayed from file 02/20).
    before = EndpointPresence.objects.filter(endpoint_id="1003").values_list("roundtrip_usec", flat=True).first()
    assert before != 3138
    fake_ami.server.push_events_threadsafe(session_c)
    # The Reachable ContactStatus and the DeviceStateChange after it may land in two batches.
    wait_for(
        lambda: EndpointPresence.objects.filter(
            endpoint_id="1003", roundtrip_usec=3138, device_state="NOT_INUSE"
        ).exists()
    )
    row = EndpointPresence.objects.get(endpoint_id="1003")
    assert row.status == "registered" and row.contact_status == "Reachable" and row.device_state == "NOT_INUSE"
