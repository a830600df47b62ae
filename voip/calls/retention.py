"""Recordings kept as long as the policy says, then deleted: the file, the call's reference, a log row.

The policy is ``VOIP_CALLS['RECORDING_RETENTION_DAYS']`` (every recording; empty keeps them
forever) and ``VOIP_CALLS['RECORDING_RETENTION_BY_QUEUE']`` (``{"support": 30}``: the calls of a
queue, whatever the global period). ``purge_recordings`` (a daily timer) applies it; a PBX admin
deletes one call's recording on request from the calls admin. Every deletion is a
:class:`RecordingDeletion` row, with the file name and who asked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from voip.conf import recording_retention

from .models import CallLog, RecordingDeletion, RecordingDeletionReason
from .recordings import recording_file_path

logger = logging.getLogger(__name__)


@dataclass
class PurgeResult:
    calls: int = 0
    files_deleted: int = 0
    linkedids: list[str] = field(default_factory=list)


def recordings_due(*, now: dt.datetime | None = None) -> Q | None:
    """The calls whose recording the policy says to delete now, as a filter; None: keep everything."""
    now = now or timezone.now()
    policy = recording_retention()
    due = Q()
    matched = False
    for queue, days in policy.by_queue.items():
        due |= Q(queue=queue, started_at__lt=now - dt.timedelta(days=days))
        matched = True
    if policy.days is not None:
        due |= Q(started_at__lt=now - dt.timedelta(days=policy.days)) & ~Q(queue__in=list(policy.by_queue))
        matched = True
    return due if matched else None


def recordings_purge(*, now: dt.datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete the recordings the retention policy no longer keeps (or, ``dry_run``, list them)."""
    due = recordings_due(now=now)
    result = PurgeResult()
    if due is None:
        return result
    calls = CallLog.objects.exclude(recording_file="").filter(due).order_by("pk")
    for call in calls.iterator(chunk_size=500):
        result.calls += 1
        result.linkedids.append(call.linkedid)
        if not dry_run and _delete(call, reason=RecordingDeletionReason.RETENTION, deleted_by=None):
            result.files_deleted += 1
    return result


def recording_delete(*, calls: Iterable[CallLog], deleted_by: User) -> int:
    """Delete these calls' recordings on request (a PBX admin); returns how many calls had one."""
    count = 0
    for call in calls:
        if call.recording_file:
            _delete(call, reason=RecordingDeletionReason.REQUEST, deleted_by=deleted_by)
            count += 1
    return count


def _delete(call: CallLog, *, reason: str, deleted_by: User | None) -> bool:
    """Forget the reference and log it in one transaction, then remove the file (a file left by a
    crash in between is found by nothing and is only disk space; a reference to a deleted file
    would be a broken promise)."""
    name = call.recording_file
    path = recording_file_path(name)
    with transaction.atomic():
        updated = CallLog.objects.filter(pk=call.pk, recording_file=name).update(recording_file="")
        if not updated:
            return False  # deleted meanwhile by another run
        RecordingDeletion.objects.create(
            call=call,
            linkedid=call.linkedid,
            recording_file=name,
            file_found=path is not None,
            reason=reason,
            deleted_by=deleted_by,
        )
    if path is not None:
        path.unlink(missing_ok=True)
    logger.info(
        "recording deleted",
        extra={
            "event": "recording_deleted",
            "linkedid": call.linkedid,
            "reason": reason,
            "file_found": path is not None,
        },
    )
    return path is not None
