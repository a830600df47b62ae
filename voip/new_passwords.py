"""New SIP passwords carried across a redirect, so the page that shows them can be reloaded safely.

A password reset is a POST that redirects (post/redirect/get); the page it redirects to shows the
new passwords once. Between the two requests they wait in Django's cache under a random key, for
at most ``KEEP_SECONDS``, and are deleted when shown. What waits there is encrypted (Fernet) with a
key that only the user's session holds, so the shared cache (Redis with ``REDIS_URL``, which
several server processes need so the redirected request finds the rows) never holds a password a
reader of that cache could use; the session holds the two keys, never a password, and they are good
only for the user who made the reset.
"""

from __future__ import annotations

import json
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.core.cache import cache
from django.http import HttpRequest

# The redirect follows the POST at once; a minute covers a slow connection.
KEEP_SECONDS = 60
_SESSION_PREFIX = "voip-new-passwords:"

PasswordRows = list[tuple[str, str]]  # (extension label, new password)


def keep_for_next_page(request: HttpRequest, *, rows: PasswordRows, page: str) -> None:
    """Hold ``rows`` for the next request of this user that calls :func:`take` with the same ``page``."""
    token = secrets.token_urlsafe(32)
    key = Fernet.generate_key()
    sealed = Fernet(key).encrypt(json.dumps({"user_id": request.user.pk, "rows": rows}).encode())
    cache.set(_cache_key(token), sealed, KEEP_SECONDS)
    request.session[_SESSION_PREFIX + page] = {"token": token, "key": key.decode()}


def take(request: HttpRequest, *, page: str) -> PasswordRows:
    """The rows kept for ``page``, once: a second call (a reload) gets an empty list."""
    held = request.session.pop(_SESSION_PREFIX + page, None)
    if not isinstance(held, dict):
        return []
    cache_key = _cache_key(str(held.get("token", "")))
    sealed = cache.get(cache_key)
    cache.delete(cache_key)
    if not isinstance(sealed, bytes):
        return []
    try:
        kept = json.loads(Fernet(str(held.get("key", "")).encode()).decrypt(sealed))
    except (InvalidToken, ValueError):
        return []
    if kept.get("user_id") != request.user.pk:
        return []
    return [(str(label), str(password)) for label, password in kept["rows"]]


def _cache_key(token: str) -> str:
    return f"voip:new-passwords:{token}"
