"""AsyncAMIClient against the fake server: login, actions, events, keepalive, reconnect."""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
import time
from collections.abc import Callable

import pytest

from tests.ami import transcripts as tr
from tests.ami.fake_server import FakeAMIServer
from voip.ami import (
    AMIActionError,
    AMIAuthenticationError,
    AMIConnectionClosed,
    AMIConnectionError,
    AMIPermissionDenied,
    AMITimeoutError,
    AsyncAMIClient,
    Message,
    backoff_delay,
)

pytestmark = pytest.mark.skipif(
    not tr.transcripts_available(), reason=f"{tr.TRANSCRIPT_DIR} (recorded Asterisk bytes) is absent"
)


def client_for(server: FakeAMIServer, **kwargs: object) -> AsyncAMIClient:
    options: dict[str, object] = {"connect_timeout": 2.0, "action_timeout": 2.0, "keepalive_interval": None}
    options.update(kwargs)
    username = str(options.pop("username", "admin"))
    secret = str(options.pop("secret", server.users[username].secret))
    return AsyncAMIClient(server.host, server.port, username, secret, **options)  # type: ignore[arg-type]


async def eventually(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def recorded_event(name: str, prefix: str = "24") -> bytes:
    return tr.find_message(lambda raw: raw.startswith(f"Event: {name}\r\n".encode()), prefix)


@pytest.mark.parametrize("auth", ["plain", "md5"])
async def test_login_actions_and_lists(async_fake_ami: FakeAMIServer, auth: str) -> None:
    async with client_for(async_fake_ami, auth=auth, events=False) as client:
        assert client.connected and client.ami_version == "11.0.0"
        assert (await client.ping())["Ping"] == "Pong"
        assert (await client.command("core show version")).startswith("Asterisk 22.10.1")
        contacts = await client.send_list_action("PJSIPShowContacts")
        assert contacts.list_items == len(contacts.items) >= 1
        pings = await asyncio.gather(*(client.ping() for _ in range(10)))
        assert len({pong.action_id for pong in pings}) == 10
    assert async_fake_ami.action_names()[-1] == "Logoff"
    assert not client.connected


async def test_failed_login(async_fake_ami: FakeAMIServer) -> None:
    client = client_for(async_fake_ami, secret="wrong")
    with pytest.raises(AMIAuthenticationError) as caught:
        await client.connect()
    assert caught.value.port == async_fake_ami.port and "Authentication failed" in caught.value.reason
    assert not client.connected


async def test_refused_and_silent_servers() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AMIConnectionError) as refused:
        await AsyncAMIClient("127.0.0.1", port, "admin", "x").connect()
    assert refused.value.reason == "connection refused" and str(port) in str(refused.value)

    async with FakeAMIServer(send_greeting=False) as mute:
        started = time.monotonic()
        with pytest.raises(AMITimeoutError):
            await client_for(mute, connect_timeout=0.3).connect()
        assert time.monotonic() - started < 1.5


async def test_action_timeout_and_errors() -> None:
    async with FakeAMIServer(silent_actions=["Ping"]) as server, client_for(server) as client:
        with pytest.raises(AMITimeoutError):
            await client.ping(timeout=0.2)
        with pytest.raises(AMIActionError) as unknown:
            await client.send_action("NoSuchAction")
        assert unknown.value.message.startswith("Invalid/unknown command")
        with pytest.raises(AMIActionError) as cli_error:
            await client.command("frobnicate the widgets")
        assert "No such command" in cli_error.value.message


async def test_permission_denied(async_fake_ami: FakeAMIServer) -> None:
    async with client_for(async_fake_ami, username="crm") as client:
        with pytest.raises(AMIPermissionDenied):
            await client.send_action("Reload", {"Module": "res_pjsip.so"})


async def test_event_handlers_streams_and_waiters(async_fake_ami: FakeAMIServer) -> None:
    seen_sync: list[str] = []
    seen_async: list[str] = []

    async def on_hangup(event: Message) -> None:
        seen_async.append(event["Channel"])

    async with client_for(async_fake_ami, events="call") as client:
        client.add_event_handler(lambda event: seen_sync.append(event.event or ""))
        remove = client.add_event_handler(on_hangup, filter="Hangup")
        stream = client.events(filter=["Newchannel", "OriginateResponse"])

        originate = await client.send_action(
            "Originate", {"Channel": "PJSIP/1001", "Context": "from-internal", "Exten": "1003", "Async": "true"}
        )
        response = await client.wait_for_event(
            lambda e: e.event == "OriginateResponse" and e.action_id == originate.action_id, timeout=2
        )
        assert response["Reason"] == "4"
        await async_fake_ami.push_events(recorded_event("Newchannel") + recorded_event("Hangup"))
        first = await asyncio.wait_for(stream.__anext__(), 2)
        second = await asyncio.wait_for(stream.__anext__(), 2)
        assert [first.event, second.event] == ["OriginateResponse", "Newchannel"]
        await eventually(lambda: len(seen_async) == 1)
        assert seen_sync == ["OriginateResponse", "Newchannel", "Hangup"]
        remove()
        await async_fake_ami.push_events(recorded_event("Hangup"))
        await eventually(lambda: len(seen_sync) == 4)
        assert len(seen_async) == 1
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(stream.__anext__(), 1)  # close() ends the streams


async def test_event_mask_and_filter_action(async_fake_ami: FakeAMIServer) -> None:
    async with client_for(async_fake_ami, events="system", event_filter=["Event: Newchannel"]) as client:
        login = next(a for a in async_fake_ami.actions if a.get("Action") == "Login")
        assert login["Events"] == "system"
        filters = [a for a in async_fake_ami.actions if a.get("Action") == "Filter"]
        assert [(f["Operation"], f["Filter"]) for f in filters] == [("Add", "Event: Newchannel")]
        stream = client.events()
        # A call-class event does not reach a session that asked for system events only.
        await async_fake_ami.push_events(recorded_event("Newchannel"))
        booted = recorded_event("FullyBooted", "01")
        await async_fake_ami.push_events(booted)
        event = await asyncio.wait_for(stream.__anext__(), 2)
        assert event.event == "FullyBooted"


async def test_pending_actions_fail_when_connection_drops(async_fake_ami: FakeAMIServer) -> None:
    async_fake_ami.silent_actions.add("ping")
    client = client_for(async_fake_ami)
    await client.connect()
    pending = asyncio.ensure_future(client.ping(timeout=5))
    await asyncio.sleep(0.05)
    await async_fake_ami.drop_connections()
    with pytest.raises(AMIConnectionClosed):
        await asyncio.wait_for(pending, 2)
    assert not client.connected
    await client.close()


async def test_reconnect_with_backoff_and_resync_hook(async_fake_ami: FakeAMIServer) -> None:
    resyncs: list[int] = []

    async def on_connect(client: AsyncAMIClient) -> None:
        resyncs.append(client.connect_count)
        await client.send_list_action("PJSIPShowEndpoints")  # what a listener does to resync

    client = client_for(async_fake_ami, on_connect=on_connect, reconnect_initial_delay=0.05, reconnect_max_delay=0.2)
    runner = asyncio.ensure_future(client.run_forever(rng=random.Random(7)))
    await eventually(lambda: client.connected)
    connections_before = async_fake_ami.connections
    await async_fake_ami.restart(downtime=0.5)  # Asterisk restarted: refused for a while
    await eventually(lambda: client.connected and len(resyncs) == 2, timeout=5)
    assert resyncs == [1, 2]
    assert async_fake_ami.connections == connections_before + 1
    assert isinstance(client.last_error, AMIConnectionError)
    assert (await client.ping())["Ping"] == "Pong"
    await client.close()
    await asyncio.wait_for(runner, 2)


async def test_keepalive_failure_triggers_reconnect() -> None:
    async with FakeAMIServer() as server:
        client = client_for(server, keepalive_interval=0.1, action_timeout=0.2, reconnect_initial_delay=0.05)
        runner = asyncio.ensure_future(client.run_forever())
        await eventually(lambda: client.connected)
        await eventually(lambda: server.action_names().count("Ping") >= 2)
        server.silent_actions.add("ping")  # Asterisk hangs: Pong never comes
        await eventually(lambda: client.connect_count >= 2, timeout=5)
        assert isinstance(client.last_error, AMIConnectionError)
        await client.close()
        await asyncio.wait_for(runner, 2)


async def test_failing_resync_hook_keeps_the_session(async_fake_ami: FakeAMIServer) -> None:
    def broken_resync(client: AsyncAMIClient) -> None:
        raise RuntimeError("database down")

    async with client_for(async_fake_ami, on_connect=broken_resync) as client:
        assert client.connected
        assert (await client.ping())["Ping"] == "Pong"
        await client.connect()  # already connected: no second login
    assert async_fake_ami.action_names().count("Login") == 1


async def test_run_forever_stops_on_wrong_secret(async_fake_ami: FakeAMIServer) -> None:
    client = client_for(async_fake_ami, secret="wrong")
    with pytest.raises(AMIAuthenticationError):
        await asyncio.wait_for(client.run_forever(), 3)


def test_backoff_delay_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    without_jitter = [backoff_delay(n, initial=0.5, cap=30, jitter=0) for n in range(10)]
    assert without_jitter[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(without_jitter) == 30
    jittered = [backoff_delay(3, initial=0.5, cap=30, jitter=0.2, rng=rng) for _ in range(200)]
    assert all(3.2 <= delay <= 4.8 for delay in jittered)
    assert len(set(jittered)) > 100
    assert all(backoff_delay(50, cap=30, jitter=0.5, rng=rng) <= 30 for _ in range(100))


async def test_backoff_keeps_growing_when_asterisk_closes_right_after_login() -> None:
    """Asterisk accepts the login and hangs up soon after: a reconnect per initial delay forever was the bug."""
    async with FakeAMIServer(close_after_login=0.01) as server:
        client = client_for(
            server, reconnect_initial_delay=0.05, reconnect_max_delay=0.4, reconnect_jitter=0, stable_after=5.0
        )
        runner = asyncio.ensure_future(client.run_forever())
        await eventually(lambda: len(server.sessions) >= 5, timeout=5)
        await client.close()
        await asyncio.wait_for(runner, 2)
    opened = [session.opened_at for session in server.sessions[:5]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(opened)]
    assert gaps[2] >= 0.18 and gaps[3] >= 0.35, gaps  # 0.05, 0.1, 0.2, 0.4: not reset by each login


async def test_backoff_resets_once_a_connection_stayed_up() -> None:
    async with FakeAMIServer(close_after_login=0.01) as server:
        client = client_for(
            server, reconnect_initial_delay=0.05, reconnect_max_delay=5, reconnect_jitter=0, stable_after=0.3
        )
        runner = asyncio.ensure_future(client.run_forever())
        await eventually(lambda: len(server.sessions) >= 4, timeout=5)  # backoff is at 0.4 s and growing
        server.close_after_login = None
        await eventually(lambda: client.connected, timeout=5)
        await asyncio.sleep(0.4)  # up longer than stable_after
        dropped_at = time.monotonic()
        before = client.connect_count
        await server.drop_connections()
        await eventually(lambda: client.connect_count == before + 1, timeout=5)
        assert server.sessions[-1].opened_at - dropped_at < 0.2  # the initial delay again, not 0.8 s or more
        await client.close()
        await asyncio.wait_for(runner, 2)
