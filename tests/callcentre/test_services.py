"""Queues, agents and pauses through the services; queue calls on their CallLogs (fake AMI)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError

from tests.callcentre import streams
from voip.callcentre import push, services
from voip.callcentre.models import AgentQueueState, PauseInterval, PauseReason, QueueAgent, QueueCall, SupervisorAction
from voip.callcentre.selectors import abandoned_callbacks, agent_panel, wallboard
from voip.calls.listener import CallEventListener
from voip.calls.models import CallLog
from voip.provisioning.models import InternalNumber
from voip.realtime.models import Queue, QueueMember
from voip.realtime.router import realtime_db_alias

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture(autouse=True)
def pushes():
    sent: list[tuple[int, dict]] = []
    push.set_sink(lambda user_id, payload: sent.append((user_id, payload)))
    yield sent
    push.set_sink(None)


@pytest.fixture
def people():
    User = get_user_model()
    made = {}
    for ext, name in [("1001", "Alice"), ("1002", "Bob"), ("1003", "Carol"), ("1009", "Sam")]:
        user = User.objects.create_user(name.lower(), first_name=name, password="x")
        InternalNumber.objects.create(user=user, number=ext, endpoint_id=ext)
        made[name.lower()] = user
    made["sam"].user_permissions.add(Permission.objects.get(codename="supervise_queues"))
    made["sam"] = User.objects.get(pk=made["sam"].pk)
    return made


@pytest.fixture
def support(people):
    sales = Group.objects.create(name="Support department")
    queue = services.queue_create(
        name="support", department=sales, strategy="ringall", ring_timeout=15, wrapup=10, service_level=20, max_wait=120
    )
    for user in (people["alice"], people["bob"]):
        services.queue_agent_add(queue=queue, user=user, penalty=0 if user is people["alice"] else 2)
    return queue


def realtime_queue(name: str) -> Queue:
    return Queue.objects.using(realtime_db_alias()).get(name=name)


def test_create_writes_the_realtime_row(support) -> None:
    row = realtime_queue("support")
    assert (row.strategy, row.timeout, row.wrapuptime, row.servicelevel, row.ringinuse) == ("ringall", 15, 10, 20, "no")
    services.queue_update(queue=support, strategy="leastrecent", announce_position=True, record_calls=True)
    row = realtime_queue("support")
    assert (row.strategy, row.announce_position, row.monitor_format) == ("leastrecent", "yes", "wav")


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"name": "ok", "strategy": "roundrobin"}, "strategy"),
        ({"name": "ok", "ring_timeout": 0}, "ring_timeout"),
        ({"name": "ok", "music_on_hold": "x\r\nAction: Originate"}, "music_on_hold"),
        ({"name": "ok", "max_wait": 60, "max_wait_destination": {"nowhere": 1}}, "max_wait_destination"),
    ],
)
def test_bad_queue_input_is_refused_and_nothing_written(fields, key) -> None:
    with pytest.raises(ValidationError) as caught:
        services.queue_create(**fields)
    assert key in caught.value.message_dict
    assert not Queue.objects.using(realtime_db_alias()).exists()


def test_login_writes_a_static_member_with_our_uniqueid(support, people) -> None:
    services.agent_login(user=people["bob"], queue=support)
    row = QueueMember.objects.using(realtime_db_alias()).get(queue_name="support")
    membership = QueueAgent.objects.get(user=people["bob"])
    assert (row.interface, row.penalty, row.uniqueid, row.membername) == ("PJSIP/1002", 2, membership.pk, "Bob")
    services.agent_logout(user=people["bob"], queue=support)
    assert not QueueMember.objects.using(realtime_db_alias()).exists()
    assert AgentQueueState.objects.get(interface="PJSIP/1002").status == "logged_out"


def test_login_refused_to_non_members(support, people) -> None:
    with pytest.raises(PermissionDenied):
        services.agent_login(user=people["carol"], queue=support)


def test_pause_sends_queuepause_with_the_queue_and_keeps_the_reason(
    support, people, fake_ami, asterisk_at, pushes
) -> None:
    asterisk_at(fake_ami.ami_options())
    lunch = PauseReason.objects.create(label="Lunch")
    state = services.agent_pause(actor=people["alice"], user=people["alice"], queue=support, reason_id=lunch.pk)
    pause = next(a for a in fake_ami.server.actions if a.get("Action") == "QueuePause")
    assert (pause.get("Queue"), pause.get("Interface"), pause.get("Paused"), pause.get("Reason")) == (
        "support",
        "PJSIP/1001",
        "true",
        "Lunch",
    )
    assert (state.paused, state.pause_reason, state.status) == (True, "Lunch", "paused")
    assert any(p["kind"] == "queue_agent" and p["reason"] == "Lunch" for uid, p in pushes if uid == people["alice"].pk)
    services.agent_unpause(actor=people["sam"], user=people["alice"], queue=support)
    assert PauseInterval.objects.get().ended_at is not None
    assert [a.get("Paused") for a in fake_ami.server.actions if a.get("Action") == "QueuePause"] == ["true", "false"]


def test_only_supervisors_pause_others_and_only_listed_reasons(support, people, fake_ami, asterisk_at) -> None:
    asterisk_at(fake_ami.ami_options())
    lunch = PauseReason.objects.create(label="Lunch")
    with pytest.raises(PermissionDenied):
        services.agent_pause(actor=people["bob"], user=people["alice"], queue=support, reason_id=lunch.pk)
    with pytest.raises(ValidationError):
        services.agent_pause(actor=people["alice"], user=people["alice"], queue=support, reason_id=lunch.pk + 99)
    assert not [a for a in fake_ami.server.actions if a.get("Action") == "QueuePause"]


def test_spy_is_permission_checked_and_logged(support, people, fake_ami, asterisk_at) -> None:
    asterisk_at(fake_ami.ami_options())
    with pytest.raises(PermissionDenied):
        services.supervisor_spy(supervisor=people["bob"], agent=people["alice"], mode="listen")
    services.supervisor_spy(supervisor=people["sam"], agent=people["alice"], mode="whisper")
    originate = next(a for a in fake_ami.server.actions if a.get("Action") == "Originate")
    assert (originate.get("Channel"), originate.get("Application"), originate.get("Data")) == (
        "PJSIP/1009",
        "ChanSpy",
        "PJSIP/1001-,qEw",
    )
    assert SupervisorAction.objects.get().mode == "whisper"


def listener_for(fake_ami) -> CallEventListener:
    return CallEventListener(fake_ami.ami_options(), push=True, keepalive_interval=None)


def run(listener: CallEventListener, raws: list[bytes]) -> None:
    now = time.time()
    listener.process_batch([(m, now + i) for i, m in enumerate(streams.parse(b"".join(raws)))])


def test_ringall_call_credits_the_answering_agent(support, people, fake_ami, pushes) -> None:
    listener = listener_for(fake_ami)
    run(listener, streams.ringall_call())
    log = CallLog.objects.get(linkedid="1795814572.12")
    assert (log.queue, log.agent_id, log.agent_extension, log.wait_seconds) == (
        "support",
        people["alice"].pk,
        "1001",
        0,
    )
    call = QueueCall.objects.get()
    assert call.rung == ["PJSIP/1002", "PJSIP/1001"] and call.answered_by_id == people["alice"].pk
    assert CallLog.objects.count() == 1
    board = wallboard(queues=["support"])[0]
    assert (board["answered"], board["abandoned"], board["waiting"], board["service_level"]) == (1, 0, 0, 100)
    alice = next(a for a in board["agents"] if a["interface"] == "PJSIP/1001")
    assert alice["calls"] == 1
    assert any(p["kind"] == "wallboard" for uid, p in pushes if uid == people["sam"].pk)


def test_abandoned_call_is_abandoned_with_its_wait_and_listed_for_callback(support, people, fake_ami) -> None:
    listener = listener_for(fake_ami)
    run(listener, streams.abandoned_call(hold_time=7))
    log = CallLog.objects.get(linkedid="1795814572.12")
    assert (log.disposition, log.queue, log.wait_seconds, log.agent_id) == ("abandoned", "support", 7, None)
    assert [c["number"] for c in abandoned_callbacks(user=people["bob"])] == ["1003"]
    assert abandoned_callbacks(user=people["carol"]) == []
    board = wallboard(queues=["support"])[0]
    assert (board["answered"], board["abandoned"], board["service_level"]) == (0, 1, 0)


def test_pause_made_outside_the_crm_shows_in_the_crm(support, people, fake_ami) -> None:
    listener = listener_for(fake_ami)
    # File 16's Dave (PJSIP/1004), renamed to Alice's interface: a CLI/other-client pause.
    raws = streams.rename(streams.pause_session(), [(b"PJSIP/1004", b"PJSIP/1001"), (b"Dave", b"Alice")])
    run(listener, raws[:1])
    state = AgentQueueState.objects.get(interface="PJSIP/1001")
    assert (state.paused, state.pause_reason, state.user_id) == (True, "lunch", people["alice"].pk)
    run(listener, raws[1:2])
    state.refresh_from_db()
    assert (state.paused, state.status) == (False, "available")
    panel = agent_panel(user=people["alice"])
    assert panel["queues"][0]["status"] == "available"


def test_recorded_abandon_on_its_calllog(support, people, fake_ami) -> None:
    # File 32 of tests/callcentre/transcripts: extension 1000 paused, the caller gave up after 4 s.
    listener = listener_for(fake_ami)
    raws = streams.own_events("32")
    run(listener, raws)
    [call] = QueueCall.objects.all()
    assert (call.abandoned, call.wait_seconds, call.answered_interface) == (True, 4, "")
    board = wallboard(queues=["support"])[0]
    assert (board["abandoned"], board["answered"], board["waiting"]) == (1, 0, 0)
