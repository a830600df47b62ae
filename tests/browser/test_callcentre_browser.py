"""The call centre in Chromium: an agent pauses with a reason from the panel; the wallboard
updates by itself when a caller joins (the recorded QueueCallerJoin of transcript 31, pushed by
the fake AMI server to the project's own listener, then over the WebSocket)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.browser.test_calls_browser import ListenerThread, log_in, wait_for_socket
from tests.callcentre import streams
from tests.calls.ui_support import make_agent, make_supervisor, voip_settings
from voip.callcentre import services
from voip.callcentre.models import PauseReason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]


@pytest.fixture
def telephony(settings, fake_ami_factory):
    handle = fake_ami_factory()
    settings.VOIP = voip_settings(handle.ami_options())
    listener = ListenerThread(handle.ami_options()).start(handle.server)
    yield handle
    listener.stop()


@pytest.fixture
def support(telephony):
    alice = make_agent("alice", "1001", first_name="Alice")
    sam = make_supervisor("sam", "1009")
    sam.user_permissions.add(Permission.objects.get(codename="supervise_queues"))
    queue = services.queue_create(name="support")
    services.queue_agent_add(queue=queue, user=alice)
    services.agent_login(user=alice, queue=queue)
    PauseReason.objects.create(label="Lunch", position=1)
    PauseReason.objects.create(label="Training", position=2)
    return queue


def test_agent_pauses_with_a_reason_from_the_panel(page, asgi_live_server, telephony, support, screenshot):
    base = asgi_live_server.url
    log_in(page, base, "alice")
    panel = page.locator("#agent-panel .agent-queue[data-queue=support]")
    assert panel.locator(".agent-state").inner_text().strip() != ""
    panel.locator("select[name=reason]").select_option(label="Training")
    panel.locator("button.agent-pause").click()
    page.wait_for_selector("#agent-panel .agent-state[data-state=paused]")
    assert panel.locator(".agent-reason").inner_text() == "Training"
    screenshot(page, "callcentre-agent-paused")
    pauses = [a for a in telephony.server.actions if a.get("Action") == "QueuePause"]
    assert [(a.get("Queue"), a.get("Interface"), a.get("Reason")) for a in pauses] == [
        ("support", "PJSIP/1001", "Training")
    ]


def test_wallboard_updates_when_a_caller_joins(page, asgi_live_server, telephony, support, screenshot):
    base = asgi_live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", "pw-sam")
    page.click("button[type=submit], input[type=submit]")
    page.goto(f"{base}/callcentre/wallboard/")
    wait_for_socket(page)
    waiting = page.locator('#wallboard tr[data-queue=support] td[data-field="waiting"]')
    assert waiting.inner_text() == "0"
    join = next(raw for raw in streams.own_events("31") if raw.startswith(b"Event: QueueCallerJoin"))
    telephony.server.push_events_threadsafe(join)
    page.wait_for_function("el => el.textContent.trim() === '1'", arg=waiting.element_handle(), timeout=10_000)
    screenshot(page, "callcentre-wallboard-caller-waiting")
    assert not [a for a in telephony.server.actions if a.get("Action") == "QueueSummary"]
    assert all(a.get("Queue") for a in telephony.server.actions if a.get("Action") == "QueueStatus")
