"""WebSocket routes (screen pop)."""

from django.urls import path

from voip.calls.consumers import AgentConsumer

websocket_urlpatterns: list = [
    # Channels routes ASGI applications through Django's path(); the stubs only allow views there.
    path("ws/voip/agent/", AgentConsumer.as_asgi(), name="voip_agent_ws"),  # type: ignore[arg-type]
]
