"""Browser fixtures: real Chromium (Playwright) against the app served over ASGI by Daphne.

* Daphne runs in a thread of the test process (Twisted's reactor cannot restart, so once per
  session), serving ``config.asgi``'s routes plus static files; the test databases are the ones
  pytest-django made (SQLite's shared-cache in-memory DB and PostgreSQL both work across threads).
* The channel layer is Redis (``REDIS_URL`` or 127.0.0.1:6379, a private prefix per run): the
  AMI listener's worker thread pushes, Daphne's loop delivers to the page's WebSocket.
* Chromium is ``/usr/bin/chromium`` (no browser download). Missing: the tests fail in CI
  (``CI`` set) and skip with the reason elsewhere; the same for Redis.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def _redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class LiveASGIServer:
    def __init__(self) -> None:
        self.server = None
        self.thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> LiveASGIServer:
        from daphne.server import Server  # installs the asyncio reactor first

        ready = threading.Event()
        self.server = Server(
            application=_application(),
            endpoints=["tcp:port=0:interface=127.0.0.1"],
            signal_handlers=False,
            verbosity=0,
            ready_callable=ready.set,
        )
        self.thread = threading.Thread(target=self.server.run, name="daphne-live", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.listening_addresses and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.listening_addresses:
            raise RuntimeError("Daphne did not start listening")
        host, port = self.server.listening_addresses[0]
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        from twisted.internet import reactor

        if self.thread is not None and self.thread.is_alive():
            reactor.callFromThread(reactor.stop)
            self.thread.join(10)


def _application():
    """config.asgi's application with static files served (no collectstatic in tests)."""
    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from voip.routing import websocket_urlpatterns

    return ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(get_asgi_application()),
            "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def redis_layer_settings() -> Iterator[dict]:
    url = _redis_url()
    if not _redis_reachable(url):
        _unavailable(f"Redis is not reachable at {url} (the browser tests push through a Redis channel layer)")
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 times reads out after 5 s by default, exactly channels_redis' BZPOPMIN wait:
            # every idle consumer would crash; a longer socket timeout avoids that.
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": 30}], "prefix": f"crmtest{uuid.uuid4().hex[:8]}"},
        }
    }
    from channels.layers import channel_layers
    from django.test.utils import override_settings

    override = override_settings(CHANNEL_LAYERS=layers, ALLOWED_HOSTS=["127.0.0.1", "localhost"])
    override.enable()
    channel_layers.backends.clear()
    yield layers
    override.disable()
    channel_layers.backends.clear()


@pytest.fixture(scope="session")
def _daphne(django_db_setup) -> Iterator[LiveASGIServer]:
    server = LiveASGIServer().start()  # once: Twisted's reactor cannot be restarted
    yield server
    server.stop()


@pytest.fixture(scope="module")
def asgi_live_server(_daphne, redis_layer_settings) -> LiveASGIServer:
    return _daphne


@pytest.fixture(scope="module")
def browser(chromium_path, django_db_setup):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, which makes Django
    # refuse ORM calls from the test body; allow them for these tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
