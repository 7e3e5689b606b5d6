"""Two branches and a user per role: what each may see and change in the admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client

from booking import roles
from booking.models import Meeting
from config_data.models import Absence, ClosedDay, Employee, Location, MeetingTopic, Room
from tests import factories
from tests.roles import restore_role_groups


@dataclass
class Branch:
    location: Location
    room: Room
    employee: Employee
    absence: Absence
    closed_day: ClosedDay
    meeting: Meeting


@dataclass
class Branches:
    one: Branch
    two: Branch
    topic: MeetingTopic


def _branch(name: str, topic_name: str) -> tuple[Location, Room, Employee]:
    location = factories.location(name=name)
    room = factories.room(location=location, name=f"{name} room")
    employee = factories.employee(location=location, name=f"{name} adviser")
    return location, room, employee


@pytest.fixture
def branches(db) -> Branches:
    """Branch one and branch two, each with a room, an adviser, an absence, a closed day
    and a meeting (on 2026-06-02, a Tuesday)."""
    built = {}
    for key in ("one", "two"):
        location, room, employee = _branch(f"Branch {key}", key)
        built[key] = (location, room, employee)
    topic = factories.topic(name="Advice", employees=[built["one"][2], built["two"][2]])
    result = {}
    for n, key in enumerate(("one", "two")):
        location, room, employee = built[key]
        absence = Absence.objects.create(
            employee=employee,
            start=datetime(2026, 7, 1, 7, tzinfo=UTC),
            end=datetime(2026, 7, 1, 15, tzinfo=UTC),
            reason=f"Course {key}",
        )
        closed = ClosedDay.objects.create(location=location, date=date(2026, 12, 24 + n))
        meeting = factories.meeting(
            topic=topic,
            employee=employee,
            start=datetime(2026, 6, 2, 8 + n, tzinfo=UTC),
            now=datetime(2026, 6, 1, 6, tzinfo=UTC),
            customer_name=f"Customer {key}",
            customer_email=f"customer.{key}@example.com",
        )
        result[key] = Branch(location, room, employee, absence, closed, meeting)
    return Branches(result["one"], result["two"], topic)


@pytest.fixture
def make_user(django_user_model) -> Callable[..., AbstractUser]:
    """make_user(role, location): a user in that role, employed at that branch."""

    def make(role: str | None, location: Location | None = None, name: str = "") -> AbstractUser:
        username = name or f"{(role or 'nobody').lower().replace(' ', '_')}"
        if location is not None:
            username += f"_{location.pk}"
        user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw")
        if location is not None:
            factories.employee(
                location=location, user=user, name=username, email=f"{username}@bank.example"
            )
        if role is not None:
            roles.role_assign(user, [role])
        return user

    return make


@pytest.fixture
def login(make_user) -> Callable[..., Client]:
    """login(role, location): a test client signed in as a new user in that role."""

    restore_role_groups()  # an earlier transactional test may have flushed them

    def sign_in(role: str | None, location: Location | None = None) -> Client:
        client = Client()
        client.force_login(make_user(role, location))
        return client

    return sign_in


@pytest.fixture
def manager_one(branches, login) -> Client:
    """Branch one's manager, signed in."""
    return login(roles.BRANCH_MANAGER, branches.one.location)


WEEKDAY_HOURS = (0, time(9), time(17))
