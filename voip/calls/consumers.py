"""The agent's WebSocket (``ws/voip/agent/``): screen pop, click-to-call progress, missed calls.

The server only pushes: each logged-in user's socket joins the group ``voip.user.<id>``
(:func:`voip.calls.push.user_group`) and receives exactly what :func:`voip.calls.push.push_to_user`
sends to that user. Anonymous or inactive users are refused before the handshake completes.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from voip.calls.push import user_group

logger = logging.getLogger(__name__)

# Close code for "not logged in" (4000-4999 are free for applications).
CLOSE_UNAUTHENTICATED = 4401


class AgentConsumer(AsyncJsonWebsocketConsumer):
    group_name: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
            self.group_name = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        # Any page (or anything holding the user's session cookie) can send garbage: a frame
        # that is not a JSON object is ignored, never allowed to take the socket down.
        if not text_data:
            self._ignore("not a text frame")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            self._ignore("not JSON")
            return
        if not isinstance(content, dict):
            self._ignore("not a JSON object")
            return
        await self.receive_json(content, **kwargs)

    def _ignore(self, reason: str) -> None:
        user = self.scope.get("user")
        logger.warning(
            "event=ws_frame_ignored reason=%s user=%s",
            reason.replace(" ", "_"),
            getattr(user, "pk", None),
            extra={"event": "ws_frame_ignored", "reason": reason},
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The page sends nothing but keep-alive pings; anything else is ignored.
        if isinstance(content, dict) and content.get("kind") == "ping":
            await self.send_json({"kind": "pong"})

    async def voip_push(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
