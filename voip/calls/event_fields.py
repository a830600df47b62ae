"""Reading AMI event fields the way both trackers need them (pure functions, no I/O).

Asterisk writes ``<unknown>``/``(null)`` for absent values, timestamps as ``Timestamp`` (epoch)
or ``EventTV``; tests and replays may pass plain dicts instead of :class:`voip.ami.Message`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

__all__ = ["as_message", "channel_endpoint", "clean", "event_time", "to_int"]

_UNKNOWN_VALUES = frozenset({"", "<unknown>", "(null)", "(NULL)"})


def channel_endpoint(channel: str | None) -> str | None:
    """``PJSIP/1001-00000004`` -> ``1001``; None for Local/ and other non-endpoint channels."""
    if not channel or "/" not in channel:
        return None
    tech, _, rest = channel.partition("/")
    if tech.upper() not in ("PJSIP", "SIP", "IAX2"):
        return None
    endpoint, dash, _suffix = rest.rpartition("-")
    return endpoint if dash else rest


def clean(value: str | None) -> str:
    if value is None or value in _UNKNOWN_VALUES:
        return ""
    return value


def to_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def event_time(message: Any) -> dt.datetime | None:
    stamp = message.get("Timestamp")
    if stamp:
        try:
            return dt.datetime.fromtimestamp(float(stamp), dt.UTC)
        except (ValueError, OverflowError):
            pass
    event_tv = message.get("EventTV")
    if event_tv:
        try:
            return dt.datetime.strptime(event_tv, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(dt.UTC)
        except ValueError:
            pass
    return None


class _DictMessage:
    """Case-insensitive ``get`` over a plain dict (tests, replays from JSON)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = {str(k).lower(): v for k, v in data.items()}

    def get(self, key: str, default: Any = None) -> Any:
        value = self._data.get(key.lower(), default)
        if isinstance(value, list):
            return value[0] if value else default
        return value


def as_message(message: Any) -> Any:
    if isinstance(message, Mapping):
        return _DictMessage(message)
    return message
