"""Fixed-window rate limits in the default cache, shared by the website and the API.

The default cache is the one place every limit lives: per process without REDIS_URL,
shared by every app instance with it, so a limit holds however many instances run.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """The state of one limit after counting a hit."""

    limit: int
    count: int
    reset_after: int  # seconds until the window starts again

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)


def hit(key: str, *, limit: int, window: int) -> Window:
    """Count one hit on `key` in its current window of `window` seconds.

    The window is aligned to the clock (its number is part of the key), so every
    process agrees on when it ends without storing a start time.
    """
    now = time.time()
    number = math.floor(now / window)
    bucket = _bucket(key, number)
    reset_after = max(math.ceil((number + 1) * window - now), 1)
    try:
        # add() is atomic in every backend: the first hit of a window creates the counter.
        cache.add(bucket, 0, timeout=window + 1)
        try:
            count = cache.incr(bucket)
        except ValueError:  # evicted between add and incr
            cache.set(bucket, 1, timeout=window + 1)
            count = 1
    except Exception:  # the shared cache (Redis) is down: each backend raises its own errors
        # Fail open: a limiter outage must not take bookings down with it. The database
        # constraints still guarantee correctness; only the flood protection pauses.
        logger.warning("Rate limit %s not counted: the cache is unreachable.", key, exc_info=True)
        count = 0
    return Window(limit=limit, count=count, reset_after=reset_after)


def release(key: str, *, window: int) -> None:
    """Take back one hit of `key` in the current window, for a hit that proved harmless.

    Failure limits count an attempt before its outcome is known, so that a burst of
    parallel attempts is counted before any is answered; an attempt that succeeds gives
    its hit back here. Right after a window turned, the hit being taken back was in the
    previous one: then at most one hit of the new window goes uncounted.
    """
    bucket = _bucket(key, math.floor(time.time() / window))
    try:
        if cache.decr(bucket) < 0:
            cache.incr(bucket)
    except ValueError:  # no counter in this window: nothing to take back
        pass
    except Exception:  # the shared cache (Redis) is down: as in hit(), fail open
        logger.warning("Rate limit %s not released: the cache is unreachable.", key, exc_info=True)


def _bucket(key: str, number: int) -> str:
    return f"bookme:rl:{key}:{number}"


def client_address(request: HttpRequest) -> str:
    """The client's address; behind BOOKME_TRUSTED_PROXIES proxies, the one they saw.

    X-Forwarded-For is only believed as far as our own proxies wrote it: its
    left-hand entries are whatever the client chose to send.
    """
    proxies = settings.BOOKME_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
