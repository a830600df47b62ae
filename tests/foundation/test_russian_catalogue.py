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
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, label_for_field
from django.core.management import call_command
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import translation

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


# Admin pages: Django names a list column, a form field and a filter after the model field's
# verbose name, which is not a translatable string when a model (the realtime tables) keeps
# Asterisk's column names. So the admin's own labels are checked here, in both languages.
OUR_PACKAGES = ("crm.", "voip.", "config.")
# Spelled the same in both languages on purpose: acronyms and the guide's names.
SAME_IN_BOTH = {"ID", "URI", "AMI", *GUIDE_NAMES}


def _our_admins() -> list[tuple[type, admin.ModelAdmin]]:
    return [(model, ma) for model, ma in admin.site._registry.items() if type(ma).__module__.startswith(OUR_PACKAGES)]


def _superuser_request(path: str = "/admin/") -> HttpRequest:
    from django.contrib.auth.models import User

    request = RequestFactory().get(path)
    request.user = User(username="probe", is_superuser=True, is_staff=True, is_active=True)
    return request


def _in_both(label: object) -> tuple[str, str]:
    """``label`` in English and in Russian; a callable is called in each language (Django
    evaluates some labels at once, e.g. ``__str__``'s header is the model's verbose name)."""
    texts = []
    for language in ("en", "ru"):
        with translation.override(language):
            texts.append(str(label() if callable(label) else label))
    return texts[0], texts[1]


def _untranslated(label: object, allowed: frozenset[str] = frozenset()) -> str | None:
    english, russian = _in_both(label)
    if russian != english or english in SAME_IN_BOTH or english in allowed:
        return None
    return english


def test_the_admin_pages_are_checked():
    names = {model.__name__ for model, _ in _our_admins()}
    assert {"PsEndpoint", "PsAor", "PsTransport", "PsContact", "CallLog", "Contact", "User"} <= names


def test_every_admin_list_header_has_a_russian_translation():
    request = _superuser_request()
    missing = []
    for model, model_admin in _our_admins():
        for name in model_admin.get_list_display(request):
            if name == "action_checkbox":
                continue
            english = _untranslated(lambda: label_for_field(name, model, model_admin))  # noqa: B023
            if english:
                missing.append(f"{model.__name__}: {english}")
    assert not missing, "list headers without a Russian translation: " + repr(missing)


def test_every_admin_form_label_has_a_russian_translation():
    """The change page's labels and group names. In a folded "Advanced" group a column may keep
    Asterisk's option name (``direct_media``): that is how Asterisk's documentation spells it."""
    request = _superuser_request()
    missing = []
    for model, model_admin in _our_admins():
        form = model_admin.get_form(request, None)
        labels = form._meta.labels or {}
        for title, options in model_admin.get_fieldsets(request, None):
            if title and _untranslated(title):
                missing.append(f"{model.__name__}: group {title}")
            folded = "collapse" in options.get("classes", ())
            for name in flatten_fieldsets([(title, options)]):
                if name in form.base_fields:
                    label = form.base_fields[name].label
                else:  # read-only: how AdminReadonlyField names it
                    label = labels.get(name) or (lambda: label_for_field(name, model, model_admin, form=form))  # noqa: B023
                english = _untranslated(label, frozenset({name}) if folded else frozenset())
                if english:
                    missing.append(f"{model.__name__}: {english}")
    assert not missing, "admin form labels without a Russian translation: " + repr(missing)


@pytest.mark.django_db(databases=["default", "asterisk"])
def test_every_admin_filter_title_has_a_russian_translation():
    missing = []
    for model, model_admin in _our_admins():
        if not model_admin.get_list_filter(_superuser_request()):
            continue
        changelist = model_admin.get_changelist_instance(_superuser_request())
        for spec in changelist.filter_specs:
            english = _untranslated(spec.title)
            if english:
                missing.append(f"{model.__name__}: {english}")
    assert not missing, "admin filter titles without a Russian translation: " + repr(missing)
