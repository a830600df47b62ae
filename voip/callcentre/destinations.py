"""``{"queue": "support"}`` as a destination of inbound routes (voip.routes.destinations)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from voip.routes.destinations import DestinationError, DestinationKind, DialplanStep, register, steps_for


def _validate(value: Any, path: str) -> None:
    from voip.callcentre.models import CallQueue
    from voip.callcentre.validators import QUEUE_NAME_RE

    if not isinstance(value, str) or not QUEUE_NAME_RE.fullmatch(value):
        raise DestinationError(path, "expected a queue name")
    if not CallQueue.objects.filter(name=value).exists():
        raise DestinationError(path, f"no queue {value!r}")


def _steps(value: str) -> list[DialplanStep]:
    from voip.callcentre.models import CallQueue

    queue = CallQueue.objects.get(name=value)
    # Queue(name,options,URL,announceoverride,timeout): returns after `timeout` seconds of waiting,
    # and the call goes on to the maximum-wait destination's steps.
    steps = [DialplanStep("Queue", f"{queue.name},,,,{queue.max_wait or ''}".rstrip(","))]
    if queue.max_wait and queue.max_wait_destination:
        steps.extend(steps_for(queue.max_wait_destination, path=f"queues[{queue.name}].max_wait.destination"))
    return steps


QUEUE_KIND = DestinationKind(key="queue", label=_("queue"), validate=_validate, steps=_steps)


def register_kinds() -> None:
    register(QUEUE_KIND)
