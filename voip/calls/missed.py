"""Write side of missed calls: an agent (or a supervisor) marks a missed call handled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from voip.calls.models import CallLog
from voip.calls.selectors import can_handle_all_missed_calls

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def mark_missed_call_handled(user: User | AnonymousUser, call: CallLog) -> CallLog:
    """Take ``call`` off the missed-calls list. Only its agent or a supervisor may (not a PBX admin); idempotent.

    Only ``missed_handled_at`` is written (an UPDATE of that column), so it never overwrites what
    the call tracker writes to the same row.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    if not (call.agent_id is not None and call.agent_id == user.pk) and not can_handle_all_missed_calls(user):
        raise PermissionDenied
    now = timezone.now()
    CallLog.objects.filter(pk=call.pk, missed_handled_at__isnull=True).update(missed_handled_at=now)
    call.refresh_from_db(fields=["missed_handled_at"])
    return call
