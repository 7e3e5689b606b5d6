"""The demo's branches take Denmark's public holidays by import, not from a hand-kept list."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from config_data.models import ClosedDay, ClosedDaySource, Location


@pytest.mark.django_db
def test_the_demo_branches_close_on_imported_danish_holidays(frozen_clock):
    """Both branches import DK for 2026 and 2027 (Easter-based days included); a second
    load leaves them as they were, and a day staff opened on stays open."""
    call_command("load_demo", stdout=StringIO())
    locations = list(Location.objects.all())
    assert {location.holiday_country for location in locations} == {"DK"}
    for location in locations:
        imported = ClosedDay.objects.filter(
            location=location, source=ClosedDaySource.PUBLIC_HOLIDAY
        )
        assert imported.count() == 20
        assert imported.filter(date=date(2027, 3, 26), reason="Good Friday").exists()
    christmas = ClosedDay.objects.filter(date=date(2026, 12, 25)).first()
    assert christmas is not None
    christmas.open_anyway = True
    christmas.save()
    before = list(ClosedDay.objects.values_list("pk", "date", "reason", "open_anyway"))
    call_command("load_demo", stdout=StringIO())
    assert list(ClosedDay.objects.values_list("pk", "date", "reason", "open_anyway")) == before
