"""Loaded with -p before pytest-django sets Django up: the environment tests run in.

Tests run with DEBUG off, as production does; only what needs a value gets one.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("BOOKME_SITE_URL", "http://127.0.0.1:8000")
# A developer's .env (DEBUG=1, their database) must never leak into tests, nor into the
# processes tests start: they inherit this environment.
os.environ["BOOKME_ENV_FILE"] = ""
# Housekeeping (booking.housekeeping) would schedule itself into every test database;
# its own tests turn it on.
os.environ.setdefault("BOOKME_HOUSEKEEPING_MINUTES", "0")
