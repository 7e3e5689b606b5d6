"""Reports for managers: bookings per week, lead time, cancellation and no-show rates,
adviser and room utilisation, over a date range of the branches a manager may see.

`load_report` reads what a report needs in a constant number of queries (however many
meetings, employees or rooms there are) and turns it into plain rows; every figure is
then computed from those rows by the pure functions below, which the tests call directly.
Dates are the branch's own: a meeting belongs to the day and week of its local start.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from booking.availability import (
    LocationCalendar,
    Span,
    intersect,
    location_open_spans,
    merge,
    subtract,
    weekly_spans,
)
from booking.models import Meeting, MeetingOutcome, MeetingQuerySet, MeetingStatus
from config_data.models import Absence, ClosedDay, Employee, Location, Room
from config_data.translation import ShownText

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

T = TypeVar("T")

# A report covers at most this many days: enough for a year, small enough to stay fast.
MAX_REPORT_DAYS = 366
# Lead time buckets (booking made -> meeting starts), upper bounds in days.
LEAD_TIME_BUCKETS: tuple[tuple[StrOrPromise, float], ...] = (
    (_("< 1 day"), 1),
    (_("1-3 days"), 3),
    (_("3-7 days"), 7),
    (_("1-2 weeks"), 14),
    (_("2-4 weeks"), 28),
    (_("4+ weeks"), float("inf")),
)


@dataclass(frozen=True)
class MeetingRow:
    """One meeting as the reports see it: plain values, no model."""

    start: datetime
    end: datetime
    created_at: datetime
    day: date  # the local date of the start, in the branch's zone
    cancelled: bool
    outcome: str
    topic: str
    branch: str
    employee_id: int | None
    room_id: int | None


@dataclass(frozen=True)
class Rates:
    total: int
    cancelled: int
    held: int  # confirmed meetings whose end has passed: those that could be missed
    no_shows: int

    @property
    def cancellation_rate(self) -> float:
        return self.cancelled / self.total if self.total else 0.0

    @property
    def no_show_rate(self) -> float:
        return self.no_shows / self.held if self.held else 0.0


@dataclass(frozen=True)
class Utilisation:
    name: str
    branch: str
    available_minutes: int
    booked_minutes: int

    @property
    def ratio(self) -> float:
        return self.booked_minutes / self.available_minutes if self.available_minutes else 0.0


@dataclass(frozen=True)
class LeadTime:
    topic: str
    count: int
    median_days: float
    mean_days: float


@dataclass
class Report:
    start: date
    end: date
    weeks: list[str]
    rows: list[MeetingRow]
    advisers: list[Utilisation] = field(default_factory=list)
    rooms: list[Utilisation] = field(default_factory=list)


# --- pure figures ---------------------------------------------------------------------------


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(start: date, end: date) -> list[str]:
    """The ISO weeks that [start, end] touches, in order."""
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(week_label(monday))
        monday += timedelta(days=7)
    return weeks


def per_week(rows: Iterable[MeetingRow], weeks: Sequence[str], key: str) -> dict[str, list[int]]:
    """Meetings per week, split by `key` ("topic" or "branch"); names sorted."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[getattr(row, key)][week_label(row.day)] += 1
    return {name: [counts[name][week] for week in weeks] for name in sorted(counts)}


def rates(rows: Iterable[MeetingRow], now: datetime) -> Rates:
    total = cancelled = held = no_shows = 0
    for row in rows:
        total += 1
        if row.cancelled:
            cancelled += 1
        elif row.end <= now:
            held += 1
            no_shows += row.outcome == MeetingOutcome.NO_SHOW
    return Rates(total=total, cancelled=cancelled, held=held, no_shows=no_shows)


def rates_by(rows: Sequence[MeetingRow], now: datetime, key: str) -> dict[str, Rates]:
    groups: dict[str, list[MeetingRow]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return {name: rates(groups[name], now) for name in sorted(groups)}


def rates_per_week(rows: Sequence[MeetingRow], weeks: Sequence[str], now: datetime) -> list[Rates]:
    groups: dict[str, list[MeetingRow]] = defaultdict(list)
    for row in rows:
        groups[week_label(row.day)].append(row)
    return [rates(groups[week], now) for week in weeks]


def lead_days(row: MeetingRow) -> float:
    return max((row.start - row.created_at).total_seconds(), 0) / 86400


def lead_time_histogram(rows: Iterable[MeetingRow]) -> list[int]:
    """How many bookings fall in each of LEAD_TIME_BUCKETS."""
    counts = [0] * len(LEAD_TIME_BUCKETS)
    for row in rows:
        days = lead_days(row)
        index = next(i for i, (_name, bound) in enumerate(LEAD_TIME_BUCKETS) if days < bound)
        counts[index] += 1
    return counts


def lead_times_by_topic(rows: Iterable[MeetingRow]) -> list[LeadTime]:
    groups: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        groups[row.topic].append(lead_days(row))
    return [
        LeadTime(
            topic=topic,
            count=len(days),
            median_days=statistics.median(days),
            mean_days=statistics.fmean(days),
        )
        for topic, days in sorted(groups.items())
    ]


def minutes(spans: Iterable[Span]) -> int:
    return int(sum((end - start).total_seconds() for start, end in spans) // 60)


def booked_minutes(booked: Iterable[Span], window: Span) -> int:
    """Minutes of the booked spans inside the window, overlaps counted once."""
    return minutes(intersect(merge(booked), [window]))


def local_window(start: date, end: date, zone: ZoneInfo) -> Span:
    """[start 00:00, the day after end 00:00) in zone, as UTC instants."""
    first = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    last = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return first, last


# --- loading --------------------------------------------------------------------------------


def visible_meetings(locations: QuerySet[Location]) -> MeetingQuerySet:
    """Meetings at these branches, by the calendar's rule (MeetingQuerySet.at_locations):
    their employee's branch or their room's. Reports and the CSV count what the calendar
    shows, no more and no less."""
    return Meeting.objects.at_locations(locations)


def branch_of(employee_location: T | None, room_location: T | None) -> T:
    """The one branch a meeting belongs to, as the meeting page says (its room's, else its
    employee's); its times are told in that branch's zone. Works on ids or Locations."""
    branch = room_location if room_location is not None else employee_location
    assert branch is not None  # a slot has an employee or a room
    return branch


def meetings_between(locations: QuerySet[Location], start: date, end: date) -> MeetingQuerySet:
    """Meetings that may start within [start, end] in some zone: a day of margin each side
    (no zone is more than 14 hours off UTC); callers keep those whose local date fits."""
    first = datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC)
    last = datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC)
    return visible_meetings(locations).filter(
        time_slot__start__gte=first, time_slot__start__lt=last
    )


def _calendar(location: Location) -> LocationCalendar:
    opening: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for hours in location.opening_hours.all():
        opening[hours.weekday].append((hours.opens, hours.closes))
    return LocationCalendar(
        id=location.pk,
        zone=location.zone,
        opening=dict(opening) or None,
        closed_dates=frozenset(day.date for day in location.closed_days.all()),
    )


def load_report(locations: QuerySet[Location], start: date, end: date) -> Report:
    """Everything the report page shows, in eight queries whatever the data's size."""
    window_days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    margin_start = datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC)
    margin_end = datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC)
    branches = {
        location.pk: location
        for location in locations.prefetch_related(
            "opening_hours",
            Prefetch(
                "closed_days",
                queryset=ClosedDay.objects.closed().filter(date__gte=start, date__lte=end),
            ),
        )
    }
    calendars = {pk: _calendar(location) for pk, location in branches.items()}
    windows = {pk: local_window(start, end, location.zone) for pk, location in branches.items()}

    rows = list(_meeting_rows(meetings_between(locations, start, end), branches, start, end))

    booked_by_employee: dict[int, list[Span]] = defaultdict(list)
    booked_by_room: dict[int, list[Span]] = defaultdict(list)
    for row in rows:
        if row.cancelled:
            continue
        if row.employee_id is not None:
            booked_by_employee[row.employee_id].append((row.start, row.end))
        if row.room_id is not None:
            booked_by_room[row.room_id].append((row.start, row.end))

    employees = (
        Employee.objects.filter(location__in=locations)
        .select_related("location")  # effective_timezone reads it
        .prefetch_related(
            "working_hours",
            Prefetch(
                "absences",
                queryset=Absence.objects.filter(start__lt=margin_end, end__gt=margin_start),
            ),
        )
    )
    advisers = []
    # Names as the reader's language shows them, never the original column (translation.py).
    branch_order = ShownText("name", "location__").asc()
    for employee in employees.order_by(branch_order, "name"):
        calendar = calendars[employee.location_id]
        window = windows[employee.location_id]
        weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for hours in employee.working_hours.all():
            weekly[hours.weekday].append((hours.start, hours.end))
        zone = ZoneInfo(employee.effective_timezone)
        days = [
            window_days[0] - timedelta(days=1),
            *window_days,
            window_days[-1] + timedelta(days=1),
        ]
        working = intersect(weekly_spans(weekly, zone, days), [window])
        working = intersect(working, location_open_spans(calendar, *window))
        working = subtract(working, merge((a.start, a.end) for a in employee.absences.all()))
        booked = booked_minutes(booked_by_employee.get(employee.pk, []), window)
        if not employee.active and not booked:
            continue  # no longer bookable and nothing booked: not part of this period
        advisers.append(
            Utilisation(
                name=employee.name,
                branch=branches[employee.location_id].name,
                available_minutes=minutes(working),
                booked_minutes=booked,
            )
        )

    rooms = []
    rooms_in_order = Room.objects.filter(location__in=locations).order_by(
        branch_order, ShownText("name").asc()
    )
    for room in rooms_in_order:
        window = windows[room.location_id]
        open_spans = location_open_spans(calendars[room.location_id], *window)
        booked = booked_minutes(booked_by_room.get(room.pk, []), window)
        if not room.active and not booked:
            continue
        rooms.append(
            Utilisation(
                name=room.name,
                branch=branches[room.location_id].name,
                available_minutes=minutes(intersect(open_spans, [window])),
                booked_minutes=booked,
            )
        )
    return Report(
        start=start,
        end=end,
        weeks=weeks_between(start, end),
        rows=rows,
        advisers=advisers,
        rooms=rooms,
    )


def _meeting_rows(
    meetings: QuerySet[Meeting], branches: dict[int, Location], start: date, end: date
) -> Iterator[MeetingRow]:
    values = meetings.values_list(
        "time_slot__start",
        "time_slot__end",
        "created_at",
        "status",
        "outcome",
        ShownText("name", "topic__"),
        "time_slot__employee_id",
        "time_slot__room_id",
        "time_slot__employee__location_id",
        "time_slot__room__location_id",
    )
    # A meeting in a visible branch's room may have an adviser of a branch not in the report
    # (or the other way round): its own branch is named and zoned all the same.
    others = {
        location.pk: location
        for location in Location.objects.filter(
            pk__in=meetings.values("time_slot__room__location_id")
        ).exclude(pk__in=branches)
    }
    for (
        slot_start,
        slot_end,
        created_at,
        status,
        outcome,
        topic,
        employee_id,
        room_id,
        employee_location,
        room_location,
    ) in values.iterator(chunk_size=2000):
        branch_id = branch_of(employee_location, room_location)
        branch = branches.get(branch_id) or others[branch_id]
        day = slot_start.astimezone(branch.zone).date()
        if not start <= day <= end:
            continue
        yield MeetingRow(
            start=slot_start,
            end=slot_end,
            created_at=created_at,
            day=day,
            cancelled=status == MeetingStatus.CANCELLED,
            outcome=outcome,
            topic=topic,
            branch=branch.name,
            employee_id=employee_id,
            room_id=room_id,
        )
