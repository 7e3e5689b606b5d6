"""booking.search: what one search loads, and how the search options narrow the slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.errors import InvalidRequest
from booking.search import SlotSearch, find_slots
from config_data.models import Absence, ClosedDay
from tests import factories

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 Copenhagen
TUESDAY = datetime(2026, 6, 2, 0, 0, tzinfo=UTC)


def day_search(topic, **kwargs) -> SlotSearch:
    return SlotSearch(start=TUESDAY, end=TUESDAY + timedelta(days=1), topic=topic, **kwargs)


def build_branch(employees: int, rooms: int, busy_days: int):
    """A branch with employees, rooms, absences, closed days and bookings over busy_days."""
    loc = factories.location()
    staff = [factories.employee(location=loc) for _ in range(employees)]
    for _ in range(rooms):
        factories.room(location=loc)
    topic = factories.topic(employees=staff)
    ClosedDay.objects.create(location=loc, date=date(2026, 6, 5))
    for n, emp in enumerate(staff):
        Absence.objects.create(
            employee=emp,
            start=TUESDAY + timedelta(days=2, hours=14),  # 16-17 local, after the bookings
            end=TUESDAY + timedelta(days=2, hours=15),
        )
        for day in range(busy_days):
            start = TUESDAY + timedelta(days=day, hours=7 + n % 6)
            if start.weekday() < 5 and start.date() != date(2026, 6, 5):
                slot, _ = services.time_slot_reserve(
                    holder=f"h{n}",
                    start=start,
                    end=start + timedelta(hours=1),
                    employee=emp,
                    topic=topic,
                    meeting_type="physical",
                    now=NOW,
                )
    return topic


def count_queries(search: SlotSearch) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        slots = find_slots(search, now=NOW)
    return len(queries.captured_queries), len(slots)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_employees_rooms_or_days():
    """1 employee x 1 day and 12 employees x 14 days with rooms and bookings: same query count."""
    small = build_branch(employees=1, rooms=1, busy_days=1)
    large = build_branch(employees=12, rooms=6, busy_days=14)
    small_queries, small_slots = count_queries(day_search(small))
    large_queries, large_slots = count_queries(
        SlotSearch(start=TUESDAY, end=TUESDAY + timedelta(days=14), topic=large)
    )
    assert large_slots > 10 * small_slots > 0
    assert small_queries == large_queries


@pytest.mark.django_db
def test_a_search_with_rooms_stays_within_a_fixed_query_budget(django_assert_max_num_queries):
    """Employees, hours, absences, rooms, opening hours, closed days, busy slots, categories."""
    topic = build_branch(employees=5, rooms=3, busy_days=7)
    with django_assert_max_num_queries(9):
        find_slots(
            SlotSearch(start=TUESDAY, end=TUESDAY + timedelta(days=14), topic=topic), now=NOW
        )


class TestValidation:
    @pytest.mark.parametrize(
        "kwargs,field",
        [
            ({"end": TUESDAY}, "end"),
            ({"end": TUESDAY - timedelta(hours=1)}, "end"),
            ({"end": TUESDAY + timedelta(days=31, seconds=1)}, "end"),
            ({"duration": timedelta(0)}, "duration"),
            ({"meeting_types": frozenset({"video"})}, "meeting_types"),
            ({"start": TUESDAY.replace(tzinfo=None)}, "start"),
        ],
    )
    def test_bad_searches_are_refused_naming_the_field(self, db, kwargs, field):
        """Reversed or empty ranges, a window past the 31-day cap, a zero duration, ..."""
        values = {"start": TUESDAY, "end": TUESDAY + timedelta(days=1)}
        values.update(kwargs)
        with pytest.raises(InvalidRequest) as error:
            find_slots(SlotSearch(**values), now=NOW)
        assert error.value.field == field

    def test_exactly_the_cap_is_allowed(self, world):
        """31 days is fine; the cap is inclusive."""
        search = SlotSearch(start=TUESDAY, end=TUESDAY + timedelta(days=31), topic=world.topic)
        assert find_slots(search, now=NOW)


class TestNarrowing:
    def test_a_category_the_topic_is_not_for_gets_nothing(self, world):
        """A Business-only topic shows no times to a Private customer."""
        business, private = factories.category("Business"), factories.category("Private")
        world.topic.customer_categories.set([business])
        assert find_slots(day_search(world.topic, customer_category_id=private.pk), now=NOW) == []
        assert find_slots(day_search(world.topic, customer_category_id=business.pk), now=NOW)

    def test_an_inactive_topic_has_no_times(self, world):
        """Switching a topic off hides it from the search."""
        world.topic.active = False
        world.topic.save()
        assert find_slots(day_search(world.topic), now=NOW) == []

    def test_explicit_employees_limit_the_slots_to_them(self, world):
        """explicitEmployeeIds."""
        slots = find_slots(day_search(world.topic, employee_ids=[world.bob.pk]), now=NOW)
        assert slots and {s.employee_id for s in slots} == {world.bob.pk}

    def test_an_inactive_employee_is_never_offered(self, world):
        """Someone no longer bookable disappears from every search."""
        world.bob.active = False
        world.bob.save()
        assert {s.employee_id for s in find_slots(day_search(world.topic), now=NOW)} == {
            world.alice.pk
        }

    def test_specific_rooms_and_require_room(self, world):
        """specificRooms + requireRoom: only in-person slots in that room."""
        slots = find_slots(
            day_search(world.topic, room_ids=[world.big_room.pk], require_room=True), now=NOW
        )
        assert slots and {s.room_id for s in slots} == {world.big_room.pk}
        assert all(s.meeting_types == {"physical"} for s in slots)

    def test_a_duration_override_changes_the_slot_length(self, world):
        """meetingDuration: 90 minutes instead of the topic's 60."""
        slots = find_slots(day_search(world.topic, duration=timedelta(minutes=90)), now=NOW)
        assert {s.end - s.start for s in slots} == {timedelta(minutes=90)}
        local_last = max(s.end for s in slots).astimezone(world.location.zone).time()
        assert local_last == time(17)

    def test_room_only_slots_have_no_employee(self, world):
        """requireEmployeeParticipation=false: the rooms' own free times."""
        slots = find_slots(day_search(world.topic, require_employee=False), now=NOW)
        assert slots and all(s.employee_id is None and s.room_id for s in slots)
        assert {s.room_id for s in slots} == {world.small_room.pk, world.big_room.pk}

    def test_a_held_time_disappears_from_the_search_and_returns_when_it_expires(self, world):
        """Reserved and unexpired blocks; expired does not, without any clean-up job."""
        start = TUESDAY + timedelta(hours=8)
        services.time_slot_reserve(
            holder="h",
            start=start,
            end=start + timedelta(hours=1),
            employee=world.alice,
            topic=world.topic,
            meeting_type="online",
            now=NOW,
        )

        def alice_at_ten(now):
            return [
                s
                for s in find_slots(day_search(world.topic), now=now)
                if s.start == start and s.employee_id == world.alice.pk
            ]

        assert alice_at_ten(NOW) == []
        assert alice_at_ten(NOW + timedelta(minutes=15))

    def test_time_zone_of_the_employee_overrides_the_location(self, world):
        """An employee working from London keeps London hours at a Copenhagen branch."""
        world.alice.timezone = "Europe/London"
        world.alice.save()
        world.location.opening_hours.all().delete()  # no branch hours in the way
        slots = find_slots(day_search(world.topic, employee_ids=[world.alice.pk]), now=NOW)
        assert slots[0].start == TUESDAY + timedelta(hours=8)  # 09:00 BST
