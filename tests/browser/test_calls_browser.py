"""What an agent sees: click-to-call, the screen pop and the call history, in real Chromium.

The app is served over ASGI (Daphne), the AMI side is the fake server replaying real Asterisk
22 bytes, and the project's own AMI event listener (voip.calls.listener) runs in a thread of the
test process, pushing through a Redis channel layer to the page's WebSocket.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest

from crm.models import Company, Contact
from tests.ami import transcripts as tr
from tests.calls.ui_support import make_agent, voip_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]

NUMBER = "+74951234567"
RECORDED_CHANNEL_ID = b"5b0e8f2c-3d47-4a9e-b1c6-8e2d9f0a7c41"  # transcript 24's ChannelId
SKIP_EVENTS = {"OriginateResponse", None}  # the fake server sends its own OriginateResponse


def click_to_call_events(channel_id: str) -> tuple[bytes, bytes]:
    """Transcript 24 (click-to-call 1001 -> 1003, then hung up) with our ChannelId: (call, hangup)."""
    session = tr.load("24")[0]
    parts = []
    for sent, received in session.exchanges():
        if sent.startswith((b"Action: Originate", b"Action: Hangup")):
            events = [m for m in received if tr.header(m, "Event") not in SKIP_EVENTS]
            parts.append(b"".join(events).replace(RECORDED_CHANNEL_ID, channel_id.encode()))
    return parts[0], parts[1]


def inbound_call_events() -> bytes:
    """Transcript 05 (a SIP call into 1001, answered, hung up by the caller), with the caller's leg
    coming from a trunk and the contact's number as caller ID instead of extension 1003."""
    [session] = tr.load("05")
    wanted = [m for m in session.messages() if tr.header(m, "Event") is not None]
    data = b"".join(wanted)
    data = data.replace(b"PJSIP/1003-", b"PJSIP/trunk-")
    for key in (b"CallerIDNum", b"ConnectedLineNum", b"DestCallerIDNum", b"DestConnectedLineNum"):
        data = data.replace(key + b": 1003\r\n", key + b": " + NUMBER.encode() + b"\r\n")
    return data


def missed_call_events() -> bytes:
    """Transcript 23's second call: 1003 rings 1001 for 30 s, nobody answers (caller from a trunk)."""
    [session] = tr.load("23")
    events = [m for m in session.messages() if tr.header(m, "Event") is not None]
    linkedids: list[str] = []
    for message in events:
        linkedid = tr.header(message, "Linkedid")
        if linkedid and linkedid not in linkedids:
            linkedids.append(linkedid)
    second = linkedids[1]
    wanted = [m for m in events if second in (tr.header(m, "Linkedid"), tr.header(m, "DestLinkedid"))]
    data = b"".join(wanted).replace(b"PJSIP/1003-", b"PJSIP/trunk-")
    for key in (b"CallerIDNum", b"ConnectedLineNum", b"DestCallerIDNum", b"DestConnectedLineNum"):
        data = data.replace(key + b": 1003\r\n", key + b": " + NUMBER.encode() + b"\r\n")
    return data


class ListenerThread:
    def __init__(self, options: dict) -> None:
        from voip.calls.listener import CallEventListener

        self.listener = CallEventListener(options=options, keepalive_interval=None, reconnect_initial_delay=0.1)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="test-listener", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.listener.run())

    def start(self, server) -> ListenerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            # Logged in and its first resync written: on SQLite's shared-cache test database that
            # resync's transaction would otherwise collide with the test's own writes ("table is locked").
            logged_in = any(s.logged_in and s.event_classes for s in server.sessions)
            if logged_in and self.listener.stats.resyncs > 0:
                return self
            time.sleep(0.05)
        raise RuntimeError("the AMI listener did not log in to the fake server and resync")

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.listener.stop(), self.loop).result(10)
        self.thread.join(10)


@pytest.fixture
def telephony(settings, fake_ami_factory):
    # The agent answers the Originate only after a moment, as a person does (OriginateResponse late).
    handle = fake_ami_factory(originate_delay=0.4)
    settings.VOIP = voip_settings(handle.ami_options())
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "CLICK_TO_CALL_RATE": "30/m"}
    listener = ListenerThread(handle.ami_options()).start(handle.server)
    # The listener caches who has which extension (refreshed every 30 s): the tests create their
    # agents after it started, so they ask it to look again.
    handle.sync_directory = listener.listener.directory.refresh
    yield handle
    listener.stop()


@pytest.fixture
def agent_and_contact():
    agent = make_agent("alice", "1001", first_name="Alice", last_name="Smith")
    company = Company.objects.create(name="Acme Ltd")
    contact = Contact.objects.create(first_name="Ivan", last_name="Petrov", company=company, phone="+7 495 123-45-67")
    return agent, contact


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r".*/crm/contacts/.*"))


def wait_for_socket(page) -> None:
    page.wait_for_selector("html[data-voip-socket=open]", state="attached")


def originate_actions(server) -> list:
    return [a for a in server.actions if (a.get("Action") or "").lower() == "originate"]


def test_click_to_call_screen_pop_and_history(page, asgi_live_server, telephony, agent_and_contact, screenshot):
    server = telephony.server
    _agent, contact = agent_and_contact
    base = asgi_live_server.url
    telephony.sync_directory()

    log_in(page, base, "alice")
    page.goto(f"{base}{contact.get_absolute_url()}")
    wait_for_socket(page)
    button = page.locator(f'button[data-call-number="{NUMBER}"]')
    assert button.is_enabled()

    # --- click to call: Asterisk is asked to ring the agent's own phone, then dial the contact.
    with page.expect_response(lambda r: r.url.endswith("/voip/call/")) as posted:
        button.click()
    answer = posted.value.json()
    assert answer["ok"] is True and answer["dialled"] == NUMBER
    deadline = time.monotonic() + 5
    while not originate_actions(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    [originate] = originate_actions(server)
    assert originate.get("Channel") == "PJSIP/1001"
    assert originate.get("Exten") == NUMBER
    assert originate.get("ChannelId") == answer["channel_id"]

    status = page.locator(".contact .voip-call-status").first
    call_events, hangup_events = click_to_call_events(answer["channel_id"])
    server.push_events_threadsafe(call_events)
    page.wait_for_function(
        "el => ['answered', 'dialing'].includes(el.getAttribute('data-state'))", arg=status.element_handle()
    )
    screenshot(page, "1-calling")
    server.push_events_threadsafe(hangup_events)
    page.wait_for_function("el => el.getAttribute('data-state') === 'ended'", arg=status.element_handle())
    assert status.inner_text() == "Call ended"

    # --- an inbound call from the contact rings the agent's extension: screen pop.
    server.push_events_threadsafe(inbound_call_events())
    pop = page.locator(".voip-pop").first
    pop.wait_for(state="visible")
    caller_line = pop.locator(".voip-caller").inner_text()
    assert re.sub(r"\D", "", caller_line) == NUMBER[1:]  # the caller's number, in a human format
    assert "Ivan Petrov" in pop.inner_text() and "Acme Ltd" in pop.inner_text()
    assert "outbound" in pop.locator(".voip-recent").inner_text()  # the click-to-call just before
    link = pop.locator("a.voip-contact-link")
    assert link.get_attribute("href").endswith(contact.get_absolute_url())
    screenshot(page, "2-screen-pop")

    # --- after hangup, both calls are in the contact's history.
    page.wait_for_function("() => document.querySelector('.voip-pop.ended, .voip-pop.missed') !== null")
    page.goto(f"{base}{contact.get_absolute_url()}")
    rows = page.locator("#call-history tr.call-row")
    rows.first.wait_for()
    history = page.locator("#call-history").inner_text()
    assert rows.count() == 2, history
    assert "outbound" in history and "inbound" in history
    assert "Alice Smith" in history
    assert page.locator(f'#call-history tr[data-linkedid="{answer["channel_id"]}"]').count() == 1
    screenshot(page, "3-history")


def test_agent_without_extension_sees_why_they_cannot_call(page, asgi_live_server, telephony, screenshot):
    make_agent("noext", extension=None)
    contact = Contact.objects.create(first_name="Olga", last_name="Ivanova", phone="+7 495 765-43-21")
    log_in(page, asgi_live_server.url, "noext")
    page.goto(f"{asgi_live_server.url}{contact.get_absolute_url()}")
    button = page.locator(".contact button.call").first
    assert button.is_disabled()
    assert "You have no extension yet" in page.locator(".contact").inner_text()
    screenshot(page, "no-extension")
    assert originate_actions(telephony.server) == []


def test_screen_pop_for_unknown_number_offers_create_contact(page, asgi_live_server, telephony, screenshot):
    make_agent("alice", "1001", first_name="Alice", last_name="Smith")
    telephony.sync_directory()
    log_in(page, asgi_live_server.url, "alice")
    wait_for_socket(page)
    telephony.server.push_events_threadsafe(inbound_call_events())
    pop = page.locator(".voip-pop").first
    pop.wait_for(state="visible")
    create = pop.locator("a.voip-create-link")
    assert "/crm/contacts/new/?phone=" in create.get_attribute("href")
    screenshot(page, "unknown-caller")
    create.click()
    page.wait_for_url(re.compile(r".*/crm/contacts/new/.*"))
    assert page.locator("input[name=phone]").input_value() in (NUMBER, "+7 495 123 45 67")


def test_missed_call_updates_the_badge(page, asgi_live_server, telephony, screenshot):
    make_agent("alice", "1001", first_name="Alice", last_name="Smith")
    telephony.sync_directory()
    log_in(page, asgi_live_server.url, "alice")
    wait_for_socket(page)
    badge = page.locator("#voip-missed-count")
    assert badge.inner_text() == "0"
    telephony.server.push_events_threadsafe(missed_call_events())
    page.locator(".voip-pop").first.wait_for(state="visible")
    page.wait_for_function("() => document.getElementById('voip-missed-count').textContent === '1'")
    assert page.locator(".voip-pop.missed").count() == 1
    screenshot(page, "missed")
    page.click("#voip-missed-link")
    page.wait_for_url(re.compile(r".*/voip/missed/.*"))
    assert page.locator("tr.missed-call").count() == 1
    page.click("tr.missed-call button[type=submit]")
    page.wait_for_url(re.compile(r".*/voip/missed/.*"))
    assert page.locator("tr.missed-call").count() == 0
    assert page.locator("#voip-missed-count").inner_text() == "0"
