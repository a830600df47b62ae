"""Webhooks: queued with the call in one transaction, signed, in order per call, once each, never lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from voip.calls.models import CallDirection, CallDisposition
from voip.calls.services import apply_outputs
from voip.calls.tracker import CallUpdate
from voip.webhooks import delivery
from voip.webhooks.events import call_events
from voip.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from voip.webhooks.services import webhook_create

from .receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
ALL_EVENTS = [event.value for event in WebhookEvent]


def _update(linkedid: str = "1700000000.1", **changes) -> CallUpdate:
    fields = dict(
        linkedid=linkedid,
        session_id="PJSIP/trunk-00000001",
        direction=CallDirection.INBOUND,
        caller_number="+74951234567",
        caller_name="Caller",
        callee_number="1000",
        agent_user_id=None,
        agent_extension="1000",
        started_at=T0,
        answered_at=None,
        ended_at=None,
        duration=0,
        billsec=0,
        disposition=CallDisposition.IN_PROGRESS,
        hangup_cause=None,
        hangup_cause_text="",
        recording_file="",
        origination_id="",
    )
    fields.update(changes)
    return CallUpdate(**fields)


def _answered_then_ended(linkedid: str = "1700000000.1") -> list[CallUpdate]:
    answered = T0 + dt.timedelta(seconds=5)
    ended = T0 + dt.timedelta(seconds=65)
    return [
        _update(linkedid),
        _update(linkedid, answered_at=answered),
        _update(
            linkedid,
            answered_at=answered,
            ended_at=ended,
            duration=65,
            billsec=60,
            disposition=CallDisposition.ANSWERED,
        ),
    ]


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def test_the_events_of_each_transition():
    new = {"direction": "inbound", "disposition": "in_progress", "answered_at": None, "ended_at": None}
    answered = {**new, "answered_at": T0}
    ended = {**answered, "ended_at": T0, "disposition": "answered"}
    missed = {**new, "ended_at": T0, "disposition": "no_answer"}
    assert call_events(None, new) == [WebhookEvent.RINGING]
    assert call_events(new, answered) == [WebhookEvent.ANSWERED]
    assert call_events(answered, ended) == [WebhookEvent.ENDED]
    assert call_events(new, missed) == [WebhookEvent.ENDED, WebhookEvent.MISSED]
    assert call_events(None, ended) == [WebhookEvent.RINGING, WebhookEvent.ANSWERED, WebhookEvent.ENDED]
    assert call_events(answered, answered) == []
    outbound_unanswered = {**missed, "direction": "outbound"}
    assert call_events(new, outbound_unanswered) == [WebhookEvent.ENDED]  # not "missed": we called out


def test_events_are_queued_with_the_call_and_a_rollback_queues_none(receiver):
    webhook, _ = webhook_create(name="crm", url=receiver.url, events=ALL_EVENTS)
    agent = get_user_model().objects.create_user("ivanov")
    for update in _answered_then_ended():
        apply_outputs([update.__class__(**{**update.__dict__, "agent_user_id": agent.pk})], push=False)
    rows = list(WebhookDelivery.objects.order_by("id"))
    assert [row.event for row in rows] == ["call.ringing", "call.answered", "call.ended"]
    assert rows[2].payload["call"]["agent"] == "ivanov" and rows[2].payload["call"]["billsec"] == 60
    apply_outputs([_answered_then_ended()[2]], push=False)  # a replay of the final state adds nothing
    assert WebhookDelivery.objects.count() == 3

    with pytest.raises(RuntimeError), transaction.atomic():
        apply_outputs([_update("1700000000.2")], push=False)
        raise RuntimeError("the batch fails after the write")
    assert WebhookDelivery.objects.count() == 3
    webhook.events = ["call.missed"]
    webhook.save()
    apply_outputs([_update("1700000000.3")], push=False)  # ringing: not subscribed
    assert WebhookDelivery.objects.count() == 3


def test_a_delivery_is_signed_and_verifiable(receiver):
    _, secret = webhook_create(name="crm", url=receiver.url, events=ALL_EVENTS)
    apply_outputs([_update()], push=False)
    with httpx.Client() as client:
        assert delivery.deliver_due(client=client) == 1
    (request,) = receiver.received
    headers = {name.lower(): value for name, value in request.headers.items()}
    expected = hmac.new(secret.encode(), headers["x-webhook-timestamp"].encode() + b"." + request.body, hashlib.sha256)
    assert headers["x-webhook-signature"] == "sha256=" + expected.hexdigest()
    assert headers["x-webhook-event"] == "call.ringing" and headers["content-type"] == "application/json"
    assert json.loads(request.body)["call"]["caller_number"] == "+74951234567"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_receiver_down_for_a_minute_gets_everything_once_and_in_order():
    receiver = Receiver()  # not started: connections are refused
    webhook_create(name="crm", url=receiver.url, events=ALL_EVENTS)
    for update in _answered_then_ended("call-a") + _answered_then_ended("call-b"):
        apply_outputs([update], push=False)
    assert WebhookDelivery.objects.count() == 6
    start = timezone.now()
    with httpx.Client() as client:
        for second in range(61):  # a minute of the worker's rounds, on a clock the test moves
            assert delivery.deliver_due(client=client, now=start + dt.timedelta(seconds=second)) == 0
        # While it was down only the first event of each call was tried: the others wait behind it.
        assert set(WebhookDelivery.objects.filter(attempts__gt=0).values_list("event", flat=True)) == {"call.ringing"}
        first = WebhookDelivery.objects.filter(event="call.ringing").first()
        assert first is not None and 5 <= first.attempts <= 8  # backoff: 1, 2, 4, 8, 16, 32 s apart
        assert "ConnectError" in first.last_error
        receiver.start()
        try:
            later = start + dt.timedelta(seconds=60 + delivery.MAX_BACKOFF_SECONDS)
            for round_ in range(4):
                delivery.deliver_due(client=client, now=later + dt.timedelta(seconds=round_))
        finally:
            receiver.stop()
    got = [(json.loads(r.body)["call"]["id"], json.loads(r.body)["event"]) for r in receiver.received]
    events = ["call.ringing", "call.answered", "call.ended"]
    assert [event for call, event in got if call == "call-a"] == events
    assert [event for call, event in got if call == "call-b"] == events
    assert len(got) == 6  # once each
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()


def test_a_slow_receiver_times_out_and_is_retried_later(receiver, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT", httpx.Timeout(0.2))
    receiver.delay = 1.0
    webhook_create(name="crm", url=receiver.url, events=ALL_EVENTS)
    apply_outputs([_update()], push=False)
    now = timezone.now()
    with httpx.Client() as client:
        assert delivery.deliver_due(client=client, now=now) == 0
        row = WebhookDelivery.objects.get()
        assert row.status == DeliveryStatus.PENDING and "Timeout" in row.last_error
        assert row.next_attempt_at > now
        receiver.delay = 0
        assert delivery.deliver_due(client=client, now=now) == 0  # not due yet
        assert delivery.deliver_due(client=client, now=row.next_attempt_at) == 1


def test_an_error_status_is_retried_and_old_deliveries_give_up(receiver):
    receiver.status = 500
    webhook_create(name="crm", url=receiver.url, events=ALL_EVENTS)
    apply_outputs([_update()], push=False)
    row = WebhookDelivery.objects.get()
    with httpx.Client() as client:
        delivery.deliver_due(client=client)
        row.refresh_from_db()
        assert (row.status, row.last_status_code, row.attempts) == (DeliveryStatus.PENDING, 500, 1)
        delivery.deliver_due(client=client, now=row.created_at + delivery.MAX_AGE + dt.timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED  # in the admin's log; "Send again" requeues it
