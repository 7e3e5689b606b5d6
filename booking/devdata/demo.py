"""Demo data: a small bank with two branches. Idempotent: a second load changes nothing.

Everything is keyed by a natural key (names, emails) and written with
update_or_create, so running it again rewrites the same values. Demo meetings are
created once, through the booking services, so they obey every rule a real booking does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from booking import effects, reminders, roles, services, tasks, waitlist
from booking.actors import Actor
from booking.devdata.demo_translations import in_other_languages
from booking.errors import BookingError
from booking.models import (
    BookingEvent,
    BookingEventKind,
    Customer,
    Meeting,
    TimeSlot,
    WaitlistEntry,
)
from booking.search import SlotSearch, find_slots
from config_data.holidays import local_today, sync_public_holidays
from config_data.models import (
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

DEMO_CUSTOMER_DOMAIN = "customer.example.com"
# The demo's meetings are BookMe's own doing, as if staff had entered them.
DEMO_ACTOR = Actor.system("load_demo")
# The holder the demo used before actors existed: a database loaded then counts as loaded.
OLD_DEMO_HOLDER = "demo:load_demo"

LOCATIONS = {
    "Copenhagen City": {"street": "Vesterbrogade 12", "postal_code": "1620", "city": "København V"},
    "Aarhus Harbour": {"street": "Åboulevarden 30", "postal_code": "8000", "city": "Aarhus C"},
}
# The branches close on Denmark's public holidays, imported (config_data/holidays.py).
HOLIDAY_COUNTRY = "DK"
CATEGORIES = {
    "Private": "Personal customers",
    "Business": "Companies and sole traders",
    "Prospect": "Not yet a customer",
}
FEATURES = ["Screen", "Whiteboard", "Step-free access", "Video conferencing"]
# Customers may ask for these on the booking page (RoomFeature.customer_requestable).
CUSTOMER_REQUESTABLE_FEATURES = {"Step-free access"}
ROOMS = [
    # (location, name, capacity, features)
    ("Copenhagen City", "Harbour", 4, ["Screen", "Step-free access"]),
    ("Copenhagen City", "Tivoli", 2, ["Step-free access"]),
    ("Copenhagen City", "Board room", 12, ["Screen", "Whiteboard", "Video conferencing"]),
    ("Aarhus Harbour", "Aros", 4, ["Screen"]),
    ("Aarhus Harbour", "Marselisborg", 2, []),
    ("Aarhus Harbour", "Workshop", 10, ["Whiteboard", "Screen", "Step-free access"]),
]
FULL_WEEK = [(d, time(9), time(17)) for d in range(5)]
WITH_LUNCH = [
    (d, t0, t1) for d in range(5) for t0, t1 in ((time(8), time(12)), (time(13), time(16)))
]
PART_TIME = [(d, time(9), time(15)) for d in range(3)]


@dataclass(frozen=True)
class DemoEmployee:
    name: str
    title: str
    location: str
    hours: list[tuple[int, time, time]]
    types: tuple[str, ...] = ("physical", "online", "phone")


EMPLOYEES = [
    DemoEmployee("Anna Jensen", "Senior Mortgage Adviser", "Copenhagen City", FULL_WEEK),
    DemoEmployee("Mikkel Nielsen", "Mortgage Adviser", "Copenhagen City", WITH_LUNCH),
    DemoEmployee("Sofie Hansen", "Investment Adviser", "Copenhagen City", FULL_WEEK),
    DemoEmployee("Lars Pedersen", "Business Banker", "Copenhagen City", FULL_WEEK),
    DemoEmployee(
        "Ida Andersen", "Pension Specialist", "Copenhagen City", PART_TIME, ("online", "phone")
    ),
    DemoEmployee("Jonas Christensen", "Mortgage Adviser", "Aarhus Harbour", FULL_WEEK),
    DemoEmployee("Emma Larsen", "Investment Adviser", "Aarhus Harbour", WITH_LUNCH),
    DemoEmployee("Oliver Sørensen", "Business Banker", "Aarhus Harbour", FULL_WEEK),
    DemoEmployee("Freja Rasmussen", "Customer Adviser", "Aarhus Harbour", FULL_WEEK),
    # The branch managers: they run their branch (staff pages and admin), hold no topics.
    DemoEmployee("Karen Holm", "Branch Manager", "Copenhagen City", FULL_WEEK),
    DemoEmployee("Niels Dahl", "Branch Manager", "Aarhus Harbour", FULL_WEEK),
]
BRANCH_MANAGERS = {"Karen Holm", "Niels Dahl"}
TOPICS: list[dict[str, Any]] = [
    {
        "name": "Mortgage advice",
        "description": "Buying a home or refinancing: we go through your budget and options.",
        "duration": 60,
        "physical": True,
        "online": True,
        "phone": False,
        "requires_room": True,
        "buffer_before": 10,
        "buffer_after": 10,
        "categories": ["Private", "Prospect"],
        "employees": ["Anna Jensen", "Mikkel Nielsen", "Jonas Christensen"],
        "questions": [("What is the approximate price of the home?", True)],
    },
    {
        "name": "Investment review",
        "description": "A review of your savings and investments with an adviser.",
        "duration": 45,
        "slot_step": 15,
        "physical": True,
        "online": True,
        "phone": True,
        "requires_room": True,
        "categories": [],
        "employees": ["Sofie Hansen", "Emma Larsen", "Anna Jensen"],
        "questions": [("Anything we should prepare?", False)],
        # The adviser shows the portfolio's charts: only rooms with a screen.
        "required_room_features": ["Screen"],
    },
    {
        "name": "Pension check-up",
        "description": "A short online check of your pension savings.",
        "duration": 30,
        "slot_step": 15,
        "physical": False,
        "online": True,
        "phone": False,
        "requires_room": False,
        "categories": ["Private"],
        "employees": ["Ida Andersen", "Sofie Hansen", "Emma Larsen"],
    },
    {
        "name": "Business loan consultation",
        "description": "Financing for your company: investments, operating credit, guarantees.",
        "duration": 90,
        "physical": True,
        "online": True,
        "phone": False,
        "requires_room": True,
        "buffer_after": 15,
        "minimum_notice": 24 * 60,
        "categories": ["Business"],
        "employees": ["Lars Pedersen", "Oliver Sørensen"],
        "questions": [("Company registration number (CVR)", True), ("Amount needed", False)],
    },
    {
        "name": "Open an account",
        "description": "Become a customer: bring your ID, or do it by phone or online.",
        "duration": 20,
        "slot_step": 20,
        "physical": False,
        "online": True,
        "phone": True,
        "requires_room": False,
        "categories": ["Prospect", "Private"],
        "employees": ["Freja Rasmussen", "Mikkel Nielsen", "Jonas Christensen"],
    },
    {
        "name": "First-time buyer seminar",
        "description": "A group session on buying your first home. Up to six participants.",
        "duration": 60,
        "slot_step": 60,
        "physical": True,
        "online": False,
        "phone": False,
        "requires_room": True,
        "capacity": 6,
        "categories": ["Private", "Prospect"],
        "employees": ["Anna Jensen", "Jonas Christensen"],
    },
    {
        "name": "Internal credit review",
        "description": "Staff-only follow-up booked by advisers on behalf of customers.",
        "duration": 60,
        "physical": True,
        "online": True,
        "phone": False,
        "requires_room": True,
        "customer_bookable": False,
        "categories": [],
        "employees": ["Lars Pedersen", "Anna Jensen"],
    },
]
CUSTOMER_NAMES = [
    "Mette Poulsen",
    "Henrik Madsen",
    "Camilla Kristensen",
    "Rasmus Olsen",
    "Julie Thomsen",
    "Thomas Møller",
    "Louise Johansen",
    "Mads Knudsen",
    "Sara Mortensen",
    "Peter Jakobsen",
]


def _slug(name: str) -> str:
    return name.lower().replace(" ", ".").replace("ø", "o").replace("å", "aa").replace("æ", "ae")


@transaction.atomic
def load_configuration() -> None:
    for name, address in LOCATIONS.items():
        location, _ = Location.objects.update_or_create(
            name=name,
            defaults={
                **address,
                "country": "Denmark",
                "timezone": "Europe/Copenhagen",
                "holiday_country": HOLIDAY_COUNTRY,
                **in_other_languages("name", name),
            },
        )
        for weekday in range(5):
            OpeningHours.objects.update_or_create(
                location=location,
                weekday=weekday,
                opens=time(8),
                defaults={"closes": time(19) if weekday == 3 else time(18)},
            )
        sync_public_holidays(location, today=local_today(location, timezone.now()))
    for name, description in CATEGORIES.items():
        CustomerCategory.objects.update_or_create(
            name=name,
            defaults={
                "description": description,
                **in_other_languages("name", name),
                **in_other_languages("description", description),
            },
        )
    features = {
        name: RoomFeature.objects.update_or_create(
            name=name,
            defaults={
                "customer_requestable": name in CUSTOMER_REQUESTABLE_FEATURES,
                **in_other_languages("name", name),
            },
        )[0]
        for name in FEATURES
    }
    for location_name, name, capacity, room_features in ROOMS:
        room, _ = Room.objects.update_or_create(
            location=Location.objects.get(name=location_name),
            name=name,
            defaults={"capacity": capacity, "active": True, **in_other_languages("name", name)},
        )
        room.features.set([features[f] for f in room_features])
    for demo in EMPLOYEES:
        employee, _ = Employee.objects.update_or_create(
            email=f"{_slug(demo.name)}@bookme.example.com",
            defaults={
                "name": demo.name,
                "title": demo.title,
                "location": Location.objects.get(name=demo.location),
                "physical": "physical" in demo.types,
                "online": "online" in demo.types,
                "phone": "phone" in demo.types,
                "online_meeting_link": f"https://meet.example.com/{_slug(demo.name)}",
                "active": True,
            },
        )
        wanted = {(d, s, e) for d, s, e in demo.hours}
        current = set(employee.working_hours.values_list("weekday", "start", "end"))
        if wanted != current:
            employee.working_hours.all().delete()
            WorkingHours.objects.bulk_create(
                WorkingHours(employee=employee, weekday=d, start=s, end=e) for d, s, e in wanted
            )
    for spec in TOPICS:
        values = {
            k: v
            for k, v in spec.items()
            if k not in ("categories", "employees", "questions", "required_room_features")
        }
        name = values.pop("name")
        values |= in_other_languages("name", name)
        values |= in_other_languages("description", values["description"])
        topic, _ = MeetingTopic.objects.update_or_create(name=name, defaults=values)
        topic.customer_categories.set(CustomerCategory.objects.filter(name__in=spec["categories"]))
        topic.employees.set(Employee.objects.filter(name__in=spec["employees"]))
        topic.required_room_features.set(
            [features[f] for f in spec.get("required_room_features", [])]
        )
        for position, (text, required) in enumerate(spec.get("questions", [])):
            InformationQuestion.objects.update_or_create(
                topic=topic,
                text=text,
                defaults={
                    "required": required,
                    "position": position,
                    **in_other_languages("text", text),
                },
            )


def load_staff_accounts(password: str) -> list[str]:
    """A superuser and a sign-in for each employee (to see "My schedule"), each in their role:
    the branch managers run their branch, everyone else is an adviser."""
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    lines = []
    admin_user = user_model.objects.filter(username="admin").first()
    if admin_user is None:
        admin_user = user_model.objects.create_superuser(
            "admin", "admin@bookme.example.com", password
        )
    lines.append(f"Admin:     http://127.0.0.1:8000/admin/  user 'admin', password '{password}'")
    for employee in Employee.objects.filter(email__endswith="@bookme.example.com"):
        if employee.user_id is None:
            user = user_model.objects.filter(username=employee.email).first()
            if user is None:
                user = user_model.objects.create_user(employee.email, employee.email, password)
            employee.user = user
            employee.save(update_fields=["user"])
        EmailAddress.objects.get_or_create(
            user_id=employee.user_id,
            email=employee.email,
            defaults={"verified": True, "primary": True},
        )
        manager = employee.name in BRANCH_MANAGERS
        roles.role_assign(employee.user, [roles.BRANCH_MANAGER if manager else roles.ADVISER])  # type: ignore[arg-type]
    roles.role_assign(admin_user, [roles.ADMINISTRATOR])
    first = (
        Employee.objects.filter(email__endswith="@bookme.example.com")
        .exclude(name__in=BRANCH_MANAGERS)
        .order_by("name")
        .first()
    )
    if first is not None:
        lines.append(
            f"Advisers:  sign in at http://127.0.0.1:8000/staff/ as e.g. {first.email}, "
            f"password '{password}'"
        )
    for boss in Employee.objects.filter(name__in=BRANCH_MANAGERS).select_related("location"):
        lines.append(
            f"Branch manager of {boss.location}: {boss.email}, password '{password}' "
            "(staff pages and /admin/)"
        )
    return lines


# The demo's early reminder is due this long after loading: `make run` shows it at once.
DEMO_REMINDER_AFTER = timedelta(minutes=1)


def load_meetings(*, now: datetime, seed: int = 2026) -> int:
    """Meetings over the coming two weeks, once; then a reminder to show (every load)."""
    created = _load_meetings(now=now, seed=seed)
    quiet_demo_booking_emails()
    schedule_demo_reminder(now=now)
    schedule_demo_waitlist_offer(now=now)
    return created


def quiet_demo_booking_emails() -> int:
    """The demo's meetings are history, not news: nobody is mailed that they were booked.

    Their confirmation emails were scheduled like any booking's (the worker would print
    two hundred of them); they are cancelled before a worker runs. Returns how many.
    """
    events = BookingEvent.objects.filter(
        kind=BookingEventKind.MEETING_CREATED, meeting__owner=DEMO_ACTOR.holder
    )
    for event in events.filter(dispatched_at=None):
        effects.dispatch(event)  # here, not in the worker, so that there is something to cancel
    return sum(tasks.cancel_scheduled(f"{pk}:email.") for pk in events.values_list("pk", flat=True))


def schedule_demo_reminder(*, now: datetime) -> Meeting | None:
    """Send the next demo meeting's reminder a minute from now, through the worker.

    Real reminders come a topic's offset before the start (booking.reminders), and
    meetings can only be booked in working hours: waiting for one could take days. This
    one runs the same effect, with its checks, early. Once per meeting and time (the key).
    """
    run_after = now + DEMO_REMINDER_AFTER
    meeting = (
        Meeting.objects.confirmed()
        .upcoming(now)
        .filter(owner=DEMO_ACTOR.holder, time_slot__start__gt=run_after)
        .exclude(customer__email="")
        .select_related("time_slot")
        .first()
    )
    if meeting is None:
        return None
    tasks.schedule(
        reminders.REMINDER,
        key=f"{reminders.reminder_key_prefix(meeting.pk, meeting.ical_sequence)}demo",
        run_after=run_after,
        meeting_id=meeting.pk,
        sequence=meeting.ical_sequence,
        offset_minutes=int((meeting.start - run_after).total_seconds() // 60),
    )
    return meeting


def _load_meetings(*, now: datetime, seed: int) -> int:
    if TimeSlot.objects.filter(holder__in=[DEMO_ACTOR.holder, OLD_DEMO_HOLDER]).exists():
        return 0
    rng = random.Random(seed)
    created = 0
    taken: dict[int | None, list[tuple[datetime, datetime]]] = {}
    for topic in MeetingTopic.objects.active().order_by("name"):
        slots = find_slots(
            SlotSearch(start=now, end=now + timedelta(days=14), topic=topic), now=now
        )
        for slot in slots:
            if slot.employee_id is None:  # a demo meeting is always with someone
                continue
            mine = taken.setdefault(slot.employee_id, [])
            # Skip what clearly clashes with a demo meeting made above: saves doomed attempts.
            if rng.random() > 0.12 or any(s < slot.end and slot.start < e for s, e in mine):
                continue
            name = rng.choice(CUSTOMER_NAMES)
            email = f"{_slug(name)}@{DEMO_CUSTOMER_DOMAIN}"
            customer = Customer.objects.filter(email=email).first() or services.customer_upsert(
                name=name, email=email
            )
            meeting_type = sorted(slot.meeting_types)[rng.randrange(len(slot.meeting_types))]
            try:
                time_slot, _ = services.time_slot_reserve(
                    actor=DEMO_ACTOR,
                    wanted=services.SlotRequest(
                        start=slot.start,
                        end=slot.end,
                        employee=Employee.objects.get(pk=slot.employee_id),
                        topic=topic,
                        meeting_type=meeting_type,
                    ),
                    now=now,
                )
                services.time_slot_book(actor=DEMO_ACTOR, time_slot_id=time_slot.pk, now=now)
                answers = {q.pk: "Demo answer" for q in topic.information_questions.all()}
                services.meeting_create(
                    actor=DEMO_ACTOR,
                    time_slot_id=time_slot.pk,
                    topic=topic,
                    customer=customer,
                    meeting_type=meeting_type,
                    description="Demo booking",
                    answers=answers,
                    booked_by="employee" if not topic.customer_bookable else "customer",
                    now=now,
                )
            except BookingError:
                continue  # an earlier demo meeting took the room
            mine.append((time_slot.blocked_start, time_slot.blocked_end))
            created += 1
    return created


# The demo's waitlist offer: someone's hold on a free time lapses this long after loading,
# and the customer waiting for exactly that time is offered it (the console prints it).
DEMO_WAITLIST_AFTER = timedelta(minutes=1)
DEMO_WAITLIST_EMAIL = f"waiting.customer@{DEMO_CUSTOMER_DOMAIN}"
DEMO_WAITLIST_HOLDER = Actor.system("demo_waitlist_hold")


def schedule_demo_waitlist_offer(*, now: datetime) -> WaitlistEntry | None:
    """Hold the first free time of a customer topic until a minute from now, put a demo
    customer on the waitlist for it, and scan when the hold ends: the waitlist offers the
    time through the worker, as it would after a real lapsed hold. Once per database: a
    second load changes nothing."""
    if WaitlistEntry.objects.filter(email=DEMO_WAITLIST_EMAIL).exists():
        return None
    for topic in MeetingTopic.objects.customer_bookable().order_by("name"):
        found = find_slots(
            SlotSearch(start=now, end=now + timedelta(days=14), topic=topic), now=now
        )
        slot = next((s for s in found if s.employee_id is not None), None)
        if slot is None or slot.employee_id is None:
            continue
        meeting_type = sorted(slot.meeting_types)[0]
        employee = Employee.objects.get(pk=slot.employee_id)
        try:
            with transaction.atomic():
                hold, _ = services.time_slot_reserve(
                    actor=DEMO_WAITLIST_HOLDER,
                    wanted=services.SlotRequest(
                        start=slot.start,
                        end=slot.end,
                        employee=employee,
                        topic=topic,
                        meeting_type=meeting_type,
                    ),
                    now=now,
                )
                ends = now + DEMO_WAITLIST_AFTER
                TimeSlot.objects.filter(pk=hold.pk).update(expires_at=ends)
                entry, _ = waitlist.waitlist_join(
                    actor=DEMO_ACTOR,
                    wish=waitlist.Wish(
                        topic=topic,
                        meeting_type=meeting_type,
                        window_start=slot.start,
                        window_end=slot.end,
                        employee=employee,
                    ),
                    email=DEMO_WAITLIST_EMAIL,
                    name="Waiting Customer",
                    now=now,
                )
                tasks.schedule(
                    waitlist.SCAN_EFFECT,
                    key=f"{waitlist.SCAN_EFFECT}:demo:{hold.pk}",
                    run_after=ends,
                )
        except BookingError:
            continue
        return entry
    return None
