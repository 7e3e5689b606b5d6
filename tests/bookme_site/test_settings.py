"""The settings module refuses unsafe production configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]


# What the test environment sets that a production process would not have.
NOT_IN_PRODUCTION = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "BOOKME_SITE_URL",
    "BOOKME_TRUSTED_PROXIES",
    "SECURE_HSTS_PRELOAD",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for Playwright's sync API in the browser tests
)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-check-0123456789-abcdefgh",
    "ALLOWED_HOSTS": "bookme.example.com",
    "BOOKME_SITE_URL": "https://bookme.example.com",
}


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def run(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in NOT_IN_PRODUCTION}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting(name: str, **env: str) -> object:
    """The value a freshly started process computes for one setting."""
    script = (
        "import django, json; from django.conf import settings; django.setup(); "
        f"print(json.dumps(settings.{name}))"
    )
    result = run(["-c", script], {"DJANGO_SETTINGS_MODULE": "bookme_site.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_pass_the_deployment_checklist():
    """`manage.py check --deploy` is clean with DEBUG off and a real secret."""
    result = run_check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_checklist_stays_clean_with_hsts_preload_opted_in():
    """SECURE_HSTS_PRELOAD=1 turns preloading on, and the checklist is still clean."""
    result = run_check(**PRODUCTION, SECURE_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert setting("SECURE_HSTS_PRELOAD", **PRODUCTION, SECURE_HSTS_PRELOAD="1") is True


def test_hsts_preload_is_off_unless_asked_for():
    """Preloading is hard to undo: production without the opt-in does not ask for it."""
    assert setting("SECURE_HSTS_PRELOAD", **PRODUCTION) is False
    assert setting("SECURE_HSTS_SECONDS", **PRODUCTION) == 31536000


def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy():
    """Without BOOKME_TRUSTED_PROXIES a client could claim HTTPS by sending the header."""
    assert setting("SECURE_PROXY_SSL_HEADER", **PRODUCTION) is None
    assert setting("SECURE_PROXY_SSL_HEADER", **PRODUCTION, BOOKME_TRUSTED_PROXIES="1") == [
        "HTTP_X_FORWARDED_PROTO",
        "https",
    ]


def test_production_without_a_site_url_refuses_to_start():
    """DEBUG off and no BOOKME_SITE_URL: emails would link to a guessed host, so stop."""
    env = {k: v for k, v in PRODUCTION.items() if k != "BOOKME_SITE_URL"}
    result = run_check(**env)
    assert result.returncode != 0
    assert "BOOKME_SITE_URL" in result.stderr


@pytest.mark.parametrize(
    "url", ["bookme.example.com", "ftp://bookme.example.com", "https://", "https://x.org/?a=1"]
)
def test_a_site_url_that_is_not_an_absolute_http_address_refuses_to_start(url):
    """Links must start with http(s)://host; anything else is a configuration error."""
    result = run_check(**{**PRODUCTION, "BOOKME_SITE_URL": url})
    assert result.returncode != 0
    assert "BOOKME_SITE_URL must be an absolute http(s) address" in result.stderr


def test_development_needs_no_site_url():
    """DEBUG on keeps the local default, so `make run` needs nothing set."""
    assert setting("BOOKME_SITE_URL", DEBUG="1") == "http://127.0.0.1:8000"


def test_production_without_a_secret_key_refuses_to_start():
    """DEBUG off and no SECRET_KEY: start-up fails with a message naming it."""
    result = run_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_malformed_debug_flag_refuses_to_start():
    """DEBUG=maybe is an error, not 'off'."""
    result = run_check(DEBUG="maybe", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_an_unsupported_database_url_refuses_to_start():
    """Only SQLite and PostgreSQL are supported."""
    result = run_check(DEBUG="1", DATABASE_URL="mysql://root@localhost/bookme")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


# --- the cache: where every limit lives -------------------------------------------------


def settings_with(monkeypatch, **env: str) -> dict:
    """The settings module run afresh under `env` (development mode, no .env file)."""
    import runpy

    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("BOOKME_ENV_FILE", "")
    for name in ("REDIS_URL", "REDIS_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "bookme_site" / "settings.py"))


def test_without_redis_url_the_cache_is_the_embedded_one(monkeypatch):
    """No REDIS_URL: Django's in-process LocMemCache, as before."""
    caches = settings_with(monkeypatch)["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_makes_redis_the_default_cache(monkeypatch):
    """REDIS_URL set: Django's RedisCache at that location, shared by every app instance."""
    caches = settings_with(
        monkeypatch, REDIS_URL="redis://cache.internal:6380/2", REDIS_KEY_PREFIX="bookme-eu"
    )["CACHES"]
    default = caches["default"]
    assert default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert default["LOCATION"] == "redis://cache.internal:6380/2"
    assert default["KEY_PREFIX"] == "bookme-eu"


@pytest.mark.parametrize(
    "url",
    [
        "cache.internal:6379",  # no scheme
        "http://cache.internal:6379/0",  # not Redis
        "redis://",  # no host
        "redis://cache.internal:port/0",  # a port that is not a number
        "redis://cache.internal:6379/zero",  # a database that is not a number
        "redis://cache.internal:6379/0/1",
    ],
)
def test_a_malformed_redis_url_refuses_to_start(monkeypatch, url):
    """A typo in REDIS_URL stops start-up naming it, instead of failing at the first request."""
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        settings_with(monkeypatch, REDIS_URL=url)


@pytest.mark.parametrize(
    "url", ["rediss://:secret@cache.internal:6380/1", "unix:///run/redis.sock?db=1"]
)
def test_tls_and_socket_redis_urls_are_accepted(monkeypatch, url):
    """TLS (rediss://) and Unix sockets are Redis URLs too."""
    assert settings_with(monkeypatch, REDIS_URL=url)["CACHES"]["default"]["LOCATION"] == url


def test_the_api_limits_come_from_the_environment(monkeypatch):
    """Every per-client limit is configurable; a value below 1 stops start-up."""
    loaded = settings_with(
        monkeypatch,
        BOOKME_API_MAX_ACTIVE_HOLDS="5",
        BOOKME_API_MAX_BOOKED_WITHOUT_MEETING="6",
        BOOKME_BOOKED_WITHOUT_MEETING_MINUTES="7",
        BOOKME_API_RATE_LIMIT="8",
        BOOKME_API_RATE_WINDOW_SECONDS="9",
    )
    assert (
        loaded["BOOKME_API_MAX_ACTIVE_HOLDS"],
        loaded["BOOKME_API_MAX_BOOKED_WITHOUT_MEETING"],
        loaded["BOOKME_BOOKED_WITHOUT_MEETING_MINUTES"],
        loaded["BOOKME_API_RATE_LIMIT"],
        loaded["BOOKME_API_RATE_WINDOW"],
    ) == (5, 6, 7, 8, 9)
    with pytest.raises(ImproperlyConfigured, match="BOOKME_API_RATE_LIMIT"):
        settings_with(monkeypatch, BOOKME_API_RATE_LIMIT="0")
