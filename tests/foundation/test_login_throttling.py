"""Failed logins are throttled (django-axes) on the CRM login page and the admin login alike."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parents[2]
LOGIN_PAGES = [reverse("login"), reverse("admin:login")]


@pytest.fixture
def olga():
    return get_user_model().objects.create_user("olga", password="right-horse-battery", is_staff=True)


def _login(client: Client, url: str, password: str):
    return client.post(url, {"username": "olga", "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_failures_lock_out_even_the_right_password_until_the_cool_off(url, olga, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    client = Client()
    codes = [_login(client, url, f"guess-{n}").status_code for n in range(5)]
    assert codes[:4] == [200, 200, 200, 200]  # the form again, with its error
    assert codes[4] == 429  # the fifth failure locks out
    right = _login(client, url, "right-horse-battery")
    assert right.status_code == 429 and not _logged_in(client)
    # Another address may still log in as olga: only the username+address pair is locked.
    elsewhere = Client(REMOTE_ADDR="192.0.2.99")
    assert _login(elsewhere, url, "right-horse-battery").status_code == 302 and _logged_in(elsewhere)
    # After the cool-off the right password works again (the attempts are moved into the past).
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=16)
        attempt.save()
    after = _login(client, url, "right-horse-battery")
    assert after.status_code == 302 and _logged_in(client)


def test_a_success_before_the_limit_resets_the_count(olga, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for n in range(2):
        _login(client, reverse("login"), f"guess-{n}")
    assert _login(client, reverse("login"), "right-horse-battery").status_code == 302
    client.logout()
    codes = [_login(client, reverse("login"), f"again-{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]


def test_the_limits_come_from_the_environment():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "AXES_FAILURE_LIMIT": "3"}
    env["AXES_COOLOFF_MINUTES"] = "2"
    code = "from django.conf import settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "3 120.0", result.stderr
