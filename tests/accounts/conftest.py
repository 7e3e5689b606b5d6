"""The web tests' bank of categories and topic, for the signed-in customer's pages."""

from __future__ import annotations

from tests.web.conftest import bank  # noqa: F401 - a fixture, used by name
