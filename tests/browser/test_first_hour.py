"""The first hour of a new user, in real Chromium, in English and in Russian.

``first_run --demo`` (what ``./scripts/run`` does) → log in with the printed password → find the
demo contact by its number typed three ways → click to call it from the extension first_run gave
the admin → see the call progress (fake AMI replaying transcript 24, the project's own listener).
Then every main page is screenshotted at 1280 px and must not scroll sideways.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm.models import Company, Contact
from tests.browser.test_calls_browser import click_to_call_events, originate_actions, telephony  # noqa: F401
from voip.calls.models import CallLog, EndpointPresence
from voip.provisioning.models import InternalNumber
from voip.realtime.models import PsContact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "asterisk"])]

SPELLINGS = ("4951234567", "8 (495) 123-45-67", "+7 495 123-45-67")
WIDTH = 1280
LONG = "Konstantinopolskaya" * 4  # one unbroken word (76 characters: fits every column it goes in)


@pytest.fixture
def first_run(settings, tmp_path) -> str:
    """Run first_run --demo as ./scripts/run does; returns the admin's printed password."""
    settings.VAR_DIR = tmp_path
    # The recorded click-to-call (transcript 24) rings extension 1001: let the admin get that one.
    settings.VOIP_PROVISIONING = {**settings.VOIP_PROVISIONING, "USER_EXTENSION_RANGE": (1001, 1999)}
    out = io.StringIO()
    call_command("first_run", "--demo", stdout=out)
    [password_line] = [line for line in out.getvalue().splitlines() if line.startswith("  Password:")]
    assert "  Phone:    extension 1001" in out.getvalue()
    return password_line.split()[1]


def browser_page(browser, language: str):
    context = browser.new_context(viewport={"width": WIDTH, "height": 860}, locale=language)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def assert_fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{what} is {width} px wide at a {WIDTH} px window"
    # The admin's result tables scroll inside their own box: columns cut off there count too.
    clipped = page.evaluate(
        "[...document.querySelectorAll('#changelist .results, main, table')]"
        ".filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.className || el.id)"
    )
    assert not clipped, f"{what}: columns cut off inside {clipped}"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_first_hour(browser, asgi_live_server, telephony, first_run, screenshot, language):  # noqa: F811
    base = asgi_live_server.url
    telephony.sync_directory()
    context, page = browser_page(browser, language)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", first_run)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/crm/contacts/$"))
        assert page.locator("html").get_attribute("lang") == language

        for typed in SPELLINGS:
            page.fill("input[name=q]", typed)
            page.click("form.search button[type=submit]")
            page.wait_for_url(re.compile(r".*\?q=.*"))
            rows = page.locator("table.list tbody tr")
            assert rows.count() == 1 and "Ivan Petrov" in rows.first.inner_text(), typed
            assert "+7 495 123-45-67" in rows.first.inner_text()
        screenshot(page, f"{language}-search")

        page.click("text=Ivan Petrov")
        page.wait_for_selector("html[data-voip-socket=open]", state="attached")
        button = page.locator('.contact button[data-call-number="+74951234567"]')
        assert button.is_enabled()
        with page.expect_response(lambda r: r.url.endswith("/voip/call/")) as posted:
            button.click()
        answer = posted.value.json()
        assert answer["ok"] is True, answer
        deadline = time.monotonic() + 5
        while not originate_actions(telephony.server) and time.monotonic() < deadline:
            time.sleep(0.05)
        [originate] = originate_actions(telephony.server)
        assert originate.get("Channel") == "PJSIP/1001"  # the admin's own extension, from first_run

        status = page.locator(".contact .voip-call-status").first
        call_events, hangup_events = click_to_call_events(answer["channel_id"])
        telephony.server.push_events_threadsafe(call_events)
        page.wait_for_function(
            "el => ['answered', 'dialing'].includes(el.getAttribute('data-state'))", arg=status.element_handle()
        )
        screenshot(page, f"{language}-calling")
        telephony.server.push_events_threadsafe(hangup_events)
        page.wait_for_function("el => el.getAttribute('data-state') === 'ended'", arg=status.element_handle())
        assert status.inner_text() == in_language(language, "Call ended")
    finally:
        context.close()


def _long_data() -> tuple[Contact, str]:
    """Rows with long unbroken values in every column that used to push pages wider than the window."""
    company = Company.objects.create(name=LONG + " LLC")
    contact = Contact.objects.create(
        first_name=LONG, last_name=LONG, company=company, phone="+7 495 123-45-69", email=f"{LONG.lower()}@example.com"
    )
    admin_ext = InternalNumber.objects.get(user__username="admin").endpoint_id
    PsContact.objects.create(
        id=f"{admin_ext};@{'f' * 60}",
        uri=f"sip:{admin_ext}@192.0.2.10:50600;transport=udp;rinstance={'a1b2c3d4' * 8};ob",
        endpoint=admin_ext,
        user_agent="Zoiper rv2.10.20.3-mod (" + "x" * 120 + ")",
        expiration_time=2_000_000_000,
    )
    EndpointPresence.objects.create(
        endpoint_id=admin_ext, status="registered", user_agent="Z" * 150, since=timezone.now()
    )
    for i in range(3):
        CallLog.objects.create(
            linkedid=f"long-{i}",
            direction="inbound",
            caller_number="+74951234569",
            caller_name=LONG,
            callee_number=admin_ext,
            contact=contact,
            started_at=timezone.now(),
            disposition="answered",
            duration=125,
            billsec=120,
            recording_file=f"/var/spool/asterisk/monitor/{LONG}.wav",
            hangup_cause_text=LONG,
        )
    return contact, admin_ext


@pytest.mark.parametrize("language", ["en", "ru"])
def test_main_pages_fit_1280_px(browser, asgi_live_server, first_run, screenshot, language):
    contact, admin_ext = _long_data()
    admin_pk = InternalNumber.objects.get(endpoint_id=admin_ext).user_id
    pages = {
        "contacts": "/crm/contacts/",
        "contact": contact.get_absolute_url(),
        "no-match": "/crm/contacts/?q=Nobody",
        "new-contact": "/crm/contacts/new/",
        "my-phone": "/voip/phone/",
        "missed": "/voip/missed/",
        "not-found": "/crm/contacts/999999/",
        "admin": "/admin/",
        "admin-voip": "/admin/realtime/",
        "admin-endpoints": "/admin/realtime/psendpoint/",
        "admin-endpoint": f"/admin/realtime/psendpoint/{admin_ext}/change/",
        "admin-aors": "/admin/realtime/psaor/",
        "admin-contacts": "/admin/realtime/pscontact/",
        "admin-transports": "/admin/realtime/pstransport/",
        "admin-calls": "/admin/calls/calllog/",
        "admin-users": "/admin/auth/user/",
        "admin-user": f"/admin/auth/user/{admin_pk}/change/",
        "admin-crm-contacts": "/admin/crm/contact/",
    }
    context, page = browser_page(browser, language)
    try:
        page.goto(f"{asgi_live_server.url}/accounts/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", first_run)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/crm/contacts/$"))
        for name, url in pages.items():
            page.goto(f"{asgi_live_server.url}{url}")
            if name == "new-contact":  # with errors next to the fields
                page.fill("input[name=phone]", "not a phone number")
                page.click("form.contact-form button[type=submit]")
                page.wait_for_selector(".form-field.has-error")
            if name == "admin-endpoint":
                page.click("fieldset.collapse summary, fieldset.collapse h2")  # open "Advanced"
            screenshot(page, f"{language}-{name}")
            assert_fits(page, f"{name} ({url}, {language})")
            if language == "ru" and name.startswith("admin"):
                assert "Django" not in page.title()
    finally:
        context.close()


def _english_column_names() -> set[str]:
    """What an untranslated header or label would read: each realtime column's name, Django's
    default name for it (``max contacts``) and its English label (``voip.admin.labels``)."""
    from django.apps import apps
    from django.contrib.admin.utils import label_for_field

    from voip.admin.labels import column_label

    names: set[str] = set()
    with translation.override("en"):
        for model in apps.get_app_config("realtime").get_models():
            for field in model._meta.fields:
                names |= {field.name, str(field.verbose_name), str(column_label(model, field.name))}
                names.add(str(label_for_field(field.name, model)))
    return {name.casefold() for name in names} - {"id", "uri"}


def _one_row_in_every_list() -> None:
    """A row in each admin list the first run leaves empty: an empty list has no header to check."""
    from voip.provisioning.models import PendingAsteriskAction
    from voip.realtime.models import Extension, PsEndpointIdIp, PsTransport, Queue, QueueMember, SipAddressBlock

    PsTransport.objects.get_or_create(id="transport-udp", defaults={"protocol": "udp", "bind": "0.0.0.0:5060"})
    PsEndpointIdIp.objects.create(id="provider-identify", endpoint="provider", match="203.0.113.10")
    Queue.objects.create(name="support", strategy="ringall", timeout=15, context="from-queue")
    QueueMember.objects.create(queue_name="support", interface="PJSIP/1001", membername="admin", penalty=0, paused=0)
    Extension.objects.create(context="from-internal", exten="_1XXX", priority=1, app="Dial", appdata="PJSIP/${EXTEN}")
    now = timezone.now()
    SipAddressBlock.objects.create(
        id="block-198.51.100.7",
        deny="198.51.100.7/32",
        address="198.51.100.7",
        failures=12,
        last_event="InvalidPassword",
        last_account="1001",
        blocked_at=now,
        expires_at=now + timezone.timedelta(hours=1),
    )
    PendingAsteriskAction.objects.create(action="Reload", headers=[["Module", "res_pjsip.so"]], reason="endpoint 1001")


def test_russian_admin_has_no_english_column_names(browser, asgi_live_server, first_run, screenshot):
    """Every VOIP admin list and page in Russian at 1280 px: no column header, form label, filter
    title or group name is one of the English column names, and nothing scrolls sideways. In the
    folded "Advanced" groups a column may keep Asterisk's option name (how its documentation spells it)."""
    _contact, admin_ext = _long_data()
    _one_row_in_every_list()
    english = _english_column_names()
    lists = {
        "endpoints": "/admin/realtime/psendpoint/",
        "aors": "/admin/realtime/psaor/",
        "auths": "/admin/realtime/psauth/",
        "contacts": "/admin/realtime/pscontact/",
        "identify": "/admin/realtime/psendpointidip/",
        "transports": "/admin/realtime/pstransport/",
        "queues": "/admin/realtime/queue/",
        "queue-members": "/admin/realtime/queuemember/",
        "dialplan": "/admin/realtime/extension/",
        "sip-blocks": "/admin/realtime/sipaddressblock/",
        "pending": "/admin/provisioning/pendingasteriskaction/",
        "calls": "/admin/calls/calllog/",
        "companies": "/admin/crm/company/",
    }
    forms = {
        "endpoint": f"/admin/realtime/psendpoint/{admin_ext}/change/",
        "aor": f"/admin/realtime/psaor/{admin_ext}/change/",
        "auth": f"/admin/realtime/psauth/{admin_ext}/change/",
        "transport": "/admin/realtime/pstransport/transport-udp/change/",
        "identify-rule": "/admin/realtime/psendpointidip/provider-identify/change/",
        "queue": "/admin/realtime/queue/support/change/",
        "dialplan-row": "/admin/realtime/extension/add/",
        "queue-member": "/admin/realtime/queuemember/add/",
    }
    context, page = browser_page(browser, "ru")
    try:
        page.goto(f"{asgi_live_server.url}/accounts/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", first_run)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/crm/contacts/$"))
        for name, url in {**lists, **forms}.items():
            response = page.goto(f"{asgi_live_server.url}{url}")
            assert response is not None and response.status == 200, f"{url}: {response and response.status}"
            if name in lists:
                headers = page.eval_on_selector_all(
                    "#result_list thead th:not(.action-checkbox-column)", "ths => ths.map(th => th.innerText.trim())"
                )
                assert headers, f"{url}: no result list"
                texts = [
                    *headers,
                    *page.eval_on_selector_all("#changelist-filter h3", "hs => hs.map(h => h.innerText)"),
                ]
            else:
                page.eval_on_selector_all("fieldset.collapse details", "ds => ds.forEach(d => d.open = true)")
                texts = page.eval_on_selector_all(
                    "fieldset:not(.collapse) .form-row label, fieldset h2",
                    "ls => ls.map(l => l.innerText.replace(/:$/, '').trim())",
                )
                assert texts, f"{url}: no form labels"
            screenshot(page, f"ru-{name}")
            left = sorted({text for text in texts if text.strip("↓ ").casefold() in english})
            assert not left, f"{name} ({url}) shows English column names on a Russian page: {left}"
            assert_fits(page, f"{name} ({url}, ru)")
    finally:
        context.close()
