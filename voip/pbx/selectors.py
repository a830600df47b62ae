"""``pbx export``: the current PBX in the file's format, in a stable order, without any secret."""

from __future__ import annotations

from typing import Any

import yaml

from voip.pbx.resources import resources
from voip.pbx.services import FORMAT_VERSION

HEADER = (
    "# The PBX as code (docs/pbx-as-code.md), written by `manage.py pbx export`.\n"
    "# Secrets are never exported: an omitted password keeps the current one on apply.\n"
)


def pbx_document() -> dict[str, Any]:
    """Every registered key with its objects; an empty list too (applying it removes them all)."""
    document: dict[str, Any] = {"version": FORMAT_VERSION}
    for resource in resources():
        document[resource.key] = resource.export()
    return document


def pbx_export() -> str:
    return HEADER + yaml.safe_dump(
        pbx_document(), sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
