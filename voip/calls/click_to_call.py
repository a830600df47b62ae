"""Click-to-call: ask Asterisk to ring the agent's own phone, then dial the number.

The call always starts from the user's own active extension (``InternalNumber``); nobody can name
another endpoint. The number must be a phone number (normalised with :mod:`crm.phones` and dialled
as E.164 into the outbound context, where the outbound routes decide what the provider gets:
docs/routes.md) or a known active extension. Asterisk
queues the call and :func:`place_call` returns at once; the outcome arrives as events to the
listener, which pushes ``call_progress`` to the agent's pages.

Refusals are :class:`ClickToCallError` with a code for scripts, a message for people and an HTTP
status for the view.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from crm.phones import to_e164
from voip.ami.errors import AMIActionError, AMIConnectionError, AMIError, AMIInjectionError
from voip.ami_reasons import connection_reason
from voip.backends import get_backend
from voip.callerid import clean_callerid_name
from voip.calls.services import register_origination
from voip.conf import TelephonyNotConfigured, asterisk_settings
from voip.provisioning.models import InternalNumber

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = [
    "ClickToCallError",
    "DialTarget",
    "PlacedCall",
    "active_extension",
    "dial_target",
    "not_configured_message",
    "place_call",
]

logger = logging.getLogger(__name__)


def not_configured_message() -> str:
    return _("Asterisk is not configured: set ASTERISK_AMI_SECRET, see README")


# What a person may type in a phone number: digits, a leading +, spaces and the usual punctuation.
_TYPED_NUMBER_RE = re.compile(r"^\+?[0-9 ()\-./]{1,40}$")
_DIGITS_RE = re.compile(r"^[0-9]{1,20}$")
CALLER_NAME_MAX_LENGTH = 60


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


def active_extension(user: User) -> InternalNumber:
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
    # The outbound routes strip, prepend and format the number for the trunk (docs/routes.md).
    number = e164
    if not re.fullmatch(r"\+[0-9]{1,20}", number):
        raise ClickToCallError("invalid_number", _("This is not a phone number."), 400)
    return DialTarget(dialled=number, kind="phone", e164=e164)


def caller_name(user: User) -> str:
    """The name the called party sees: the user's full name, else their username, made safe."""
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return clean_callerid_name(full_name or user.get_username(), max_length=CALLER_NAME_MAX_LENGTH)


def place_call(*, user: User, number: str) -> PlacedCall:
    """Originate a call from ``user``'s own extension to ``number`` (as typed). Raises ClickToCallError.

    The caller ID goes to the backend as values, ``(name, extension)``, never as a formatted string.
    """
    extension = active_extension(user)
    target = dial_target(number, own_extension=extension.number)
    try:
        api = get_backend()
    except TelephonyNotConfigured:
        raise ClickToCallError("not_configured", not_configured_message(), 503) from None
    if not asterisk_settings().secret:
        raise ClickToCallError("not_configured", not_configured_message(), 503)
    # Both ids are chosen here and recorded before the Originate is sent: Asterisk's answer to a
    # failing Originate (an OriginateResponse carrying only the ActionID) can come within
    # milliseconds, and the listener must already know which agent it belongs to.
    channel_id = str(uuid.uuid4())
    action_id = f"c2c-{uuid.uuid4().hex}"
    register_origination(user, channel_id, action_id, target.dialled)
    try:
        result = api.originate_call(
            from_endpoint=extension.endpoint_id or extension.number,
            to_number=target.dialled,
            callerid=(caller_name(user), extension.number),
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
