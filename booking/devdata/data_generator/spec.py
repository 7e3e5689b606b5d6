"""What the benchmark data looks like: sizes, branches, topics, working-hour patterns.

Plain data and pure helpers (Danish holidays, 15-minute grid bitmasks); no ORM here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SIZES = {
    "S": {"employees": 10, "rooms": 5, "meetings": 1_000},
    "M": {"employees": 50, "rooms": 20, "meetings": 10_000},
    "L": {"employees": 200, "rooms": 80, "meetings": 100_000},
}
UNIT = 15  # minutes: the grid meetings are placed on
ZONE = ZoneInfo("Europe/Copenhagen")
HOLDER = "session:generated"

LOCATIONS = [
    ("Copenhagen", "Kongens Nytorv 8", "1050", "København K", 0.6),
    ("Aarhus", "Store Torv 1", "8000", "Aarhus C", 0.4),
]
CATEGORIES = [("Private", 0.7), ("Business", 0.2), ("Prospect", 0.1)]
FEATURES = ["Screen", "Whiteboard", "Video conferencing", "Step-free access"]


@dataclass(frozen=True)
class TopicSpec:
    name: str
    duration: int
    types: tuple[str, ...]
    share: float  # of employees who hold it
    weight: float  # of meetings
    buffer_after: int = 0
    requires_room: bool = True
    categories: tuple[str, ...] = ()
    customer_bookable: bool = True
    question: str = ""


# "General advice" is held by everyone: the benchmarks search it across all employees.
TOPICS = [
    TopicSpec("General advice", 60, ("physical", "online", "phone"), 1.0, 2.0),
    TopicSpec(
        "Mortgage",
        60,
        ("physical", "online"),
        0.5,
        1.0,
        buffer_after=15,
        question="What is the price of the property?",
    ),
    TopicSpec("Pension", 45, ("physical", "online"), 0.4, 1.0),
    TopicSpec(
        "Investment", 45, ("physical", "online"), 0.4, 1.0, categories=("Private", "Business")
    ),
    TopicSpec("Quick call", 30, ("phone",), 0.6, 5.0, requires_room=False),
    TopicSpec("Business account", 45, ("physical",), 0.3, 0.5, categories=("Business",)),
    TopicSpec("Online onboarding", 30, ("online",), 0.5, 3.5, requires_room=False),
    TopicSpec("Internal review", 30, ("physical",), 0.2, 0.5, customer_bookable=False),
]

# Weekly patterns in local time: weekday -> intervals, lunch breaks included as gaps.
STANDARD = [(time(8), time(12)), (time(12, 30), time(16))]
NINE_TO_FIVE = [(time(9), time(12)), (time(12, 30), time(17))]
LATE = [(time(10), time(13)), (time(13, 30), time(18))]
PATTERNS: list[tuple[float, dict[int, list[tuple[time, time]]]]] = [
    (0.40, dict.fromkeys(range(5), STANDARD)),
    (0.25, {**dict.fromkeys(range(5), NINE_TO_FIVE), 3: [(time(11), time(19))]}),
    (0.15, dict.fromkeys(range(5), LATE)),
    (0.15, {day: [(time(8), time(12)), (time(12, 30), time(17, 30))] for day in range(4)}),
    (0.05, {day: [(time(9), time(15))] for day in range(4)}),  # part time
]
OPENING = {**dict.fromkeys(range(5), (time(8), time(18))), 3: (time(8), time(19))}

FIRST_NAMES = "Anna Mads Sofie Lars Ida Peter Emma Jens Freja Henrik Laura Søren Maja Niels Clara"
LAST_NAMES = "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Holm"


def easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * j) // 451
    month, day = divmod(h + j - 7 * m + 114, 31)
    return date(year, month, day + 1)


def danish_holidays(year: int) -> dict[date, str]:
    e = easter(year)
    moving = {
        -3: "Maundy Thursday",
        -2: "Good Friday",
        1: "Easter Monday",
        39: "Ascension Day",
        50: "Whit Monday",
    }
    days = {e + timedelta(days=n): name for n, name in moving.items()}
    days.update(
        {
            date(year, 1, 1): "New Year's Day",
            date(year, 6, 5): "Constitution Day",
            date(year, 12, 24): "Christmas Eve",
            date(year, 12, 25): "Christmas Day",
            date(year, 12, 26): "Boxing Day",
            date(year, 12, 31): "New Year's Eve",
        }
    )
    return days


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def mask(first_unit: int, units: int) -> int:
    return ((1 << units) - 1) << first_unit


def span_mask(start: time, end: time) -> int:
    return mask(minutes(start) // UNIT, (minutes(end) - minutes(start)) // UNIT)


def at(day: date, unit: int) -> datetime:
    """The UTC instant of a grid unit of a local day (wall-clock time in ZONE)."""
    wall = datetime.combine(day, time(0)) + timedelta(minutes=unit * UNIT)
    return wall.replace(tzinfo=ZONE).astimezone(UTC)


def fitting_starts(free: int, units: int) -> int:
    """Bit u is set when units consecutive free units start at u."""
    fits = free
    for shift in range(1, units):
        fits &= free >> shift
    return fits


def set_bits(value: int) -> list[int]:
    bits = []
    while value:
        low = value & -value
        bits.append(low.bit_length() - 1)
        value ^= low
    return bits
