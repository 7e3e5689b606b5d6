"""What the staff pages show, built directly: advisers' accounts and confirmed meetings.

Shared by the staff view tests and the staff calendar's browser tests, so both read
the same world.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import Group, User
from django.test import Client

from booking.models import Customer, Meeting, TimeSlot, TimeSlotStatus
from booking.roles import ADVISER
from config_data.models import Employee, MeetingTopic, Room


def staff_user(
    employee: Employee | None, *, role: str = ADVISER, name: str = "", password: str = "x"
) -> User:
    """An account in a staff role, linked to the employee when one is given."""
    user = User.objects.create_user(
        username=name or f"user-{employee.pk if employee else 'x'}",
        password=password,
        first_name=name.capitalize(),
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if employee is not None:
        employee.user = user
        employee.save(update_fields=["user"])
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def booked(
    *,
    topic: MeetingTopic,
    start: datetime,
    employee: Employee | None = None,
    room: Room | None = None,
    customer: str = "Carla Customer",
    phone: str = "",
    seat: tuple[str, int] | None = None,
) -> Meeting:
    """A confirmed meeting written directly: the staff pages only read it, so any time will
    do (a Sunday, a DST day) without the booking rules in the way. It lasts the topic's
    duration; the customer's email is their first name at example.com."""
    end = start + timedelta(minutes=topic.duration)
    slot = TimeSlot.objects.create(
        employee=employee,
        room=room,
        topic=topic,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=TimeSlotStatus.BOOKED,
        holder="staff:1",
        **({"session_key": seat[0], "seat": seat[1]} if seat else {}),
    )
    email = f"{customer.split()[0].lower()}@example.com"
    return Meeting.objects.create(
        time_slot=slot,
        topic=topic,
        meeting_type="physical" if room else "online",
        customer=Customer.objects.create(name=customer, email=email, phone=phone),
        owner="staff:1",
    )
