"""The pure availability engine: plain data in, slots out (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    Busy,
    EmployeeAvailability,
    GroupSession,
    LocationCalendar,
    RoomAvailability,
    SlotRules,
    available_slots,
    intersect,
    interval_is_free,
    merge,
    subtract,
)

CPH = ZoneInfo("Europe/Copenhagen")
MONDAY = date(2026, 6, 1)  # CEST, UTC+2
ALL_TYPES = frozenset({"physical", "online", "phone"})
WEEKDAY_9_TO_17 = {d: [(time(9), time(17))] for d in range(5)}


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def calendar(opening=None, closed=frozenset(), location_id: int = 1) -> LocationCalendar:
    return LocationCalendar(id=location_id, zone=CPH, opening=opening, closed_dates=closed)


def person(
    id: int = 1, *, weekly=WEEKDAY_9_TO_17, location=None, types=ALL_TYPES, absences=(), busy=()
) -> EmployeeAvailability:
    return EmployeeAvailability(
        id=id,
        zone=CPH,
        weekly=weekly,
        location=location or calendar(),
        meeting_types=types,
        absences=absences,
        busy=busy,
    )


def rules(**overrides) -> SlotRules:
    values: dict[str, Any] = {
        "duration": timedelta(minutes=60),
        "step": timedelta(minutes=30),
        "earliest": utc(MONDAY, 0) - timedelta(days=30),
        "latest": utc(MONDAY, 0) + timedelta(days=300),
        "meeting_types": ALL_TYPES,
    }
    values.update(overrides)
    return SlotRules(**values)


def starts(slots) -> list[datetime]:
    return [s.start for s in slots]


def day_window(day: date = MONDAY) -> dict:
    return {"start": utc(day, 0), "end": utc(day, 0) + timedelta(days=1)}


class TestSpanArithmetic:
    def test_merge_joins_overlapping_and_touching_spans_and_drops_empty_ones(self):
        """Spans that overlap or touch become one, in order; a zero-length span disappears."""
        a, b, c, d = (utc(MONDAY, h) for h in (1, 2, 3, 4))
        assert merge([(c, d), (a, b), (b, c), (d, d)]) == [(a, d)]

    def test_intersect_keeps_only_common_time(self):
        """Only time inside both span lists survives, split where either list has a gap."""
        h = [utc(MONDAY, n) for n in range(10)]
        assert intersect([(h[1], h[5]), (h[6], h[9])], [(h[4], h[7])]) == [
            (h[4], h[5]),
            (h[6], h[7]),
        ]

    def test_subtract_cuts_holes_and_trims_edges(self):
        """Busy spans punch holes in the middle and cut off overlapping ends."""
        h = [utc(MONDAY, n) for n in range(10)]
        assert subtract([(h[1], h[8])], [(h[0], h[2]), (h[4], h[5]), (h[7], h[9])]) == [
            (h[2], h[4]),
            (h[5], h[7]),
        ]


class TestEmployeeSlots:
    def test_a_free_day_is_offered_on_the_step_grid_in_local_time(self):
        """09:00-17:00 CEST, 60 minutes every 30: 09:00 ... 16:00 local, i.e. 07:00Z ... 14:00Z."""
        slots = available_slots(rules=rules(), employees=[person()], **day_window())
        assert starts(slots) == [utc(MONDAY, 7) + timedelta(minutes=30 * n) for n in range(15)]
        assert all(s.end - s.start == timedelta(hours=1) for s in slots)

    def test_weekend_without_working_hours_has_no_slots(self):
        """A day without working hours (a Saturday) offers no slots at all."""
        assert (
            available_slots(rules=rules(), employees=[person()], **day_window(date(2026, 6, 6)))
            == []
        )

    def test_busy_time_and_buffers_are_respected(self):
        """A 10:00-11:00 booking with 15-minute buffers on both sides blocks 09:00-11:45."""
        busy = [Busy(utc(MONDAY, 8), utc(MONDAY, 9))]  # 10:00-11:00 local
        r = rules(buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=15))
        slots = available_slots(rules=r, employees=[person(busy=busy)], **day_window())
        local = [s.start.astimezone(CPH).time() for s in slots]
        assert time(9) not in local
        assert time(10, 30) not in local
        assert time(11) not in local
        assert local[0] == time(11, 30)  # 11:15 is blocked by the buffer, 11:30 is the next step
        assert all(
            not (
                s.start - timedelta(minutes=15) < busy[0].end
                and s.end + timedelta(minutes=15) > busy[0].start
            )
            for s in slots
        )

    def test_absence_removes_the_time_it_covers(self):
        """An absence 09:00-14:00 local moves the first offered start to 14:00."""
        absent = [(utc(MONDAY, 7), utc(MONDAY, 12))]  # 09:00-14:00 local
        slots = available_slots(rules=rules(), employees=[person(absences=absent)], **day_window())
        assert slots[0].start == utc(MONDAY, 12)

    def test_closed_day_of_the_location_removes_the_whole_day(self):
        """A closed day of the employee's location wipes out all of that day's slots."""
        emp = person(location=calendar(closed=frozenset({MONDAY})))
        assert available_slots(rules=rules(), employees=[emp], **day_window()) == []

    def test_opening_hours_limit_working_hours(self):
        """Slots fit inside the location's opening hours even when working hours are longer."""
        emp = person(location=calendar(opening={0: [(time(10), time(12))]}))
        slots = available_slots(rules=rules(), employees=[emp], **day_window())
        assert starts(slots) == [utc(MONDAY, 8), utc(MONDAY, 8, 30), utc(MONDAY, 9)]

    def test_minimum_notice_and_horizon_bound_the_starts(self):
        """Starts lie between `earliest` (rounded up to the step grid) and the horizon `latest`."""
        r = rules(earliest=utc(MONDAY, 9, 10), latest=utc(MONDAY, 11))
        slots = available_slots(rules=r, employees=[person()], **day_window())
        assert starts(slots) == [utc(MONDAY, 9, 30), utc(MONDAY, 10), utc(MONDAY, 10, 30)]

    def test_the_search_window_bounds_the_starts(self):
        """Only starts inside the searched window come back, not the whole working day."""
        slots = available_slots(
            rules=rules(), employees=[person()], start=utc(MONDAY, 8), end=utc(MONDAY, 9)
        )
        assert starts(slots) == [utc(MONDAY, 8), utc(MONDAY, 8, 30)]

    def test_meeting_types_are_the_intersection_of_search_and_employee(self):
        """A slot offers only types both searched and held by the employee; none in common, none."""
        emp = person(types=frozenset({"phone"}))
        assert (
            available_slots(
                rules=rules(meeting_types=frozenset({"online"})), employees=[emp], **day_window()
            )
            == []
        )
        slots = available_slots(
            rules=rules(meeting_types=frozenset({"online", "phone"})),
            employees=[emp],
            **day_window(),
        )
        assert slots
        assert all(s.meeting_types == {"phone"} for s in slots)

    def test_several_employees_each_get_their_own_slots(self):
        """Two free employees yield a full day of slots each, told apart by employee id."""
        slots = available_slots(rules=rules(), employees=[person(1), person(2)], **day_window())
        assert len(slots) == 30
        assert {s.employee_id for s in slots} == {1, 2}


class TestRooms:
    def test_physical_meeting_needs_a_free_room_at_the_same_time(self):
        """The room is busy 09:00-12:00 local: physical slots start only after that."""
        room = RoomAvailability(
            id=7, location=calendar(), capacity=4, busy=[Busy(utc(MONDAY, 7), utc(MONDAY, 10))]
        )
        r = rules(meeting_types=frozenset({"physical"}), room_for_physical=True)
        slots = available_slots(rules=r, employees=[person()], rooms=[room], **day_window())
        assert slots[0].start == utc(MONDAY, 10)
        assert all(s.room_id == 7 for s in slots)

    def test_without_a_free_room_the_slot_stays_online_only(self):
        """With every room busy, a slot stays bookable online or by phone, without a room."""
        room = RoomAvailability(
            id=7, location=calendar(), busy=[Busy(utc(MONDAY, 0), utc(MONDAY, 23))]
        )
        r = rules(room_for_physical=True)
        slots = available_slots(rules=r, employees=[person()], rooms=[room], **day_window())
        assert slots
        assert all(s.meeting_types == {"online", "phone"} and s.room_id is None for s in slots)

    def test_require_room_drops_slots_without_a_room(self):
        """When a room is required, times with no free room are not offered at all."""
        room = RoomAvailability(
            id=7, location=calendar(), busy=[Busy(utc(MONDAY, 0), utc(MONDAY, 23))]
        )
        r = rules(room_for_physical=True, require_room=True)
        assert available_slots(rules=r, employees=[person()], rooms=[room], **day_window()) == []

    def test_a_room_at_another_location_does_not_count(self):
        """A free room at another location does not make a physical meeting possible."""
        room = RoomAvailability(id=7, location=calendar(location_id=2))
        r = rules(meeting_types=frozenset({"physical"}), room_for_physical=True)
        assert available_slots(rules=r, employees=[person()], rooms=[room], **day_window()) == []

    def test_the_smallest_room_that_fits_is_chosen(self):
        """The smallest room with enough seats is taken, keeping big rooms free."""
        rooms = [
            RoomAvailability(id=1, location=calendar(), capacity=10),
            RoomAvailability(id=2, location=calendar(), capacity=2),
            RoomAvailability(id=3, location=calendar(), capacity=1),
        ]
        r = rules(meeting_types=frozenset({"physical"}), room_for_physical=True, capacity=2)
        slots = available_slots(rules=r, employees=[person()], rooms=rooms, **day_window())
        assert {s.room_id for s in slots} == {2}

    def test_room_only_slots_follow_opening_hours(self):
        """Without an employee, a room's slots follow its location's opening hours."""
        room = RoomAvailability(id=5, location=calendar(opening={0: [(time(8), time(10))]}))
        slots = available_slots(rules=rules(), rooms=[room], require_employee=False, **day_window())
        assert starts(slots) == [utc(MONDAY, 6), utc(MONDAY, 6, 30), utc(MONDAY, 7)]
        assert all(s.employee_id is None and s.room_id == 5 for s in slots)


class TestGroupSessions:
    def test_a_session_with_free_seats_is_offered_with_the_seats_left(self):
        """A group session with a seat left is offered once, at its own time, with that count."""
        session = GroupSession(utc(MONDAY, 8), utc(MONDAY, 9), 1, None, 2, frozenset({"online"}))
        busy = [Busy(utc(MONDAY, 8), utc(MONDAY, 9), "group:x")]
        slots = available_slots(
            rules=rules(capacity=3),
            employees=[person(busy=busy)],
            sessions=[session],
            **day_window(),
        )
        at_ten = [s for s in slots if s.start == utc(MONDAY, 8)]
        assert len(at_ten) == 1
        assert at_ten[0].seats_left == 1

    def test_a_full_session_is_not_offered(self):
        """A group session with every seat taken is not offered, nor is its time as a new slot."""
        session = GroupSession(utc(MONDAY, 8), utc(MONDAY, 9), 1, None, 3, frozenset({"online"}))
        busy = [Busy(utc(MONDAY, 8), utc(MONDAY, 9), "group:x")]
        slots = available_slots(
            rules=rules(capacity=3),
            employees=[person(busy=busy)],
            sessions=[session],
            **day_window(),
        )
        assert utc(MONDAY, 8) not in starts(slots)


class TestIntervalIsFree:
    def test_a_free_interval_inside_working_hours(self):
        """An off-grid interval inside working hours with nothing busy is free."""
        assert interval_is_free(
            start=utc(MONDAY, 7, 10), end=utc(MONDAY, 7, 55), rules=rules(), employee=person()
        )

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (utc(MONDAY, 6, 30), utc(MONDAY, 7, 30)),  # starts before working hours
            (utc(MONDAY, 14, 30), utc(MONDAY, 15, 30)),  # ends after them
            (utc(MONDAY, 8, 30), utc(MONDAY, 9, 30)),  # overlaps the busy hour
        ],
    )
    def test_intervals_outside_hours_or_overlapping_busy_time_are_not_free(self, start, end):
        """Starting before or ending after working hours, or touching busy time, is not free."""
        emp = person(busy=[Busy(utc(MONDAY, 9), utc(MONDAY, 10))])
        assert not interval_is_free(start=start, end=end, rules=rules(), employee=emp)

    def test_before_the_earliest_allowed_start_is_not_free(self):
        """An interval starting before the minimum-notice bound is refused even if idle."""
        r = rules(earliest=utc(MONDAY, 8))
        assert not interval_is_free(
            start=utc(MONDAY, 7), end=utc(MONDAY, 8), rules=r, employee=person()
        )

    def test_a_busy_room_makes_the_interval_unavailable(self):
        """A free employee is not enough when the needed room is busy at that time."""
        room = RoomAvailability(
            id=1, location=calendar(), busy=[Busy(utc(MONDAY, 7), utc(MONDAY, 8))]
        )
        assert not interval_is_free(
            start=utc(MONDAY, 7), end=utc(MONDAY, 8), rules=rules(), employee=person(), room=room
        )


class TestSharedWorkWithinASearch:
    """The engine computes spans once per pattern and location; sharing must not leak."""

    def test_employees_with_the_same_hours_keep_their_own_branch_opening_hours(self):
        """Same 09-17 hours; the second branch opens at 12:00 local, so its employee starts then."""
        late_branch = calendar(opening={0: [(time(12), time(18))]}, location_id=2)
        slots = available_slots(
            rules=rules(), employees=[person(1), person(2, location=late_branch)], **day_window()
        )
        first = {e: min(s.start for s in slots if s.employee_id == e) for e in (1, 2)}
        assert first == {1: utc(MONDAY, 7), 2: utc(MONDAY, 10)}

    def test_employees_at_two_branches_get_their_own_branch_room_at_the_same_time(self):
        """The best room is shared per branch and time, never across branches."""
        home, other = calendar(location_id=1), calendar(location_id=2)
        rooms = [RoomAvailability(id=11, location=home), RoomAvailability(id=22, location=other)]
        r = rules(meeting_types=frozenset({"physical"}), room_for_physical=True)
        employees = [person(1, location=home), person(2, location=other), person(3, location=home)]
        slots = available_slots(rules=r, employees=employees, rooms=rooms, **day_window())
        assert {(s.employee_id, s.room_id) for s in slots} == {(1, 11), (2, 22), (3, 11)}

    def test_slots_come_sorted_by_time_then_employee(self):
        """Employees passed in any order: the result is ordered by start, then employee."""
        slots = available_slots(rules=rules(), employees=[person(3), person(1)], **day_window())
        keys = [(s.start, s.employee_id) for s in slots]
        assert keys == sorted(keys)
        assert keys[:2] == [(utc(MONDAY, 7), 1), (utc(MONDAY, 7), 3)]
