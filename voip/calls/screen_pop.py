"""Payloads pushed to agents' pages (docs/calls.md, "Pushes"; rendered by ``static/js/voip.js``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation

from crm.phones import display
from crm.selectors import contact_by_number
from voip.calls.models import CallLog
from voip.calls.selectors import calls_visible_to
from voip.calls.tracker import CallEnded, CallProgress, MissedCall, Ringing

__all__ = [
    "call_ended_payload",
    "call_progress_payload",
    "caller_display",
    "create_contact_url",
    "missed_call_payload",
    "recent_calls",
    "ringing_payload",
]

RECENT_CALLS = 5


def caller_display(number: str) -> str:
    """The pages' form of a number (:func:`crm.phones.display`); extensions as Asterisk gave them."""
    return display(number)


def when_by_language(moment: Any) -> dict[str, str]:
    """``{language code: date and time}`` in each language's format, as the pages show it.

    Pushes are built once for whichever page the agent has open, in either language.
    """
    local = timezone.localtime(moment)
    shown = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            shown[code] = formats.date_format(local, "SHORT_DATETIME_FORMAT")
    return shown


def create_contact_url(number: str) -> str:
    try:
        base = reverse("crm:contact_create")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({'phone': number})}" if number else base


def _agent_label(call: CallLog) -> str:
    agent = call.agent
    if agent is None:
        return call.agent_extension
    return agent.get_full_name() or agent.get_username()


def recent_calls(
    number: str, *, user: Any = None, exclude_linkedid: str = "", limit: int = RECENT_CALLS
) -> list[dict[str, Any]]:
    """The last calls with ``number`` (either side), newest first, through the indexed columns.

    With ``user``, only the calls that user may see (their own, or all for ``voip.view_all_calls``).
    """
    if not number:
        return []
    calls = CallLog.objects.all() if user is None else calls_visible_to(user)
    calls = (
        calls.select_related("agent")
        .filter(Q(caller_number=number) | Q(callee_number=number))
        .exclude(linkedid=exclude_linkedid)
        .order_by("-started_at")[:limit]
    )
    return [
        {
            "started_at": call.started_at.isoformat(),
            "started_at_display": when_by_language(call.started_at),
            "direction": call.direction,
            "disposition": call.disposition,
            "duration": call.duration,
            "agent": _agent_label(call),
        }
        for call in calls
    ]


def _receiver(user_id: int) -> Any:
    """The user the pop goes to, or an anonymous one (sees nothing) if they are gone."""
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    return user if user is not None else AnonymousUser()


def ringing_payload(notice: Ringing) -> dict[str, Any]:
    """The screen pop for ``notice.user_id``, carrying only what that user may open on the pages.

    The contact (and the calls with its number) only if that user may view the contact, as on the
    card page; when a contact exists that the user may not open, the number alone. Recent calls
    are those the user may see.
    """
    number = notice.caller_number
    receiver = _receiver(notice.user_id)
    contact_data: dict[str, Any] | None = None
    recent: list[dict[str, Any]] = []
    hidden_contact = False
    if not notice.internal:
        contact = contact_by_number(number, visible_to=receiver)
        hidden_contact = contact is None and contact_by_number(number) is not None
        if contact is not None:
            contact_data = {
                "id": contact.pk,
                "name": contact.full_name,
                "company": contact.company.name if contact.company is not None else "",
                "url": contact.get_absolute_url(),
            }
    if not hidden_contact:
        recent = recent_calls(number, user=receiver, exclude_linkedid=notice.linkedid)
    # "Create contact" only for who may create one (the page refuses the others).
    may_add = receiver.is_active and receiver.has_perm("crm.add_contact")
    return {
        "kind": "ringing",
        "linkedid": notice.linkedid,
        "caller_number": number,
        "caller_display": caller_display(number),
        "caller_name": notice.caller_name,
        "contact": contact_data,
        "create_contact_url": "" if notice.internal or not may_add else create_contact_url(number),
        "recent_calls": recent,
        "started_at": notice.started_at.isoformat(),
    }


def call_progress_payload(notice: CallProgress) -> dict[str, Any]:
    return {
        "kind": "call_progress",
        "linkedid": notice.linkedid,
        "action_id": notice.action_id,
        "state": notice.state,
        "reason": notice.reason,
    }


def call_ended_payload(notice: CallEnded) -> dict[str, Any]:
    return {"kind": "call_ended", "linkedid": notice.linkedid, "disposition": notice.disposition}


def missed_call_payload(notice: MissedCall) -> dict[str, Any]:
    return {
        "kind": "missed_call",
        "linkedid": notice.linkedid,
        "caller_number": notice.caller_number,
        "caller_display": caller_display(notice.caller_number),
    }
