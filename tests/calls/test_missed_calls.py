"""Missed calls: the list, the service and the "mark handled" POST."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from tests.calls.ui_support import make_agent, make_call, make_supervisor
from voip.calls.missed import mark_missed_call_handled
from voip.calls.selectors import missed_calls_count, missed_calls_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_agent("alice", "1001"), make_agent("bob", "1003"), make_supervisor("sam", "1009")


def test_missed_calls_are_the_unanswered_calls_that_rang_the_agent(people):
    alice, bob, _ = people
    missed = make_call("m1", agent=alice, disposition="no_answer")
    cancelled = make_call("m2", agent=alice, disposition="cancelled", caller_number="+74950000001")
    make_call("a1", agent=alice, disposition="answered")
    make_call("o1", agent=alice, disposition="no_answer", direction="outbound")  # she called out: not missed
    make_call("i1", agent=alice, disposition="no_answer", direction="internal", caller_number="1001")  # her call
    internal = make_call("i2", agent=alice, disposition="busy", direction="internal", caller_number="1003")
    make_call("b1", agent=bob, disposition="no_answer")
    make_call("h1", agent=alice, disposition="no_answer", missed_handled_at="2026-01-01T00:00:00Z")
    assert {c.linkedid for c in missed_calls_for(alice)} == {missed.linkedid, cancelled.linkedid, internal.linkedid}
    assert missed_calls_count(alice) == 3


def test_page_lists_own_missed_calls_with_call_back(client, people):
    alice, bob, _ = people
    make_call("m1", agent=alice, disposition="no_answer", caller_number="+74951112233")
    make_call("b1", agent=bob, disposition="no_answer", caller_number="+74959998877")
    client.force_login(alice)
    html = client.get(reverse("voip:missed_calls")).content.decode()
    assert "+74951112233" in html
    assert "+74959998877" not in html
    assert 'data-call-number="+74951112233"' in html  # call back button
    assert "/crm/contacts/new/?phone=%2B74951112233" in html


def test_nav_link_shows_count(client, people):
    alice, _, _ = people
    make_call("m1", agent=alice, disposition="no_answer")
    make_call("m2", agent=alice, disposition="cancelled")
    client.force_login(alice)
    html = client.get(reverse("crm:contact_list")).content.decode()
    assert 'id="voip-missed-count"' in html
    badge = html.split('id="voip-missed-count"')[1].split("</span>")[0]
    assert badge.endswith(">2")


def test_agent_marks_own_missed_call_handled(client, people):
    alice, _, _ = people
    call = make_call("m1", agent=alice, disposition="no_answer")
    client.force_login(alice)
    response = client.post(reverse("voip:missed_call_handled", args=[call.pk]))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.missed_handled_at is not None
    assert missed_calls_count(alice) == 0
    first = call.missed_handled_at
    # idempotent
    assert mark_missed_call_handled(alice, call).missed_handled_at == first


def test_other_agent_cannot_mark_it(client, people):
    alice, bob, _ = people
    call = make_call("m1", agent=alice, disposition="no_answer")
    client.force_login(bob)
    assert client.post(reverse("voip:missed_call_handled", args=[call.pk])).status_code == 403
    call.refresh_from_db()
    assert call.missed_handled_at is None
    with pytest.raises(PermissionDenied):
        mark_missed_call_handled(bob, call)


def test_supervisor_can_mark_and_see_all(client, people):
    alice, _, sam = people
    call = make_call("m1", agent=alice, disposition="no_answer", caller_number="+74951112233")
    client.force_login(sam)
    assert "+7 495 111-22-33" not in client.get(reverse("voip:missed_calls")).content.decode()
    assert "+7 495 111-22-33" in client.get(reverse("voip:missed_calls"), {"all": "1"}).content.decode()
    assert client.post(reverse("voip:missed_call_handled", args=[call.pk])).status_code == 302
    call.refresh_from_db()
    assert call.missed_handled_at is not None


def test_all_agents_view_is_for_supervisors_only(client, people):
    alice, bob, _ = people
    make_call("b1", agent=bob, disposition="no_answer", caller_number="+74959998877")
    client.force_login(alice)
    assert "+74959998877" not in client.get(reverse("voip:missed_calls"), {"all": "1"}).content.decode()


def test_mark_handled_needs_post_and_csrf(people):
    alice, _, _ = people
    call = make_call("m1", agent=alice, disposition="no_answer")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(reverse("voip:missed_call_handled", args=[call.pk])).status_code == 405
    assert client.post(reverse("voip:missed_call_handled", args=[call.pk])).status_code == 403
    call.refresh_from_db()
    assert call.missed_handled_at is None


def test_anonymous_is_sent_to_login(client, people):
    alice, _, _ = people
    call = make_call("m1", agent=alice, disposition="no_answer")
    assert client.get(reverse("voip:missed_calls")).status_code == 302
    assert client.post(reverse("voip:missed_call_handled", args=[call.pk])).status_code == 302
    call.refresh_from_db()
    assert call.missed_handled_at is None


def test_next_must_be_local(client, people):
    alice, _, _ = people
    call = make_call("m1", agent=alice, disposition="no_answer")
    client.force_login(alice)
    response = client.post(reverse("voip:missed_call_handled", args=[call.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("voip:missed_calls")


def _with_role(username: str, role: str, extension: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from voip.provisioning.models import InternalNumber

    user = get_user_model().objects.create_user(username)
    user.groups.add(Group.objects.get(name=role))
    InternalNumber.objects.create(user=user, number=extension, endpoint_id=extension)
    return get_user_model().objects.get(pk=user.pk)


def test_pbx_admins_handle_only_their_own_missed_calls(client, people):
    """PBX admins see every call (voip.view_all_calls) but only a supervisor handles an agent's missed calls."""
    alice, _, _ = people
    admin = _with_role("pbx", "PBX admins", "1020")
    assert admin.has_perm("voip.view_all_calls")
    theirs = make_call("a1", agent=alice, disposition="no_answer", caller_number="+74951112299")
    mine = make_call("p1", agent=admin, disposition="no_answer", caller_number="+74951112288")
    client.force_login(admin)
    page = client.get(reverse("voip:missed_calls"), {"all": "1"}).content.decode()
    assert "+7 495 111-22-99" not in page and "+7 495 111-22-88" in page
    assert "All agents" not in page
    assert list(missed_calls_for(admin, all_agents=True)) == [mine]
    assert client.post(reverse("voip:missed_call_handled", args=[theirs.pk])).status_code == 403
    theirs.refresh_from_db()
    assert theirs.missed_handled_at is None
    assert client.post(reverse("voip:missed_call_handled", args=[mine.pk])).status_code == 302


def test_the_supervisors_role_handles_every_agents_missed_calls(client, people):
    alice, _, _ = people
    boss = _with_role("boss", "Supervisors", "1021")
    call = make_call("a2", agent=alice, disposition="no_answer", caller_number="+74951112277")
    client.force_login(boss)
    assert "+7 495 111-22-77" in client.get(reverse("voip:missed_calls"), {"all": "1"}).content.decode()
    assert client.post(reverse("voip:missed_call_handled", args=[call.pk])).status_code == 302
