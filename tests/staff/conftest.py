"""What every staff-page test shares: the clock, and accounts in staff roles."""

from __future__ import annotations

import pytest

# The staff tests import these from here too; they live with the world they build.
from tests.staff.world import signed_in, staff_user

__all__ = ["signed_in", "staff_user"]


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026, 08:00 in Copenhagen."""
