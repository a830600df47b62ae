"""ASGI entry point: HTTP through Django, WebSockets (screen pop) through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from voip.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Embedded default (runserver, VOIP_CALLS["EMBEDDED_LISTENER"]): the AMI event listener runs in this
# process so the in-memory channel layer reaches the pages; production runs `asterisk_events` instead.
from voip.calls.listener import embedded_listener_app, maybe_start_embedded_listener  # noqa: E402

if maybe_start_embedded_listener():
    application = embedded_listener_app(application)
