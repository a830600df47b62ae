"""Helpers for the call UI tests (users with roles, extensions, settings pointing at the fake AMI)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from voip.provisioning.models import InternalNumber

AGENT_PERMS = ("voip.place_calls", "crm.view_contact", "crm.add_contact")
SUPERVISOR_PERMS = (*AGENT_PERMS, "voip.view_all_calls", "voip.listen_all_recordings", "voip.handle_all_missed_calls")


def make_user(username: str, *perms: str, first_name: str = "", last_name: str = "", **extra: Any):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, first_name=first_name, last_name=last_name, **extra
    )
    for spec in perms:
        app_label, codename = spec.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def make_agent(username: str = "alice", extension: str | None = "1001", *, active: bool = True, **kwargs: Any):
    user = make_user(username, *AGENT_PERMS, **kwargs)
    if extension:
        InternalNumber.objects.create(user=user, number=extension, endpoint_id=extension, is_active=active)
    return user


def make_supervisor(username: str = "sam", extension: str | None = "1009", **kwargs: Any):
    user = make_user(username, *SUPERVISOR_PERMS, **kwargs)
    if extension:
        InternalNumber.objects.create(user=user, number=extension, endpoint_id=extension)
    return user


def voip_settings(options: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "PROVIDER": "Asterisk",
            "BACKEND": "voip.backends.asteriskbackend.AsteriskRealtimeAPI",
            "OPTIONS": {
                "OUTBOUND_CONTEXT": "from-internal",
                # RECORDINGS_DIR as the project's settings leave it: empty.
                **options,
            },
        }
    ]


def make_call(linkedid: str, *, agent=None, contact=None, **fields: Any):
    """A CallLog row as the tracker would have written it (tests only)."""
    from django.utils import timezone

    from voip.calls.models import CallLog

    values: dict[str, Any] = {
        "direction": "inbound",
        "caller_number": "+74951234567",
        "callee_number": getattr(getattr(agent, "internal_number", None), "number", "") if agent else "",
        "started_at": timezone.now(),
        "disposition": "answered",
        "duration": 42,
        "billsec": 40,
        "session_id": f"PJSIP/trunk-{linkedid}",
        "agent_extension": getattr(getattr(agent, "internal_number", None), "number", "") if agent else "",
    }
    values.update(fields)
    return CallLog.objects.create(linkedid=linkedid, agent=agent, contact=contact, **values)
