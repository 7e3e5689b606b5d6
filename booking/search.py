"""Slot search: load what one search needs, in a constant number of queries, and ask the engine.

The queries do not depend on how many employees, rooms or days are searched: each
table is read once, filtered to the resources and the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from booking import availability as engine
from booking import catalog
from booking.busy import busy_rows, instant, occupies
from booking.errors import InvalidRequest, SlotUnavailable
from booking.models import is_group_session
from config_data.holidays import window_end
from config_data.models import Employee, MeetingTopic, MeetingType, Room

# Used when the API searches or reserves without a theme.
DEFAULT_DURATION = timedelta(minutes=60)
DEFAULT_STEP = timedelta(minutes=30)
NO_TOPIC_HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class ProfileRestriction:
    """A booking profile's limits on a search: whose calendars, and when (each employee's
    window is read in their own zone)."""

    employee_ids: frozenset[int]
    window: engine.ProfileWindow
    profile_id: int | None = None  # remembered with a hold, for the meeting


@dataclass(frozen=True)
class SlotSearch:
    start: datetime
    end: datetime
    topic: MeetingTopic | None = None
    customer_category_id: int | None = None
    employee_ids: Sequence[int] | None = None  # explicitEmployeeIds
    meeting_types: frozenset[str] | None = None  # None: whatever the topic allows
    require_room: bool = False
    room_ids: Sequence[int] | None = None  # specificRooms
    duration: timedelta | None = None  # meetingDuration
    require_employee: bool = True  # requireEmployeeParticipation
    location_id: int | None = None
    ignore_session_key: str = ""  # a meeting being moved does not block itself
    profile: ProfileRestriction | None = None  # booked through a profile's page
    # Feature ids an in-person meeting's room must have, besides the topic's own.
    room_features: frozenset[int] | None = None


def max_search_window() -> timedelta:
    return timedelta(days=settings.BOOKME_MAX_SEARCH_DAYS)


def validate_search(search: SlotSearch) -> None:
    if search.start.tzinfo is None or search.end.tzinfo is None:
        raise InvalidRequest("times_need_offset", field="start")
    if search.end <= search.start:
        raise InvalidRequest("search_end_before_start", field="end")
    if search.end - search.start > max_search_window():
        raise InvalidRequest("search_too_long", field="end", days=settings.BOOKME_MAX_SEARCH_DAYS)
    if search.duration is not None and search.duration <= timedelta(0):
        raise InvalidRequest("duration_not_positive", field="duration")
    unknown = sorted((search.meeting_types or set()) - set(MeetingType.values))
    if unknown:
        raise InvalidRequest("unknown_meeting_type", field="meeting_types", meeting_type=unknown[0])


def rules_for(search: SlotSearch, *, now: datetime) -> engine.SlotRules:
    requested = search.meeting_types or frozenset(MeetingType.values)
    topic = search.topic
    # Public holidays are imported for this year and next (config_data/holidays.py): a
    # longer horizon would offer the year after's holidays as open days.
    last = window_end(now, _holiday_zone(search.location_id))
    if topic is None:
        return engine.SlotRules(
            duration=search.duration or DEFAULT_DURATION,
            step=DEFAULT_STEP,
            earliest=now,
            latest=min(now + NO_TOPIC_HORIZON, last),
            meeting_types=requested,
            # Asking for room features asks for a room that has them.
            room_for_physical=search.require_room or bool(search.room_features),
            require_room=search.require_room,
        )
    return engine.SlotRules(
        duration=search.duration or timedelta(minutes=topic.duration),
        step=timedelta(minutes=topic.slot_step),
        earliest=now + timedelta(minutes=topic.minimum_notice),
        latest=min(now + timedelta(days=topic.booking_horizon), last),
        meeting_types=topic.meeting_types & requested,
        buffer_before=timedelta(minutes=topic.buffer_before),
        buffer_after=timedelta(minutes=topic.buffer_after),
        room_for_physical=topic.requires_room or bool(search.room_features),
        require_room=search.require_room,
        capacity=topic.capacity,
    )


def _holiday_zone(location_id: int | None) -> tzinfo:
    """The searched location's zone (read from the kept catalog), else the site's."""
    if location_id is not None:
        config = catalog.current()
        for location in (
            *(e.location for e in config.employees.values()),
            *(r.location for r in config.rooms.values()),
        ):
            if location.pk == location_id:
                return location.zone
    return timezone.get_default_timezone()


@dataclass
class _Loaded:
    employees: list[engine.EmployeeAvailability]
    rooms: list[engine.RoomAvailability]
    sessions: list[engine.GroupSession]


# A group session's seats while loading: [employee_id, room_id, start, end, seats taken].
_Seats = dict[str, list]


@dataclass
class _Busy:
    by_employee: dict[int, list[engine.Busy]]
    by_room: dict[int, list[engine.Busy]]
    seats: _Seats


def _load(search: SlotSearch, rules: engine.SlotRules, *, now: datetime) -> _Loaded:
    """Everything the engine needs for one search: the kept configuration and one query for
    who is busy."""
    margin = rules.duration + rules.buffer_before + rules.buffer_after + timedelta(days=1)
    window_start, window_end = search.start - margin, search.end + margin

    config = catalog.current()
    employees = _employees(search, config)
    rooms = _rooms(search, rules, employees, config)
    employee_ids = [e.pk for e in employees]
    room_ids = [r.pk for r in rooms]
    time_off = config.time_off(
        employee_ids=employee_ids,
        location_ids={e.location_id for e in employees} | {r.location_id for r in rooms},
        start=window_start,
        end=window_end,
    )
    calendars = _calendars(employees, rooms, config, time_off.closed_days)
    busy = _busy(search, rules, employee_ids, room_ids, now=now)
    employee_wanted = set(employee_ids)
    no_hours: dict[int, list[tuple[time, time]]] = {}
    return _Loaded(
        employees=[
            engine.EmployeeAvailability(
                id=e.pk,
                zone=ZoneInfo(e.effective_timezone),
                weekly=config.working_hours.get(e.pk, no_hours),
                location=calendars[e.location_id, e.location.timezone],
                meeting_types=e.meeting_types,
                absences=time_off.absences.get(e.pk, []),
                busy=busy.by_employee[e.pk],
                profile=search.profile.window if search.profile is not None else None,
            )
            for e in employees
        ],
        rooms=[
            engine.RoomAvailability(
                id=r.pk,
                location=calendars[r.location_id, r.effective_timezone],
                capacity=r.capacity,
                busy=busy.by_room[r.pk],
            )
            for r in rooms
        ],
        sessions=[
            engine.GroupSession(
                start=start,
                end=end,
                employee_id=employee_id,
                room_id=room_id,
                seats_taken=taken,
                meeting_types=rules.meeting_types,
            )
            for employee_id, room_id, start, end, taken in busy.seats.values()
            if employee_id is None or employee_id in employee_wanted
        ],
    )


def _employees(search: SlotSearch, config: catalog.Catalog) -> list[Employee]:
    if not search.require_employee:
        return []
    employees = config.bookable_employees(search.topic)
    if search.employee_ids is not None:
        wanted = set(search.employee_ids)
        employees = [e for e in employees if e.pk in wanted]
    if search.location_id is not None:
        employees = [e for e in employees if e.location_id == search.location_id]
    if search.profile is not None:
        employees = [e for e in employees if e.pk in search.profile.employee_ids]
    return employees


def _rooms(
    search: SlotSearch, rules: engine.SlotRules, employees: list[Employee], config: catalog.Catalog
) -> list[Room]:
    # Rooms matter only for in-person meetings (or room-only slots): an online search skips them.
    in_person = engine.PHYSICAL in rules.meeting_types
    needs_rooms = (
        in_person and (rules.require_room or rules.room_for_physical)
    ) or not search.require_employee
    if not needs_rooms:
        return []
    rooms = config.active_rooms()
    required = config.required_room_features(search.topic, search.room_features)
    if required:
        rooms = [r for r in rooms if config.room_has_features(r.pk, required)]
    if search.room_ids is not None:
        wanted = set(search.room_ids)
        rooms = [r for r in rooms if r.pk in wanted]
    if search.require_employee:
        locations = {e.location_id for e in employees}
        rooms = [r for r in rooms if r.location_id in locations]
    elif search.location_id is not None:
        rooms = [r for r in rooms if r.location_id == search.location_id]
    return rooms


def _calendars(
    employees: list[Employee],
    rooms: list[Room],
    config: catalog.Catalog,
    closed: dict[int, frozenset],
) -> dict[tuple[int, str], engine.LocationCalendar]:
    """A location's opening hours and closed days, read in its zone.

    A room that sets a zone of its own keeps its location's hours in that zone (the doors
    open at 8 where the room is), so calendars are per location and zone.
    """
    no_days: frozenset = frozenset()
    return {
        (location_id, zone_name): engine.LocationCalendar(
            id=location_id,
            zone=ZoneInfo(zone_name),
            opening=config.opening_hours.get(location_id),
            closed_dates=closed.get(location_id, no_days),
        )
        for location_id, zone_name in {
            *((e.location_id, e.location.timezone) for e in employees),
            *((r.location_id, r.effective_timezone) for r in rooms),
        }
    }


def _busy(
    search: SlotSearch,
    rules: engine.SlotRules,
    employee_ids: list[int],
    room_ids: list[int],
    *,
    now: datetime,
) -> _Busy:
    """The occupying slots of these resources, and a group topic's sessions with their seats."""
    # Busy time matters only where it can meet a candidate [t, t + duration) with its
    # buffers, t in [start, end): a narrower window than the calendars' day margins.
    busy_start = search.start - rules.buffer_before
    busy_end = search.end + rules.duration + rules.buffer_after
    busy = _Busy(by_employee=defaultdict(list), by_room=defaultdict(list), seats={})
    # Only a group topic needs the sessions' own times; fewer columns load faster.
    topic = search.topic
    group_topic_id = topic.pk if topic is not None and topic.capacity > 1 else None
    rows = busy_rows(
        busy_start, busy_end, employee_ids, room_ids, with_sessions=group_topic_id is not None
    )
    for row in rows:
        status, expires_at, employee_id, room_id, b_start, b_end, key = row[:7]
        if not occupies(status, expires_at, now):
            continue
        if search.ignore_session_key and key == search.ignore_session_key:
            continue
        slot_busy = engine.Busy(instant(b_start), instant(b_end), key)
        if employee_id is not None:
            busy.by_employee[employee_id].append(slot_busy)
        if room_id is not None:
            busy.by_room[room_id].append(slot_busy)
        if group_topic_id is not None and row[7] == group_topic_id and is_group_session(key):
            seat = [employee_id, room_id, instant(row[8]), instant(row[9]), 0]
            busy.seats.setdefault(key, seat)[4] += 1
    return busy


def topic_allows_category(topic: MeetingTopic, category_id: int | None) -> bool:
    return catalog.current().topic_allows_category(topic, category_id)


def find_slots(search: SlotSearch, *, now: datetime) -> list[engine.Slot]:
    """Every free slot that matches the search, sorted by time."""
    validate_search(search)
    topic = search.topic
    if topic is not None and not topic.active:
        return []
    # Without a category the search shows the topic's times; the meeting enforces the category.
    if (
        topic is not None
        and search.customer_category_id is not None
        and not topic_allows_category(topic, search.customer_category_id)
    ):
        return []
    rules = rules_for(search, now=now)
    if not rules.meeting_types:
        return []
    loaded = _load(search, rules, now=now)
    return engine.available_slots(
        rules=rules,
        start=search.start,
        end=search.end,
        employees=loaded.employees,
        rooms=loaded.rooms,
        require_employee=search.require_employee,
        sessions=loaded.sessions,
    )


@dataclass(frozen=True)
class WantedSlot:
    """Exactly one time asked for: when, with whom or where, and what for."""

    start: datetime
    end: datetime
    employee_id: int | None
    room_id: int | None
    topic: MeetingTopic | None = None
    meeting_type: str | None = None
    room_features: frozenset[int] | None = None  # asked for besides the topic's


def offered_slot(wanted: WantedSlot, *, now: datetime, ignore_session_key: str = "") -> engine.Slot:
    """Re-check at write time that exactly this slot can be held; return it with its room.

    With a topic the slot must be one the search offers (on the step grid, notice,
    horizon, a room for an in-person meeting). Without one, as for the API's reserve
    body, the interval must lie in working hours and be free.
    """
    start, end, topic, meeting_type = wanted.start, wanted.end, wanted.topic, wanted.meeting_type
    employee_id, room_id = wanted.employee_id, wanted.room_id
    if end <= start:
        raise InvalidRequest("end_before_start", field="end")
    search = SlotSearch(
        start=start,
        end=start + timedelta(seconds=1),
        topic=topic,
        employee_ids=[employee_id] if employee_id is not None else None,
        room_ids=[room_id] if room_id is not None else None,
        meeting_types=frozenset({meeting_type}) if meeting_type else None,
        duration=end - start,
        require_employee=employee_id is not None,
        require_room=room_id is not None,
        ignore_session_key=ignore_session_key,
        room_features=wanted.room_features,
    )
    validate_search(search)
    if topic is not None:
        for slot in find_slots(search, now=now):
            if (
                slot.start == start
                and slot.employee_id == employee_id
                and (room_id is None or slot.room_id == room_id)
            ):
                return slot
        _check_room_features(wanted)  # a room without them is why: say so
        raise SlotUnavailable("time_no_longer_available", field="start")
    if wanted.room_features:
        _check_room_features(wanted)

    rules = rules_for(search, now=now)
    loaded = _load(search, rules, now=now)
    employee = loaded.employees[0] if loaded.employees else None
    room = loaded.rooms[0] if loaded.rooms else None
    if (employee_id is not None and employee is None) or (room_id is not None and room is None):
        raise SlotUnavailable("resource_not_bookable", field="employee")
    _check_some_topic_fits(
        start=start, end=end, employee=employee, room=room, meeting_type=meeting_type, rules=rules
    )
    if not engine.interval_is_free(start=start, end=end, rules=rules, employee=employee, room=room):
        raise SlotUnavailable("time_not_free", field="start")
    types = rules.meeting_types & (employee.meeting_types if employee else {engine.PHYSICAL})
    return engine.Slot(start, end, employee_id, room_id, frozenset(types))


def _check_room_features(wanted: WantedSlot) -> None:
    """A room asked for by id must have the required features: the search's rule (it
    offers no other room), said plainly rather than as a time no longer free. Without a
    topic no room is picked, so features asked for need a room given."""
    config = catalog.current()
    required = config.required_room_features(wanted.topic, wanted.room_features)
    if not required:
        return
    if wanted.room_id is None:
        if wanted.topic is None:
            raise InvalidRequest("room_features_need_room", field="room")
        return
    if not config.room_has_features(wanted.room_id, required):
        missing = sorted(
            str(config.features[pk])
            for pk in required - config.room_features.get(wanted.room_id, frozenset())
        )
        raise InvalidRequest("room_lacks_features", field="room", features=", ".join(missing))


def minutes_text(length: timedelta) -> str:
    """A length for an error message: "1 minute", "60 minutes", or seconds when uneven."""
    minutes, rest = divmod(length, timedelta(minutes=1))
    if rest:
        return f"{int(length.total_seconds())} seconds"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _check_some_topic_fits(
    *,
    start: datetime,
    end: datetime,
    employee: engine.EmployeeAvailability | None,
    room: engine.RoomAvailability | None,
    meeting_type: str | None,
    rules: engine.SlotRules,
) -> None:
    """A hold without a theme must still be one some topic could use: an active topic of
    the employee (or, room-only, an in-person topic) lasts exactly as long, and its step
    grid, counted from the start of the working (or opening) hours as the search counts
    it, contains the start. Read from the kept configuration: no query.
    """
    config = catalog.current()
    rows = {
        (topic.duration, topic.slot_step)
        for topic in config.topics.values()
        if topic.active
        and topic.capacity == 1
        and (
            employee.id in config.topic_employees.get(topic.pk, ())
            if employee is not None
            else topic.physical
        )
        and (not meeting_type or getattr(topic, meeting_type))
    }
    length = end - start
    steps = sorted({step for duration, step in rows if timedelta(minutes=duration) == length})
    if not rows:
        code = "hold_no_theme_employee" if employee is not None else "hold_no_theme_room"
        raise InvalidRequest(code, field="end")
    if not steps:
        lengths = ", ".join(str(duration) for duration in sorted({d for d, _ in rows}))
        code = "hold_length_employee" if employee is not None else "hold_length_room"
        raise InvalidRequest(code, field="end", length=minutes_text(length), lengths=lengths)
    if employee is not None:
        anchors = engine.employee_free_time(employee, rules, start, end).anchors
    else:
        assert room is not None
        anchors = engine.room_free_time(room, rules, start, end).anchors
    anchor = next((a for a, b in anchors if a <= start < b), None)
    if anchor is None:
        return  # outside working hours: interval_is_free answers that (409)
    if not any((start - anchor) % timedelta(minutes=step) == timedelta(0) for step in steps):
        raise InvalidRequest(
            "hold_off_grid",
            field="start",
            start=f"{start:%H:%M}",
            steps=" or ".join(map(str, steps)),
            anchor=f"{anchor:%H:%M}",
        )
