"""Build the benchmark data set in memory, then write it with bulk_create.

Meetings are placed on a 15-minute grid inside each employee's free time (working
hours within opening hours, minus closed days and absences), and a physical meeting
on a room-bound topic takes a room that is free at the same time: no two occupying
time slots can overlap by construction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.core.management.base import CommandError

from booking.devdata.data_generator.spec import (
    CATEGORIES,
    FEATURES,
    FIRST_NAMES,
    HOLDER,
    LAST_NAMES,
    LOCATIONS,
    OPENING,
    PATTERNS,
    TOPICS,
    UNIT,
    ZONE,
    TopicSpec,
    at,
    danish_holidays,
    fitting_starts,
    mask,
    set_bits,
    span_mask,
)
from booking.models import (
    BookedBy,
    Customer,
    Meeting,
    MeetingAnswer,
    MeetingStatus,
    TimeSlot,
    TimeSlotStatus,
    single_session_key,
)
from config_data.models import (
    Absence,
    ClosedDay,
    CustomerCategory,
    Employee,
    InformationQuestion,
    Location,
    MeetingTopic,
    OpeningHours,
    Room,
    RoomFeature,
    WorkingHours,
)

BATCH = 2_000  # rows per INSERT


@dataclass
class Day:
    """One employee's working day: free time as a bitmask of 15-minute units."""

    employee: int  # index into the generated employees
    day: date
    free: int
    target: int = 0
    placed: int = 0


@dataclass
class Plan:
    slots: list[TimeSlot] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)  # meeting index, answer


def flush() -> None:
    """Delete bookings, then configuration, in the order the foreign keys demand."""
    for model in (
        MeetingAnswer,
        Meeting,
        TimeSlot,
        Customer,
        InformationQuestion,
        MeetingTopic,
        Absence,
        WorkingHours,
        Employee,
        Room,
        RoomFeature,
        ClosedDay,
        OpeningHours,
        Location,
        CustomerCategory,
    ):
        model.objects.all().delete()


class Generator:
    def __init__(self, rng: random.Random, *, start: date, days: int) -> None:
        self.rng = rng
        self.dates = [start + timedelta(days=n) for n in range(days)]
        self.plan = Plan()
        self.cancelled = 0
        self.customers: list[Customer] = []

    # --- configuration --------------------------------------------------------------

    def configure(self, *, employees: int, rooms: int) -> None:
        rng = self.rng
        self.categories = {
            name: CustomerCategory.objects.create(name=name) for name, _ in CATEGORIES
        }
        features = [RoomFeature.objects.create(name=name) for name in FEATURES]
        self.locations = [
            Location.objects.create(
                name=name,
                street=street,
                postal_code=postal,
                city=city,
                country="Denmark",
                timezone=ZONE.key,
            )
            for name, street, postal, city, _ in LOCATIONS
        ]
        self.closed: dict[int, set[date]] = {}
        years = {d.year for d in self.dates}
        for index, location in enumerate(self.locations):
            OpeningHours.objects.bulk_create(
                OpeningHours(location=location, weekday=d, opens=o, closes=c)
                for d, (o, c) in OPENING.items()
            )
            holidays = {d: n for y in years for d, n in danish_holidays(y).items()}
            staff_day = rng.choice([d for d in self.dates if d.weekday() < 5])
            if index == 1:
                holidays[staff_day] = "Staff day"
            ClosedDay.objects.bulk_create(
                ClosedDay(location=location, date=d, reason=n) for d, n in sorted(holidays.items())
            )
            self.closed[location.pk] = set(holidays)

        self.rooms_at: dict[int, list[Room]] = {loc.pk: [] for loc in self.locations}
        for n, location in enumerate(self.split(self.locations, rooms)):
            room = Room.objects.create(
                name=f"Room {n + 1}", location=location, capacity=rng.choice([2, 4, 4, 6, 8, 12])
            )
            room.features.set(rng.sample(features, rng.randint(0, 3)))
            self.rooms_at[location.pk].append(room)

        first, last = FIRST_NAMES.split(), LAST_NAMES.split()
        self.employees: list[Employee] = []
        self.hours: list[dict[int, list[tuple[time, time]]]] = []
        for n, location in enumerate(self.split(self.locations, employees)):
            name = f"{rng.choice(first)} {rng.choice(last)}"
            self.employees.append(
                Employee(
                    name=name,
                    email=f"employee{n + 1}@bookme.example",
                    location=location,
                    title=rng.choice(["Adviser", "Senior adviser", "Specialist"]),
                    physical=True,
                    online=rng.random() < 0.8,
                    phone=rng.random() < 0.6,
                    online_meeting_link=f"https://meet.bookme.example/employee{n + 1}",
                )
            )
            weights = [w for w, _ in PATTERNS]
            self.hours.append(rng.choices([p for _, p in PATTERNS], weights)[0])
        Employee.objects.bulk_create(self.employees)
        WorkingHours.objects.bulk_create(
            WorkingHours(employee=e, weekday=d, start=s, end=t)
            for e, hours in zip(self.employees, self.hours, strict=True)
            for d, spans in hours.items()
            for s, t in spans
        )

        self.topics: list[MeetingTopic] = []
        self.holders: list[list[int]] = []  # per topic: employee indexes
        for spec in TOPICS:
            topic = MeetingTopic.objects.create(
                name=spec.name,
                duration=spec.duration,
                slot_step=30,
                minimum_notice=120,
                booking_horizon=60,
                buffer_after=spec.buffer_after,
                requires_room=spec.requires_room,
                customer_bookable=spec.customer_bookable,
                physical="physical" in spec.types,
                online="online" in spec.types,
                phone="phone" in spec.types,
                description=f"{spec.name} with an adviser.",
            )
            topic.customer_categories.set([self.categories[c] for c in spec.categories])
            if spec.question:
                self.question = InformationQuestion.objects.create(
                    topic=topic, text=spec.question, required=True
                )
            count = max(1, round(spec.share * len(self.employees)))
            chosen = sorted(rng.sample(range(len(self.employees)), count))
            topic.employees.set([self.employees[i] for i in chosen])
            self.topics.append(topic)
            self.holders.append(chosen)
        self.absences = self.make_absences()
        # Per employee: (topic index, 15-minute units blocked, meeting types possible).
        self.repertoire = [
            [
                (i, (spec.duration + spec.buffer_after) // UNIT, types)
                for i, spec in enumerate(TOPICS)
                if n in self.holders[i]
                and (types := [t for t in spec.types if getattr(employee, t)])
            ]
            for n, employee in enumerate(self.employees)
        ]

    def split(self, locations: list[Location], count: int) -> list[Location]:
        first = round(count * LOCATIONS[0][4])
        return [locations[0]] * first + [locations[1]] * (count - first)

    def make_absences(self) -> dict[tuple[int, date], int]:
        """Vacations, sick days and short appointments; returns the busy mask per day."""
        rng, rows, busy = self.rng, [], {}
        weekdays = [d for d in self.dates if d.weekday() < 5]
        for index, employee in enumerate(self.employees):
            off: set[date] = set()
            if rng.random() < 0.5 and len(weekdays) > 10:
                first = rng.randrange(len(weekdays) - 10)
                off.update(weekdays[first : first + rng.randint(3, 10)])
            off.update(d for d in weekdays if rng.random() < 0.02)
            for day in sorted(off):
                rows.append(
                    Absence(
                        employee=employee,
                        start=at(day, 0),
                        end=at(day + timedelta(days=1), 0),
                        reason="Away",
                    )
                )
                busy[index, day] = -1
            for day in weekdays:
                if day not in off and rng.random() < 0.03:
                    unit = rng.randrange(8 * 60 // UNIT, 15 * 60 // UNIT)
                    rows.append(
                        Absence(
                            employee=employee,
                            start=at(day, unit),
                            end=at(day, unit + 8),
                            reason="Appointment",
                        )
                    )
                    busy[index, day] = mask(unit, 8)
        Absence.objects.bulk_create(rows, batch_size=BATCH)
        return busy

    # --- bookings -------------------------------------------------------------------

    def working_days(self) -> list[Day]:
        result = []
        for index, employee in enumerate(self.employees):
            opening = {d: span_mask(o, c) for d, (o, c) in OPENING.items()}
            for day in self.dates:
                spans = self.hours[index].get(day.weekday(), [])
                if not spans or day in self.closed[employee.location_id]:
                    continue
                free = 0
                for s, e in spans:
                    free |= span_mask(s, e)
                free &= opening.get(day.weekday(), 0)
                absent = self.absences.get((index, day), 0)
                free = 0 if absent == -1 else free & ~absent
                if free:
                    result.append(Day(index, day, free))
        return result

    def book(self, count: int) -> None:
        rng = self.rng
        days = self.working_days()
        total = sum(d.free.bit_count() for d in days)
        # Targets in proportion to free time, summing exactly to count (largest remainder).
        expected = [count * d.free.bit_count() / total for d in days]
        for d, share in zip(days, expected, strict=True):
            d.target = int(share)
        rest = count - sum(d.target for d in days)
        order = sorted(range(len(days)), key=lambda i: (-(expected[i] % 1), rng.random()))
        for i in order[:rest]:
            days[i].target += 1
        self.room_busy: dict[tuple[int, date], int] = {}
        self.make_customers(max(1, count * 7 // 10))
        for d in days:
            for _ in range(d.target):
                self.place(d)
        # Top up from the days with the most free time left until the count is exact.
        attempts = 0
        while len(self.plan.slots) < count:
            d = max(rng.sample(days, min(len(days), 20)), key=lambda d: d.free.bit_count())
            if not self.place(d):
                attempts += 1
                if attempts > count:
                    raise CommandError(f"Could only place {len(self.plan.slots)} meetings.")
        self.cancelled = sum(m.status == MeetingStatus.CANCELLED for m in self.plan.meetings)

    def make_customers(self, count: int) -> None:
        rng = self.rng
        first, last = FIRST_NAMES.split(), LAST_NAMES.split()
        names = [name for name, _ in CATEGORIES]
        weights = [w for _, w in CATEGORIES]
        self.customer_category: list[str] = []
        for n in range(count):
            self.customers.append(
                Customer(
                    name=f"{rng.choice(first)} {rng.choice(last)}",
                    email=f"customer{n + 1}@customers.example",
                    phone=f"+45 {rng.randrange(20_000_000, 99_999_999)}",
                    external_id=f"C{n + 1:07d}",
                )
            )
            self.customer_category.append(rng.choices(names, weights)[0])
        self.by_category = {
            name: [i for i, c in enumerate(self.customer_category) if c == name] for name in names
        }

    def place(self, d: Day) -> bool:
        """Put one meeting into the day's free time; False when nothing fits.

        The topic is drawn among those the employee holds that still fit the day, so
        a day fills up with short meetings once the long ones no longer fit.
        """
        rng, employee = self.rng, self.employees[d.employee]
        options = [
            (index, fits)
            for index, units, types in self.repertoire[d.employee]
            if (fits := fitting_starts(d.free, units))
        ]
        if not options:
            return False
        index, fits = rng.choices(options, [TOPICS[i].weight for i, _ in options])[0]
        spec, topic = TOPICS[index], self.topics[index]
        units = (spec.duration + spec.buffer_after) // UNIT
        types = [t for t in spec.types if getattr(employee, t)]
        # Mostly right after something already taken, as real calendars fill up.
        packed = fits & ~(d.free << 1)
        unit = rng.choice(set_bits(packed if packed and rng.random() < 0.7 else fits))
        meeting_type = rng.choices(
            types, [{"physical": 4, "online": 4, "phone": 2}[t] for t in types]
        )[0]
        room = None
        if meeting_type == "physical" and spec.requires_room:
            room = self.free_room(employee.location_id, d.day, mask(unit, units))
            if room is None:
                others = [t for t in types if t != "physical"]
                if not others:
                    return False
                meeting_type = rng.choice(others)
        d.free &= ~mask(unit, units)
        d.placed += 1
        self.add_meeting(d, topic, spec, unit, meeting_type, room)
        return True

    def free_room(self, location_id: int, day: date, needed: int) -> Room | None:
        rooms = self.rooms_at[location_id]
        offset = self.rng.randrange(len(rooms)) if rooms else 0
        for room in rooms[offset:] + rooms[:offset]:
            key = (room.pk, day)
            if not self.room_busy.get(key, 0) & needed:
                self.room_busy[key] = self.room_busy.get(key, 0) | needed
                return room
        return None

    def add_meeting(
        self, d: Day, topic: MeetingTopic, spec: TopicSpec, unit: int, kind: str, room: Room | None
    ) -> None:
        rng = self.rng
        start = at(d.day, unit)
        end = start + timedelta(minutes=spec.duration)
        cancelled = rng.random() < 0.04
        slot = TimeSlot(
            employee=self.employees[d.employee],
            room=room,
            topic=topic,
            start=start,
            end=end,
            blocked_start=start,
            blocked_end=end + timedelta(minutes=spec.buffer_after),
            status=TimeSlotStatus.CANCELLED if cancelled else TimeSlotStatus.BOOKED,
            holder=HOLDER,
            session_key=single_session_key(f"{rng.getrandbits(128):032x}"),
        )
        allowed = spec.categories or tuple(name for name, _ in CATEGORIES)
        category = rng.choice(allowed)
        customer = self.customers[rng.choice(self.by_category[category])]
        meeting = Meeting(
            time_slot=slot,
            topic=topic,
            customer_category=self.categories[category],
            meeting_type=kind,
            customer=customer,
            booked_by=BookedBy.EMPLOYEE if rng.random() < 0.2 else BookedBy.CUSTOMER,
            status=MeetingStatus.CANCELLED if cancelled else MeetingStatus.CONFIRMED,
            cancelled_at=start - timedelta(days=2) if cancelled else None,
            reference=f"{rng.getrandbits(192):048x}",
            ical_uid=f"{rng.getrandbits(128):032x}@bookme",
            ical_sequence=1 if cancelled else 0,
            owner=HOLDER,
            language=rng.choice(["en", "da", "de"]),
        )
        if spec.question:
            self.plan.answers.append(
                (len(self.plan.meetings), f"{rng.randrange(2, 9)} million DKK")
            )
        self.plan.slots.append(slot)
        self.plan.meetings.append(meeting)

    def save(self) -> None:
        Customer.objects.bulk_create(self.customers, batch_size=BATCH)
        TimeSlot.objects.bulk_create(self.plan.slots, batch_size=BATCH)
        Meeting.objects.bulk_create(self.plan.meetings, batch_size=BATCH)
        MeetingAnswer.objects.bulk_create(
            (
                MeetingAnswer(
                    meeting=self.plan.meetings[i],
                    question=self.question,
                    question_text=self.question.text,
                    answer=answer,
                )
                for i, answer in self.plan.answers
            ),
            batch_size=BATCH,
        )
