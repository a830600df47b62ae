"""Every dotted ``voip.``/``crm.`` name the documentation mentions still exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
# `voip.calls.push.push_to_user`, `voip.provisioning.services.provision_extension(user)`, ...; not
# quoted strings ("voip.push") or group name patterns (voip.user.<id>).
DOTTED = re.compile(r"(?<![\w./\"'-])((?:voip|crm)(?:\.[A-Za-z_]\w*)+)(?!\w|\.<|[\"'])")


def permission_names() -> set[str]:
    """``app_label.codename`` of every permission the models define (``voip.place_calls`` ...)."""
    names = set()
    for model in apps.get_models():
        meta = model._meta
        codenames = [f"{action}_{meta.model_name}" for action in meta.default_permissions]
        codenames += [codename for codename, _label in meta.permissions]
        names |= {f"{meta.app_label}.{codename}" for codename in codenames}
    return names


def mentioned_names() -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for document in DOCUMENTS:
        for code in re.findall(r"`([^`\n]+)`", document.read_text()):
            for name in DOTTED.findall(code):
                if name not in permission_names():
                    found.add((document.name, name))
    return sorted(found)


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def test_the_docs_mention_dotted_names_at_all() -> None:
    assert len(mentioned_names()) > 20


@pytest.mark.parametrize(("document", "name"), mentioned_names())
def test_a_dotted_name_in_the_docs_imports(document: str, name: str) -> None:
    assert resolves(name), f"{document} mentions {name}, which does not import"
