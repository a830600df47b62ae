"""Pushes to one agent's browser tabs through the channel layer (contract with ``consumers.py``).

The consumer of ``ws/voip/agent/`` joins :func:`user_group` and forwards ``event["payload"]``.
A push never raises into the caller: with the layer down the call log still gets written.

Embedded mode (the listener thread inside ``runserver``): the in-memory channel layer lives on the
server's event loop, so :func:`bind_event_loop` (called from ``config/asgi.py``) makes pushes from
other threads run there, thread-safely.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["apush_to_user", "bind_event_loop", "push_to_user", "user_group"]

logger = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def user_group(user_id: int) -> str:
    return f"voip.user.{user_id}"


def bind_event_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Run pushes from other threads on ``loop`` (the ASGI server's loop); None unbinds."""
    global _server_loop
    with _lock:
        _server_loop = loop


def _message(payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "voip.push", "payload": payload}


def _log_failure(user_id: int, payload: dict[str, Any], exc: BaseException) -> None:
    logger.warning(
        "voip push failed",
        extra={"event": "push_failed", "user_id": user_id, "kind": payload.get("kind"), "error": str(exc)},
    )


def push_to_user(user_id: int, payload: dict[str, Any]) -> None:
    """Send ``payload`` to every open page of ``user_id`` (sync callers)."""
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        loop = _server_loop
        if loop is not None and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                coroutine = layer.group_send(user_group(user_id), _message(payload))
                future = asyncio.run_coroutine_threadsafe(coroutine, loop)

                def log_if_failed(done: Future[Any]) -> None:
                    error = done.exception()
                    if error is not None:
                        _log_failure(user_id, payload, error)

                future.add_done_callback(log_if_failed)
                return
        async_to_sync(layer.group_send)(user_group(user_id), _message(payload))
    except Exception as exc:  # the layer (Redis) may be down: never break the caller
        _log_failure(user_id, payload, exc)


async def apush_to_user(user_id: int, payload: dict[str, Any]) -> None:
    """Async variant of :func:`push_to_user`."""
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        loop = _server_loop
        if loop is not None and loop.is_running() and asyncio.get_running_loop() is not loop:
            future = asyncio.run_coroutine_threadsafe(layer.group_send(user_group(user_id), _message(payload)), loop)
            await asyncio.wrap_future(future)
            return
        await layer.group_send(user_group(user_id), _message(payload))
    except Exception as exc:
        _log_failure(user_id, payload, exc)
