"""Settings for the test run: the production settings on test databases (config/test_database.py)."""

from config.test_database import configure_test_environment

configure_test_environment()

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation in tests
VOIP_CALLS = {**VOIP_CALLS, "EMBEDDED_LISTENER": False}  # noqa: F405
# Tests never share a cache with other runs through a developer's REDIS_URL; the Redis tests make their own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
