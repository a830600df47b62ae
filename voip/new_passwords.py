"""New SIP passwords carried across a redirect, so the page that shows them can be reloaded safely.

A password reset is a POST that redirects (post/redirect/get); the page it redirects to shows the
new passwords once. Between the two requests they wait in Django's cache under a random key, for
at most ``KEEP_SECONDS``, and are deleted when shown. The session holds only that key, never a
password, and a key is good only for the user who made the reset. With several server processes,
configure a shared cache (``REDIS_URL`` does) so the redirected request finds them.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.http import HttpRequest

KEEP_SECONDS = 300
_SESSION_PREFIX = "voip-new-passwords:"

PasswordRows = list[tuple[str, str]]  # (extension label, new password)


def keep_for_next_page(request: HttpRequest, *, rows: PasswordRows, page: str) -> None:
    """Hold ``rows`` for the next request of this user that calls :func:`take` with the same ``page``."""
    token = secrets.token_urlsafe(32)
    cache.set(_cache_key(token), {"user_id": request.user.pk, "rows": rows}, KEEP_SECONDS)
    request.session[_SESSION_PREFIX + page] = token


def take(request: HttpRequest, *, page: str) -> PasswordRows:
    """The rows kept for ``page``, once: a second call (a reload) gets an empty list."""
    token = request.session.pop(_SESSION_PREFIX + page, None)
    if not token:
        return []
    key = _cache_key(token)
    kept = cache.get(key)
    cache.delete(key)
    if not kept or kept.get("user_id") != request.user.pk:
        return []
    return [(str(label), str(password)) for label, password in kept["rows"]]


def _cache_key(token: str) -> str:
    return f"voip:new-passwords:{token}"
