"""WebSocket routes (screen pop)."""

websocket_urlpatterns: list = []
