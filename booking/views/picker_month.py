"""The customer's picker: a month calendar of days with free times, and the chosen day's
times, in one zone (built on booking/views/picker.py)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.utils.formats import date_format, time_format

from booking.availability import Slot
from booking.search import max_search_window
from booking.views.picker import (
    PickerDay,
    PickerOptions,
    PickerTime,
    SlotFinder,
    local_midnight,
)

# A Monday: the weekday names of the month grid are this week's, in the active language.
_A_MONDAY = date(2024, 1, 1)


@dataclass(frozen=True)
class MonthDay:
    """One cell of the month grid: how many times are free that day (the meeting being
    moved not counted), and whether the day is bookable at all (today to the horizon)."""

    day: date
    free: int = 0
    in_range: bool = True

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @cached_property
    def label(self) -> str:
        """ "Wednesday 3 June 2026": the full date a screen reader says for the cell."""
        return f"{date_format(self.day, 'l')} {date_format(self.day, 'DATE_FORMAT')}"


@dataclass
class PickerMonth:
    """A month calendar (Monday first) and the times of its chosen day."""

    month: date  # the first of the month shown
    zone: ZoneInfo
    weeks: list[list[MonthDay | None]]  # None: a day of the month before or after
    chosen: PickerDay | None  # the day whose times are listed; None when the month is empty
    previous_month: date | None  # the nearest earlier month with a free time
    next_month: date | None  # the nearest later month with a free time
    group_session: bool
    is_month: bool = True  # the shared status template tells month and week apart

    @property
    def days(self) -> list[MonthDay]:
        return [cell for week in self.weeks for cell in week if cell is not None]

    @property
    def is_empty(self) -> bool:
        return not any(d.free for d in self.days) and not (self.chosen and self.chosen.times)

    @property
    def zone_name(self) -> str:
        return self.zone.key

    @property
    def chosen_free(self) -> int:
        """The chosen day's pressable times (the meeting being moved is not one)."""
        return sum(not t.is_current for t in self.chosen.times) if self.chosen else 0

    @property
    def weekday_names(self) -> list[tuple[str, str]]:
        """(short, full) names of Monday to Sunday, as the active language writes them."""
        days = [_A_MONDAY + timedelta(days=n) for n in range(7)]
        return [(date_format(d, "D"), date_format(d, "l")) for d in days]


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_param(month: date | None) -> str | None:
    """A month as links carry it: `2026-06`."""
    return month.strftime("%Y-%m") if month else None


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def build_month(
    options: PickerOptions,
    *,
    month: date | None,
    day: date | None,
    now: datetime,
    current_start: datetime | None = None,
    cutoff_before: datetime | None = None,
) -> PickerMonth:
    """The month to show and its chosen day: the requested day (or month), clamped to
    today..the booking horizon, else the day of the first free time.

    One search covers the month (and the days after it up to one search window, which
    usually answers whether a later month has free times); months before and after are
    searched only to point the navigation at a month that has free times.
    `current_start` is the meeting being moved, `cutoff_before` the moment before which a
    new time could no longer be changed online: both mark times, neither hides one.
    """
    zone = options.zone
    finder = SlotFinder(options, now=now)
    horizon = options.horizon(now)
    today = now.astimezone(zone).date()
    last_day = horizon.astimezone(zone).date()
    first_free: Slot | None = None
    wanted: date | None = None
    if day is not None:
        wanted = min(max(day, today), last_day)
        shown = month_of(wanted)
    elif month is not None:
        shown = min(max(month_of(month), month_of(today)), month_of(last_day))
    else:
        first_free = finder.first_free(now)
        wanted = first_free.start.astimezone(zone).date() if first_free else None
        shown = month_of(wanted) if wanted else month_of(today)

    month_start, month_end = local_midnight(shown, zone), local_midnight(_next_month(shown), zone)
    start = max(month_start, now)
    end = max(min(horizon, start + max_search_window()), min(month_end, horizon))
    found = finder.between(start, end) if start < end else []

    by_day: dict[date, dict[datetime, int]] = {}
    later: Slot | None = None  # the first free time after the month, if the search saw one
    for slot in found:
        if slot.start >= month_end:
            later = later or slot
            continue
        times = by_day.setdefault(slot.start.astimezone(zone).date(), {})
        times[slot.start] = max(times.get(slot.start, 0), slot.seats_left)

    def free_on(d: date) -> int:
        return sum(t != current_start for t in by_day.get(d, {}))

    weeks = [
        [
            MonthDay(day=d, free=free_on(d), in_range=today <= d <= last_day)
            if d.month == shown.month
            else None
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(shown.year, shown.month)
    ]
    chosen_day = _chosen_day(wanted, by_day, requested=day is not None)
    chosen = None
    if chosen_day is not None:
        chosen = _day_times(
            chosen_day,
            by_day.get(chosen_day, {}),
            zone=zone,
            today=today,
            current_start=current_start,
            cutoff_before=cutoff_before,
        )

    if later is None and month_end < horizon:
        later = finder.first_free(max(month_end, end))
    previous_month = None
    earlier_known_empty = first_free is not None or shown <= month_of(today)
    if not earlier_known_empty:
        before = _last_free_before(finder, month_start, zone=zone, now=now)
        previous_month = month_of(before) if before else None
    return PickerMonth(
        month=shown,
        zone=zone,
        weeks=weeks,
        chosen=chosen,
        previous_month=previous_month,
        next_month=month_of(later.start.astimezone(zone).date()) if later else None,
        group_session=options.topic.capacity > 1,
    )


def _chosen_day(
    wanted: date | None, by_day: dict[date, dict[datetime, int]], *, requested: bool
) -> date | None:
    """The wanted day when it has times (or was asked for by name and the month has no
    free day to offer instead); else the nearest day after it with times, else before it,
    else the month's first day with times."""
    with_times = sorted(by_day)
    if wanted is not None and wanted in by_day:
        return wanted
    if not with_times:
        return wanted if requested else None
    if wanted is None:
        return with_times[0]
    after = [d for d in with_times if d > wanted]
    return after[0] if after else with_times[-1]


def _day_times(
    day: date,
    times: dict[datetime, int],
    *,
    zone: ZoneInfo,
    today: date,
    current_start: datetime | None,
    cutoff_before: datetime | None,
) -> PickerDay:
    """The chosen day's buttons, in time order, each marked current or inside the cut-off."""
    labels: dict[tuple[int, int], str] = {}
    shown = []
    for t, seats in sorted(times.items()):
        local = t.astimezone(zone)
        key = (local.hour, local.minute)
        if key not in labels:
            labels[key] = time_format(local.time(), "TIME_FORMAT")
        shown.append(
            PickerTime(
                t,
                seats,
                labels[key],
                is_current=t == current_start,
                inside_cutoff=cutoff_before is not None and t < cutoff_before,
            )
        )
    return PickerDay(day=day, times=shown, is_past=day < today)


def _last_free_before(
    finder: SlotFinder, end: datetime, *, zone: ZoneInfo, now: datetime
) -> date | None:
    """The local day of the last free time before `end` (and after now), searching back
    one window at a time."""
    while end > now:
        start = max(now, end - max_search_window())
        found = finder.between(start, end)
        if found:
            return found[-1].start.astimezone(zone).date()
        end = start
    return None
