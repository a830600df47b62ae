"""A small fixed-window rate limiter on Django's cache (click-to-call's per-user limit).

``hit("click-to-call:42", "10/m")`` counts one attempt in the current window and says whether it
is allowed. The window is the current minute (or second, hour, day) aligned to the clock, so
the count is one cache key per user and window: ``cache.add`` creates it, ``cache.incr`` counts
atomically (Redis, Memcached, and the local-memory cache, which takes a lock).

With the default local-memory cache every server process counts on its own; configure a shared
cache (Redis) in ``CACHES`` for one limit across processes.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window resets (0 when allowed)
    cache_key: str = ""  # the window this attempt was counted in ("" when nothing was counted)
    cache_alias: str = "default"


def parse_rate(rate: str) -> Rate | None:
    """``'10/m'`` → 10 per 60 s; ``'100/h'``, ``'5/10s'``, ``'3/2m'`` work too. Empty or ``'0'`` means no limit."""
    if rate is None or not str(rate).strip() or str(rate).strip() in {"0", "off", "none"}:
        return None
    match = _RATE_RE.match(str(rate))
    if not match:
        raise ImproperlyConfigured(f"Rate {rate!r} is not of the form '<count>/<period>' (s, m, h or d)")
    count, multiplier, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3).lower()
    if count <= 0 or multiplier <= 0:
        raise ImproperlyConfigured(f"Rate {rate!r} must have a positive count and period")
    return Rate(limit=count, period=multiplier * _PERIODS[unit])


def hit(key: str, rate: str | None, *, cache_alias: str = "default", now: float | None = None) -> RateLimitResult:
    """Count one attempt against ``key`` under ``rate`` and say whether it is within the limit."""
    parsed = parse_rate(rate or "")
    if parsed is None:
        return RateLimitResult(allowed=True, limit=0, remaining=0, retry_after=0)
    now = time.time() if now is None else now
    window = int(now // parsed.period)
    window_end = (window + 1) * parsed.period
    cache = caches[cache_alias]
    cache_key = f"ratelimit:{key}:{parsed.period}:{window}"
    # The key lives a little past its window so a slow request never recreates it at 0.
    cache.add(cache_key, 0, timeout=parsed.period + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr: start again
        cache.set(cache_key, 1, timeout=parsed.period + 5)
        count = 1
    allowed = count <= parsed.limit
    return RateLimitResult(
        allowed=allowed,
        limit=parsed.limit,
        remaining=max(parsed.limit - count, 0),
        retry_after=0 if allowed else max(int(window_end - now + 0.999), 1),
        cache_key=cache_key,
        cache_alias=cache_alias,
    )


def refund(result: RateLimitResult) -> None:
    """Take back an attempt that failed through no fault of the caller (e.g. the PBX was down).

    It is taken from the window it was counted in, so a refund after the window turned over
    never lowers the next window's count.
    """
    if not result.cache_key:
        return
    with contextlib.suppress(ValueError):  # the window expired meanwhile: nothing left to take back
        caches[result.cache_alias].decr(result.cache_key)
