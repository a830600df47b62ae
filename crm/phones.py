"""Phone number normalisation: everything stored and matched as E.164 (``+74951234567``)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings


def default_region() -> str:
    return getattr(settings, "VOIP_DEFAULT_REGION", "RU")


def to_e164(raw: str | None, region: str | None = None) -> str | None:
    """E.164 form of ``raw``, or None when it is not a possible phone number.

    Short internal extensions (``1001``) are not phone numbers and give None.
    """
    if not raw:
        return None
    raw = raw.strip()
    if not raw:
        return None
    try:
        parsed = phonenumbers.parse(raw, region or default_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def to_national(e164: str, region: str | None = None) -> str:
    """Digits a local trunk dials for ``e164`` (national format, no punctuation)."""
    parsed = phonenumbers.parse(e164, region or default_region())
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def display(number: str | None) -> str:
    """The one form numbers take on pages: international (``+7 495 123-45-67``).

    Accepts E.164 or a number as typed (read in the default region); what is not a phone number
    (an internal extension such as ``1001``, a caller ID like ``anonymous``) is shown unchanged.
    """
    if not number:
        return ""
    e164 = number if number.startswith("+") and number[1:].isdigit() else to_e164(number)
    if not e164:
        return number
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return number
