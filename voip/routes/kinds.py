"""The destination kinds routes bring: ``extension``, ``user``, ``hangup`` and ``contact_owner``.

Registered from ``RoutesConfig.ready``. Each resolves what it names when a route is saved (an
extension's endpoint), so the call itself never asks Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model

from voip.provisioning.models import InternalNumber
from voip.routes.destinations import DestinationError, DestinationKind, DialplanStep, parse, register, steps_for
from voip.routes.dialplan import CONTACT_OWNER_SUB

RING_SECONDS = 30
MAX_OWNER_TIMEOUT = 300


def _active_number(number: Any, path: str) -> InternalNumber:
    if not isinstance(number, str) or not number.isdigit():
        raise DestinationError(path, 'an extension is a string of digits, e.g. "1001"')
    internal = InternalNumber.objects.filter(number=number, is_active=True).first()
    if internal is None:
        raise DestinationError(path, f"no active extension {number!r}")
    return internal


def _ring(endpoint_id: str) -> list[DialplanStep]:
    return [DialplanStep("Dial", f"PJSIP/{endpoint_id},{RING_SECONDS}"), DialplanStep("Hangup")]


def _validate_extension(value: Any, path: str) -> None:
    _active_number(value, path)


def _extension_steps(value: Any) -> list[DialplanStep]:
    return _ring(_active_number(value, "destination.extension").endpoint_id)


def _user_number(value: Any, path: str) -> InternalNumber:
    if not isinstance(value, str) or not value:
        raise DestinationError(path, "a user is named by their username")
    user = get_user_model().objects.filter(username=value).first()
    if user is None:
        raise DestinationError(path, f"no user {value!r}")
    internal = InternalNumber.objects.filter(user=user, is_active=True).first()
    if internal is None:
        raise DestinationError(path, f"user {value!r} has no active extension")
    return internal


def _validate_user(value: Any, path: str) -> None:
    _user_number(value, path)


def _user_steps(value: Any) -> list[DialplanStep]:
    return _ring(_user_number(value, "destination.user").endpoint_id)


def _validate_hangup(value: Any, path: str) -> None:
    if value is not True:
        raise DestinationError(path, "write hangup: true")


def _hangup_steps(value: Any) -> list[DialplanStep]:
    return [DialplanStep("Hangup")]


def _validate_contact_owner(value: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise DestinationError(path, "expected {timeout: seconds, fallback: destination}")
    unknown = set(value) - {"timeout", "fallback"}
    if unknown:
        raise DestinationError(f"{path}.{sorted(unknown)[0]}", "unknown key; expected timeout and fallback")
    timeout = value.get("timeout", 20)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= MAX_OWNER_TIMEOUT:
        raise DestinationError(f"{path}.timeout", f"a whole number of seconds from 1 to {MAX_OWNER_TIMEOUT}")
    if "fallback" not in value:
        raise DestinationError(f"{path}.fallback", "required: where the call goes when the owner does not answer")
    kind, _inner = parse(value["fallback"], path=f"{path}.fallback")
    if kind.key == "contact_owner":
        raise DestinationError(f"{path}.fallback.contact_owner", "the fallback cannot be another contact owner")


def _contact_owner_steps(value: Any) -> list[DialplanStep]:
    timeout = int(value.get("timeout", 20))
    return [DialplanStep("Gosub", f"{CONTACT_OWNER_SUB},s,1({timeout})"), *steps_for(value["fallback"])]


def register_kinds() -> None:
    from django.utils.translation import gettext_lazy as _

    register(DestinationKind("extension", _("extension"), _validate_extension, _extension_steps))
    register(DestinationKind("user", _("CRM user"), _validate_user, _user_steps))
    register(DestinationKind("hangup", _("hang up"), _validate_hangup, _hangup_steps))
    register(
        DestinationKind(
            "contact_owner", _("the caller's owner in the CRM"), _validate_contact_owner, _contact_owner_steps
        )
    )
