"""booking.search: what one search loads, and how the search options narrow the slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.actors import Actor
from booking.busy import busy_rows, instant, occupies
from booking.errors import InvalidRequest
from booking.models import LONGEST_BLOCK, TimeSlot, TimeSlotStatus
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
                _slot, _ = services.time_slot_reserve(
                    actor=Actor.system(f"h{n}"),
                    wanted=services.SlotRequest(
                        start=start,
                        end=start + timedelta(hours=1),
                        employee=emp,
                        topic=topic,
                        meeting_type="physical",
                    ),
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
        ("kwargs", "field"),
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
        assert slots
        assert {s.employee_id for s in slots} == {world.bob.pk}

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
        assert slots
        assert {s.room_id for s in slots} == {world.big_room.pk}
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
        assert slots
        assert all(s.employee_id is None and s.room_id for s in slots)
        assert {s.room_id for s in slots} == {world.small_room.pk, world.big_room.pk}

    def test_a_held_time_disappears_from_the_search_and_returns_when_it_expires(self, world):
        """Reserved and unexpired blocks; expired does not, without any clean-up job."""
        start = TUESDAY + timedelta(hours=8)
        services.time_slot_reserve(
            actor=Actor.system("h"),
            wanted=services.SlotRequest(
                start=start,
                end=start + timedelta(hours=1),
                employee=world.alice,
                topic=world.topic,
                meeting_type="online",
            ),
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


class TestBusyTime:
    def test_busy_time_just_outside_the_window_still_blocks_through_the_buffers(self, world):
        """Search 10:00-12:00 for a 60-minute topic with 15-minute buffers: a meeting ending
        09:50 rules out 10:00, one starting 12:40 rules out 11:30 (its buffer reaches 12:45)."""
        topic = factories.topic(
            employees=[world.alice], physical=False, buffer_before=15, buffer_after=15
        )
        # Theme-less holds must fit some topic of Alice's: 50 and 60 minutes on a 10-minute grid.
        for minutes in (50, 60):
            factories.topic(employees=[world.alice], duration=minutes, slot_step=10)
        for start, end in ((7, 0), (7, 50)), ((10, 40), (11, 40)):  # UTC; local is +2
            services.time_slot_reserve(
                actor=Actor.system("other"),
                wanted=services.SlotRequest(
                    start=TUESDAY.replace(hour=start[0], minute=start[1]),
                    end=TUESDAY.replace(hour=end[0], minute=end[1]),
                    employee=world.alice,
                ),
                now=NOW,
            )
        search = SlotSearch(
            start=TUESDAY + timedelta(hours=8), end=TUESDAY + timedelta(hours=10), topic=topic
        )
        starts = [s.start for s in find_slots(search, now=NOW)]
        assert starts == [TUESDAY + timedelta(hours=8, minutes=30), TUESDAY + timedelta(hours=9)]

    def test_occupies_agrees_with_the_active_queryset(self, world):
        """The row-level twin of TimeSlot.objects.active(now), for every status and expiry."""
        cases = [
            (TimeSlotStatus.BOOKED, None),
            (TimeSlotStatus.RESERVED, NOW + timedelta(minutes=1)),
            (TimeSlotStatus.RESERVED, NOW),
            (TimeSlotStatus.RESERVED, NOW - timedelta(minutes=1)),
            (TimeSlotStatus.CANCELLED, None),
            (TimeSlotStatus.EXPIRED, NOW - timedelta(minutes=1)),
        ]
        for hour, (status, expires_at) in enumerate(cases):
            start = TUESDAY + timedelta(hours=hour)
            TimeSlot.objects.create(
                employee=world.alice, start=start, end=start + timedelta(hours=1),
                blocked_start=start, blocked_end=start + timedelta(hours=1), status=status,
                expires_at=expires_at, holder="h",
            )  # fmt: skip
        active = set(TimeSlot.objects.active(NOW).values_list("pk", flat=True))
        rows = TimeSlot.objects.values_list("pk", "status", "expires_at")
        assert {pk for pk, status, expires in rows if occupies(status, expires, NOW)} == active
        assert len(active) == 2

    def test_a_long_booking_that_began_before_the_window_still_blocks_it(self, world):
        """A room booked from Monday noon to Tuesday 18:00 (30 hours, within LONGEST_BLOCK):
        a Tuesday search offers that room nothing, though the booking started a day earlier."""
        start = TUESDAY - timedelta(hours=12)
        end = start + timedelta(hours=30)
        assert end - start < LONGEST_BLOCK
        TimeSlot.objects.create(
            room=world.small_room, start=start, end=end, blocked_start=start, blocked_end=end,
            status=TimeSlotStatus.BOOKED, holder="h",
        )  # fmt: skip
        slots = find_slots(day_search(world.topic, require_employee=False), now=NOW)
        assert slots
        assert {s.room_id for s in slots} == {world.big_room.pk}

    def test_a_slot_may_not_block_longer_than_the_bound_the_overlap_queries_rely_on(self, world):
        """TimeSlot.clean refuses a slot blocking more than LONGEST_BLOCK, naming the end."""
        slot = TimeSlot(
            employee=world.alice, start=TUESDAY, end=TUESDAY + LONGEST_BLOCK,
            blocked_start=TUESDAY - timedelta(minutes=1), blocked_end=TUESDAY + LONGEST_BLOCK,
            holder="h", status=TimeSlotStatus.BOOKED,
        )  # fmt: skip
        with pytest.raises(ValidationError) as error:
            slot.full_clean()
        assert "end" in error.value.message_dict

    def test_an_online_search_does_not_read_the_rooms(self, world):
        """Rooms matter only in person: an online-only search does not read their busy time."""
        find_slots(day_search(world.topic), now=NOW)  # the configuration is read and kept
        with CaptureQueriesContext(connection) as in_person:
            find_slots(day_search(world.topic), now=NOW)
        with CaptureQueriesContext(connection) as online:
            slots = find_slots(
                day_search(world.topic, meeting_types=frozenset({"online"})), now=NOW
            )
        assert slots
        assert all(s.room_id is None and s.meeting_types == {"online"} for s in slots)
        # The same queries; the last, who is busy, asks for employees and rooms, or employees.
        assert len(online.captured_queries) == len(in_person.captured_queries)
        assert "room_id IN" in in_person.captured_queries[-1]["sql"]
        assert "room_id IN" not in online.captured_queries[-1]["sql"]


@pytest.mark.parametrize(
    "text",
    [
        "2026-06-02 08:00:00.250000",  # SQLite: naive UTC, as Django stores it
        "2026-06-02 08:00:00.25+00",  # PostgreSQL: timestamptz as text in the session's UTC
        "2026-06-02 10:00:00.25+02",  # any offset still means the same instant
    ],
)
def test_instant_reads_either_backends_text_as_the_same_utc_moment(text):
    """The busy times are read as text; each backend's form gives the exact aware instant."""
    assert instant(text) == datetime(2026, 6, 2, 8, 0, 0, 250000, tzinfo=UTC)


@pytest.mark.django_db
def test_busy_times_read_as_text_match_the_stored_instants(world):
    """Round trip on the configured database: the text read equals the datetime stored."""
    start = datetime(2026, 6, 2, 8, 15, 30, 123456, tzinfo=UTC)
    slot = TimeSlot.objects.create(
        employee=world.alice, start=start, end=start + timedelta(hours=1), blocked_start=start,
        blocked_end=start + timedelta(hours=1), status=TimeSlotStatus.BOOKED, holder="h",
    )  # fmt: skip
    text = (
        TimeSlot.objects.filter(pk=slot.pk)
        .annotate(text=Cast("blocked_start", CharField()))
        .values_list("text", flat=True)
        .get()
    )
    assert instant(text) == start


@pytest.mark.django_db
@pytest.mark.parametrize("days", [1, 3])
def test_the_written_out_busy_query_matches_the_querysets(days):
    """busy.busy_rows is TimeSlot.objects.overlapping().for_resources() in plain SQL:
    both find the same slots, with the same times."""

    topic = build_branch(employees=3, rooms=2, busy_days=4)
    employee_ids = sorted(topic.employees.values_list("pk", flat=True))
    room_ids = sorted(factories.Room.objects.values_list("pk", flat=True))
    start = TUESDAY + timedelta(hours=8)
    end = start + timedelta(days=days)
    rows = busy_rows(start, end, employee_ids, room_ids, with_sessions=True)
    expected = {
        (s.employee_id, s.room_id, s.blocked_start, s.blocked_end, s.session_key, s.start, s.end)
        for s in TimeSlot.objects.overlapping(start, end).for_resources(
            employee_ids=employee_ids, room_ids=room_ids
        )
    }
    assert expected
    assert {
        (r[2], r[3], instant(r[4]), instant(r[5]), r[6], instant(r[8]), instant(r[9])) for r in rows
    } == expected
    assert busy_rows(start, end, [], [], with_sessions=False) == []
    only_rooms = busy_rows(start, end, [], room_ids, with_sessions=False)
    assert all(r[3] in room_ids for r in only_rooms)
