"""Template tags for the telephony UI.

* ``{% call_button number %}``: a click-to-call button (disabled, with the reason, when the user
  cannot call) and the place where the call's progress shows;
* ``{% contact_call_history contact %}``: the contact's calls the user may see, with recordings;
* ``{% missed_calls_link %}``: the navigation link with the number of missed calls;
* ``{% voip_client %}``: the screen-pop container and ``static/js/voip.js`` (logged-in users only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.phones import display
from voip.calls.models import CallDirection, CallDisposition
from voip.calls.selectors import calls_for_contact, can_listen, missed_calls_count
from voip.provisioning.models import InternalNumber

if TYPE_CHECKING:
    from crm.models import Contact

register = template.Library()

# Where call_ability keeps its answer on the request (an attribute HttpRequest does not declare).
_ABILITY_ATTRIBUTE = "_voip_call_ability"


def call_ability(request: HttpRequest | None) -> tuple[bool, str]:
    """(may call, why not) for the request's user; worked out once per request."""
    if request is None:
        return False, ""
    cached = getattr(request, _ABILITY_ATTRIBUTE, None)
    if cached is not None:
        return cached
    user = request.user
    if not user.is_authenticated:
        ability = (False, _("Log in to call."))
    elif not user.has_perm("voip.place_calls"):
        ability = (False, _("You are not allowed to place calls."))
    else:
        extension = InternalNumber.objects.filter(user=user).first()
        if extension is None:
            ability = (False, _("You have no extension yet: ask a PBX administrator to give you one."))
        elif not extension.is_active:
            ability = (False, _("Your extension is switched off: ask a PBX administrator to enable it."))
        else:
            ability = (True, "")
    setattr(request, _ABILITY_ATTRIBUTE, ability)
    return ability


@register.inclusion_tag("voip/call_button.html", takes_context=True)
def call_button(context: template.Context, number: str, label: str = "") -> dict[str, Any]:
    can_call, reason = call_ability(context.get("request"))
    return {
        "number": number or "",
        "shown_number": display(number),
        "label": label,
        "can_call": can_call and bool(number),
        "reason": reason,
    }


@register.inclusion_tag("voip/call_notice.html", takes_context=True)
def call_notice(context: template.Context) -> dict[str, Any]:
    """Why the page's call buttons are disabled, said once (each button carries it as a tooltip)."""
    can_call, reason = call_ability(context.get("request"))
    return {"reason": "" if can_call else reason}


@register.inclusion_tag("voip/contact_call_history.html", takes_context=True)
def contact_call_history(context: template.Context, contact: Contact, limit: int = 50) -> dict[str, Any]:
    request = context.get("request")
    user = request.user if request is not None else None
    rows = []
    if user is not None and user.is_authenticated:
        for call in calls_for_contact(contact, user)[:limit]:
            number = call.caller_number if call.direction == "inbound" else call.callee_number
            rows.append(
                {
                    "call": call,
                    "number": display(number),
                    "recording_url": reverse("voip:recording", args=[call.pk]) if can_listen(user, call) else "",
                }
            )
    return {"rows": rows, "contact": contact, "request": request}


@register.inclusion_tag("voip/missed_calls_link.html", takes_context=True)
def missed_calls_link(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = request.user if request is not None else None
    count = missed_calls_count(user) if user is not None and user.is_authenticated else 0
    return {"count": count, "show": user is not None and user.is_authenticated}


@register.inclusion_tag("voip/client.html", takes_context=True)
def voip_client(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = request.user if request is not None else None
    if user is None or not user.is_authenticated:
        return {"enabled": False}
    strings = {
        "ringing_agent": _("Ringing your phone…"),
        "dialing": _("Dialling…"),
        "answered": _("Connected"),
        "failed": _("Failed"),
        "ended": _("Call ended"),
        "starting": _("Calling…"),
        "incoming": _("Incoming call"),
        "internal": _("Internal call"),
        "open_contact": _("Open contact card"),
        "create_contact": _("Create contact"),
        "recent_calls": _("Recent calls"),
        "no_recent_calls": _("No earlier calls with this number."),
        "close": _("Close"),
        "missed": _("Missed call"),
        "call_over": _("The call is over"),
        "network_error": _("The request did not reach the server."),
        "unknown_error": _("The call could not be placed."),
        # The model's own labels, so a state has the same word here as on every page.
        "directions": {value: str(label) for value, label in CallDirection.choices},
        "dispositions": {value: str(label) for value, label in CallDisposition.choices},
    }
    return {
        "enabled": True,
        "config": {
            "wsPath": "/ws/voip/agent/",
            "callUrl": reverse("voip:click_to_call"),
            "missedUrl": reverse("voip:missed_calls"),
            "strings": strings,
        },
        "script_url": static("js/voip.js"),
        "css_url": static("css/voip.css"),
    }
