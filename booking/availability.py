"""Free time slots from plain data: no ORM, no clock.

Everything here works on aware datetimes in UTC. Weekly hours are wall-clock times
in a zone; they become UTC spans day by day, so DST is handled by zoneinfo:

- a wall-clock time in a spring-forward gap does not exist: a start there is read with
  the offset before the change (fold=0) and so moves later by the gap (02:30 becomes
  03:30 summer time), an end with the offset after it (fold=1) and so moves earlier
  (02:30 becomes 01:30), never stretching an interval over time that was not worked;
- in the repeated autumn hour a start takes the first occurrence and an end the second,
  so a working interval never loses time that really exists.

Candidate slots step in absolute time from the start of each working interval, so a
slot can never start at a local time that does not exist, and never appears twice.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

Span = tuple[datetime, datetime]
Weekly = Mapping[int, Sequence[tuple[time, time]]]  # weekday (Monday=0) -> local intervals

PHYSICAL = "physical"


@dataclass(frozen=True)
class Busy:
    """Time already taken (blocked range, buffers included) on an employee or room."""

    start: datetime
    end: datetime
    session_key: str = ""


@dataclass(frozen=True)
class LocationCalendar:
    id: int
    zone: ZoneInfo
    opening: Weekly | None  # None: no opening hours configured, always open
    closed_dates: frozenset[date] = frozenset()


@dataclass(frozen=True)
class ProfileWindow:
    """A booking profile's restriction, read in the employee's zone: weekly hours (None:
    the working hours alone) and the first and last local day it may be booked."""

    weekly: Weekly | None = None
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class EmployeeAvailability:
    id: int
    zone: ZoneInfo  # the zone the working hours are written in
    weekly: Weekly
    location: LocationCalendar
    meeting_types: frozenset[str]
    absences: Sequence[Span] = ()
    busy: Sequence[Busy] = ()
    profile: ProfileWindow | None = None  # booked through a profile: only inside its window


@dataclass(frozen=True)
class RoomAvailability:
    id: int
    location: LocationCalendar
    capacity: int = 1
    busy: Sequence[Busy] = ()


@dataclass(frozen=True)
class GroupSession:
    """An existing session of the searched topic whose seats are not all taken."""

    start: datetime
    end: datetime
    employee_id: int | None
    room_id: int | None
    seats_taken: int
    meeting_types: frozenset[str]


@dataclass(frozen=True)
class SlotRules:
    duration: timedelta
    step: timedelta
    earliest: datetime  # now + minimum notice
    latest: datetime  # now + booking horizon
    meeting_types: frozenset[str]  # the types the search allows
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    room_for_physical: bool = False  # a physical meeting needs a free room
    require_room: bool = False  # only slots that come with a room
    capacity: int = 1


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime
    end: datetime
    employee_id: int | None
    room_id: int | None
    meeting_types: frozenset[str] = field(compare=False)
    seats_left: int = field(default=1, compare=False)


# --- span arithmetic on sorted, disjoint lists -------------------------------------------


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sort and join overlapping or touching spans; drop empty ones."""
    result: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    result: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """a minus b; both sorted and disjoint."""
    result: list[Span] = []
    j = 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                result.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def covers(
    spans: Sequence[Span], starts: Sequence[datetime], start: datetime, end: datetime
) -> bool:
    """Whether [start, end) lies inside one span; `starts` is [s for s, _ in spans]."""
    i = bisect_right(starts, start) - 1
    return i >= 0 and spans[i][1] >= end


# --- from wall-clock rules to UTC spans ---------------------------------------------------


def to_utc(day: date, wall: time, zone: ZoneInfo, *, fold: int) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).replace(fold=fold).astimezone(UTC)


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    """Every local date that [start, end) touches in zone, with a day of margin each side."""
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def weekly_spans(weekly: Weekly, zone: ZoneInfo, days: Iterable[date]) -> list[Span]:
    spans = [
        (to_utc(day, opens, zone, fold=0), to_utc(day, closes, zone, fold=1))
        for day in days
        for opens, closes in weekly.get(day.weekday(), ())
    ]
    return merge(spans)


def closed_spans(closed: frozenset[date], zone: ZoneInfo, days: Iterable[date]) -> list[Span]:
    return merge(
        (to_utc(day, time(0), zone, fold=0), to_utc(day + timedelta(days=1), time(0), zone, fold=0))
        for day in days
        if day in closed
    )


def profile_spans(window: ProfileWindow, zone: ZoneInfo, days: Iterable[date]) -> list[Span]:
    """Where a profile may be booked, in UTC: its weekly hours (or whole days without
    any) on the local days of its period. Wall-clock times become instants as working
    hours do, so a window across a DST change keeps its local times."""
    inside = [
        day
        for day in days
        if (window.first_day is None or window.first_day <= day)
        and (window.last_day is None or day <= window.last_day)
    ]
    if window.weekly is not None:
        return weekly_spans(window.weekly, zone, inside)
    return merge(
        (to_utc(day, time(0), zone, fold=0), to_utc(day + timedelta(days=1), time(0), zone, fold=0))
        for day in inside
    )


def location_open_spans(location: LocationCalendar, start: datetime, end: datetime) -> list[Span]:
    days = local_days(start, end, location.zone)
    if location.opening is None:
        open_spans = [(start - timedelta(days=2), end + timedelta(days=2))]
    else:
        open_spans = weekly_spans(location.opening, location.zone, days)
    return subtract(open_spans, closed_spans(location.closed_dates, location.zone, days))


def busy_spans(busy: Iterable[Busy], rules: SlotRules) -> list[Span]:
    """Busy time widened so that a candidate's own buffers are accounted for.

    A candidate [t, t+d) blocks [t-before, t+d+after); that meets a busy [s, e)
    exactly when [t, t+d) meets [s-after, e+before).
    """
    return merge((b.start - rules.buffer_after, b.end + rules.buffer_before) for b in busy)


# --- free time per resource ---------------------------------------------------------------


class SpanMemo:
    """Spans computed once per search and shared: employees with the same weekly hours at
    the same location get the same working spans, and the rooms of a location its open spans.

    Converting wall-clock rules to UTC is most of the engine's work; most employees share
    a handful of patterns. Results are shared lists: callers must not change them.
    """

    def __init__(self) -> None:
        self._working: dict[tuple, list[Span]] = {}
        self._open: dict[tuple, list[Span]] = {}

    def location_open_spans(
        self, location: LocationCalendar, start: datetime, end: datetime
    ) -> list[Span]:
        key = (id(location), start, end)  # the calendar object lives as long as the search
        if key not in self._open:
            self._open[key] = location_open_spans(location, start, end)
        return self._open[key]

    def working_spans(
        self, employee: EmployeeAvailability, start: datetime, end: datetime
    ) -> list[Span]:
        pattern = tuple(sorted((day, tuple(spans)) for day, spans in employee.weekly.items()))
        key = (employee.zone, pattern, id(employee.location), start, end, _key(employee.profile))
        if key not in self._working:
            days = local_days(start, end, employee.zone)
            working = intersect(
                weekly_spans(employee.weekly, employee.zone, days),
                self.location_open_spans(employee.location, start, end),
            )
            if employee.profile is not None:
                working = intersect(working, profile_spans(employee.profile, employee.zone, days))
            self._working[key] = working
        return self._working[key]


def _key(window: ProfileWindow | None) -> tuple | None:
    """A profile window as a memo key (its weekly mapping is not hashable itself)."""
    if window is None:
        return None
    weekly = window.weekly
    pattern = None if weekly is None else tuple(sorted((d, tuple(s)) for d, s in weekly.items()))
    return (pattern, window.first_day, window.last_day)


@dataclass
class _FreeTime:
    """Where a resource may hold a meeting: grid anchors and the free spans within them."""

    anchors: list[Span]
    free: list[Span]
    starts: list[datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.starts = [s for s, _ in self.free]

    def covers(self, start: datetime, end: datetime) -> bool:
        return covers(self.free, self.starts, start, end)


def employee_free_time(
    employee: EmployeeAvailability,
    rules: SlotRules,
    start: datetime,
    end: datetime,
    memo: SpanMemo | None = None,
) -> _FreeTime:
    margin = rules.duration + rules.buffer_before + rules.buffer_after
    working = (memo or SpanMemo()).working_spans(employee, start - margin, end + margin)
    free = subtract(working, merge(employee.absences))
    free = subtract(free, busy_spans(employee.busy, rules))
    return _FreeTime(anchors=working, free=free)


def room_free_time(
    room: RoomAvailability,
    rules: SlotRules,
    start: datetime,
    end: datetime,
    memo: SpanMemo | None = None,
) -> _FreeTime:
    margin = rules.duration + rules.buffer_before + rules.buffer_after
    opened = (memo or SpanMemo()).location_open_spans(room.location, start - margin, end + margin)
    return _FreeTime(anchors=opened, free=subtract(opened, busy_spans(room.busy, rules)))


def grid_starts(
    free_time: _FreeTime, rules: SlotRules, start: datetime, end: datetime
) -> list[datetime]:
    """Slot starts on the step grid of each anchor interval, inside free time and the window."""
    first_allowed = max(start, rules.earliest)
    last_allowed = min(end, rules.latest)  # exclusive
    step, duration = rules.step, rules.duration
    result: list[datetime] = []
    free, i, count = free_time.free, 0, len(free_time.free)
    for anchor_start, anchor_end in free_time.anchors:
        if anchor_end <= first_allowed or anchor_start >= last_allowed:
            continue
        while i < count and free[i][1] <= anchor_start:
            i += 1
        j = i
        while j < count and free[j][0] < anchor_end:
            span_start, span_end = free[j]
            lower = max(span_start, first_allowed)
            steps = -(-(lower - anchor_start) // step)  # ceiling division
            t = anchor_start + steps * step
            stop = min(last_allowed, span_end - duration + timedelta.resolution)
            while t < stop:  # t < last_allowed and t + duration <= span_end
                result.append(t)
                t += step
            j += 1
    return result


# --- the searches -------------------------------------------------------------------------


def _best_room(
    rooms: Sequence[tuple[RoomAvailability, _FreeTime]], rules: SlotRules, start: datetime
) -> int | None:
    """The smallest free room that fits the session; big rooms stay free for big groups."""
    end = start + rules.duration
    for room, free_time in rooms:
        if room.capacity >= rules.capacity and free_time.covers(start, end):
            return room.id
    return None


# One flat pass per candidate start is the engine's hot loop (docs/performance.md): the
# hoisting below beats splitting it into smaller functions.
def available_slots(  # noqa: C901 - the benchmarked hot loop, kept flat on purpose
    *,
    rules: SlotRules,
    start: datetime,
    end: datetime,
    employees: Sequence[EmployeeAvailability] = (),
    rooms: Sequence[RoomAvailability] = (),
    require_employee: bool = True,
    sessions: Sequence[GroupSession] = (),
) -> list[Slot]:
    """All free slots starting in [start, end), one per employee (or room) and time.

    With require_employee, slots are the employees' free times; a physical meeting that
    needs a room also needs a free room at the employee's location at the same time.
    Without it, slots are the rooms' free times (room-only meetings).
    """
    memo = SpanMemo()
    rooms_sorted = sorted(rooms, key=lambda r: (r.capacity, r.id))
    room_time = {r.id: room_free_time(r, rules, start, end, memo) for r in rooms_sorted}
    needs_room = rules.require_room or rules.room_for_physical
    slots: list[Slot] = []
    taken: set[tuple[int | None, int | None, datetime]] = set()

    for session in sessions:
        if rules.capacity > session.seats_taken and _in_window(session.start, rules, start, end):
            taken.add(
                (session.employee_id, None if require_employee else session.room_id, session.start)
            )
            slots.append(
                Slot(
                    session.start,
                    session.end,
                    session.employee_id,
                    session.room_id,
                    session.meeting_types,
                    rules.capacity - session.seats_taken,
                )
            )

    if not require_employee:
        for room in rooms_sorted:
            if room.capacity < rules.capacity or PHYSICAL not in rules.meeting_types:
                continue
            for t in grid_starts(room_time[room.id], rules, start, end):
                if (None, room.id, t) not in taken:
                    slots.append(
                        Slot(
                            t,
                            t + rules.duration,
                            None,
                            room.id,
                            frozenset({PHYSICAL}),
                            rules.capacity,
                        )
                    )
        return sorted(slots, key=_slot_order)

    rooms_by_location: dict[int, list[tuple[RoomAvailability, _FreeTime]]] = {}
    for room in rooms_sorted:
        rooms_by_location.setdefault(room.location.id, []).append((room, room_time[room.id]))
    # The best room for a time depends only on the location: every employee there shares it.
    best_room: dict[tuple[int, datetime], int | None] = {}
    duration, capacity = rules.duration, rules.capacity

    for employee in employees:
        types = rules.meeting_types & employee.meeting_types
        if rules.require_room:
            types &= {PHYSICAL}
        if not types:
            continue
        # The loop below runs once per candidate start: everything per employee is hoisted.
        employee_id, location_id = employee.id, employee.location.id
        local_rooms = rooms_by_location.get(location_id, [])
        room_bound = PHYSICAL in types and needs_room
        without_room = types - {PHYSICAL}
        free_time = employee_free_time(employee, rules, start, end, memo)
        for t in grid_starts(free_time, rules, start, end):
            if taken and (employee_id, None, t) in taken:
                continue
            room_id = None
            slot_types = types
            if room_bound:
                key = (location_id, t)
                if key not in best_room:
                    best_room[key] = _best_room(local_rooms, rules, t)
                room_id = best_room[key]
                if room_id is None:
                    if rules.require_room:
                        continue
                    slot_types = without_room
            if slot_types:
                slots.append(Slot(t, t + duration, employee_id, room_id, slot_types, capacity))
    return sorted(slots, key=_slot_order)


# The order Slot's own comparison gives, as one C-level tuple key: much faster to sort by.
_slot_order = attrgetter("start", "end", "employee_id", "room_id")


def _in_window(t: datetime, rules: SlotRules, start: datetime, end: datetime) -> bool:
    return max(start, rules.earliest) <= t < min(end, rules.latest)


def interval_is_free(
    *,
    start: datetime,
    end: datetime,
    rules: SlotRules,
    employee: EmployeeAvailability | None = None,
    room: RoomAvailability | None = None,
) -> bool:
    """Whether exactly [start, end) can be held by the employee and/or the room.

    The check for a reservation the client chose itself (the API's reserve body):
    no step grid, only working/opening hours, absences, busy time and the rules' window.
    """
    if not rules.earliest <= start < rules.latest:
        return False
    if employee is not None and not employee_free_time(employee, rules, start, end).covers(
        start, end
    ):
        return False
    if room is not None:
        if room.capacity < rules.capacity:
            return False
        if not room_free_time(room, rules, start, end).covers(start, end):
            return False
    return True
