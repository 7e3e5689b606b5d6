"""A booking profile in the engine: narrower weekly hours, the active period, DST, and the
search that loads them (only the profile's employees, only inside both hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    EmployeeAvailability,
    LocationCalendar,
    ProfileWindow,
    SlotRules,
    available_slots,
    profile_spans,
)
from booking.search import SlotSearch, find_slots
from booking.views.profiles import restriction_for
from config_data.models import BookingProfile, ProfileHours

CPH = ZoneInfo("Europe/Copenhagen")
WEEKDAYS_9_TO_17 = {d: [(time(9), time(17))] for d in range(7)}


def z(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def slots_on(day: date, window: ProfileWindow | None, *, zone: ZoneInfo = CPH) -> list[datetime]:
    """Hourly slots of one employee (09-17 every day) on a local day, through `window`."""
    employee = EmployeeAvailability(
        id=1,
        zone=zone,
        weekly=WEEKDAYS_9_TO_17,
        location=LocationCalendar(id=1, zone=zone, opening=None),
        meeting_types=frozenset({"online"}),
        profile=window,
    )
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    rules = SlotRules(
        duration=timedelta(minutes=60),
        step=timedelta(minutes=60),
        earliest=start - timedelta(days=10),
        latest=end + timedelta(days=10),
        meeting_types=frozenset({"online"}),
    )
    found = available_slots(rules=rules, employees=[employee], start=start, end=end)
    return [s.start for s in found]


def test_without_a_profile_the_working_hours_decide():
    """No window: 09-17 local in summer (UTC+2) is 07:00Z-15:00Z, eight hourly slots."""
    assert slots_on(date(2026, 6, 2), None) == [z(2026, 6, 2, 7 + n) for n in range(8)]


def test_profile_hours_narrow_the_working_hours():
    """Profile 08-11 against work 09-17: only 09 and 10 local, the intersection."""
    window = ProfileWindow(weekly={1: [(time(8), time(11))]})
    assert slots_on(date(2026, 6, 2), window) == [z(2026, 6, 2, 7), z(2026, 6, 2, 8)]


def test_profile_hours_on_another_weekday_leave_nothing():
    """Hours only on Mondays: a Tuesday has no slot at all."""
    window = ProfileWindow(weekly={0: [(time(9), time(17))]})
    assert slots_on(date(2026, 6, 2), window) == []


def test_a_period_without_hours_keeps_whole_days_inside_it():
    """Only a period: inside it the working hours stand; the day after it is empty."""
    window = ProfileWindow(first_day=date(2026, 6, 1), last_day=date(2026, 6, 2))
    assert len(slots_on(date(2026, 6, 2), window)) == 8
    assert slots_on(date(2026, 6, 3), window) == []
    assert slots_on(date(2026, 5, 31), window) == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Spring forward (29 March): 09-11 CEST is 07:00Z-09:00Z.
        (date(2026, 3, 29), [z(2026, 3, 29, 7), z(2026, 3, 29, 8)]),
        # The day before, still CET: 08:00Z-10:00Z.
        (date(2026, 3, 28), [z(2026, 3, 28, 8), z(2026, 3, 28, 9)]),
        # Fall back (25 October): 09-11 CET again, 08:00Z-10:00Z.
        (date(2026, 10, 25), [z(2026, 10, 25, 8), z(2026, 10, 25, 9)]),
    ],
)
def test_profile_hours_keep_their_local_times_across_dst(day, expected):
    """The window is wall-clock time in the employee's zone: exact UTC instants each side."""
    window = ProfileWindow(weekly={d: [(time(9), time(11))] for d in range(7)})
    assert slots_on(day, window) == expected


def test_the_period_is_read_in_the_employees_zone():
    """Last day 2 June in Auckland: its local 2 June ends at 12:00Z on 2 June."""
    auckland = ZoneInfo("Pacific/Auckland")
    window = ProfileWindow(last_day=date(2026, 6, 2))
    days = [date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3)]
    spans = profile_spans(window, auckland, days)
    assert spans == [(z(2026, 5, 31, 12), z(2026, 6, 2, 12))]


def test_a_fold_hour_window_ends_on_the_second_occurrence():
    """01:00-04:00 on the fall-back night lasts four real hours, like working hours do."""
    window = ProfileWindow(weekly={6: [(time(1), time(4))]})
    [(start, end)] = profile_spans(window, CPH, [date(2026, 10, 25)])
    assert end - start == timedelta(hours=4)


# --- the search loads the profile ---------------------------------------------------------


@pytest.fixture
def alice_profile(world) -> BookingProfile:
    profile = BookingProfile.objects.create(employee=world.alice, slug="alice", title="Alice")
    profile.topics.set([world.topic])
    ProfileHours.objects.create(profile=profile, weekday=1, start=time(10), end=time(12))
    return profile


def test_the_search_offers_only_the_profile_employee_inside_both_hours(world, alice_profile, now):
    """Bob holds the topic too, but the profile is Alice's: her 10-12 only (08:00Z, 09:00Z...)."""
    tuesday = z(2026, 6, 2, 0)
    search = SlotSearch(
        start=tuesday,
        end=tuesday + timedelta(days=1),
        topic=world.topic,
        meeting_types=frozenset({"online"}),
        profile=restriction_for(alice_profile),
    )
    found = find_slots(search, now=now)
    assert {s.employee_id for s in found} == {world.alice.pk}
    assert [s.start for s in found] == [z(2026, 6, 2, 8), z(2026, 6, 2, 8, 30), z(2026, 6, 2, 9)]


def test_the_search_respects_the_profiles_period_and_duration(world, alice_profile, now):
    """Ended the day before: nothing. With 30 minutes the last start is 11:30 local."""
    tuesday = z(2026, 6, 2, 0)
    base = {
        "start": tuesday,
        "end": tuesday + timedelta(days=1),
        "topic": world.topic,
        "meeting_types": frozenset({"online"}),
    }
    alice_profile.active_until = date(2026, 6, 1)
    alice_profile.save()
    assert find_slots(SlotSearch(**base, profile=restriction_for(alice_profile)), now=now) == []
    alice_profile.active_until = None
    alice_profile.save()
    short = find_slots(
        SlotSearch(**base, profile=restriction_for(alice_profile), duration=timedelta(minutes=30)),
        now=now,
    )
    assert short[-1].start == z(2026, 6, 2, 9, 30)
