"""The branch calendar's layout maths: which rows of a day grid a meeting covers.

Pure: datetimes and zones in, numbers out; no ORM and no clock. The day grid has one row
per STEP_MINUTES of wall-clock time in the location's zone, so 10:00 sits on the 10:00 row
on every day, including the days the clocks change (a 23- or 25-hour day); the page's CSS
places a block with two classes, its first row and its span (no inline styles: the CSP
forbids them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STEP_MINUTES = 5
MINUTES_PER_DAY = 24 * 60
ROWS_PER_DAY = MINUTES_PER_DAY // STEP_MINUTES
# The hours shown when no meeting lies outside them; a meeting earlier or later widens them.
DEFAULT_FIRST_HOUR = 7
DEFAULT_LAST_HOUR = 19
# Row 1 of the grid holds the column headings.
HEADER_ROWS = 1


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (UTC) a local day starts and ends: 23 or 25 hours apart on DST days.

    In UTC because Python subtracts two datetimes of one zone by their wall clocks."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_days(day: date) -> list[date]:
    """Monday to Sunday of the week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def wall_minutes(moment: datetime, *, day: date, zone: ZoneInfo) -> int:
    """Minutes after local midnight of `day` by the wall clock, clamped to the day:
    a meeting begun the day before starts at 0, one running into the next day ends at 1440."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return MINUTES_PER_DAY
    return local.hour * 60 + local.minute


@dataclass(frozen=True)
class Placement:
    """A block's rows in the day grid: `row` is its first grid line, `span` how many rows."""

    row: int
    span: int
    starts_before: bool  # begun before the shown hours (or the day): the top is cut off
    ends_after: bool


@dataclass(frozen=True)
class Window:
    """The hours a day grid shows: from first_hour:00 to last_hour:00, wall clock."""

    first_hour: int
    last_hour: int

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // STEP_MINUTES

    def hours(self) -> list[tuple[int, int]]:
        """(hour, grid row of its label) for each hour shown."""
        per_hour = 60 // STEP_MINUTES
        return [
            (hour, HEADER_ROWS + 1 + (hour - self.first_hour) * per_hour)
            for hour in range(self.first_hour, self.last_hour)
        ]

    def place(self, start: datetime, end: datetime, *, day: date, zone: ZoneInfo) -> Placement:
        """The rows a meeting from start to end covers, at least one, cut to the window."""
        first = self.first_hour * 60
        last = self.last_hour * 60
        begin = wall_minutes(start, day=day, zone=zone)
        finish = wall_minutes(end, day=day, zone=zone)
        # The fall-back hour repeats wall-clock times: never let a block end before it starts.
        finish = max(finish, begin + STEP_MINUTES)
        shown_begin = min(max(begin, first), last - STEP_MINUTES)
        shown_finish = max(min(finish, last), shown_begin + STEP_MINUTES)
        row = HEADER_ROWS + 1 + (shown_begin - first) // STEP_MINUTES
        span = max(1, -(-(shown_finish - shown_begin) // STEP_MINUTES))
        day_start, day_end = day_bounds(day, zone)
        return Placement(
            row=row,
            span=span,
            starts_before=begin < first or start < day_start,
            ends_after=finish > last or end > day_end,
        )


def window_for(spans: list[tuple[datetime, datetime]], *, day: date, zone: ZoneInfo) -> Window:
    """The default hours, widened to whole hours so that every meeting of the day fits."""
    first, last = DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR
    for start, end in spans:
        begin = wall_minutes(start, day=day, zone=zone)
        finish = max(wall_minutes(end, day=day, zone=zone), begin + STEP_MINUTES)
        first = min(first, begin // 60)
        last = max(last, -(-finish // 60))
    return Window(first_hour=max(0, first), last_hour=min(24, last))
