"""Imported public holidays in the engine: a closed holiday offers no time, one staff opened
on does, whichever way the search reads closed days (the kept snapshot or the database);
nothing is offered past next year, whose holidays are the last imported."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from booking import catalog, reports
from booking.search import SlotSearch, find_slots, rules_for
from config_data.holidays import sync_public_holidays
from config_data.models import ClosedDay, Location
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 Copenhagen
CHRISTMAS = date(2026, 12, 25)  # a Friday, a Danish public holiday
# Christmas Day in Copenhagen (CET, UTC+1), as a UTC window.
CHRISTMAS_START = datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
CHRISTMAS_END = CHRISTMAS_START + timedelta(days=1)


@pytest.fixture
def danish_branch():
    """A Danish branch with its holidays imported, an adviser working weekdays 9-17 and a
    topic she holds."""
    location = factories.location(holiday_country="DK")
    adviser = factories.employee(location=location)
    topic = factories.topic(employees=[adviser], booking_horizon=365)
    sync_public_holidays(location, today=NOW.date())
    return location, topic


def christmas_slots(topic, *, now: datetime) -> list:
    return find_slots(SlotSearch(start=CHRISTMAS_START, end=CHRISTMAS_END, topic=topic), now=now)


def open_on_christmas(location: Location, open_anyway: bool = True) -> None:
    day = ClosedDay.objects.get(location=location, date=CHRISTMAS)
    day.open_anyway = open_anyway
    day.save()


def test_a_public_holiday_offers_no_time_until_staff_open_on_it(danish_branch):
    """From the kept snapshot: Christmas has no slots; opened, it has the usual day's; closed
    again, none. (The Friday before has slots throughout: the topic and adviser work.)"""
    location, topic = danish_branch
    with time_machine.travel(NOW, tick=False):
        catalog.forget()
        day_before = find_slots(
            SlotSearch(
                start=CHRISTMAS_START - timedelta(days=7),
                end=CHRISTMAS_END - timedelta(days=7),
                topic=topic,
            ),
            now=NOW,
        )
        assert day_before
        assert christmas_slots(topic, now=NOW) == []
        open_on_christmas(location)
        assert len(christmas_slots(topic, now=NOW)) == len(day_before)
        open_on_christmas(location, open_anyway=False)
        assert christmas_slots(topic, now=NOW) == []


def test_a_window_the_snapshot_does_not_keep_reads_open_days_too(danish_branch):
    """The clock in January 2027: Christmas 2026 is before what the catalog keeps, so the
    search reads closed days from the database, and an opened holiday is open there too."""
    location, topic = danish_branch
    before = CHRISTMAS_START - timedelta(days=2)
    with time_machine.travel(datetime(2027, 1, 10, tzinfo=UTC), tick=False):
        catalog.forget()
        assert catalog.current().since > CHRISTMAS_END  # the database path, not the snapshot
        assert christmas_slots(topic, now=before) == []
        open_on_christmas(location)
        assert christmas_slots(topic, now=before)


def test_reports_count_an_opened_holiday_as_working_time(danish_branch):
    """The report's available time in Christmas week: four working days while the 25th
    (a Friday) is closed, five once opened (the 26th is a Saturday anyway)."""
    location, _topic = danish_branch
    branch = Location.objects.filter(pk=location.pk)

    def minutes() -> int:
        report = reports.load_report(branch, date(2026, 12, 21), date(2026, 12, 27))
        return sum(adviser.available_minutes for adviser in report.advisers)

    closed = minutes()
    open_on_christmas(location)
    assert minutes() == closed + 8 * 60
    assert closed == 4 * 8 * 60


# --- no booking past the imported holidays (this year and next) ---------------------------

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
NEW_YORK = ZoneInfo("America/New_York")
# The last instant before New Year's Eve ends in Copenhagen, 2026 (00:30 on 1 January there).
NEW_YEARS_EVE_LATE = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "cap"),
    [
        (COPENHAGEN, NOW, datetime(2028, 1, 1, tzinfo=COPENHAGEN)),
        (NEW_YORK, NOW, datetime(2028, 1, 1, tzinfo=NEW_YORK)),
        # Already 2027 in Copenhagen, still 2026 in New York: each location's own year.
        (COPENHAGEN, NEW_YEARS_EVE_LATE, datetime(2029, 1, 1, tzinfo=COPENHAGEN)),
        (NEW_YORK, NEW_YEARS_EVE_LATE, datetime(2028, 1, 1, tzinfo=NEW_YORK)),
    ],
)
def test_a_long_horizon_ends_with_next_year_in_the_locations_zone(zone, now, cap):
    """A topic bookable 900 days ahead is bookable until next year ends where the searched
    location is: its holidays after that are not imported yet."""
    location = factories.location(timezone=str(zone))
    factories.employee(location=location)
    topic = factories.topic(booking_horizon=900)
    search = SlotSearch(
        start=now, end=now + timedelta(days=1), topic=topic, location_id=location.pk
    )
    assert rules_for(search, now=now).latest == cap


def test_without_a_location_the_site_zone_ends_the_year(settings):
    """A search over every location caps the horizon at next year's end in the site's zone;
    one without a topic (366 days ahead) is capped too."""
    settings.TIME_ZONE = "America/New_York"
    topic = factories.topic(booking_horizon=900)
    now = NEW_YEARS_EVE_LATE  # 18:30 on 31 December 2026 in New York
    cap = datetime(2028, 1, 1, tzinfo=NEW_YORK)
    with_topic = SlotSearch(start=now, end=now + timedelta(days=1), topic=topic)
    assert rules_for(with_topic, now=now).latest == cap
    without_topic = SlotSearch(start=now, end=now + timedelta(days=1))
    assert rules_for(without_topic, now=now).latest == cap


def test_a_horizon_within_next_year_is_left_as_it_is():
    """60 days ahead of 1 June: the topic's own horizon, nothing cut."""
    topic = factories.topic(booking_horizon=60)
    search = SlotSearch(start=NOW, end=NOW + timedelta(days=1), topic=topic)
    assert rules_for(search, now=NOW).latest == NOW + timedelta(days=60)


def test_no_time_is_offered_after_next_year(danish_branch):
    """A topic bookable 900 days ahead: the last Tuesday of 2027 has times, the first
    Tuesday of 2028 none, though the adviser works then."""
    _location, topic = danish_branch
    topic.booking_horizon = 900
    topic.save()

    def tuesday(day: date) -> list:
        start = datetime.combine(day, datetime.min.time(), tzinfo=COPENHAGEN)
        search = SlotSearch(start=start, end=start + timedelta(days=1), topic=topic)
        return find_slots(search, now=NOW)

    with time_machine.travel(NOW, tick=False):
        catalog.forget()
        assert tuesday(date(2027, 12, 28))
        assert tuesday(date(2028, 1, 4)) == []
