"""The default cache, where every limit lives (booking.ratelimit, allauth's login limits).

Without REDIS_URL: Django's in-process LocMemCache, enough for one process.
With it: Django's RedisCache, one counter per limit shared by every app instance, so a
client cannot multiply its allowance by spreading requests over instances.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
# Seconds: an unreachable Redis fails a request quickly instead of hanging every worker.
REDIS_TIMEOUT = 2


def redis_url_problem(url: str) -> str | None:
    """What is wrong with a Redis URL, or None. The URL may hold a password: never echoed."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return None if parts.path else "a unix:// URL needs the socket's path"
    if parts.scheme not in ("redis", "rediss"):
        return "the scheme must be redis://, rediss:// or unix://"
    try:
        parts.port  # noqa: B018 (urlsplit checks the port only when asked)
    except ValueError:
        return "the port must be a number"
    if not parts.hostname:
        return "a host is required"
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        return "the path can only be a database number, e.g. /0"
    return None


def cache_settings(redis_url: str, *, key_prefix: str = "") -> dict[str, dict[str, Any]]:
    """CACHES for settings.py: Redis when `redis_url` is set, else the embedded default."""
    if not redis_url:
        return {"default": {"BACKEND": LOCAL}}
    problem = redis_url_problem(redis_url)
    if problem is not None:
        raise ImproperlyConfigured(f"REDIS_URL is not a usable Redis URL: {problem}.")
    return {
        "default": {
            "BACKEND": REDIS,
            "LOCATION": redis_url,
            # Several deployments (or test runs) can share one Redis under their own prefix.
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
