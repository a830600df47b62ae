"""What the agent panel and the wallboard receive over the agent's WebSocket (``ws/voip/agent/``).

Pushes ride :func:`voip.calls.push.push_to_user`: the agent gets ``queue_agent`` (their own state
in one queue) and ``queue_waiting`` (callers waiting in their queues); supervisors get
``wallboard`` with the figures of the queues that changed. Never a poll, never an AMI action.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from voip.callcentre.models import AgentQueueState
from voip.calls.push import push_to_user

# Tests and the benchmark replace it to time pushes (payload, user id).
_sink: Callable[[int, dict[str, Any]], None] = push_to_user


def set_sink(sink: Callable[[int, dict[str, Any]], None] | None) -> None:
    global _sink
    _sink = sink or push_to_user


def _send(user_id: int, payload: dict[str, Any]) -> None:
    payload.setdefault("sent_at", time.time())
    _sink(user_id, payload)


def agent_payload(state: AgentQueueState) -> dict[str, Any]:
    return {
        "kind": "queue_agent",
        "queue": state.queue,
        "status": state.status,
        "status_label": str(state.get_status_display()),
        "paused": state.paused,
        "reason": state.pause_reason,
        "since": state.since.isoformat() if state.since else None,
    }


def agent_changed(state: AgentQueueState) -> None:
    if state.user_id is not None:
        _send(state.user_id, agent_payload(state))
    after_batch([], {state.queue})


def after_batch(states: Iterable[AgentQueueState], queues: set[str]) -> None:
    """Push each changed agent their state, each queue's agents the waiting callers, supervisors the board."""
    from voip.callcentre import selectors

    for state in states:
        if state.user_id is not None:
            _send(state.user_id, agent_payload(state))
    if not queues:
        return
    waiting = selectors.waiting_by_queue(queues=queues)
    for user_id, names in selectors.agents_of_queues(queues=queues).items():
        _send(user_id, {"kind": "queue_waiting", "queues": {name: waiting.get(name, []) for name in names}})
    supervisors = selectors.supervisor_ids()
    if supervisors:
        board = selectors.wallboard(queues=sorted(queues))
        for user_id in supervisors:
            _send(user_id, {"kind": "wallboard", "queues": board})
