"""New SIP passwords wait between the reset's POST and the page that shows them: encrypted, once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import RequestFactory

from voip import new_passwords

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    return request


def test_the_cache_holds_no_readable_password_and_the_session_none_at_all():
    user = get_user_model().objects.create_user("alice")
    request = _request(user)
    new_passwords.keep_for_next_page(request, rows=[("1000", "Secret-Pa55word")], page="endpoints")
    held = request.session[new_passwords._SESSION_PREFIX + "endpoints"]
    sealed = cache.get(new_passwords._cache_key(held["token"]))
    assert isinstance(sealed, bytes) and b"Secret-Pa55word" not in sealed and b"1000" not in sealed
    assert "Secret-Pa55word" not in str(dict(request.session.items()))
    assert new_passwords.take(request, page="endpoints") == [("1000", "Secret-Pa55word")]
    assert new_passwords.take(request, page="endpoints") == []  # once
    assert cache.get(new_passwords._cache_key(held["token"])) is None


def test_another_user_or_a_wrong_key_gets_nothing():
    alice = get_user_model().objects.create_user("alice")
    bob = get_user_model().objects.create_user("bob")
    request = _request(alice)
    new_passwords.keep_for_next_page(request, rows=[("1000", "pw-one")], page="endpoints")
    request.user = bob
    assert new_passwords.take(request, page="endpoints") == []

    request = _request(alice)
    new_passwords.keep_for_next_page(request, rows=[("1000", "pw-two")], page="endpoints")
    key = new_passwords._SESSION_PREFIX + "endpoints"
    request.session[key] = {**request.session[key], "key": "not-a-fernet-key"}
    assert new_passwords.take(request, page="endpoints") == []
