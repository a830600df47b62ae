"""Which webhook events a CallLog write means, and the JSON each one carries. Pure: no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from voip.calls.models import CallDirection, CallDisposition

from .models import WebhookEvent

# An inbound call that ended in one of these was missed (nobody talked to the caller).
MISSED_DISPOSITIONS = frozenset(
    {CallDisposition.NO_ANSWER, CallDisposition.BUSY, CallDisposition.CANCELLED, CallDisposition.ABANDONED}
)


def call_events(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[WebhookEvent]:
    """The events between two states of one call (``before`` is None for a new call), in order.

    A call first written already answered or ended (a short call seen in one batch) gets every
    event it went through, so a receiver always sees ringing before answered before ended.
    """
    events: list[WebhookEvent] = []
    if before is None:
        events.append(WebhookEvent.RINGING)
    was_answered = before is not None and before.get("answered_at") is not None
    if after.get("answered_at") is not None and not was_answered:
        events.append(WebhookEvent.ANSWERED)
    was_final = before is not None and _is_final(before)
    if _is_final(after) and not was_final:
        events.append(WebhookEvent.ENDED)
        if after.get("direction") == CallDirection.INBOUND and after.get("disposition") in MISSED_DISPOSITIONS:
            events.append(WebhookEvent.MISSED)
    return events


def _is_final(state: Mapping[str, Any]) -> bool:
    return state.get("ended_at") is not None and state.get("disposition") != CallDisposition.IN_PROGRESS


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def call_payload(
    event: WebhookEvent, linkedid: str, state: Mapping[str, Any], *, agent_username: str
) -> dict[str, Any]:
    """The JSON body of one event: the call as the CRM knows it at that moment."""
    return {
        "event": event.value,
        "call": {
            "id": linkedid,
            "direction": state.get("direction", ""),
            "caller_number": state.get("caller_number", ""),
            "caller_name": state.get("caller_name", ""),
            "callee_number": state.get("callee_number", ""),
            "agent": agent_username,
            "agent_extension": state.get("agent_extension", ""),
            "contact_id": state.get("contact_id"),
            "company_id": state.get("company_id"),
            "started_at": _iso(state.get("started_at")),
            "answered_at": _iso(state.get("answered_at")),
            "ended_at": _iso(state.get("ended_at")),
            "duration": state.get("duration", 0),
            "billsec": state.get("billsec", 0),
            "disposition": state.get("disposition", ""),
            "trunk": state.get("trunk", ""),
            "did": state.get("did", ""),
            "queue": state.get("queue", ""),
        },
    }
