"""The contact card: call buttons, call history by role, recording player; the contact create page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Company, Contact
from tests.calls.ui_support import make_agent, make_call, make_supervisor, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def recordings(settings, tmp_path):
    settings.VOIP_CALLS = {**settings.VOIP_CALLS, "RECORDINGS_ROOT": str(tmp_path)}
    return tmp_path


@pytest.fixture
def contact():
    company = Company.objects.create(name="Acme")
    return Contact.objects.create(first_name="Ivan", last_name="Petrov", company=company, phone="+7 495 123-45-67")


def test_card_shows_call_buttons_for_each_number(client, contact):
    contact.mobile = "8 916 555-44-33"
    contact.save()
    client.force_login(make_agent())
    html = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-call-number="+74951234567"' in html
    assert 'data-call-number="+79165554433"' in html
    assert 'id="voip-config"' in html and "js/voip.js" in html


def test_contact_list_has_call_buttons(client, contact):
    client.force_login(make_agent())
    html = client.get("/crm/contacts/").content.decode()
    assert 'data-call-number="+74951234567"' in html
    assert "disabled" not in html.split('data-call-number="+74951234567"')[0].rsplit("<button", 1)[1]


def test_user_without_extension_sees_disabled_button_and_reason(client, contact):
    client.force_login(make_agent("noext", extension=None))
    html = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-call-number="+74951234567"' not in html  # the live button is not there
    assert "disabled" in html
    assert "You have no extension yet" in html
    # Said once for the page (each disabled button only repeats it as its tooltip).
    contact.mobile = "8 916 555-44-33"
    contact.save()
    listing = client.get("/crm/contacts/").content.decode()
    assert listing.count("disabled aria-disabled") == 2
    assert listing.count('class="muted voip-call-why"') == 1
    assert listing.count('title="You have no extension yet') == listing.count("disabled aria-disabled")


def test_inactive_extension_explained(client, contact):
    client.force_login(make_agent("alice", "1001", active=False))
    html = client.get(contact.get_absolute_url()).content.decode()
    assert "Your extension is switched off" in html
    assert 'data-call-number="+74951234567"' not in html


def test_agent_sees_only_own_calls_supervisor_all(client, contact):
    alice = make_agent("alice", "1001", first_name="Alice")
    bob = make_agent("bob", "1003", first_name="Bobby")
    now = timezone.now()
    make_call("c-alice", agent=alice, contact=contact, started_at=now - timedelta(hours=1))
    make_call("c-bob", agent=bob, contact=contact, started_at=now, direction="outbound", disposition="no_answer")
    make_call("c-other-contact", agent=alice, contact=None)

    client.force_login(alice)
    html = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-linkedid="c-alice"' in html
    assert 'data-linkedid="c-bob"' not in html
    assert 'data-linkedid="c-other-contact"' not in html

    client.force_login(make_supervisor())
    html = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-linkedid="c-alice"' in html and 'data-linkedid="c-bob"' in html
    assert html.index('data-linkedid="c-bob"') < html.index('data-linkedid="c-alice"')  # newest first
    row = html.split('data-linkedid="c-bob"')[1].split("</tr>")[0]
    assert "outbound" in row and "no answer" in row and "Bobby" in row


def test_history_row_shows_direction_duration_disposition_agent(client, contact):
    alice = make_agent("alice", "1001", first_name="Alice", last_name="Smith")
    make_call("c1", agent=alice, contact=contact, billsec=73, disposition="answered", direction="inbound")
    client.force_login(alice)
    html = client.get(contact.get_absolute_url()).content.decode()
    row = html.split('data-linkedid="c1"')[1].split("</tr>")[0]
    assert "inbound" in row
    assert "73" in row
    assert "answered" in row
    assert "Alice Smith" in row
    assert "+7 495 123-45-67" in row


def test_recording_player_for_own_call_and_supervisor_only(client, contact, recordings):
    alice = make_agent("alice", "1001")
    bob = make_agent("bob", "1003")
    (recordings / "call-1.wav").write_bytes(b"RIFF....WAVE")
    (recordings / "call-2.wav").write_bytes(b"RIFF....WAVE")
    own = make_call("c-own", agent=alice, contact=contact, recording_file="call-1.wav")
    other = make_call("c-other", agent=bob, contact=contact, recording_file="call-2.wav")
    missing = make_call("c-missing", agent=alice, contact=contact, recording_file="nope.wav")

    client.force_login(alice)
    html = client.get(contact.get_absolute_url()).content.decode()
    assert f'<audio controls preload="none" src="/voip/recordings/{own.pk}/">' in html
    assert f"/voip/recordings/{other.pk}/" not in html
    assert f"/voip/recordings/{missing.pk}/" not in html  # no file, no player

    # A supervisor who may view all calls but not listen to all recordings sees no players of others.
    viewer = make_user("viewer", "voip.view_all_calls", "crm.view_contact")
    client.force_login(viewer)
    html = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-linkedid="c-other"' in html
    assert f"/voip/recordings/{other.pk}/" not in html

    client.force_login(make_supervisor())
    html = client.get(contact.get_absolute_url()).content.decode()
    assert f"/voip/recordings/{own.pk}/" in html and f"/voip/recordings/{other.pk}/" in html


def test_contact_create_prefills_phone_and_creates(client):
    agent = make_agent()
    client.force_login(agent)
    page = client.get("/crm/contacts/new/", {"phone": "+74957654321"})
    assert page.status_code == 200
    assert 'value="+74957654321"' in page.content.decode()
    company = Company.objects.create(name="Acme")
    response = client.post(
        "/crm/contacts/new/",
        {
            "first_name": "Olga",
            "last_name": "Ivanova",
            "company": company.pk,
            "phone": "+74957654321",
            "mobile": "",
            "email": "olga@example.com",
        },
    )
    contact = Contact.objects.get(first_name="Olga")
    assert response.status_code == 302
    assert response["Location"] == contact.get_absolute_url()
    assert contact.phone_e164 == "+74957654321"
    assert contact.owner == agent
    assert client.get(contact.get_absolute_url()).status_code == 200  # the agent sees what they created


def test_contact_create_rejects_non_phone(client):
    client.force_login(make_agent())
    response = client.post("/crm/contacts/new/", {"first_name": "X", "phone": "not a phone"})
    assert response.status_code == 200
    assert not Contact.objects.exists()
    assert "Enter a phone number" in response.content.decode()


def test_contact_create_requires_permission(client):
    client.force_login(make_user("viewer", "crm.view_contact"))
    assert client.get("/crm/contacts/new/").status_code == 403
    assert client.post("/crm/contacts/new/", {"first_name": "X"}).status_code == 403
    assert not Contact.objects.exists()
    client.logout()
    assert client.get("/crm/contacts/new/").status_code == 302
