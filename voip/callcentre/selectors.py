"""Reads of the call centre: the agent panel, the wallboard, abandoned callers to call back."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from voip.callcentre.models import (
    AgentQueueState,
    AgentStatus,
    CallQueue,
    PauseInterval,
    PauseReason,
    QueueAgent,
    QueueCall,
    WaitingCaller,
)


def start_of_today() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def pause_reasons() -> list[PauseReason]:
    return list(PauseReason.objects.filter(is_active=True))


def user_is_agent(*, user: Any) -> bool:
    return bool(user.is_authenticated) and QueueAgent.objects.filter(user=user).exists()


def agent_panel(*, user: Any) -> dict[str, Any]:
    """My queues with my state in each, the callers waiting there, the pause reasons."""
    memberships = list(QueueAgent.objects.filter(user=user).select_related("queue"))
    names = [m.queue.name for m in memberships]
    states = {s.queue: s for s in AgentQueueState.objects.filter(user=user, queue__in=names)}
    waiting = waiting_by_queue(queues=names)
    queues = []
    for m in memberships:
        state = states.get(m.queue.name)
        queues.append(
            {
                "name": m.queue.name,
                "queue_id": m.queue.pk,
                "status": state.status if state else AgentStatus.LOGGED_OUT,
                "status_label": state.get_status_display() if state else AgentStatus.LOGGED_OUT.label,
                "paused": bool(state and state.paused),
                "reason": state.pause_reason if state else "",
                "since": state.since if state else None,
                "waiting": waiting.get(m.queue.name, []),
            }
        )
    return {"queues": queues, "reasons": pause_reasons(), "callbacks": abandoned_callbacks(user=user)}


def waiting_by_queue(*, queues: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for caller in WaitingCaller.objects.filter(queue__in=list(queues)).order_by("joined_at"):
        result[caller.queue].append(
            {"number": caller.caller_number, "name": caller.caller_name, "joined_at": caller.joined_at.isoformat()}
        )
    return dict(result)


def agents_of_queues(*, queues: Iterable[str]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    for user_id, name in QueueAgent.objects.filter(queue__name__in=list(queues)).values_list("user_id", "queue__name"):
        result[user_id].append(name)
    return dict(result)


def supervisor_ids() -> list[int]:
    perm = Permission.objects.filter(codename="supervise_queues", content_type__app_label="callcentre").first()
    if perm is None:
        return []
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions=perm) | Q(groups__permissions=perm))
    )
    return sorted(set(users.values_list("pk", flat=True)))


def abandoned_callbacks(*, user: Any, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Callers who gave up in my queues today and have not called in again and been answered."""
    names = list(QueueAgent.objects.filter(user=user).values_list("queue__name", flat=True))
    since = since or start_of_today()
    abandoned = QueueCall.objects.filter(queue__in=names, abandoned=True, joined_at__gte=since).order_by("-joined_at")
    answered_numbers = set(
        QueueCall.objects.filter(queue__in=names, joined_at__gte=since)
        .exclude(answered_interface="")
        .values_list("caller_number", "joined_at")
    )
    result = []
    seen: set[str] = set()
    for call in abandoned:
        if call.caller_number in seen:
            continue
        if any(number == call.caller_number and at > call.joined_at for number, at in answered_numbers):
            continue
        seen.add(call.caller_number)
        result.append(
            {"queue": call.queue, "number": call.caller_number, "at": call.joined_at, "wait": call.wait_seconds or 0}
        )
    return result


def wallboard(*, queues: Iterable[str] | None = None, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per queue: waiting, longest wait, agents by state, today's answered/abandoned, service level,
    average wait and talk; per agent: calls, talk time, pause time by reason."""
    now = now or timezone.now()
    today = start_of_today()
    qs = CallQueue.objects.all()
    if queues is not None:
        qs = qs.filter(name__in=list(queues))
    board: list[dict[str, Any]] = []
    queue_list = list(qs)
    names = [q.name for q in queue_list]
    waiting = defaultdict(list)
    for caller in WaitingCaller.objects.filter(queue__in=names):
        waiting[caller.queue].append(caller)
    states = defaultdict(list)
    for state in AgentQueueState.objects.filter(queue__in=names).select_related("user"):
        states[state.queue].append(state)
    calls_today = QueueCall.objects.filter(queue__in=names, joined_at__gte=today)
    pauses: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for pause in PauseInterval.objects.filter(queue__in=names).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=today)
    ):
        start = max(pause.started_at, today)
        end = pause.ended_at or now
        pauses[(pause.queue, pause.interface)][pause.reason] += max(0.0, (end - start).total_seconds())
    levels = {q.name: q.service_level for q in queue_list}
    # One grouped query for every queue's figures and one for every agent's: the cost of a
    # board does not grow with the number of queues.
    per_queue = {
        row["queue"]: row
        for row in calls_today.values("queue").annotate(
            answered=Count("pk", filter=~Q(answered_interface="")),
            abandoned=Count("pk", filter=Q(abandoned=True)),
            avg_wait=Avg("wait_seconds", filter=~Q(answered_interface="")),
            avg_talk=Avg("talk_seconds", filter=Q(talk_seconds__isnull=False)),
        )
    }
    within: dict[str, int] = defaultdict(int)
    for name, wait in calls_today.exclude(answered_interface="").values_list("queue", "wait_seconds"):
        if wait is not None and wait <= levels.get(name, 0):
            within[name] += 1
    per_agent = {
        (row["queue"], row["answered_interface"]): row
        for row in calls_today.exclude(answered_interface="")
        .values("queue", "answered_interface")
        .annotate(calls=Count("pk"), talk=Sum("talk_seconds"))
    }
    empty = {"answered": 0, "abandoned": 0, "avg_wait": None, "avg_talk": None}
    for queue in queue_list:
        figures: dict[str, Any] = {**empty, **per_queue.get(queue.name, {})}
        offered = figures["answered"] + figures["abandoned"]
        by_state: dict[str, int] = {value: 0 for value in AgentStatus.values}
        agents = []
        for state in sorted(states[queue.name], key=lambda s: s.interface):
            status = state.status
            by_state[status] = by_state.get(status, 0) + 1
            row: Mapping[str, Any] = per_agent.get((queue.name, state.interface), {})
            agents.append(
                {
                    "interface": state.interface,
                    "user_id": state.user_id,
                    "name": (state.user.get_full_name() or state.user.get_username())
                    if state.user
                    else state.interface,
                    "status": status,
                    "status_label": str(AgentStatus(status).label),
                    "reason": state.pause_reason,
                    "since": state.since.isoformat() if state.since else None,
                    "calls": row.get("calls", 0),
                    "talk_seconds": row.get("talk") or 0,
                    "pause_seconds": {k: round(v) for k, v in pauses[(queue.name, state.interface)].items()},
                }
            )
        longest = max(((now - c.joined_at).total_seconds() for c in waiting[queue.name]), default=0)
        board.append(
            {
                "name": queue.name,
                "waiting": len(waiting[queue.name]),
                "longest_wait": round(longest),
                "agents_by_state": by_state,
                "answered": figures["answered"],
                "abandoned": figures["abandoned"],
                "service_level": round(100 * within[queue.name] / offered) if offered else None,
                "avg_wait": round(figures["avg_wait"]) if figures["avg_wait"] is not None else None,
                "avg_talk": round(figures["avg_talk"]) if figures["avg_talk"] is not None else None,
                "agents": agents,
            }
        )
    return board
