"""Tracker output written to the database: CallLog per linkedid, contacts, presence, post_save."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save

from crm.models import Company, Contact
from tests.ami.transcripts import transcripts_available
from tests.calls.test_tracker_transcripts import (
    OUTSIDE,
    as_outside_caller,
    feed,
    parse,
    transcript_bytes,
)
from voip.calls import services
from voip.calls.models import CallLog, EndpointPresence, PendingOrigination
from voip.calls.presence import PresenceTracker
from voip.calls.tracker import CallTracker
from voip.provisioning.models import InternalNumber

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not transcripts_available(), reason="../shared/asterisk/ami is absent"),
]


@pytest.fixture
def agents() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for ext, name in [("1001", "Alice"), ("1003", "Carol"), ("1005", "Eve")]:
        user = User.objects.create_user(name.lower(), first_name=name, password="x")
        InternalNumber.objects.create(user=user, number=ext, endpoint_id=ext)
        users[ext] = user
    return users


def run(data: bytes, *, step: float = 1.0) -> CallTracker:
    tracker = CallTracker(services.DbDirectory())
    services.apply_outputs(feed(tracker, parse(data), step=step), push=False)
    return tracker


def test_internal_call_logged_with_agent(agents) -> None:
    run(transcript_bytes("05"))
    call = CallLog.objects.get(linkedid="1795814482.7")
    assert (call.direction, call.caller_number, call.callee_number) == ("internal", "1003", "1001")
    assert call.agent == agents["1001"] and call.disposition == "answered" and call.session_id == "PJSIP/1003-00000003"
    assert call.ended_at is not None and call.duration > call.billsec > 0
    assert call.missed_handled_at is None


def test_inbound_call_matches_contact_and_fires_post_save_live(agents) -> None:
    company = Company.objects.create(name="Acme")
    contact = Contact.objects.create(first_name="Ivan", last_name="Petrov", phone="8 (495) 123-45-67", company=company)
    seen: list[tuple[bool, str, str, str]] = []

    def receiver(sender, instance: CallLog, created: bool, **kwargs) -> None:
        seen.append((created, instance.direction, instance.session_id, instance.disposition))

    post_save.connect(receiver, sender=CallLog)
    try:
        tracker = CallTracker(services.DbDirectory())
        messages = parse(as_outside_caller(transcript_bytes("05")))
        # Event by event, like the listener under light load: each batch is one event.
        for index, message in enumerate(messages):
            services.apply_outputs(
                tracker.feed(message, dt.datetime(2026, 11, 27, 21, tzinfo=dt.UTC) + dt.timedelta(seconds=index)),
                push=False,
            )
    finally:
        post_save.disconnect(receiver, sender=CallLog)
    assert seen[0] == (True, "inbound", "PJSIP/trunk-00000003", "in_progress")
    assert any(not created and dispo == "in_progress" for created, _, _, dispo in seen[1:])
    call = CallLog.objects.get(linkedid="1795814482.7")
    assert call.caller_number == OUTSIDE and call.contact == contact and call.company == company
    assert call.agent == agents["1001"] and call.disposition == "answered"


def test_replay_does_not_duplicate_or_change_a_finished_call(agents) -> None:
    run(transcript_bytes("23"))
    before = {c.linkedid: (c.started_at, c.ended_at, c.duration, c.disposition) for c in CallLog.objects.all()}
    run(transcript_bytes("23"), step=7.0)  # a fresh tracker, other receive times
    after = {c.linkedid: (c.started_at, c.ended_at, c.duration, c.disposition) for c in CallLog.objects.all()}
    assert before == after and len(after) == 2
    assert after["1795816511.2"][2:] == (30, "no_answer")


def test_missed_call_stays_unhandled(agents) -> None:
    run(transcript_bytes("23"))
    missed = CallLog.objects.get(linkedid="1795816511.2")
    assert missed.agent == agents["1001"] and missed.disposition == "no_answer" and missed.missed_handled_at is None


def test_presence_rows(agents) -> None:
    tracker = PresenceTracker()
    for index in range(4):
        services.apply_outputs(feed(tracker, parse(transcript_bytes("12", index))), push=False)
    statuses = dict(EndpointPresence.objects.values_list("endpoint_id", "status"))
    assert statuses["1003"] == "registered" and statuses["1002"] == "unregistered"
    row = EndpointPresence.objects.get(endpoint_id="1003")
    assert row.contact_status == "Reachable" and row.roundtrip_usec == 3138 and row.since is not None


def test_register_origination_attributes_click_to_call(agents) -> None:
    channel_id = "5b0e8f2c-3d47-4a9e-b1c6-8e2d9f0a7c41"
    services.register_origination(agents["1001"], channel_id, "web-orig-7f3a", "1003")
    assert PendingOrigination.objects.get(channel_id=channel_id).extension == "1001"
    run(transcript_bytes("24", 0))
    call = CallLog.objects.get(linkedid=channel_id)
    assert call.origination_id == channel_id and call.agent == agents["1001"]
    assert (call.caller_number, call.callee_number, call.disposition) == ("1001", "1003", "answered")


def test_unregistered_click_to_call_is_logged_as_failed(agents) -> None:
    services.register_origination(agents["1005"], "chan-x", "orig-unreg", OUTSIDE)
    run(transcript_bytes("13"))
    call = CallLog.objects.get(linkedid="chan-x")
    assert (call.disposition, call.direction, call.callee_number, call.agent) == (
        "failed",
        "outbound",
        OUTSIDE,
        agents["1005"],
    )


def test_close_stale_calls(agents) -> None:
    tracker = CallTracker(services.DbDirectory())
    messages = parse(transcript_bytes("05"))
    cut = next(i for i, m in enumerate(messages) if m.event == "BridgeEnter") + 2
    services.apply_outputs(feed(tracker, messages[:cut]), push=False)
    assert CallLog.objects.get().disposition == "in_progress"
    assert services.close_stale_calls({"1795814482.7"}) == []
    closed = services.close_stale_calls(set())
    call = CallLog.objects.get()
    assert closed == ["1795814482.7"] and call.disposition == "answered" and call.ended_at is not None


@pytest.mark.django_db
def test_directory_learns_a_new_agent_within_the_miss_refresh_interval(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    directory = services.DbDirectory(ttl=30.0, miss_refresh_interval=2.0)
    assert directory.agent_for_extension("1007") is None  # loads: nobody has 1007 yet
    user = get_user_model().objects.create_user("newbie", first_name="New", last_name="Agent")
    InternalNumber.objects.create(user=user, number="1007", endpoint_id="1007")
    clock[0] += 1.0
    assert directory.agent_for_extension("1007") is None  # a miss right after a load does not reload
    clock[0] += 1.5
    agent = directory.agent_for_extension("1007")  # 2.5 s after the load: the miss reloads
    assert agent is not None and agent.user_id == user.pk and agent.name == "New Agent"
    assert directory.extension_for_endpoint("1007") == "1007"
