"""The contact list and card need a role that may see contacts; owners' rules still apply."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.models import Contact

pytestmark = pytest.mark.django_db


def _user(username: str, role: str | None = None):
    user = get_user_model().objects.create_user(username)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def contacts():
    owner = _user("owner", "Agents")
    return {
        "unowned": Contact.objects.create(first_name="Una", last_name="Nobody", phone="+74951234567"),
        "owned": Contact.objects.create(first_name="Olga", last_name="Owned", phone="+74951234568", owner=owner),
        "owner": owner,
    }


def test_a_user_without_a_role_gets_403(client, contacts):
    client.force_login(_user("norole"))
    assert client.get(reverse("crm:contact_list")).status_code == 403
    for contact in (contacts["unowned"], contacts["owned"]):
        response = client.get(reverse("crm:contact_detail", args=[contact.pk]))
        assert response.status_code == 403
        assert contact.last_name not in response.content.decode()


def test_anonymous_is_sent_to_log_in(client, contacts):
    response = client.get(reverse("crm:contact_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_agent_sees_own_and_unowned_contacts_only(client, contacts):
    client.force_login(_user("agent", "Agents"))
    listed = client.get(reverse("crm:contact_list")).content.decode()
    assert "Nobody" in listed and "Owned" not in listed
    assert client.get(reverse("crm:contact_detail", args=[contacts["unowned"].pk])).status_code == 200
    assert client.get(reverse("crm:contact_detail", args=[contacts["owned"].pk])).status_code == 404
    client.force_login(contacts["owner"])
    assert client.get(reverse("crm:contact_detail", args=[contacts["owned"].pk])).status_code == 200


@pytest.mark.parametrize("role", ["Supervisors", "PBX admins"])
def test_supervisors_and_pbx_admins_see_every_contact(client, contacts, role):
    client.force_login(_user("boss", role))
    listed = client.get(reverse("crm:contact_list")).content.decode()
    assert "Nobody" in listed and "Owned" in listed
    assert client.get(reverse("crm:contact_detail", args=[contacts["owned"].pk])).status_code == 200


def test_the_403_page_keeps_the_navigation(client, contacts):
    client.force_login(_user("norole"))
    html = client.get(reverse("crm:contact_list")).content.decode()
    assert reverse("voip:my_phone") in html
    assert f'href="{reverse("crm:contact_list")}"' not in html  # no link to a page it may not open
