"""The branch calendar: a day or a week of one location, employees and rooms side by side.

Times are the location's wall clock (booking.calendar_grid places the blocks). The page
loads what it shows in a fixed number of queries, however many meetings the day has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from booking import calendar_grid
from booking.models import Meeting
from booking.roles import employee_of, visible_locations
from booking.staff.access import staff_required
from booking.views.rendering import SignedInHttpRequest, query_string, render_page
from config_data.models import Absence, Employee, Location, MeetingTopic, Room
from config_data.translation import ShownText

VIEWS = ("day", "week", "sheet")
FIRST_YEAR, LAST_YEAR = 1970, 2200


@dataclass
class Block:
    """One meeting (or the seats of one group session) in a column of the day grid."""

    meetings: list[Meeting]
    placement: calendar_grid.Placement
    kind: str = "meeting"  # or "absence"
    label: str = ""

    @property
    def first(self) -> Meeting:
        return self.meetings[0]


@dataclass
class Column:
    """An employee or a room: its heading, and its blocks (day) or its meetings by day (week)."""

    pk: int
    name: str
    kind: str  # "employee" or "room"
    blocks: list[Block] = field(default_factory=list)
    by_day: list[tuple[date, list[Meeting]]] = field(default_factory=list)


@dataclass
class Filters:
    employee: Employee | None = None
    room: Room | None = None
    topic: MeetingTopic | None = None


def _chosen(value: str | None, options: list[Any], name: str, errors: dict[str, str]) -> Any:
    """The option whose pk the GET parameter names; an unknown one is an error naming it."""
    if not value:
        return None
    for option in options:
        if str(option.pk) == value:
            return option
    errors[name] = _("Choose one of the listed values.")
    return None


def _location(request: SignedInHttpRequest, locations: list[Location]) -> Location:
    """The location asked for (404 if not visible), else the user's own, else the first."""
    wanted = request.GET.get("location")
    if wanted:
        for location in locations:
            if str(location.pk) == wanted:
                return location
        raise Http404("Not a location of this user.")
    own = employee_of(request.user)
    if own is not None and any(loc.pk == own.location_id for loc in locations):
        return own.location
    if not locations:
        raise Http404("No location to show.")
    return locations[0]


def _day(value: str | None, zone: ZoneInfo, errors: dict[str, str]) -> date:
    today = timezone.now().astimezone(zone).date()
    if not value:
        return today
    try:
        chosen = date.fromisoformat(value)
    except ValueError:
        chosen = None
    # Far years would overflow the week's arithmetic; no branch plans that far anyway.
    if chosen is None or not FIRST_YEAR <= chosen.year <= LAST_YEAR:
        errors["date"] = _("Enter a valid date (YYYY-MM-DD).")
        return today
    return chosen


def _meeting_blocks(
    meetings: list[Meeting], window: calendar_grid.Window, day: date, zone: ZoneInfo
) -> list[Block]:
    """Blocks of one column; the seats of a group session (same times) share one block."""
    grouped: dict[tuple[datetime, datetime], list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        grouped[(meeting.start, meeting.end)].append(meeting)
    return [
        Block(seats, window.place(start, end, day=day, zone=zone))
        for (start, end), seats in sorted(grouped.items(), key=lambda item: item[0])
    ]


def _day_columns(
    columns: list[Column],
    meetings: list[Meeting],
    absences: list[Absence],
    day: date,
    zone: ZoneInfo,
) -> calendar_grid.Window:
    spans = [(m.start, m.end) for m in meetings] + [(a.start, a.end) for a in absences]
    window = calendar_grid.window_for(spans, day=day, zone=zone)
    for column in columns:
        mine = [m for m in meetings if _in_column(m, column)]
        column.blocks = [
            Block(
                [],
                window.place(a.start, a.end, day=day, zone=zone),
                kind="absence",
                label=a.reason,
            )
            for a in absences
            if column.kind == "employee" and column.pk == a.employee_id
        ] + _meeting_blocks(mine, window, day, zone)
    return window


def _in_column(meeting: Meeting, column: Column) -> bool:
    slot = meeting.time_slot
    if column.kind == "employee":
        return column.pk == slot.employee_id
    return column.pk == slot.room_id


def _week_columns(
    columns: list[Column], meetings: list[Meeting], days: list[date], zone: ZoneInfo
) -> None:
    for column in columns:
        mine = [m for m in meetings if _in_column(m, column)]
        column.by_day = [
            (day, [m for m in mine if m.start.astimezone(zone).date() == day]) for day in days
        ]


def _meetings(
    location: Location, start: datetime, end: datetime, filters: Filters, *, with_answers: bool
) -> list[Meeting]:
    """The location's confirmed meetings meeting [start, end), as the filters narrow them."""
    meetings = (
        Meeting.objects.confirmed()
        .with_details()
        .at_locations([location.pk])
        .during(start, end)
        .order_by("time_slot__start", "pk")
    )
    if filters.employee:
        meetings = meetings.filter(time_slot__employee=filters.employee)
    if filters.room:
        meetings = meetings.filter(time_slot__room=filters.room)
    if filters.topic:
        meetings = meetings.filter(topic=filters.topic)
    if with_answers:
        meetings = meetings.prefetch_related("answers")
    return list(meetings)


def _columns(
    employees: list[Employee], rooms: list[Room], meetings: list[Meeting], filters: Filters
) -> list[Column]:
    """Employees, then rooms. A filtered employee keeps only the rooms of their meetings;
    a filtered room alone shows that room's day without every adviser beside it."""
    shown_employees = [filters.employee] if filters.employee else employees
    shown_rooms = [filters.room] if filters.room else rooms
    if filters.room and not filters.employee:
        shown_employees = []
    if filters.employee and not filters.room:
        used = {m.time_slot.room_id for m in meetings}
        shown_rooms = [r for r in rooms if r.pk in used]
    return [Column(e.pk, e.name, "employee") for e in shown_employees] + [
        Column(r.pk, r.name, "room") for r in shown_rooms
    ]


@require_safe
@staff_required
def calendar(request: SignedInHttpRequest) -> HttpResponse:
    """The calendar of one visible location: a day grid, a week table or a day sheet."""
    locations = list(visible_locations(request.user))
    location = _location(request, locations)
    zone = ZoneInfo(location.timezone)
    errors: dict[str, str] = {}
    view = request.GET.get("view") or "day"
    if view not in VIEWS:
        errors["view"] = _("Choose the day, week or day sheet view.")
        view = "day"
    day = _day(request.GET.get("date"), zone, errors)
    days = calendar_grid.week_days(day) if view == "week" else [day]
    start, _end = calendar_grid.day_bounds(days[0], zone)
    _start, end = calendar_grid.day_bounds(days[-1], zone)

    employees = list(Employee.objects.filter(location=location).order_by("name"))
    rooms = list(Room.objects.filter(location=location).order_by(ShownText("name").asc()))
    topics = list(MeetingTopic.objects.filter(employees__location=location).distinct())
    filters = Filters(
        employee=_chosen(request.GET.get("employee"), employees, "employee", errors),
        room=_chosen(request.GET.get("room"), rooms, "room", errors),
        topic=_chosen(request.GET.get("topic"), topics, "topic", errors),
    )
    meetings = _meetings(location, start, end, filters, with_answers=view == "sheet")
    columns = _columns(employees, rooms, meetings, filters)
    shown_employees = [c.pk for c in columns if c.kind == "employee"]
    window = None
    if view == "day":
        absences = list(
            Absence.objects.filter(employee__in=shown_employees, start__lt=end, end__gt=start)
        )
        window = _day_columns(columns, meetings, absences, day, zone)
    elif view == "week":
        _week_columns(columns, meetings, days, zone)

    params = {
        "location": location.pk if len(locations) > 1 else None,
        "employee": filters.employee.pk if filters.employee else None,
        "room": filters.room.pk if filters.room else None,
        "topic": filters.topic.pk if filters.topic else None,
    }
    step = 7 if view == "week" else 1
    today = timezone.now().astimezone(zone).date()

    def link(**changes: Any) -> str:
        return query_string({**params, "view": view, "date": day.isoformat(), **changes})

    context = {
        "staff_section": "calendar",
        "locations": locations,
        "location": location,
        "zone_name": zone.key,
        "view": view,
        "day": day,
        "days": days,
        "today": today,
        "employees": employees,
        "rooms": rooms,
        "topics": topics,
        "filters": filters,
        "errors": errors,
        "meetings": meetings,
        "columns": columns,
        "window": window,
        "previous_query": link(date=date.fromordinal(day.toordinal() - step).isoformat()),
        "next_query": link(date=date.fromordinal(day.toordinal() + step).isoformat()),
        "today_query": link(date=today.isoformat()),
        "day_query": link(view="day"),
        "week_query": link(view="week"),
        "sheet_query": link(view="sheet"),
        "day_links": [(d, link(view="day", date=d.isoformat())) for d in days],
    }
    return render_page(request, "staff/calendar.html", context, partial="calendar")
