"""``POST voip/call/`` with ``number``: click-to-call (:mod:`voip.calls.click_to_call` does the work).

CSRF-protected, logged in, ``voip.place_calls``, rate-limited per user. Answers
``{"ok": true, "channel_id", "action_id", "dialled"}`` or ``{"ok": false, "error", "code"}`` with
401/403 (not allowed), 405 (not POST), 409 (no usable extension), 400 (not a number), 429 (rate
limit, ``Retry-After``), 502 (Asterisk refused) or 503 (Asterisk not configured, or configured but
unreachable). Only refusals caused by the request count against the user's rate limit: a 5xx (our
side or Asterisk's) is given back.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from voip.calls.click_to_call import ClickToCallError, place_call
from voip.conf import calls_settings
from voip.ratelimit import hit, refund


def _error(code: str, message: str, status: int, **headers: str) -> JsonResponse:
    response = JsonResponse({"ok": False, "error": message, "code": code}, status=status)
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    return response


@require_POST
def click_to_call(request: HttpRequest) -> JsonResponse:
    user = request.user
    if not user.is_authenticated:
        return _error("login_required", _("Please log in."), 401)
    if not user.is_active or not user.has_perm("voip.place_calls"):
        return _error("forbidden", _("You are not allowed to place calls."), 403)
    limit = hit(f"click-to-call:{user.pk}", calls_settings().get("CLICK_TO_CALL_RATE", "10/m"))
    if not limit.allowed:
        return _error(
            "rate_limited",
            _("Too many calls in a short time. Try again in %(seconds)s s.") % {"seconds": limit.retry_after},
            429,
            Retry_After=str(limit.retry_after),
        )
    try:
        placed = place_call(user=user, number=request.POST.get("number", ""))
    except ClickToCallError as exc:
        if exc.status >= 500:  # our configuration or Asterisk failed, not the user
            refund(limit)
        return _error(exc.code, exc.message, exc.status)
    return JsonResponse(placed.to_dict())
