"""Pages that say what the user can do: error pages with the navigation, the favicon, the new-contact form."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.calls.ui_support import make_agent, make_user

pytestmark = pytest.mark.django_db


def test_403_is_a_styled_page_with_the_navigation(client, settings):
    settings.DEBUG = False
    # May see contacts but not create one: the 403 page links back to the contacts.
    client.force_login(make_user("viewer", "crm.view_contact"))
    response = client.get("/crm/contacts/new/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in html and "/static/css/app.css" in html
    assert "You are not allowed to open this page" in html and 'href="/crm/contacts/"' in html


def test_404_is_a_styled_page_with_the_navigation(client, settings):
    settings.DEBUG = False
    client.force_login(make_agent())
    response = client.get("/crm/contacts/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="topbar"' in html and "There is no such page" in html and 'href="/voip/phone/"' in html


def test_500_renders_without_a_request_or_database():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and 'href="/crm/contacts/"' in html


def test_favicon(client):
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"


def test_new_contact_form_shows_each_error_next_to_its_field(client):
    client.force_login(make_agent())
    response = client.post("/crm/contacts/new/", {"first_name": "", "phone": "not a phone"})
    html = response.content.decode()
    assert response.status_code == 200
    first_name = html[html.index('id="id_first_name"') :]
    assert first_name.index('id="id_first_name_errors"') < first_name.index('id="id_last_name"')
    phone = html[html.index('id="id_phone"') :]
    assert phone.index("Enter a phone number") < phone.index('id="id_mobile"')
    assert 'class="form-field has-error"' in html


def test_admin_pages_have_the_favicon_and_the_wrapping_styles():
    client = Client()
    html = client.get("/admin/login/").content.decode()
    assert "/static/favicon.svg" in html and "/static/css/admin.css" in html
