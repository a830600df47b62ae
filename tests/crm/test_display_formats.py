"""One way to show a number, a date and a state, on CRM pages and in the admin, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from crm.models import Contact
from crm.phones import display
from tests.calls.ui_support import make_agent, make_call, make_supervisor

pytestmark = pytest.mark.django_db(databases=["default", "asterisk"], transaction=True)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("+74951234567", "+7 495 123-45-67"),
        ("8 (495) 123-45-67", "+7 495 123-45-67"),
        ("4951234567", "+7 495 123-45-67"),
        ("+1 212 555 0134", "+1 212-555-0134"),
        ("1001", "1001"),  # an extension stays as it is
        ("anonymous", "anonymous"),
        ("", ""),
        (None, ""),
    ],
)
def test_the_phone_filter(value, shown):
    rendered = Template("{% load phones %}{{ value|phone }}").render(Context({"value": value}))
    assert rendered == shown
    assert display(value) == shown


def test_contact_pages_and_call_buttons_show_the_international_form(client):
    agent = make_agent("alice", "1001")
    contact = Contact.objects.create(first_name="Ivan", last_name="Petrov", phone="8 (495) 123-45-67")
    client.force_login(agent)
    for url in (contact.get_absolute_url(), "/crm/contacts/"):
        html = client.get(url).content.decode()
        assert ">+7 495 123-45-67<" in html
        assert "8 (495) 123-45-67" not in html
        assert "Call +7 495 123-45-67 from your phone" in html  # the button's title
        assert 'data-call-number="+74951234567"' in html  # what is dialled stays E.164


@pytest.mark.parametrize(("language", "shown"), [("en", "1 Dec 2026, 09:05"), ("ru", "01.12.2026 09:05")])
def test_one_datetime_format_per_language_on_crm_pages_and_in_the_admin(client, settings, language, shown):
    settings.TIME_ZONE = "UTC"
    supervisor = make_supervisor("sam", "1009", is_staff=True)
    contact = Contact.objects.create(first_name="Ivan", last_name="Petrov", phone="+74951234567")
    make_call("c1", agent=supervisor, contact=contact, started_at=dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC))
    client.force_login(supervisor)
    client.cookies["django_language"] = language
    card = client.get(contact.get_absolute_url()).content.decode()
    admin = client.get("/admin/calls/calllog/").content.decode()
    assert shown in card
    assert shown in admin


def test_screen_pop_dates_come_in_each_language(settings):
    from voip.calls.screen_pop import when_by_language

    settings.TIME_ZONE = "UTC"
    moment = dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC)
    assert when_by_language(moment) == {"en": "1 Dec 2026, 09:05", "ru": "01.12.2026 09:05"}


def test_one_word_per_registration_state(admin_client):
    from voip.calls.models import PresenceStatus

    html = admin_client.get("/admin/realtime/psendpoint/").content.decode()
    for _value, label in PresenceStatus.choices:
        if _value != "unknown":
            assert f">{label}</a>" in html  # the filter offers the status column's own word
    assert "not registered" not in html
