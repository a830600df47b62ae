"""The agent panel on CRM pages, its pause form, the wallboard: permission-checked, thin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from voip.callcentre import push, services
from voip.callcentre.models import AgentQueueState, PauseReason, SupervisorAction
from voip.provisioning.models import InternalNumber

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture(autouse=True)
def no_pushes():
    push.set_sink(lambda user_id, payload: None)
    yield
    push.set_sink(None)


@pytest.fixture
def setup(fake_ami, asterisk_at):
    asterisk_at(fake_ami.ami_options())
    User = get_user_model()
    alice = User.objects.create_user("alice", first_name="Alice", password="pw")
    InternalNumber.objects.create(user=alice, number="1001", endpoint_id="1001")
    bob = User.objects.create_user("bob", password="pw")
    InternalNumber.objects.create(user=bob, number="1002", endpoint_id="1002")
    sam = User.objects.create_user("sam", password="pw")
    InternalNumber.objects.create(user=sam, number="1009", endpoint_id="1009")
    sam.user_permissions.add(Permission.objects.get(codename="supervise_queues"))
    queue = services.queue_create(name="support")
    services.queue_agent_add(queue=queue, user=alice)
    services.agent_login(user=alice, queue=queue)
    reason = PauseReason.objects.create(label="Lunch")
    return {"alice": alice, "bob": bob, "sam": sam, "queue": queue, "reason": reason}


def test_panel_on_every_page_for_agents_only(client, setup) -> None:
    client.force_login(setup["alice"])
    page = client.get("/voip/phone/").content.decode()
    assert 'id="agent-panel"' in page and 'data-queue="support"' in page and "Lunch" in page
    client.force_login(setup["bob"])
    assert 'id="agent-panel"' not in client.get("/voip/phone/").content.decode()


def test_agent_pauses_with_a_reason_from_the_panel(client, setup, fake_ami) -> None:
    client.force_login(setup["alice"])
    response = client.post(
        f"/callcentre/queues/{setup['queue'].pk}/pause/", {"reason": setup["reason"].pk, "next": "/voip/phone/"}
    )
    assert response.status_code == 302 and response["Location"] == "/voip/phone/"
    state = AgentQueueState.objects.get(interface="PJSIP/1001")
    assert (state.paused, state.pause_reason) == (True, "Lunch")
    assert any(a.get("Action") == "QueuePause" and a.get("Reason") == "Lunch" for a in fake_ami.server.actions)


def test_another_agent_cannot_pause_alice(client, setup, fake_ami) -> None:
    client.force_login(setup["bob"])
    response = client.post(
        f"/callcentre/queues/{setup['queue'].pk}/pause/", {"reason": setup["reason"].pk, "agent": setup["alice"].pk}
    )
    assert response.status_code == 403
    assert not any(a.get("Action") == "QueuePause" for a in fake_ami.server.actions)


def test_wallboard_and_spy_for_supervisors_only(client, setup, fake_ami) -> None:
    client.force_login(setup["bob"])
    assert client.get("/callcentre/wallboard/").status_code == 403
    assert client.post("/callcentre/spy/", {"agent": setup["alice"].pk, "mode": "listen"}).status_code == 403
    client.force_login(setup["sam"])
    page = client.get("/callcentre/wallboard/")
    assert page.status_code == 200 and 'data-queue="support"' in page.content.decode()
    data = client.get("/callcentre/wallboard/?format=json").json()
    assert data["queues"][0]["agents_by_state"]["available"] == 1
    client.post("/callcentre/spy/", {"agent": setup["alice"].pk, "mode": "barge"})
    assert SupervisorAction.objects.get().mode == "barge"
    assert not any(a.get("Action") in ("QueueStatus", "QueueSummary") for a in fake_ami.server.actions)
