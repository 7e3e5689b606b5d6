"""The service tests' clock."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""
