"""Writes of the call centre: queues, agents, log in/out, pause, and what the events changed.

Queues and members are Asterisk realtime rows (``queues``, ``queue_members``). app_queue re-reads
a realtime queue and its ``queue_members`` rows whenever it looks the queue up (``Queue()``,
``QueuePause`` with a queue, a filtered ``QueueStatus``: ``load_realtime_queue`` and
``update_realtime_members`` in ``apps/app_queue.c``), so these writes are live on save without an
action; :func:`voip.provisioning.notifier.notify` is still told (``ObjectType.QUEUE``) so the rule
stays in one place. Pausing is an action (``QueuePause`` with ``Queue``, never without: that
re-reads every queue); app_queue writes ``paused`` back to a realtime member's row itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from voip.backends import get_backend
from voip.callcentre import push, tracker
from voip.callcentre.models import (
    AgentQueueState,
    AgentStatus,
    CallQueue,
    PauseInterval,
    PauseReason,
    QueueAgent,
    QueueCall,
    SupervisorAction,
    WaitingCaller,
)
from voip.callcentre.validators import validate_pause_reason, validate_queue_fields
from voip.calls.models import CallDisposition, CallLog
from voip.provisioning.models import InternalNumber
from voip.provisioning.notifier import Change, ObjectType, notify
from voip.realtime.models import Queue, QueueMember
from voip.realtime.router import realtime_db_alias

logger = logging.getLogger(__name__)

SUPERVISE = "callcentre.supervise_queues"
QUEUE_FIELDS = (
    "name",
    "department",
    "strategy",
    "ring_timeout",
    "retry",
    "wrapup",
    "max_wait",
    "max_wait_destination",
    "join_empty",
    "leave_when_empty",
    "announce_position",
    "announce_holdtime",
    "music_on_hold",
    "service_level",
    "weight",
    "record_calls",
)


def _yesno(value: bool) -> str:
    return "yes" if value else "no"


def _realtime_values(queue: CallQueue) -> dict[str, Any]:
    """The ``queues`` columns of a CRM queue (app_queue reads ``a_b`` as its option ``a-b``)."""
    return {
        "strategy": queue.strategy,
        "timeout": queue.ring_timeout,
        "retry": queue.retry,
        "wrapuptime": queue.wrapup,
        "joinempty": queue.join_empty or None,
        "leavewhenempty": queue.leave_when_empty or None,
        "announce_position": _yesno(queue.announce_position),
        "announce_holdtime": _yesno(queue.announce_holdtime),
        "musiconhold": queue.music_on_hold,
        "servicelevel": queue.service_level,
        "weight": queue.weight,
        # app_queue records through MixMonitor in this format when it is set (monitor-format).
        "monitor_format": "wav" if queue.record_calls else None,
        "ringinuse": "no",
        "setinterfacevar": "yes",
        "setqueuevar": "yes",
    }


def _write_realtime_queue(queue: CallQueue, *, change: Change) -> None:
    using = realtime_db_alias()
    with transaction.atomic(using=using):
        Queue.objects.using(using).update_or_create(name=queue.name, defaults=_realtime_values(queue))
        notify(ObjectType.QUEUE, [queue.name], change=change, using=using)


def queue_create(**fields: Any) -> CallQueue:
    """A queue in the CRM and its realtime ``queues`` row, in one go."""
    unknown = set(fields) - set(QUEUE_FIELDS)
    if unknown:
        raise TypeError(f"unknown queue fields: {', '.join(sorted(unknown))}")
    validate_queue_fields(dict(fields))
    if CallQueue.objects.filter(name=fields.get("name")).exists():
        raise ValidationError({"name": _("A queue with this name exists.")})
    with transaction.atomic(using="default"):
        queue = CallQueue.objects.create(**fields)
        _write_realtime_queue(queue, change=Change.CREATED)
    return queue


def queue_update(*, queue: CallQueue, **fields: Any) -> CallQueue:
    unknown = set(fields) - set(QUEUE_FIELDS) | ({"name"} & set(fields))
    if unknown:
        raise TypeError(f"these queue fields cannot be changed: {', '.join(sorted(unknown))}")
    validate_queue_fields(dict(fields))
    with transaction.atomic(using="default"):
        for key, value in fields.items():
            setattr(queue, key, value)
        queue.save()
        _write_realtime_queue(queue, change=Change.UPDATED)
    return queue


def queue_sync(*, queue: CallQueue, change: Change = Change.UPDATED) -> None:
    """Write an already saved queue (the admin's form saved it) to its realtime row."""
    validate_queue_fields({key: getattr(queue, key) for key in QUEUE_FIELDS if key != "department"})
    _write_realtime_queue(queue, change=change)


def queue_delete(*, queue: CallQueue) -> None:
    using = realtime_db_alias()
    with transaction.atomic(using="default"), transaction.atomic(using=using):
        QueueMember.objects.using(using).filter(queue_name=queue.name).delete()
        Queue.objects.using(using).filter(name=queue.name).delete()
        AgentQueueState.objects.filter(queue=queue.name).delete()
        WaitingCaller.objects.filter(queue=queue.name).delete()
        notify(ObjectType.QUEUE, [queue.name], change=Change.DELETED, using=using)
        queue.delete()


# -- agents -----------------------------------------------------------------------------------


def _interface_of(user: Any) -> str:
    number = InternalNumber.objects.filter(user=user, is_active=True).first()
    if number is None:
        raise ValidationError(_("%(user)s has no active extension.") % {"user": user})
    return f"PJSIP/{number.endpoint_id}"


def queue_agent_add(*, queue: CallQueue, user: Any, penalty: int = 0) -> QueueAgent:
    if isinstance(penalty, bool) or not isinstance(penalty, int) or not 0 <= penalty <= 100:
        raise ValidationError(
            {"penalty": _("Enter a whole number from %(low)s to %(high)s.") % {"low": 0, "high": 100}}
        )
    _interface_of(user)
    agent, _created = QueueAgent.objects.update_or_create(queue=queue, user=user, defaults={"penalty": penalty})
    using = realtime_db_alias()
    QueueMember.objects.using(using).filter(queue_name=queue.name, interface=_interface_of(user)).update(
        penalty=penalty
    )
    return agent


def queue_agent_remove(*, agent: QueueAgent) -> None:
    agent_logout(user=agent.user, queue=agent.queue)
    agent.delete()


def _membership(user: Any, queue: CallQueue) -> QueueAgent:
    agent = QueueAgent.objects.filter(queue=queue, user=user).first()
    if agent is None:
        raise PermissionDenied(_("%(user)s is not an agent of %(queue)s.") % {"user": user, "queue": queue.name})
    return agent


def _state(queue: str, interface: str, user: Any | None, now: dt.datetime) -> AgentQueueState:
    state, _created = AgentQueueState.objects.get_or_create(
        queue=queue, interface=interface, defaults={"user": user, "since": now}
    )
    return state


def agent_login(*, user: Any, queue: CallQueue) -> AgentQueueState:
    """Log ``user`` in to ``queue``: its static ``queue_members`` row (uniqueid supplied by us)."""
    agent = _membership(user, queue)
    interface = _interface_of(user)
    using = realtime_db_alias()
    now = timezone.now()
    with transaction.atomic(using="default"), transaction.atomic(using=using):
        QueueMember.objects.using(using).update_or_create(
            queue_name=queue.name,
            interface=interface,
            defaults={
                # queue_members.uniqueid has no default on PostgreSQL: one membership, one id.
                "uniqueid": agent.pk,
                "membername": (user.get_full_name() or user.get_username())[:80],
                "state_interface": interface,
                "penalty": agent.penalty,
                "paused": 0,
            },
        )
        state = _state(queue.name, interface, user, now)
        if state.status == AgentStatus.LOGGED_OUT:
            state.status, state.since, state.paused, state.pause_reason = AgentStatus.AVAILABLE, now, False, ""
            state.user = user
            state.save()
        notify(ObjectType.QUEUE_MEMBER, [f"{queue.name}:{interface}"], change=Change.CREATED, using=using)
    push.agent_changed(state)
    return state


def agent_logout(*, user: Any, queue: CallQueue) -> None:
    interface = _interface_of(user)
    using = realtime_db_alias()
    now = timezone.now()
    with transaction.atomic(using="default"), transaction.atomic(using=using):
        QueueMember.objects.using(using).filter(queue_name=queue.name, interface=interface).delete()
        _close_pause(queue.name, interface, now)
        state = _state(queue.name, interface, user, now)
        state.status, state.since, state.paused, state.pause_reason = AgentStatus.LOGGED_OUT, now, False, ""
        state.save()
        notify(ObjectType.QUEUE_MEMBER, [f"{queue.name}:{interface}"], change=Change.DELETED, using=using)
    push.agent_changed(state)


def _may_pause(actor: Any, user: Any) -> None:
    if actor.pk != user.pk and not actor.has_perm(SUPERVISE):
        raise PermissionDenied(_("Only a supervisor may pause another agent."))


def agent_pause(*, actor: Any, user: Any, queue: CallQueue, reason_id: int) -> AgentQueueState:
    """Pause ``user`` in ``queue`` with a reason of the list; by the agent or a supervisor."""
    _may_pause(actor, user)
    _membership(user, queue)
    reason = PauseReason.objects.filter(pk=reason_id, is_active=True).first()
    if reason is None:
        raise ValidationError(_("Choose a pause reason from the list."))
    label = validate_pause_reason(reason.label)
    interface = _interface_of(user)
    get_backend().pause_queue_member(queue.name, interface, paused=True, reason=label)
    now = timezone.now()
    # The reason is ours to keep: app_queue stores reason_paused only in some setups.
    state = _state(queue.name, interface, user, now)
    _open_pause(state, label, now)
    push.agent_changed(state)
    return state


def agent_unpause(*, actor: Any, user: Any, queue: CallQueue) -> AgentQueueState:
    _may_pause(actor, user)
    _membership(user, queue)
    interface = _interface_of(user)
    get_backend().pause_queue_member(queue.name, interface, paused=False)
    now = timezone.now()
    state = _state(queue.name, interface, user, now)
    _close_pause(queue.name, interface, now)
    if state.paused:
        state.paused, state.pause_reason, state.paused_since = False, "", None
        state.status, state.since = AgentStatus.AVAILABLE, now
        state.save()
    push.agent_changed(state)
    return state


def _open_pause(state: AgentQueueState, reason: str, now: dt.datetime, *, save: bool = True) -> None:
    if state.paused and state.pause_reason == reason:
        return
    _close_pause(state.queue, state.interface, now)
    PauseInterval.objects.create(
        queue=state.queue, interface=state.interface, user=state.user, reason=reason, started_at=now
    )
    state.paused, state.pause_reason, state.paused_since = True, reason, now
    state.status, state.since = AgentStatus.PAUSED, now
    if save:
        state.save()


def _close_pause(queue: str, interface: str, now: dt.datetime) -> None:
    PauseInterval.objects.filter(queue=queue, interface=interface, ended_at__isnull=True).update(ended_at=now)


# -- supervisor ------------------------------------------------------------------------------


def supervisor_spy(*, supervisor: Any, agent: Any, mode: str) -> SupervisorAction:
    """Ring the supervisor's phone into ChanSpy on the agent's channel; logged, success or not."""
    if not supervisor.has_perm(SUPERVISE):
        raise PermissionDenied(_("Only a supervisor may listen to calls."))
    if mode not in SupervisorAction.Mode.values:
        raise ValidationError(_("Unknown listening mode."))
    if not QueueAgent.objects.filter(user=agent).exists():
        raise ValidationError(_("%(user)s is not a queue agent.") % {"user": agent})
    own = InternalNumber.objects.filter(user=supervisor, is_active=True).first()
    if own is None:
        raise ValidationError(_("%(user)s has no active extension.") % {"user": supervisor})
    target = _interface_of(agent).split("/", 1)[1]
    record = SupervisorAction(supervisor=supervisor, agent=agent, mode=mode)
    try:
        get_backend().spy_on_endpoint(own.endpoint_id, target, mode=mode)
        record.succeeded = True
    except Exception as exc:
        record.error = str(exc)[:255]
        record.save()
        raise
    record.save()
    logger.info(
        "event=supervisor_spy supervisor=%s agent=%s mode=%s",
        supervisor.pk,
        agent.pk,
        mode,
        extra={"event": "supervisor_spy"},
    )
    return record


# -- what the events changed -------------------------------------------------------------------


class _Users:
    """interface -> user id, read once per batch."""

    def __init__(self) -> None:
        self._map: dict[str, int] | None = None

    def get(self, interface: str) -> int | None:
        if self._map is None:
            self._map = {
                f"PJSIP/{endpoint}": user_id
                for endpoint, user_id in InternalNumber.objects.values_list("endpoint_id", "user_id")
            }
        return self._map.get(interface)


def apply_queue_outputs(
    outputs: Iterable[Any], *, call_linkedids: Iterable[str] = (), push_changes: bool = True
) -> int:
    """Write what the queue tracker said, lay queue calls over their CallLogs; returns rows changed."""
    users = _Users()
    changed_states: dict[tuple[str, str], AgentQueueState] = {}
    touched_queues: set[str] = set()
    linkedids: set[str] = set(call_linkedids)
    written = 0
    outputs = list(outputs)
    # The batch's agent states in one query, written once each at the end.
    pairs = {(o.queue, o.interface) for o in outputs if isinstance(o, tracker.MemberChanged | tracker.MemberRemoved)}
    known: dict[tuple[str, str], AgentQueueState] = {}
    if pairs:
        rows = AgentQueueState.objects.filter(queue__in={q for q, _i in pairs}, interface__in={i for _q, i in pairs})
        known = {(row.queue, row.interface): row for row in rows}
    with transaction.atomic(using="default"):
        for out in outputs:
            written += 1
            if isinstance(out, tracker.MemberChanged):
                user_id = users.get(out.interface)
                state = known.get((out.queue, out.interface))
                if state is None:
                    state = known[(out.queue, out.interface)] = AgentQueueState.objects.create(
                        queue=out.queue, interface=out.interface, user_id=user_id, since=out.at
                    )
                _apply_member(state, out, user_id)
                changed_states[(out.queue, out.interface)] = state
                touched_queues.add(out.queue)
            elif isinstance(out, tracker.MemberRemoved):
                state = known.get((out.queue, out.interface))
                if state is not None and state.status != AgentStatus.LOGGED_OUT:
                    _close_pause(out.queue, out.interface, out.at)
                    state.status, state.since, state.paused, state.pause_reason = (
                        AgentStatus.LOGGED_OUT,
                        out.at,
                        False,
                        "",
                    )
                    changed_states[(out.queue, out.interface)] = state
                touched_queues.add(out.queue)
            elif isinstance(out, tracker.CallerJoined):
                WaitingCaller.objects.update_or_create(
                    uniqueid=out.uniqueid,
                    defaults={
                        "queue": out.queue,
                        "linkedid": out.linkedid,
                        "caller_number": out.number[:40],
                        "caller_name": out.name[:80],
                        "joined_at": out.at,
                    },
                )
                QueueCall.objects.get_or_create(
                    uniqueid=out.uniqueid,
                    defaults={
                        "queue": out.queue,
                        "linkedid": out.linkedid,
                        "caller_number": out.number[:40],
                        "joined_at": out.at,
                    },
                )
                linkedids.add(out.linkedid)
                touched_queues.add(out.queue)
            elif isinstance(out, tracker.CallerLeft):
                WaitingCaller.objects.filter(uniqueid=out.uniqueid).delete()
                touched_queues.add(out.queue)
            elif isinstance(out, tracker.AgentRung):
                call = QueueCall.objects.filter(uniqueid=out.uniqueid).first()
                if call is not None and out.interface not in call.rung:
                    call.rung = [*call.rung, out.interface]
                    call.save(update_fields=["rung"])
            elif isinstance(out, tracker.CallAnswered):
                QueueCall.objects.filter(uniqueid=out.uniqueid).update(
                    answered_interface=out.interface,
                    answered_by_id=users.get(out.interface),
                    wait_seconds=out.wait_seconds,
                )
                linkedids.add(out.linkedid)
                touched_queues.add(out.queue)
            elif isinstance(out, tracker.CallCompleted):
                QueueCall.objects.filter(uniqueid=out.uniqueid).update(talk_seconds=out.talk_seconds, ended=True)
                touched_queues.add(out.queue)
            elif isinstance(out, tracker.CallAbandoned):
                updated = QueueCall.objects.filter(uniqueid=out.uniqueid).update(
                    abandoned=True, wait_seconds=out.wait_seconds, ended=True
                )
                if not updated:
                    QueueCall.objects.create(
                        uniqueid=out.uniqueid,
                        linkedid=out.linkedid,
                        queue=out.queue,
                        joined_at=out.at - dt.timedelta(seconds=out.wait_seconds),
                        wait_seconds=out.wait_seconds,
                        abandoned=True,
                        ended=True,
                    )
                linkedids.add(out.linkedid)
                touched_queues.add(out.queue)
            elif isinstance(out, tracker.QueueResynced):
                WaitingCaller.objects.filter(queue=out.queue).exclude(uniqueid__in=out.uniqueids).delete()
                touched_queues.add(out.queue)
            else:
                written -= 1
        if changed_states:
            fields = ["user", "status", "paused", "pause_reason", "since", "paused_since", "calls_taken", "updated_at"]
            AgentQueueState.objects.bulk_update(list(changed_states.values()), fields)
        overlay_queue_calls(linkedids=linkedids)
    if push_changes:
        transaction.on_commit(lambda: push.after_batch(list(changed_states.values()), touched_queues), using="default")
    return written


def _apply_member(state: AgentQueueState, out: tracker.MemberChanged, user_id: int | None) -> None:
    if user_id is not None:
        state.user_id = user_id
    if out.paused and not state.paused:
        # A pause made outside the CRM (CLI, another AMI client): its own reason, or none.
        _open_pause(state, out.reason, out.at, save=False)
    elif out.paused and out.reason and out.reason != state.pause_reason:
        _open_pause(state, out.reason, out.at, save=False)
    elif not out.paused and state.paused:
        _close_pause(state.queue, state.interface, out.at)
        state.paused, state.pause_reason, state.paused_since = False, "", None
    if out.status != state.status:
        state.status, state.since = out.status, out.at
    state.calls_taken = out.calls_taken
    state.updated_at = out.at


def overlay_queue_calls(*, linkedids: Iterable[str]) -> int:
    """Queue, wait, the answering agent and ``abandoned`` onto the CallLogs of these calls.

    The call tracker sees a caller that the queue answered (``Up``) hang up; only app_queue knows
    whether an agent took it, and in a ring-all queue which one (AgentConnect, not the first
    AgentCalled), so these fields are laid over whatever the call tracker wrote.
    """
    linkedids = {i for i in linkedids if i}
    if not linkedids:
        return 0
    changed = 0
    calls = QueueCall.objects.filter(linkedid__in=linkedids).order_by("joined_at")
    for call in calls:
        log = CallLog.objects.filter(linkedid=call.linkedid).first()
        if log is None:
            continue
        log.queue = call.queue
        if call.wait_seconds is not None:
            log.wait_seconds = call.wait_seconds
        fields = ["queue", "wait_seconds", "updated_at"]
        if call.answered_interface:
            if call.answered_by_id is not None:
                log.agent_id = call.answered_by_id
                number = InternalNumber.objects.filter(user_id=call.answered_by_id).first()
                log.agent_extension = number.number if number else log.agent_extension
                log.callee_number = log.agent_extension or log.callee_number
                fields += ["agent", "agent_extension", "callee_number"]
        elif call.abandoned:
            log.disposition = CallDisposition.ABANDONED
            log.agent_id = None
            log.agent_extension = ""
            log.answered_at = None  # the queue answered the caller, no agent did
            log.billsec = 0
            fields += ["disposition", "agent", "agent_extension", "answered_at", "billsec"]
        log.save(update_fields=fields)
        changed += 1
    return changed


def queue_wrapups() -> dict[str, int]:
    return dict(CallQueue.objects.order_by("name").values_list("name", "wrapup"))
