"""The development data (demo bank, benchmark generator) lives in its own app, devdata."""

from __future__ import annotations

import pytest
from django.core.management import get_commands


@pytest.mark.parametrize("command", ["load_demo", "generate_data"])
def test_devdata_provides_the_development_data_commands(command):
    """`manage.py load_demo` and `generate_data` keep their names and come from booking.devdata."""
    assert get_commands()[command] == "booking.devdata"
