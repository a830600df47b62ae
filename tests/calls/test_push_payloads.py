"""Pushes reach the agent's group on the channel layer (in-memory layer in tests)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections

from crm.models import Contact
from tests.ami.transcripts import transcripts_available
from tests.calls.test_tracker_transcripts import OUTSIDE, as_outside_caller, feed, parse, transcript_bytes
from voip.calls import services
from voip.calls.push import push_to_user, user_group
from voip.calls.tracker import CallTracker
from voip.provisioning.models import InternalNumber

pytestmark = [
    # Saving a contact refreshes the routes' copy of callers' owners in the realtime database.
    pytest.mark.django_db(transaction=True, databases=["default", "asterisk"]),
    pytest.mark.skipif(not transcripts_available(), reason="../shared/asterisk/ami is absent"),
]


@pytest.fixture(autouse=True)
def memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def drain(layer, channel: str) -> list[dict]:
    out = []
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), 0.3)
        except TimeoutError:
            return out
        out.append(message)


def _setup_agents():
    User = get_user_model()
    alice = User.objects.create_user("alice", first_name="Alice", password="x")
    carol = User.objects.create_user("carol", first_name="Carol", password="x")
    agents = Group.objects.get(name="Agents")
    alice.groups.add(agents)
    carol.groups.add(agents)
    InternalNumber.objects.create(user=alice, number="1001", endpoint_id="1001")
    InternalNumber.objects.create(user=carol, number="1003", endpoint_id="1003")
    Contact.objects.create(first_name="Ivan", last_name="Petrov", phone=OUTSIDE)
    connections.close_all()  # this runs in sync_to_async's thread: leave no session behind
    return alice, carol


def _run(data: bytes) -> None:
    tracker = CallTracker(services.DbDirectory())
    for output_batch in [feed(tracker, parse(data))]:
        services.apply_outputs(output_batch)
    connections.close_all()


async def test_inbound_screen_pop_and_ended_reach_only_that_agent() -> None:
    alice, carol = await sync_to_async(_setup_agents)()
    layer = get_channel_layer()
    alice_channel = await layer.new_channel()
    carol_channel = await layer.new_channel()
    await layer.group_add(user_group(alice.pk), alice_channel)
    await layer.group_add(user_group(carol.pk), carol_channel)
    await sync_to_async(_run)(as_outside_caller(transcript_bytes("05")))
    received = await drain(layer, alice_channel)
    payloads = [m["payload"] for m in received]
    assert all(m["type"] == "voip.push" for m in received)
    ringing = next(p for p in payloads if p["kind"] == "ringing")
    assert ringing["linkedid"] == "1795814482.7" and ringing["caller_number"] == OUTSIDE
    assert ringing["caller_display"] == "+7 495 123-45-67"
    assert ringing["contact"]["name"] == "Ivan Petrov" and ringing["contact"]["url"].endswith("/")
    assert isinstance(ringing["recent_calls"], list) and ringing["started_at"]
    assert {"kind": "call_ended", "linkedid": "1795814482.7", "disposition": "answered"} in payloads
    assert await drain(layer, carol_channel) == []


async def test_missed_call_push() -> None:
    alice, _carol = await sync_to_async(_setup_agents)()
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(alice.pk), channel)
    await sync_to_async(_run)(transcript_bytes("23"))
    payloads = [m["payload"] for m in await drain(layer, channel)]
    missed = [p for p in payloads if p["kind"] == "missed_call"]
    assert missed == [
        {"kind": "missed_call", "linkedid": "1795816511.2", "caller_number": "1003", "caller_display": "1003"}
    ]
    internal_pop = next(p for p in payloads if p["kind"] == "ringing")
    assert internal_pop["contact"] is None and internal_pop["caller_name"] == "Carol"


async def test_click_to_call_progress() -> None:
    alice, _carol = await sync_to_async(_setup_agents)()
    channel_id = "5b0e8f2c-3d47-4a9e-b1c6-8e2d9f0a7c41"
    await sync_to_async(services.register_origination)(alice, channel_id, "web-orig-7f3a", "1003")
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(alice.pk), channel)
    await sync_to_async(_run)(transcript_bytes("24")[: len(transcript_bytes("24", 0))])
    payloads = [m["payload"] for m in await drain(layer, channel)]
    progress = [(p["state"], p["linkedid"], p["action_id"]) for p in payloads if p["kind"] == "call_progress"]
    assert [state for state, _, _ in progress] == ["ringing_agent", "dialing", "answered", "ended"]
    assert {(lid, aid) for _, lid, aid in progress} == {(channel_id, "web-orig-7f3a")}


def test_push_never_raises_when_the_layer_is_broken(settings, caplog) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1"]}}
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    push_to_user(1, {"kind": "call_ended", "linkedid": "x", "disposition": "answered"})
    assert "push failed" in caplog.text


def _ringing(user_id: int, number: str, linkedid: str = "1795814482.99"):
    import datetime as dt

    from voip.calls.tracker import Ringing

    return Ringing(
        user_id=user_id,
        linkedid=linkedid,
        extension="1001",
        caller_number=number,
        caller_name="",
        internal=False,
        started_at=dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC),
    )


def test_screen_pop_carries_only_what_the_receiving_agent_may_see() -> None:
    """A call to agent 1 from a number agent 2's contact has: the number only, no contact, no calls."""
    from voip.calls.models import CallLog
    from voip.calls.screen_pop import ringing_payload

    alice, carol = _setup_agents()
    Contact.objects.all().delete()
    Contact.objects.create(first_name="Boris", last_name="Carols", phone=OUTSIDE, owner=carol)
    CallLog.objects.create(
        linkedid="old.1",
        direction="inbound",
        caller_number=OUTSIDE,
        agent=carol,
        disposition="answered",
        started_at=dt_now(),
    )
    pop_for_alice = ringing_payload(_ringing(alice.pk, OUTSIDE))
    assert pop_for_alice["contact"] is None
    assert pop_for_alice["recent_calls"] == []
    assert pop_for_alice["caller_number"] == OUTSIDE
    assert "Carols" not in str(pop_for_alice) and "Carol" not in str(pop_for_alice)
    pop_for_carol = ringing_payload(_ringing(carol.pk, OUTSIDE))
    assert pop_for_carol["contact"]["name"] == "Boris Carols"
    assert [c["agent"] for c in pop_for_carol["recent_calls"]] == ["Carol"]


def test_screen_pop_shows_a_visible_contact_and_only_the_agents_own_calls() -> None:
    from voip.calls.models import CallLog
    from voip.calls.screen_pop import ringing_payload

    alice, carol = _setup_agents()  # Ivan Petrov has no owner: every agent may open him
    for linkedid, agent in (("old.1", carol), ("old.2", alice)):
        CallLog.objects.create(
            linkedid=linkedid,
            direction="inbound",
            caller_number=OUTSIDE,
            agent=agent,
            disposition="answered",
            started_at=dt_now(),
        )
    pop = ringing_payload(_ringing(alice.pk, OUTSIDE))
    assert pop["contact"]["name"] == "Ivan Petrov"
    assert [c["agent"] for c in pop["recent_calls"]] == ["Alice"]  # not Carol's call


def test_a_user_without_a_role_gets_the_number_only() -> None:
    from voip.calls.screen_pop import ringing_payload

    _setup_agents()
    nobody = get_user_model().objects.create_user("nobody")
    pop = ringing_payload(_ringing(nobody.pk, OUTSIDE))
    assert pop["contact"] is None and pop["recent_calls"] == [] and pop["create_contact_url"] == ""


def dt_now():
    from django.utils import timezone

    return timezone.now()
