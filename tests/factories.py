"""Small builders for test data. Each returns a saved object with sensible defaults."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from booking import services
from booking.actors import Actor
from booking.models import Meeting
from config_data.models import (
    CustomerCategory,
    Employee,
    InformationQuestion,
    Location,
    MeetingTopic,
    OpeningHours,
    Room,
    WorkingHours,
)

_counter = itertools.count(1)

WEEKDAYS = range(0, 5)


def location(
    *,
    name: str | None = None,
    timezone: str = "Europe/Copenhagen",
    opening: tuple[time, time] | None = (time(8), time(18)),
    **kwargs,
) -> Location:
    loc = Location.objects.create(
        name=name or f"Branch {next(_counter)}",
        timezone=timezone,
        street=kwargs.pop("street", "Main Street 1"),
        postal_code=kwargs.pop("postal_code", "1000"),
        city=kwargs.pop("city", "Copenhagen"),
        country=kwargs.pop("country", "Denmark"),
        **kwargs,
    )
    if opening is not None:
        OpeningHours.objects.bulk_create(
            OpeningHours(location=loc, weekday=d, opens=opening[0], closes=opening[1])
            for d in WEEKDAYS
        )
    return loc


def employee(
    *,
    location: Location,
    name: str | None = None,
    hours: Iterable[tuple[int, time, time]] | None = None,
    physical: bool = True,
    online: bool = True,
    phone: bool = True,
    **kwargs,
) -> Employee:
    n = next(_counter)
    emp = Employee.objects.create(
        name=name or f"Employee {n}",
        email=kwargs.pop("email", f"employee{n}@example.com"),
        location=location,
        physical=physical,
        online=online,
        phone=phone,
        **kwargs,
    )
    if hours is None:
        hours = [(d, time(9), time(17)) for d in WEEKDAYS]
    WorkingHours.objects.bulk_create(
        WorkingHours(employee=emp, weekday=d, start=s, end=e) for d, s, e in hours
    )
    return emp


def room(*, location: Location, name: str | None = None, capacity: int = 4, **kwargs) -> Room:
    return Room.objects.create(
        name=name or f"Room {next(_counter)}", location=location, capacity=capacity, **kwargs
    )


def category(name: str | None = None) -> CustomerCategory:
    return CustomerCategory.objects.create(name=name or f"Category {next(_counter)}")


def topic(
    *,
    employees: Iterable[Employee] = (),
    categories: Iterable[CustomerCategory] = (),
    questions: Iterable[str] = (),
    **kwargs,
) -> MeetingTopic:
    defaults = {
        "name": f"Topic {next(_counter)}",
        "duration": 60,
        "slot_step": 30,
        "minimum_notice": 0,
        "booking_horizon": 365,
        "physical": True,
        "online": True,
        "phone": False,
        "requires_room": True,
        "change_cutoff": 24,
    }
    defaults.update(kwargs)
    t = MeetingTopic.objects.create(**defaults)
    t.employees.set(employees)
    t.customer_categories.set(categories)
    for position, text in enumerate(questions):
        InformationQuestion.objects.create(topic=t, text=text, position=position)
    return t


FACTORY_ACTOR = Actor.for_session("factory")


def meeting(
    *,
    topic: MeetingTopic,
    employee: Employee | None,
    start: datetime,
    room: Room | None = None,
    meeting_type: str = "online",
    actor: Actor = FACTORY_ACTOR,
    holder: str | None = None,
    customer_name: str = "Carla Customer",
    customer_email: str | None = None,
    now: datetime | None = None,
    **kwargs,
) -> Meeting:
    """A confirmed meeting made the real way: reserve, book, create (through the services).

    `holder` is a stored holder string ("user:5", "client:3") for the actor, for short.
    """
    if holder is not None:
        actor = Actor.from_holder(holder)
    slot, _ = services.time_slot_reserve(
        actor=actor,
        wanted=services.SlotRequest(
            start=start,
            end=start + timedelta(minutes=topic.duration),
            employee=employee,
            room=room,
            topic=topic,
            meeting_type=meeting_type,
        ),
        now=now,
    )
    services.time_slot_book(actor=actor, time_slot_id=slot.pk, now=now)
    # A person of their own unless a test names one: one person cannot have two meetings
    # at once (check_customer_free), and tests book many at the same time.
    email = customer_email if customer_email is not None else f"carla{next(_counter)}@example.com"
    customer = services.customer_upsert(name=customer_name, email=email)
    return services.meeting_create(
        actor=actor,
        time_slot_id=slot.pk,
        topic=topic,
        customer=customer,
        meeting_type=meeting_type,
        now=now,
        **kwargs,
    )


def reschedule(
    meeting: Meeting, *, start: datetime, actor: Actor = FACTORY_ACTOR, **kwargs
) -> Meeting:
    """Move a meeting the real way: hold the new time, then reschedule onto it."""
    slot, _ = services.time_slot_reserve(
        actor=actor,
        wanted=services.SlotRequest(
            start=start,
            end=start + (meeting.end - meeting.start),
            employee=meeting.employee,
            topic=meeting.topic,
            meeting_type=meeting.meeting_type,
        ),
        moving=meeting,
        **kwargs,
    )
    return services.meeting_reschedule(
        actor=actor, meeting_id=meeting.pk, new_time_slot_id=slot.pk, **kwargs
    )
