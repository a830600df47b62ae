"""Every variable documented in .env.example and .env.asterisk.example is read by the settings."""

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = (REPO_ROOT / "config" / "settings.py").read_text()
VARIABLE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.M)


def documented(name: str) -> list[str]:
    return VARIABLE.findall((REPO_ROOT / name).read_text())


@pytest.mark.parametrize("example", [".env.example", ".env.asterisk.example"])
def test_every_documented_variable_is_read(example):
    names = documented(example)
    assert len(names) > 5
    unread = [name for name in names if f'"{name}"' not in SETTINGS_SOURCE]
    assert unread == [], f"{example} documents variables config/settings.py never reads: {unread}"


def test_the_guides_database_variables_are_documented():
    names = set(documented(".env.asterisk.example"))
    assert {"ASTERISK_DB_NAME", "ASTERISK_DB_USER", "ASTERISK_DB_PASSWORD", "ASTERISK_DB_HOST"} <= names
    assert {"ASTERISK_DB_PORT", "ASTERISK_AMI_SECRET"} <= names
