"""Russian pages have no English left: every string of the templates and the code has a translation.

The strings are extracted afresh by ``makemessages`` (run on a copy of the sources in a temporary
directory, so the repository's catalogue is not touched) and each one is looked up in the
committed, compiled ``locale/ru/LC_MESSAGES/django.mo``: a string added without a translation, a
fuzzy entry or a ``.mo`` not compiled after editing the ``.po`` all fail here.
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
COMPILED = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.mo"
SOURCES = ("config", "crm", "voip", "templates")

# Quoted in English by the docs on purpose (docs/asterisk-config.md): a --validate line.
ENGLISH_ON_PURPOSE = {"%(where)s: %(want)s expected, found %(have)s"}
# The user's guide spells these in English, in both languages.
GUIDE_NAMES = ("VOIP", "PJSIP Endpoints", "Test registration", "Reload PJSIP config")


def _extract(tmp_path: Path) -> set[str]:
    if not shutil.which("xgettext") or not shutil.which("msgen"):
        pytest.fail("GNU gettext is needed to check the catalogue (apt-get install -y gettext)")
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    (tmp_path / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with _locale_paths(tmp_path / "locale"):
            call_command("makemessages", locale=["ru"], keep_pot=True, verbosity=0)
    finally:
        os.chdir(cwd)
    # msgen gives each entry its own msgid as msgstr, so msgfmt keeps every one of them.
    pot = tmp_path / "locale" / "django.pot"
    english = tmp_path / "english.po"
    subprocess.run(["msgen", "-o", str(english), str(pot)], check=True)
    header = english.read_text().replace("nplurals=INTEGER; plural=EXPRESSION;", "nplurals=2; plural=(n != 1);")
    english.write_text(header.replace("charset=CHARSET", "charset=UTF-8"))
    compiled = tmp_path / "english.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(english)], check=True)
    with compiled.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    return {key[0] if isinstance(key, tuple) else key for key in catalog if key}


class _locale_paths:
    def __init__(self, path: Path) -> None:
        from django.test.utils import override_settings

        self.override = override_settings(LOCALE_PATHS=[str(path)])

    def __enter__(self) -> None:
        self.override.enable()

    def __exit__(self, *exc: object) -> None:
        self.override.disable()


@pytest.fixture(scope="module")
def russian() -> dict:
    with COMPILED.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def test_every_string_has_a_russian_translation(tmp_path, russian):
    wanted = _extract(tmp_path)
    assert "Contacts" in wanted and "PJSIP Endpoints" in wanted  # templates and model labels both extracted
    translated = {key[0] if isinstance(key, tuple) else key for key, value in russian.items() if key and value}
    missing = sorted(wanted - translated - ENGLISH_ON_PURPOSE)
    assert not missing, "no Russian translation (run makemessages, translate, compilemessages): " + repr(missing)


def test_the_guides_names_stay_english(russian):
    for name in GUIDE_NAMES:
        assert russian[name] == name
