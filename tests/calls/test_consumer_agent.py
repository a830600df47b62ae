"""The agent's WebSocket: only logged-in users connect, and each receives only their own pushes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from tests.calls.ui_support import make_agent
from voip.calls.consumers import CLOSE_UNAUTHENTICATED, AgentConsumer

PATH = "/ws/voip/agent/"
RINGING = {
    "kind": "ringing",
    "linkedid": "1795815001.12",
    "caller_number": "+74951234567",
    "caller_display": "+7 495 123-45-67",
    "caller_name": "",
    "contact": None,
    "create_contact_url": "/crm/contacts/new/?phone=%2B74951234567",
    "recent_calls": [],
    "started_at": "2026-11-27T21:56:05+00:00",
}


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _asgi_application():
    from config.asgi import application

    return application


async def _session_cookie_for(user) -> str:
    def login() -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[django_settings.SESSION_COOKIE_NAME].value

    return await sync_to_async(login)()


async def _connect(cookie: str | None = None, origin: bytes = b"http://127.0.0.1"):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(_asgi_application(), PATH, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


@pytest.mark.django_db(transaction=True)
async def test_anonymous_socket_is_closed():
    communicator, connected, code = await _connect()
    assert connected is False
    assert code == CLOSE_UNAUTHENTICATED
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused():
    alice = await sync_to_async(make_agent)("alice", "1001")
    cookie = await _session_cookie_for(alice)
    communicator, connected, _code = await _connect(cookie, origin=b"https://evil.example")
    assert connected is False
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_only_the_right_user_receives_their_push():
    from voip.calls.push import apush_to_user

    alice = await sync_to_async(make_agent)("alice", "1001")
    bob = await sync_to_async(make_agent)("bob", "1003")
    alice_ws, ok_a, _ = await _connect(await _session_cookie_for(alice))
    bob_ws, ok_b, _ = await _connect(await _session_cookie_for(bob))
    assert ok_a and ok_b
    try:
        await apush_to_user(alice.pk, RINGING)
        assert await alice_ws.receive_json_from(timeout=2) == RINGING
        assert await bob_ws.receive_nothing(timeout=0.3)
        progress = {"kind": "call_progress", "linkedid": "x", "action_id": "a", "state": "dialing", "reason": ""}
        await apush_to_user(bob.pk, progress)
        assert await bob_ws.receive_json_from(timeout=2) == progress
        assert await alice_ws.receive_nothing(timeout=0.3)
    finally:
        await alice_ws.disconnect()
        await bob_ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_every_open_tab_of_the_user_receives_it_and_closed_ones_leave_the_group():
    from voip.calls.push import apush_to_user, user_group

    alice = await sync_to_async(make_agent)("alice", "1001")
    cookie = await _session_cookie_for(alice)
    tab1, ok1, _ = await _connect(cookie)
    tab2, ok2, _ = await _connect(cookie)
    assert ok1 and ok2
    await apush_to_user(alice.pk, RINGING)
    assert await tab1.receive_json_from(timeout=2) == RINGING
    assert await tab2.receive_json_from(timeout=2) == RINGING
    await tab1.disconnect()
    layer = get_channel_layer()
    assert len(layer.groups.get(user_group(alice.pk), {})) == 1
    await tab2.disconnect()
    assert not layer.groups.get(user_group(alice.pk))


@pytest.mark.django_db(transaction=True)  # channels closes stale DB connections around each message
async def test_consumer_joins_the_contract_group_name():
    class FakeUser:
        pk = 42
        is_authenticated = True
        is_active = True

    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), PATH)
    communicator.scope["user"] = FakeUser()
    connected, _ = await communicator.connect(timeout=2)
    assert connected
    await get_channel_layer().group_send("voip.user.42", {"type": "voip.push", "payload": {"kind": "missed_call"}})
    assert await communicator.receive_json_from(timeout=2) == {"kind": "missed_call"}
    await communicator.send_json_to({"kind": "ping"})
    assert await communicator.receive_json_from(timeout=2) == {"kind": "pong"}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_inactive_user_is_refused():
    class Inactive:
        pk = 7
        is_authenticated = True
        is_active = False

    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), PATH)
    communicator.scope["user"] = Inactive()
    connected, code = await communicator.connect(timeout=2)
    assert connected is False
    assert code == CLOSE_UNAUTHENTICATED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("frame", ["not json{", "[1, 2]", '"ping"', "null", "\u2028"])
async def test_a_frame_that_is_not_a_json_object_is_ignored_and_the_socket_stays_up(frame, caplog):
    agent = await sync_to_async(make_agent)("frames", "1011")
    communicator, connected, _code = await _connect(await _session_cookie_for(agent))
    assert connected
    with caplog.at_level("WARNING", logger="voip.calls.consumers"):
        await communicator.send_to(text_data=frame)
        await communicator.send_json_to({"kind": "ping"})
        assert await communicator.receive_json_from(timeout=2) == {"kind": "pong"}
    assert any("ws_frame_ignored" in record.getMessage() for record in caplog.records)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_binary_frame_is_ignored_too(caplog):
    agent = await sync_to_async(make_agent)("binary", "1012")
    communicator, connected, _code = await _connect(await _session_cookie_for(agent))
    assert connected
    with caplog.at_level("WARNING", logger="voip.calls.consumers"):
        await communicator.send_to(bytes_data=b"\x00\x01")
        await communicator.send_json_to({"kind": "ping"})
        assert await communicator.receive_json_from(timeout=2) == {"kind": "pong"}
    assert any("ws_frame_ignored" in record.getMessage() for record in caplog.records)
    await communicator.disconnect()
