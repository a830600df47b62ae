"""The agent's page in Chromium against the real Asterisk: click-to-call rings the agent's real
phone, and a real call to the agent's extension pops the caller's card."""

from __future__ import annotations

import re

import pytest

from crm.models import Company, Contact
from tests.integration.conftest import run_command
from voip.realtime.models import Extension, PsEndpoint
from voip.realtime.router import realtime_db_alias

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "asterisk"]),
]

CUSTOMER_NUMBER = "+74951234567"


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r".*/crm/contacts/.*"))


@pytest.fixture
def customer(agents) -> Contact:
    company = Company.objects.create(name="Acme Ltd")
    return Contact.objects.create(first_name="Ivan", last_name="Petrov", company=company, phone="+7 495 123-45-67")


def test_click_to_call_from_a_contact_card_rings_the_agents_real_phone(
    page, asgi_live_server, live_pbx, agents, customer, phone_factory, listener, screenshot
):
    alice = agents["alice"]
    # No trunk yet: a realtime dialplan row stands in for the outside world, so that Asterisk accepts
    # the Originate's destination in the agent's context (it refuses one that does not exist).
    for priority, app, data in ((1, "Answer", ""), (2, "Playback", "demo-congrats"), (3, "Hangup", "")):
        Extension.objects.using(realtime_db_alias()).create(
            context="from-internal", exten=CUSTOMER_NUMBER, priority=priority, app=app, appdata=data
        )
    phone = phone_factory(alice.extension, alice.password, answer="manual")
    log_in(page, asgi_live_server.url, "alice")
    page.goto(f"{asgi_live_server.url}{customer.get_absolute_url()}")
    page.wait_for_selector("html[data-voip-socket=open]", state="attached")

    with page.expect_response(lambda r: r.url.endswith("/voip/call/")) as posted:
        page.locator(f'button[data-call-number="{CUSTOMER_NUMBER}"]').click()

    answer = posted.value.json()
    assert answer["ok"] is True, answer
    phone.wait_event("CALL_INCOMING", timeout=15)  # Asterisk rings the agent's own phone first
    status = page.locator(".contact .voip-call-status").first
    page.wait_for_function("el => el.getAttribute('data-state') === 'ringing_agent'", arg=status.element_handle())
    screenshot(page, "real-click-to-call-ringing")


def test_a_real_call_to_the_agents_extension_pops_the_callers_card(
    page, asgi_live_server, live_pbx, agents, customer, phone_factory, listener, screenshot
):
    alice = agents["alice"]
    phone_factory(alice.extension, alice.password, answer="manual")
    # The customer's phone: an extension presenting the customer's number, as a trunk would.
    status, out, _err = run_command("--create-test-endpoints", "1")
    assert status == 0
    number, password = re.search(r"Created test endpoint (\d+) \(password: (\S+)\)", out).groups()
    PsEndpoint.objects.using(realtime_db_alias()).filter(id=number).update(callerid=f'"Ivan" <{CUSTOMER_NUMBER}>')
    customer_phone = phone_factory(number, password)

    log_in(page, asgi_live_server.url, "alice")
    page.wait_for_selector("html[data-voip-socket=open]", state="attached")
    customer_phone.dial(alice.extension)

    pop = page.locator(".voip-pop").first
    pop.wait_for(state="visible", timeout=15_000)
    assert re.sub(r"\D", "", pop.locator(".voip-caller").inner_text()) == CUSTOMER_NUMBER[1:]
    assert "Ivan Petrov" in pop.inner_text() and "Acme Ltd" in pop.inner_text()
    assert pop.locator("a.voip-contact-link").get_attribute("href").endswith(customer.get_absolute_url())
    screenshot(page, "real-screen-pop")
