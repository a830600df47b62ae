"""A production deployment behind TLS passes ``check --deploy`` with settings from the environment only."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

BEHIND_TLS = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "crm.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def _run(args: list[str], extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in BEHIND_TLS and key != "SECRET_KEY"}
    env.update(SECRET_KEY=secrets.token_urlsafe(60), DJANGO_SETTINGS_MODULE="config.settings", **extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_the_environment_of_a_tls_deployment() -> None:
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], BEHIND_TLS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_settings_come_from_those_variables() -> None:
    code = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    result = _run(["shell", "--no-imports", "-c", code], BEHIND_TLS)
    assert result.stdout.strip() == "True 31536000 True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    plain = _run(["shell", "--no-imports", "-c", code], {})
    assert plain.stdout.strip() == "False 0 False False False False None"  # local http keeps working


@pytest.mark.parametrize("header", ["X-Forwarded-Proto", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PROTO,https,x"])
def test_a_malformed_proxy_header_setting_is_refused(header: str) -> None:
    result = _run(["check"], {"SECURE_PROXY_SSL_HEADER": header})
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in result.stderr
