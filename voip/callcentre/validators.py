"""Edge validation of the call centre's input: refuse, never clean silently."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from voip.callcentre.models import EmptyRule, Strategy

QUEUE_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Music-on-hold classes are musiconhold.conf section names.
MOH_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
REASON_MAX = 60
LIMITS = {
    "ring_timeout": (1, 600),
    "retry": (0, 600),
    "wrapup": (0, 3600),
    "max_wait": (1, 86400),
    "service_level": (1, 3600),
    "weight": (0, 1000),
}


def _has_line_break(value: str) -> bool:
    return any(ch in value for ch in "\r\n\x00")


def validate_queue_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields a queue is written with, checked; a ValidationError maps field -> message."""
    errors: dict[str, str] = {}
    name = fields.get("name")
    if name is not None and (not isinstance(name, str) or not QUEUE_NAME_RE.fullmatch(name)):
        errors["name"] = _("Use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit.")
    strategy = fields.get("strategy")
    if strategy is not None and strategy not in Strategy.values:
        errors["strategy"] = _("Unknown strategy.")
    for key in ("join_empty", "leave_when_empty"):
        if key in fields and fields[key] not in EmptyRule.values:
            errors[key] = _("Unknown choice.")
    for key, (low, high) in LIMITS.items():
        value = fields.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[key] = _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    moh = fields.get("music_on_hold")
    if moh is not None and (not isinstance(moh, str) or not MOH_RE.fullmatch(moh)):
        errors["music_on_hold"] = _("Use letters, digits, '-' or '_'.")
    for key in ("announce_position", "announce_holdtime", "record_calls"):
        if key in fields and not isinstance(fields[key], bool):
            errors[key] = _("Enter yes or no.")
    destination = fields.get("max_wait_destination")
    if destination is not None:
        from voip.routes.destinations import DestinationError, parse

        try:
            parse(destination, path="max_wait.destination")
        except DestinationError as exc:
            errors["max_wait_destination"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return fields


def validate_pause_reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX or _has_line_break(reason):
        raise ValidationError(_("Choose a pause reason from the list."))
    return reason
