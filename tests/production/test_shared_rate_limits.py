"""With REDIS_URL set, rate limits count across server processes (one shared cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"

# One "server process": the production settings, 12 attempts against one user's limit of 10/h.
ATTEMPTS = """
import json, sys
import django
django.setup()
from django.conf import settings
from voip.ratelimit import hit
key, now = sys.argv[1], float(sys.argv[2])
allowed = sum(hit(key, "10/h", now=now).allowed for _ in range(12))
print(json.dumps({"allowed": allowed, "backend": settings.CACHES["default"]["BACKEND"]}))
"""


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not os.environ.get("CI") and not _redis_reachable(), reason=f"no Redis at {REDIS_URL}")
def test_two_processes_share_one_limit_through_redis() -> None:
    key = f"test-shared-limit:{uuid.uuid4().hex}"  # never collides with another run on the same Redis
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": REDIS_URL}
    now = "1700000000.5"  # one fixed window for both processes
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", ATTEMPTS, key, now], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [json.loads(process.communicate(timeout=60)[0]) for process in processes]
    assert {r["backend"] for r in results} == {"django.core.cache.backends.redis.RedisCache"}
    assert sum(r["allowed"] for r in results) == 10  # not 10 per process


def test_without_redis_the_cache_is_local_memory() -> None:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", ATTEMPTS, f"local:{uuid.uuid4().hex}", "1700000000.5"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == {"allowed": 10, "backend": "django.core.cache.backends.locmem.LocMemCache"}
