"""Writes of the call side: tracker output -> CallLog / EndpointPresence rows and pushes.

The only writer of CallLog rows (besides ``voip.calls.missed``). A call's row is created at its
first event and updated with ``update_or_create`` on ``linkedid`` until hangup, so ``post_save``
receivers see live calls (an inbound call is saved with ``direction='inbound'`` and its
``session_id`` from the first save on).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm.selectors import company_by_number, contact_by_number
from voip.calls import screen_pop
from voip.calls.models import CallDisposition, CallLog, EndpointPresence, PendingOrigination
from voip.calls.presence import PresenceUpdate
from voip.calls.push import push_to_user
from voip.calls.recordings import stored_recording_name
from voip.calls.tracker import (
    AgentRef,
    CallEnded,
    CallProgress,
    CallUpdate,
    MissedCall,
    Origination,
    OriginationFailed,
    Ringing,
)
from voip.provisioning.models import InternalNumber
from voip.webhooks.services import webhook_deliveries_enqueue

__all__ = [
    "ApplyResult",
    "DbDirectory",
    "apply_outputs",
    "close_stale_calls",
    "prune_originations",
    "register_origination",
]

logger = logging.getLogger(__name__)

ORIGINATION_TTL = dt.timedelta(hours=1)


# --- the directory the tracker asks -----------------------------------------------------------


class DbDirectory:
    """Extensions and agents from ``InternalNumber`` (cached, refreshed every ``ttl`` seconds)
    and click-to-call originations from ``PendingOrigination``."""

    def __init__(self, ttl: float = 30.0, miss_refresh_interval: float = 2.0) -> None:
        self.ttl = ttl
        # An unknown number may be an agent provisioned since the last load: reload early, but at
        # most this often, since every outside caller is a miss too.
        self.miss_refresh_interval = miss_refresh_interval
        self._loaded_at = -1e9
        self._agents: dict[str, AgentRef] = {}
        self._endpoints: dict[str, str] = {}

    def refresh(self) -> None:
        agents: dict[str, AgentRef] = {}
        endpoints: dict[str, str] = {}
        rows = InternalNumber.objects.filter(is_active=True).select_related("user")
        for row in rows:
            user = row.user
            name = user.get_full_name() or user.get_username()
            agents[row.number] = AgentRef(user.pk, name, row.number)
            endpoints[row.endpoint_id] = row.number
        self._agents, self._endpoints = agents, endpoints
        self._loaded_at = time.monotonic()

    def _lookup(self, table: str, key: str) -> Any:
        age = time.monotonic() - self._loaded_at
        if age > self.ttl:
            self.refresh()
        found = getattr(self, table).get(key)
        if found is None and self.ttl >= age > self.miss_refresh_interval:
            self.refresh()
            found = getattr(self, table).get(key)
        return found

    def is_our_extension(self, number: str) -> bool:
        return self._lookup("_agents", number) is not None

    def agent_for_extension(self, extension: str) -> AgentRef | None:
        return self._lookup("_agents", extension)

    def extension_for_endpoint(self, endpoint: str) -> str | None:
        return self._lookup("_endpoints", endpoint)

    def origination(self, *, channel_id: str | None = None, action_id: str | None = None) -> Origination | None:
        if not channel_id and not action_id:
            return None
        rows = PendingOrigination.objects.select_related("user")
        row = None
        if channel_id:
            row = rows.filter(channel_id=channel_id).first()
        if row is None and action_id:
            row = rows.filter(action_id=action_id).order_by("-created_at").first()
        if row is None:
            return None
        user = row.user
        return Origination(
            channel_id=row.channel_id,
            action_id=row.action_id,
            user_id=row.user_id,
            extension=row.extension,
            dialled=row.dialled,
            agent_name=user.get_full_name() or user.get_username(),
        )


# --- click-to-call ----------------------------------------------------------------------------


def register_origination(user: Any, channel_id: str, action_id: str, dialled: str) -> PendingOrigination:
    """Remember a click-to-call so the listener attributes its call to ``user``.

    ``channel_id`` is the ChannelId given to Originate: Asterisk makes it the call's linkedid
    (transcript 24-webapp-originate-channelid-wait-hangup-crm-refused.txt). Called by
    :func:`voip.calls.click_to_call.place_call` before the Originate is sent.
    """
    number = InternalNumber.objects.filter(user=user).values_list("number", flat=True).first() or ""
    origination, _created = PendingOrigination.objects.update_or_create(
        channel_id=channel_id[:150],
        defaults={"action_id": action_id[:150], "user": user, "extension": number, "dialled": dialled[:40]},
    )
    prune_originations()
    return origination


def prune_originations(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - ORIGINATION_TTL
    deleted, _ = PendingOrigination.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- applying tracker output ------------------------------------------------------------------


@dataclass
class ApplyResult:
    calls_written: int = 0
    presence_written: int = 0
    pushes: int = 0
    skipped_final: int = 0
    written_linkedids: list[str] = field(default_factory=list)


_CONTACT_CACHE_MAX = 10_000


class _ContactCache:
    def __init__(self) -> None:
        self.data: dict[str, tuple[int | None, int | None]] = {}

    def lookup(self, number: str) -> tuple[int | None, int | None]:
        if not number.startswith("+"):
            return None, None
        hit = self.data.get(number)
        if hit is not None:
            return hit
        contact = contact_by_number(number)
        result: tuple[int | None, int | None]
        if contact is not None:
            result = (contact.pk, contact.company_id)
        else:
            company = company_by_number(number)
            result = (None, company.pk if company is not None else None)
        if len(self.data) > _CONTACT_CACHE_MAX:
            self.data.clear()
        self.data[number] = result
        return result


def _call_fields(update: CallUpdate, contacts: _ContactCache) -> dict[str, Any]:
    contact_id, company_id = contacts.lookup(update.external_number) if update.external_number else (None, None)
    return {
        "session_id": update.session_id,
        "direction": update.direction,
        "caller_number": update.caller_number,
        "caller_name": update.caller_name,
        "callee_number": update.callee_number,
        "agent_id": update.agent_user_id,
        "agent_extension": update.agent_extension,
        "contact_id": contact_id,
        "company_id": company_id,
        "started_at": update.started_at,
        "answered_at": update.answered_at,
        "ended_at": update.ended_at,
        "duration": update.duration,
        "billsec": update.billsec,
        "disposition": update.disposition,
        "hangup_cause": update.hangup_cause,
        "hangup_cause_text": update.hangup_cause_text,
        "recording_file": stored_recording_name(update.recording_file),
        "origination_id": update.origination_id,
        "trunk": update.trunk,
        "did": update.did,
        "dialled_number": update.dialled_number,
        "sent_number": update.sent_number,
    }


def _write_calls(updates: Sequence[CallUpdate], result: ApplyResult) -> set[str]:
    """Upsert the latest snapshot of each call; returns linkedids that were already final (replays)."""
    latest: dict[str, CallUpdate] = {}
    for update in updates:
        latest[update.linkedid] = update
    if not latest:
        return set()
    existing = {
        row["linkedid"]: row
        for row in CallLog.objects.filter(linkedid__in=list(latest)).values(
            "linkedid", "ended_at", "disposition", "recording_file", "duration", "billsec", "started_at", "answered_at"
        )
    }
    already_final: set[str] = set()
    changed: list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any]]] = []  # for the webhooks
    contacts = _ContactCache()  # per batch: a contact created a second ago must be found
    for linkedid, update in latest.items():
        row = existing.get(linkedid)
        if row is not None and row["ended_at"] is not None and row["disposition"] != CallDisposition.IN_PROGRESS:
            already_final.add(linkedid)
            # A finished call is never reopened or re-timed by a replay; only facts that arrive
            # after the hangup (Cdr durations, the recording name) complete it.
            changes: dict[str, Any] = {}
            if update.recording_file and not row["recording_file"]:
                changes["recording_file"] = stored_recording_name(update.recording_file)
            if update.has_cdr and (row["duration"], row["billsec"]) != (update.duration, update.billsec):
                changes["duration"], changes["billsec"] = update.duration, update.billsec
            if changes:
                CallLog.objects.update_or_create(linkedid=linkedid, defaults=changes)
                result.calls_written += 1
            else:
                result.skipped_final += 1
            continue
        fields = _call_fields(update, contacts)
        if row is not None:
            # Adopted after a reconnect the tracker only knows an approximate start: keep ours.
            if row["started_at"] < fields["started_at"]:
                fields["started_at"] = row["started_at"]
            if row["answered_at"] is not None and fields["answered_at"] is not None:
                fields["answered_at"] = min(row["answered_at"], fields["answered_at"])
        CallLog.objects.update_or_create(linkedid=linkedid, defaults=fields)
        result.calls_written += 1
        result.written_linkedids.append(linkedid)
        changed.append((linkedid, row, fields))
    webhook_deliveries_enqueue(changes=changed)  # same transaction: an event is never lost
    return already_final


def _write_presence(updates: Sequence[PresenceUpdate], result: ApplyResult) -> None:
    latest: dict[str, PresenceUpdate] = {}
    for update in updates:
        latest[update.endpoint_id] = update
    for endpoint_id, update in latest.items():
        EndpointPresence.objects.update_or_create(
            endpoint_id=endpoint_id,
            defaults={
                "status": update.status,
                "contact_status": update.contact_status,
                "device_state": update.device_state,
                "contact_uri": update.contact_uri,
                "user_agent": update.user_agent,
                "roundtrip_usec": update.roundtrip_usec,
                "since": update.since,
            },
        )
        result.presence_written += 1


def _payload(notice: Any) -> tuple[int, dict[str, Any]] | None:
    if isinstance(notice, Ringing):
        return notice.user_id, screen_pop.ringing_payload(notice)
    if isinstance(notice, CallProgress):
        return notice.user_id, screen_pop.call_progress_payload(notice)
    if isinstance(notice, CallEnded):
        return notice.user_id, screen_pop.call_ended_payload(notice)
    if isinstance(notice, MissedCall):
        return notice.user_id, screen_pop.missed_call_payload(notice)
    return None


def apply_outputs(outputs: Iterable[Any], *, push: bool = True) -> ApplyResult:
    """Write a batch of tracker outputs (one transaction), then push the notifications.

    Call snapshots are coalesced per linkedid (the last one wins), presence per endpoint.
    Notifications about calls that were already finished in the database (a replay) are dropped.
    """
    calls: list[CallUpdate] = []
    presence: list[PresenceUpdate] = []
    notices: list[Any] = []
    for output in outputs:
        if isinstance(output, CallUpdate):
            calls.append(output)
        elif isinstance(output, PresenceUpdate):
            presence.append(output)
        elif isinstance(output, OriginationFailed):
            logger.info(
                "originate failed",
                extra={"event": "originate_failed", "action_id": output.action_id, "reason": output.reason},
            )
        else:
            notices.append(output)
    result = ApplyResult()
    with transaction.atomic():
        replayed = _write_calls(calls, result)
        _write_presence(presence, result)
    if push:
        for notice in notices:
            if getattr(notice, "linkedid", None) in replayed:
                continue
            built = _payload(notice)
            if built is not None:
                push_to_user(*built)
                result.pushes += 1
    return result


def close_stale_calls(active_linkedids: Iterable[str], now: dt.datetime | None = None) -> list[str]:
    """Close CallLogs left ``in_progress`` whose channels no longer exist (after a reconnect).

    ``active_linkedids`` are the linkedids of the channels CoreShowChannels listed, plus the
    calls the tracker still follows. Returns the closed linkedids.
    """
    now = now or timezone.now()
    active = set(active_linkedids)
    closed: list[str] = []
    stale = CallLog.objects.filter(disposition=CallDisposition.IN_PROGRESS).exclude(linkedid__in=active)
    with transaction.atomic():
        for call in stale.select_for_update():
            call.ended_at = max(now, call.started_at)
            call.duration = max(0, round((call.ended_at - call.started_at).total_seconds()))
            if call.answered_at is not None:
                call.disposition = CallDisposition.ANSWERED
                call.billsec = max(0, round((call.ended_at - call.answered_at).total_seconds()))
            else:
                call.disposition = CallDisposition.NO_ANSWER
            call.hangup_cause_text = call.hangup_cause_text or "ended while the listener was disconnected"
            call.save()
            closed.append(call.linkedid)
    return closed


# --- reconcile from the cdr table ---------------------------------------------------------------


@dataclass
class ReconcileResult:
    rows: int = 0
    calls: int = 0
    written: int = 0
    skipped: int = 0
    linkedids: list[str] = field(default_factory=list)


def _pbx_naive(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    if timezone.is_naive(moment):
        return moment
    return moment.astimezone(tz).replace(tzinfo=None)


def _cdr_event(linkedid: str, rows: list[Any]) -> dict[str, Any]:
    """One Cdr-event-shaped dict (transcript 23-cdr-events-answered-and-no-answer.txt's headers) summarising every cdr
    row of a call."""
    rows = sorted(rows, key=lambda r: (r.uniqueid != linkedid, r.start or dt.datetime.max))
    first = rows[0]
    answered = [r for r in rows if (r.disposition or "").upper() == "ANSWERED" and r.answer is not None]
    starts = [r.start for r in rows if r.start is not None]
    ends = [r.end for r in rows if r.end is not None]
    start = min(starts) if starts else None
    end = max(ends) if ends else None
    answer = min(r.answer for r in answered) if answered else None
    dest = answered[0] if answered else rows[-1]
    fmt = "%Y-%m-%d %H:%M:%S"
    duration = round((end - start).total_seconds()) if start and end else (first.duration or 0)
    billsec = round((end - answer).total_seconds()) if answer and end else 0
    return {
        "Event": "Cdr",
        "Linkedid": linkedid,
        "UniqueID": first.uniqueid or linkedid,
        "Source": first.src or "",
        "Destination": first.dst or "",
        "CallerID": first.clid or "",
        "Channel": first.channel or "",
        "DestinationChannel": dest.dstchannel or "",
        "StartTime": start.strftime(fmt) if start else "",
        "AnswerTime": answer.strftime(fmt) if answer else "",
        "EndTime": end.strftime(fmt) if end else "",
        "Duration": str(max(0, duration)),
        "BillableSeconds": str(max(0, billsec)),
        "Disposition": "ANSWERED" if answered else (first.disposition or "FAILED"),
    }


def reconcile_from_cdr(since: dt.datetime, until: dt.datetime, *, directory: Any = None) -> ReconcileResult:
    """Fill CallLog gaps from Asterisk's ``cdr`` table for calls started in [since, until).

    cdr times are the PBX's wall clock (:func:`voip.conf.pbx_time_zone`); rows are grouped by
    linkedid. Calls already finished in CallLog are left alone; rows left ``in_progress`` by a
    listener that died are completed. Nothing is pushed.
    """
    from voip.calls.tracker import CallTracker
    from voip.conf import pbx_time_zone
    from voip.realtime.models import Cdr
    from voip.realtime.router import realtime_db_alias

    tz = pbx_time_zone()
    rows = Cdr.objects.using(realtime_db_alias()).filter(
        start__gte=_pbx_naive(since, tz), start__lt=_pbx_naive(until, tz)
    )
    groups: dict[str, list[Any]] = {}
    result = ReconcileResult()
    for row in rows.order_by("start", "id"):
        result.rows += 1
        key = row.linkedid or row.uniqueid
        if key:
            groups.setdefault(key, []).append(row)
    result.calls = len(groups)
    finished = set(
        CallLog.objects.filter(linkedid__in=list(groups), ended_at__isnull=False)
        .exclude(disposition=CallDisposition.IN_PROGRESS)
        .values_list("linkedid", flat=True)
    )
    tracker = CallTracker(directory or DbDirectory(), pbx_tz=tz)
    outputs: list[Any] = []
    for linkedid, group in groups.items():
        if linkedid in finished:
            result.skipped += 1
            continue
        outputs.extend(tracker.feed(_cdr_event(linkedid, group)))
        result.linkedids.append(linkedid)
    applied = apply_outputs(outputs, push=False)
    result.written = applied.calls_written
    return result
