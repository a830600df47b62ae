"""WebSocket routes (screen pop)."""

from django.urls import path

from voip.calls.consumers import AgentConsumer

websocket_urlpatterns: list = [
    path("ws/voip/agent/", AgentConsumer.as_asgi(), name="voip_agent_ws"),
]
