"""Contact search finds what people type: any spelling of a number, a full name, a company."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Company, Contact
from crm.selectors import contact_search
from tests.calls.ui_support import make_supervisor

pytestmark = pytest.mark.django_db

LIST = "/crm/contacts/"


@pytest.fixture
def people() -> dict[str, Contact]:
    romashka = Company.objects.create(name="Romashka LLC")
    acme = Company.objects.create(name="Acme Corp")
    return {
        "ivan": Contact.objects.create(
            first_name="Ivan", last_name="Petrov", company=romashka, phone="+7 495 123-45-67", mobile="89165550102"
        ),
        "anna": Contact.objects.create(first_name="Anna", last_name="Smirnova", company=romashka, phone="4951234568"),
        "john": Contact.objects.create(first_name="John", last_name="Smith", company=acme, phone="+1 212 555 0134"),
    }


@pytest.fixture
def supervisor():
    return make_supervisor("sam", extension=None)


@pytest.mark.parametrize(
    "typed", ["4951234567", "+7 495 123-45-67", "8 (495) 123-45-67", "+74951234567", "8-495-123 45 67"]
)
def test_every_spelling_of_a_number_finds_the_contact(people, supervisor, typed):
    assert list(contact_search(user=supervisor, query=typed)) == [people["ivan"]]


def test_mobile_numbers_are_found_too(people, supervisor):
    assert list(contact_search(user=supervisor, query="+7 916 555-01-02")) == [people["ivan"]]


def test_a_number_is_matched_on_the_indexed_e164_copies_not_the_raw_text(people, supervisor):
    with CaptureQueriesContext(connection) as queries:
        list(contact_search(user=supervisor, query="8 (495) 123-45-67"))
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "phone_e164" in sql and "+74951234567" in sql
    assert "like" not in sql  # no substring scan of any column


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Ivan Petrov", ["ivan"]),
        ("petrov ivan", ["ivan"]),
        ("Petrov", ["ivan"]),
        ("Romashka", ["ivan", "anna"]),
        ("romashka anna", ["anna"]),
        ("Acme", ["john"]),
        ("Ivan Smith", []),
    ],
)
def test_names_and_companies(people, supervisor, typed, expected):
    found = contact_search(user=supervisor, query=typed)
    assert sorted(c.pk for c in found) == sorted(people[k].pk for k in expected)


def test_agents_still_see_only_their_contacts(people):
    from tests.calls.ui_support import make_agent

    agent = make_agent("alice", "1001")
    people["ivan"].owner = make_agent("bob", "1002")
    people["ivan"].save()
    assert list(contact_search(user=agent, query="+74951234567")) == []


def test_the_list_page_searches_and_says_when_nothing_matches(client, people, supervisor):
    client.force_login(supervisor)
    found = client.get(LIST, {"q": "8 (495) 123-45-67"}).content.decode()
    assert "Ivan Petrov" in found and "Anna" not in found
    empty = client.get(LIST, {"q": "Nobody Here"})
    html = empty.content.decode()
    assert "No contacts match" in html
    assert "No contacts yet" not in html
    assert f'href="{LIST}"' in html  # clear the search


def test_an_empty_crm_says_so(client, supervisor):
    client.force_login(supervisor)
    html = client.get(LIST).content.decode()
    assert "No contacts yet" in html and "No contacts match" not in html
