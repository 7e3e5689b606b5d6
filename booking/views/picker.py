"""The slot picker's reads: what was asked (PickerOptions), searching in allowed windows,
a week of free times (staff, by phone; customers get a month: booking/views/picker_month.py),
and the candidates for a hold.

Not views: the flow and the manage pages both show a picker and hold from it.
Every search goes through booking.search.find_slots, in windows of at most
BOOKME_MAX_SEARCH_DAYS days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.utils.formats import date_format, time_format

from booking import catalog
from booking.availability import Slot
from booking.models import TimeSlot, resolved_zone
from booking.search import ProfileRestriction, SlotSearch, find_slots, max_search_window
from booking.zones import customer_own_zone
from config_data.models import (
    CustomerCategory,
    Employee,
    Location,
    MeetingTopic,
    MeetingType,
)

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class PickerOptions:
    """What the customer asked for: the topic, how, where and with whom."""

    topic: MeetingTopic
    meeting_type: str
    category: CustomerCategory | None = None
    location: Location | None = None
    employee: Employee | None = None  # None: any available employee
    ignore_session_key: str = ""  # the slot of a meeting being moved does not block it
    viewer_zone: ZoneInfo | None = None  # the customer's own zone (booking.views.zones)
    profile: ProfileRestriction | None = None  # through a booking profile's page
    duration: int | None = None  # minutes, one of the profile's; None: the topic's
    room_features: frozenset[int] = frozenset()  # asked of an in-person meeting's room

    @cached_property
    def zone(self) -> ZoneInfo:
        """Where the times are shown. Online and phone: the customer's own zone, when
        known (booking.zones.customer_own_zone, the rule of the meeting's pages). In person:
        the zone the held slot will be shown in everywhere
        (booking.models.resolved_zone: its room's, else its employee's), when every room or
        employee the search may pick shares it; else the branch's, else the site's."""
        own = customer_own_zone(self.meeting_type, self.viewer_zone)
        if own is not None:
            return own
        zones = {zone.key for zone in self._candidate_zones()}
        if len(zones) == 1:
            return ZoneInfo(zones.pop())
        if self.location is not None:
            return self.location.zone
        return ZoneInfo(settings.TIME_ZONE)

    def _candidate_zones(self) -> list[ZoneInfo]:
        """The zones of the rooms, or the employees, a slot found here may have."""
        config = catalog.current()
        employees = config.bookable_employees(self.topic)
        if self.employee is not None:
            employees = [e for e in employees if e.pk == self.employee.pk]
        if self.location is not None:
            employees = [e for e in employees if e.location_id == self.location.pk]
        if self.profile is not None:
            employees = [e for e in employees if e.pk in self.profile.employee_ids]
        if self.meeting_type == MeetingType.PHYSICAL and self.topic.requires_room:
            # Like the search: the active rooms of the branch, or of the employees' branches.
            locations = (
                {self.location.pk}
                if self.location is not None
                else {e.location_id for e in employees}
            )
            required = config.required_room_features(self.topic, self.room_features)
            rooms = [
                r
                for r in config.active_rooms()
                if r.location_id in locations and config.room_has_features(r.pk, required)
            ]
            return [resolved_zone(room=room) for room in rooms]
        return [resolved_zone(employee=e) for e in employees]

    @property
    def room_feature_names(self) -> list[str]:
        return room_feature_names(self.room_features)

    @property
    def meeting_type_label(self) -> str:
        return str(MeetingType(self.meeting_type).label)

    def search(self, start: datetime, end: datetime) -> SlotSearch:
        return SlotSearch(
            start=start,
            end=end,
            topic=self.topic,
            customer_category_id=self.category.pk if self.category else None,
            employee_ids=[self.employee.pk] if self.employee else None,
            meeting_types=frozenset({self.meeting_type}),
            location_id=self.location.pk if self.location else None,
            ignore_session_key=self.ignore_session_key,
            profile=self.profile,
            duration=timedelta(minutes=self.duration) if self.duration else None,
            room_features=self.room_features or None,
        )

    def horizon(self, now: datetime) -> datetime:
        return now + timedelta(days=self.topic.booking_horizon)


@dataclass
class PickerTime:
    """One button: a start time, whoever is free then (collapsed for "any available")."""

    start: datetime
    seats_left: int
    label: str = ""  # the local time, as the active language writes it
    is_current: bool = False  # the meeting being moved: shown, not pressable
    inside_cutoff: bool = False  # once booked, it could no longer be changed online


@dataclass
class PickerDay:
    day: date
    times: list[PickerTime] = field(default_factory=list)
    is_past: bool = False

    @cached_property
    def label(self) -> str:
        """ "Tuesday June 2", as the active language writes it: once per day, not per button
        (the date filter for each of ~140 buttons was most of the page's rendering time)."""
        return f"{date_format(self.day, 'l')} {date_format(self.day, 'MONTH_DAY_FORMAT')}"


@dataclass
class PickerWeek:
    monday: date
    zone: ZoneInfo
    days: list[PickerDay]
    previous_week: date | None
    next_week: date | None
    next_free_week: date | None  # only looked up when this week is empty
    group_session: bool

    @property
    def is_empty(self) -> bool:
        return not any(d.times for d in self.days)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def zone_name(self) -> str:
        return self.zone.key


def room_feature_names(ids: Iterable[int]) -> list[str]:
    """Room features asked for, by name in the active language (a removed one is left out)."""
    features = catalog.current().features
    return sorted((str(features[pk]) for pk in ids if pk in features), key=str.casefold)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


class SlotFinder:
    """Searches in allowed windows and remembers the last one, so that finding the first
    free time and then showing its week costs one search, not two."""

    def __init__(self, options: PickerOptions, *, now: datetime) -> None:
        self.options = options
        self.now = now
        self._searched: tuple[datetime, datetime, list[Slot]] | None = None

    def between(self, start: datetime, end: datetime) -> list[Slot]:
        if self._searched is not None:
            done_start, done_end, found = self._searched
            # Nothing starts before now, so a search that began at now covers earlier starts.
            if done_start <= max(start, self.now) and end <= done_end:
                return [s for s in found if start <= s.start < end]
        found = []
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(end, chunk_start + max_search_window())
            found += find_slots(self.options.search(chunk_start, chunk_end), now=self.now)
            chunk_start = chunk_end
        self._searched = (start, end, found)
        return found

    def first_free(self, start: datetime) -> Slot | None:
        """The first free slot from `start` to the topic's booking horizon."""
        horizon = self.options.horizon(self.now)
        chunk_start = max(start, self.now)
        while chunk_start < horizon:
            chunk_end = min(horizon, chunk_start + max_search_window())
            found = self.between(chunk_start, chunk_end)
            if found:
                return found[0]
            chunk_start = chunk_end
        return None


def build_week(options: PickerOptions, *, week: date | None, now: datetime) -> PickerWeek:
    """The week to show: the requested one, or the week of the first free time."""
    zone = options.zone
    finder = SlotFinder(options, now=now)
    today = now.astimezone(zone).date()
    this_monday = monday_of(today)
    last_monday = monday_of(options.horizon(now).astimezone(zone).date())
    if week is None:
        first = finder.first_free(now)
        monday = monday_of(first.start.astimezone(zone).date()) if first else this_monday
    else:
        monday = min(max(monday_of(week), this_monday), last_monday)

    start, end = local_midnight(monday, zone), local_midnight(monday + WEEK, zone)
    by_day: dict[date, dict[datetime, int]] = {}
    for slot in finder.between(start, end):
        local = slot.start.astimezone(zone)
        times = by_day.setdefault(local.date(), {})
        times[slot.start] = max(times.get(slot.start, 0), slot.seats_left)

    days = []
    labels: dict[tuple[int, int], str] = {}
    for offset in range(7):
        day = monday + timedelta(days=offset)
        shown = []
        for t, seats in sorted(by_day.get(day, {}).items()):
            local = t.astimezone(zone)
            key = (local.hour, local.minute)
            if key not in labels:
                labels[key] = time_format(local.time(), "TIME_FORMAT")
            shown.append(PickerTime(t, seats, labels[key]))
        if offset >= 5 and not shown:
            continue  # weekends only appear when something is free
        days.append(PickerDay(day=day, times=shown, is_past=day < today))

    next_free_week = None
    if not by_day:
        first = finder.first_free(end)
        next_free_week = monday_of(first.start.astimezone(zone).date()) if first else None
    return PickerWeek(
        monday=monday,
        zone=zone,
        days=days,
        previous_week=monday - WEEK if monday > this_monday else None,
        next_week=monday + WEEK if monday < last_monday else None,
        next_free_week=next_free_week,
        group_session=options.topic.capacity > 1,
    )


def hold_candidates(options: PickerOptions, *, start: datetime, now: datetime) -> list[Slot]:
    """The free slots starting exactly at `start`, the least busy employee first.

    "Any available" collapses several employees into one button; holding picks among
    them: fewest meetings and holds that day, then the lowest id, so the choice is
    deterministic and spreads the work.
    """
    slots = [
        s
        for s in find_slots(options.search(start, start + timedelta(seconds=1)), now=now)
        if s.start == start
    ]
    employee_ids = {s.employee_id for s in slots if s.employee_id is not None}
    if len(employee_ids) <= 1:
        return slots
    zone = options.zone
    day_start = local_midnight(start.astimezone(zone).date(), zone)
    load = Counter(
        dict(
            TimeSlot.objects.active(now)
            .filter(
                employee_id__in=employee_ids,
                start__gte=day_start,
                start__lt=day_start + timedelta(days=1),
            )
            .values_list("employee_id")
            .annotate(n=Count("pk"))
            .values_list("employee_id", "n")
        )
    )
    # Every slot here has an employee (two or more of them were found above).
    return sorted(slots, key=lambda s: (load[s.employee_id or 0], s.employee_id or 0))
