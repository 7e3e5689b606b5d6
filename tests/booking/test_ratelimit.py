"""booking.ratelimit: fixed, clock-aligned windows counted in the default cache."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from booking import ratelimit

# A window boundary for every window length used below (60 s, 3600 s).
ALIGNED = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def test_hits_count_up_to_the_limit_then_are_refused():
    """The limit-th hit is allowed with nothing remaining; the next is refused."""
    with time_machine.travel(ALIGNED, tick=False):
        windows = [ratelimit.hit("k", limit=3, window=60) for _ in range(4)]
    assert [w.allowed for w in windows] == [True, True, True, False]
    assert [w.remaining for w in windows] == [2, 1, 0, 0]
    assert [w.count for w in windows] == [1, 2, 3, 4]


def test_keys_are_counted_apart():
    """One key's hits never use up another's."""
    with time_machine.travel(ALIGNED, tick=False):
        for _ in range(3):
            ratelimit.hit("a", limit=3, window=60)
        assert ratelimit.hit("b", limit=3, window=60).remaining == 2


def test_reset_after_counts_down_to_the_end_of_the_window():
    """reset_after is the seconds left in the window, rounded up, at least 1."""
    with time_machine.travel(ALIGNED, tick=False) as clock:
        assert ratelimit.hit("k", limit=5, window=60).reset_after == 60
        clock.shift(20.5)
        assert ratelimit.hit("k", limit=5, window=60).reset_after == 40
        clock.shift(39.4)
        assert ratelimit.hit("k", limit=5, window=60).reset_after == 1


def test_a_new_window_starts_from_zero():
    """At the window's end every process starts counting again."""
    with time_machine.travel(ALIGNED, tick=False) as clock:
        for _ in range(4):
            ratelimit.hit("k", limit=3, window=60)
        clock.shift(60)
        window = ratelimit.hit("k", limit=3, window=60)
    assert (window.allowed, window.count, window.remaining) == (True, 1, 2)


def test_an_evicted_counter_starts_again_instead_of_failing(monkeypatch):
    """A counter the cache dropped between add() and incr() counts as the first hit."""
    from django.core.cache import cache

    def evicted(key: str, delta: int = 1) -> int:
        raise ValueError(key)

    monkeypatch.setattr(cache, "incr", evicted)
    with time_machine.travel(ALIGNED, tick=False):
        window = ratelimit.hit("k", limit=3, window=60)
    assert (window.allowed, window.count) == (True, 1)


def test_an_unreachable_cache_lets_the_request_through(settings, caplog):
    """Redis down: the limiter fails open with a warning instead of a 500 on every request."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    window = ratelimit.hit("down", limit=1, window=60)
    assert window.allowed
    assert "cache is unreachable" in caplog.text
