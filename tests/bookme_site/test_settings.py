"""The settings module refuses unsafe production configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# What the test environment sets that a production process would not have.
NOT_IN_PRODUCTION = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for Playwright's sync API in the browser tests
)


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in NOT_IN_PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    """`manage.py check --deploy` is clean with DEBUG off and a real secret."""
    result = run_check(
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-key-for-the-check-0123456789-abcdefgh",
        ALLOWED_HOSTS="bookme.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
