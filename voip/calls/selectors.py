"""Reads of calls for the CRM's pages: contact card history, missed calls, recordings.

Who sees what (also in docs/calls-ui.md):

* an agent sees the calls they were the agent of; a supervisor (``voip.view_all_calls``) sees all;
* an agent may hear the recordings of their own calls; ``voip.listen_all_recordings`` hears all;
* missed calls are the unanswered calls that rang the agent, until the agent (or a supervisor,
  ``voip.handle_all_missed_calls``; not a PBX admin) marks them handled.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet

from voip.calls.models import CallDirection, CallDisposition, CallLog
from voip.calls.recordings import recording_file_path

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from crm.models import Contact

# Unanswered outcomes of a call that rang the agent: the caller gave up (cancelled), nobody
# answered before the timeout, or the phone was busy/rejected it.
MISSED_DISPOSITIONS = (CallDisposition.NO_ANSWER, CallDisposition.CANCELLED, CallDisposition.BUSY)


def can_view_all_calls(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm("voip.view_all_calls"))


def can_handle_all_missed_calls(user: User | AnonymousUser) -> bool:
    """Supervisors: list every agent's missed calls and mark any of them handled.

    Not implied by ``voip.view_all_calls``: PBX admins see every call but handle only their own.
    """
    return bool(user.is_authenticated and user.is_active and user.has_perm("voip.handle_all_missed_calls"))


def calls_visible_to(user: User | AnonymousUser) -> QuerySet[CallLog]:
    """Every call ``user`` may see: all of them for supervisors, their own for everyone else."""
    calls = CallLog.objects.select_related("agent", "contact")
    if not user.is_authenticated or not user.is_active:
        return calls.none()
    if can_view_all_calls(user):
        return calls
    return calls.filter(agent=user)


def calls_for_contact(contact: Contact, user: User | AnonymousUser) -> QuerySet[CallLog]:
    """The contact's calls that ``user`` may see, newest first."""
    return calls_visible_to(user).filter(contact=contact).order_by("-started_at", "-pk")


def can_view_call(user: User | AnonymousUser, call: CallLog) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return can_view_all_calls(user) or (call.agent_id is not None and call.agent_id == user.pk)


def may_listen(user: User | AnonymousUser, call: CallLog) -> bool:
    """Whether ``user`` is allowed to hear ``call``'s recording (whether or not a file exists)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm("voip.listen_all_recordings"):
        return True
    return call.agent_id is not None and call.agent_id == user.pk


def can_listen(user: User | AnonymousUser, call: CallLog) -> bool:
    """Whether the page should offer ``call``'s recording to ``user``: allowed and the file exists."""
    return bool(call.recording_file) and may_listen(user, call) and recording_path(call) is not None


def recording_path(call: CallLog) -> Path | None:
    """The recording of ``call`` on this machine, or None when there is none or it is not a safe path.

    See :func:`voip.calls.recordings.recording_file_path`: a regular file inside RECORDINGS_ROOT
    (after resolving ``..`` and symbolic links), named relative to Asterisk's monitor directory.
    """
    return recording_file_path(call.recording_file)


def missed_calls_for(user: User | AnonymousUser, *, all_agents: bool = False) -> QuerySet[CallLog]:
    """Unhandled calls that rang ``user`` and were not answered, newest first.

    ``all_agents=True`` lists every agent's missed calls, for ``voip.handle_all_missed_calls`` only
    (others get their own).
    Calls the agent placed themselves (outbound, or internal with them as the caller) are not missed.
    """
    if not user.is_authenticated or not user.is_active:
        return CallLog.objects.none()
    calls = CallLog.objects.select_related("agent", "contact").filter(
        disposition__in=MISSED_DISPOSITIONS, missed_handled_at__isnull=True
    )
    calls = calls.exclude(direction=CallDirection.OUTBOUND).exclude(
        Q(direction=CallDirection.INTERNAL) & Q(caller_number=F("agent_extension"))
    )
    if all_agents and can_handle_all_missed_calls(user):
        return calls.filter(agent__isnull=False).order_by("-started_at", "-pk")
    return calls.filter(agent=user).order_by("-started_at", "-pk")


def missed_calls_count(user: User | AnonymousUser) -> int:
    return missed_calls_for(user).count()
