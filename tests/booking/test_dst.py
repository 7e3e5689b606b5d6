"""DST: exact UTC instants on every transition day and the days around it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.availability import EmployeeAvailability, LocationCalendar, SlotRules, available_slots

EVERY_DAY_NIGHT_AND_DAY = {d: [(time(1), time(5)), (time(9), time(17))] for d in range(7)}


def search(zone_name: str, day: date, weekly=EVERY_DAY_NIGHT_AND_DAY):
    zone = ZoneInfo(zone_name)
    employee = EmployeeAvailability(
        id=1,
        zone=zone,
        weekly=weekly,
        location=LocationCalendar(id=1, zone=zone, opening=None),
        meeting_types=frozenset({"online"}),
    )
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    rules = SlotRules(
        duration=timedelta(minutes=30),
        step=timedelta(minutes=30),
        earliest=start - timedelta(days=10),
        latest=end + timedelta(days=10),
        meeting_types=frozenset({"online"}),
    )
    return available_slots(rules=rules, employees=[employee], start=start, end=end)


def z(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# (zone, transition day, first night slot, number of night slots, first day slot) in UTC.
# Night slots sit inside 01:00-05:00 local, which contains each zone's transition.
CASES = [
    # Copenhagen: 02:00 CET -> 03:00 CEST on 29 March; 3 real hours at night.
    ("Europe/Copenhagen", date(2026, 3, 29), z(2026, 3, 29, 0), 6, z(2026, 3, 29, 7)),
    # ... 03:00 CEST -> 02:00 CET on 25 October; 5 real hours.
    ("Europe/Copenhagen", date(2026, 10, 25), z(2026, 10, 24, 23), 10, z(2026, 10, 25, 8)),
    # London: 01:00 GMT -> 02:00 BST on 29 March: 01:00 GMT is 01:00Z, the gap is 01:00-02:00.
    ("Europe/London", date(2026, 3, 29), z(2026, 3, 29, 1), 6, z(2026, 3, 29, 8)),
    ("Europe/London", date(2026, 10, 25), z(2026, 10, 25, 0), 10, z(2026, 10, 25, 9)),
    # New York: 02:00 EST -> 03:00 EDT on 8 March; 03:00 EDT -> ... on 1 November.
    ("America/New_York", date(2026, 3, 8), z(2026, 3, 8, 6), 6, z(2026, 3, 8, 13)),
    ("America/New_York", date(2026, 11, 1), z(2026, 11, 1, 5), 10, z(2026, 11, 1, 14)),
    # Sydney: 03:00 AEDT -> 02:00 AEST on 5 April; 02:00 AEST -> 03:00 AEDT on 4 October.
    ("Australia/Sydney", date(2026, 4, 5), z(2026, 4, 4, 14), 10, z(2026, 4, 4, 23)),
    ("Australia/Sydney", date(2026, 10, 4), z(2026, 10, 3, 15), 6, z(2026, 10, 3, 22)),
    # Kolkata: no DST, a half-hour offset all year.
    ("Asia/Kolkata", date(2026, 3, 29), z(2026, 3, 28, 19, 30), 8, z(2026, 3, 29, 3, 30)),
]


@pytest.mark.parametrize(("zone_name", "day", "first_night", "night_count", "first_day"), CASES)
def test_transition_day_has_exact_utc_instants(zone_name, day, first_night, night_count, first_day):
    """The night interval holds exactly the real half-hours, stepping in absolute time."""
    slots = search(zone_name, day)
    night = [s.start for s in slots if s.start < first_day]
    assert night == [first_night + timedelta(minutes=30 * n) for n in range(night_count)]
    day_slots = [s.start for s in slots if s.start >= first_day]
    assert day_slots == [first_day + timedelta(minutes=30 * n) for n in range(16)]


@pytest.mark.parametrize(("zone_name", "day"), [(c[0], c[1]) for c in CASES])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_slots_exist_are_unique_and_inside_local_working_hours(zone_name, day, offset):
    """Around each transition: no non-existent local time, no slot twice, all inside hours."""
    zone = ZoneInfo(zone_name)
    slots = search(zone_name, day + timedelta(days=offset))
    assert slots
    instants = [s.start for s in slots]
    assert len(instants) == len(set(instants))
    for slot in slots:
        local_start = slot.start.astimezone(zone)
        local_end = slot.end.astimezone(zone)
        # The local time exists: it survives a round trip through the zone.
        naive = local_start.replace(tzinfo=None)
        assert naive.replace(tzinfo=zone, fold=local_start.fold).astimezone(UTC) == slot.start
        assert any(
            start <= local_start.time() and local_end.time() <= end
            for start, end in EVERY_DAY_NIGHT_AND_DAY[local_start.weekday()]
        ), f"{local_start} - {local_end} is outside working hours"


def test_an_interval_starting_inside_the_spring_gap_starts_after_it():
    """Working 02:30-04:00 on the spring-forward day: 02:30 does not exist, so 03:30 CEST it is."""
    slots = search("Europe/Copenhagen", date(2026, 3, 29), weekly={6: [(time(2, 30), time(4))]})
    assert [s.start for s in slots] == [z(2026, 3, 29, 1, 30)]  # 03:30 CEST


def test_days_around_a_transition_use_their_own_offset():
    """Friday before (CET) 09:00 is 08:00Z, Monday after (CEST) 09:00 is 07:00Z."""
    assert search("Europe/Copenhagen", date(2026, 3, 27))[8].start == z(2026, 3, 27, 8)
    assert search("Europe/Copenhagen", date(2026, 3, 30))[8].start == z(2026, 3, 30, 7)
