"""Click-to-call: the CRM asks Asterisk to ring the agent's own phone, then dial the number.

``POST voip/call/`` with ``number`` (CSRF-protected, logged in, ``voip.place_calls``). The call
always starts from ``request.user.internal_number`` (active); the client cannot name another
endpoint. The number must be a phone number (normalised with :mod:`crm.phones` and dialled in
``VOIP_CALLS['DIAL_FORMAT']`` with ``DIAL_PREFIX``) or a known active extension. Asterisk queues
the call and the view returns at once; progress reaches the page as ``call_progress`` pushes.

Answers ``{"ok": true, "channel_id", "action_id", "dialled"}`` or ``{"ok": false, "error", "code"}``
with 401/403 (not allowed), 405 (not POST), 409 (no usable extension), 400 (not a number),
429 (rate limit, ``Retry-After``), 502 (Asterisk refused) or 503 (Asterisk not configured, or
configured but unreachable). Only refusals caused by the request count against the user's rate
limit: a 5xx (our side or Asterisk's) is given back.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.phones import to_e164, to_national
from voip.ami.errors import AMIActionError, AMIConnectionError, AMIError, AMIInjectionError
from voip.ami_reasons import connection_reason
from voip.calls.services import register_origination
from voip.provisioning.models import InternalNumber
from voip.ratelimit import hit, refund

logger = logging.getLogger(__name__)

# What a person may type in a phone number: digits, a leading +, spaces and the usual punctuation.
_TYPED_NUMBER_RE = re.compile(r"^\+?[0-9 ()\-./]{1,40}$")
_DIGITS_RE = re.compile(r"^[0-9]{1,20}$")
_PREFIX_RE = re.compile(r"^[0-9*#]{0,10}$")
_CALLERID_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f"<>\\]')
DIAL_FORMATS = ("as_typed", "national", "e164")


class ClickToCallError(Exception):
    """A refusal the user can read: ``code`` for scripts, ``message`` for people, ``status`` for HTTP."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class DialTarget:
    dialled: str  # exactly what goes into the Originate's Exten
    kind: str  # "phone" or "extension"
    e164: str  # "" for extensions


@dataclass(frozen=True)
class PlacedCall:
    channel_id: str
    action_id: str
    dialled: str

    def to_dict(self) -> dict[str, Any]:
        return {"ok": True, "channel_id": self.channel_id, "action_id": self.action_id, "dialled": self.dialled}


def _calls_settings() -> dict[str, Any]:
    return getattr(settings, "VOIP_CALLS", {})


def not_configured_message() -> str:
    return _("Asterisk is not configured: set ASTERISK_AMI_SECRET, see README")


def asterisk_options() -> dict[str, Any]:
    """The Asterisk entry's OPTIONS in ``settings.VOIP`` (as the guide reads them); refused without an AMI secret."""
    config = next((b for b in getattr(settings, "VOIP", []) if b.get("PROVIDER") == "Asterisk"), None)
    options = dict(config.get("OPTIONS", {})) if config is not None else {}
    if not options.get("AMI_SECRET"):
        raise ClickToCallError("not_configured", not_configured_message(), 503)
    return options


def active_extension(user: AbstractBaseUser) -> InternalNumber:
    """The user's own active extension, or a readable refusal."""
    try:
        extension = InternalNumber.objects.get(user=user)
    except InternalNumber.DoesNotExist:
        raise ClickToCallError(
            "no_extension", _("You have no extension yet: ask a PBX administrator to give you one."), 409
        ) from None
    if not extension.is_active:
        raise ClickToCallError(
            "extension_inactive", _("Your extension is switched off: ask a PBX administrator to enable it."), 409
        )
    return extension


def dial_target(raw: str, *, own_extension: str | None = None) -> DialTarget:
    """Validate what the user asked to call and turn it into the digits Asterisk dials.

    Only digits, a leading ``+``, spaces and ``()-./`` are accepted, so nothing else (CR/LF,
    ``;``, ``@``, ``/``-separated channel names, letters) can reach the dial string.
    """
    typed = (raw or "").strip()
    if not typed or not _TYPED_NUMBER_RE.match(typed):
        raise ClickToCallError("invalid_number", _("This is not a phone number."), 400)
    compact = "".join(ch for ch in typed if ch.isdigit() or ch == "+")
    if _DIGITS_RE.match(compact) and InternalNumber.objects.filter(number=compact, is_active=True).exists():
        if compact == own_extension:
            raise ClickToCallError("own_extension", _("This is your own extension."), 400)
        return DialTarget(dialled=compact, kind="extension", e164="")
    e164 = to_e164(typed)
    if not e164:
        raise ClickToCallError("invalid_number", _("This is not a phone number."), 400)
    dial_format = str(_calls_settings().get("DIAL_FORMAT", "e164")).lower()
    prefix = str(_calls_settings().get("DIAL_PREFIX", "") or "")
    if dial_format not in DIAL_FORMATS or not _PREFIX_RE.match(prefix):
        logger.error("VOIP_CALLS DIAL_FORMAT=%r / DIAL_PREFIX=%r are not valid", dial_format, prefix)
        raise ClickToCallError("not_configured", _("Telephony is not configured correctly."), 503)
    if dial_format == "e164":
        number = e164
    elif dial_format == "national":
        number = to_national(e164)
    else:  # as typed, without the spaces and punctuation a dial plan cannot take
        number = compact
    if not re.fullmatch(r"\+?[0-9]{1,20}", number):
        raise ClickToCallError("invalid_number", _("This is not a phone number."), 400)
    if prefix:  # the prefix replaces a leading "+" (e.g. "00" or "810", the trunk's international access)
        number = prefix + number.removeprefix("+")
    return DialTarget(dialled=number, kind="phone", e164=e164)


def caller_id(user: AbstractBaseUser, extension: str) -> str:
    """``"Full Name" <ext>``, with nothing in the name that could break the header or the quoting."""
    name = ""
    if hasattr(user, "get_full_name"):
        name = user.get_full_name()
    name = name or user.get_username()
    name = _CALLERID_UNSAFE_RE.sub("", name).strip()[:60]
    return f'"{name}" <{extension}>'


def place_call(user: AbstractBaseUser, raw_number: str) -> PlacedCall:
    """Originate a call from ``user``'s own extension to ``raw_number``. Raises ClickToCallError."""
    extension = active_extension(user)
    target = dial_target(raw_number, own_extension=extension.number)
    options = asterisk_options()
    context = options.get("OUTBOUND_CONTEXT") or options.get("CONTEXT") or None
    # Both ids are chosen here and recorded before the Originate is sent: Asterisk's answer to a
    # failing Originate (an OriginateResponse carrying only the ActionID) can come within
    # milliseconds, and the listener must already know which agent it belongs to.
    channel_id = str(uuid.uuid4())
    action_id = f"c2c-{uuid.uuid4().hex}"
    register_origination(user, channel_id, action_id, target.dialled)

    from voip.backends.asteriskbackend import AsteriskRealtimeAPI

    api = AsteriskRealtimeAPI(**options)
    try:
        result = api.originate_call(
            from_endpoint=extension.endpoint_id or extension.number,
            to_number=target.dialled,
            callerid=caller_id(user, extension.number),
            context=context,
            channel_id=channel_id,
            action_id=action_id,
        )
    except AMIConnectionError as exc:
        logger.warning("Click-to-call: AMI unreachable: %s", exc)
        message = _("Asterisk is configured but not reachable at %(host)s:%(port)s (%(reason)s).") % {
            "host": exc.host,
            "port": exc.port,
            "reason": connection_reason(exc),
        }
        raise ClickToCallError("ami_unavailable", message, 503) from exc
    except AMIInjectionError as exc:  # dial_target() should make this impossible
        logger.error("Click-to-call: refused unsafe value: %s", exc)
        raise ClickToCallError("invalid_number", _("This is not a phone number."), 400) from exc
    except AMIActionError as exc:
        logger.warning("Click-to-call: Asterisk refused the call: %s", exc)
        raise ClickToCallError(
            "ami_refused", _("The phone system refused the call: %(reason)s") % {"reason": exc}, 502
        ) from exc
    except AMIError as exc:
        logger.warning("Click-to-call: AMI error: %s", exc)
        raise ClickToCallError("ami_error", _("The phone system did not accept the call."), 502) from exc
    return PlacedCall(channel_id=result.channel_id, action_id=result.action_id, dialled=target.dialled)


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
    limit = hit(f"click-to-call:{user.pk}", _calls_settings().get("CLICK_TO_CALL_RATE", "10/m"))
    if not limit.allowed:
        return _error(
            "rate_limited",
            _("Too many calls in a short time. Try again in %(seconds)s s.") % {"seconds": limit.retry_after},
            429,
            Retry_After=str(limit.retry_after),
        )
    try:
        placed = place_call(user, request.POST.get("number", ""))
    except ClickToCallError as exc:
        if exc.status >= 500:  # our configuration or Asterisk failed, not the user
            refund(limit)
        return _error(exc.code, exc.message, exc.status)
    return JsonResponse(placed.to_dict())
