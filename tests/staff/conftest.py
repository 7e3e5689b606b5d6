"""What every staff-page test shares: the clock, and accounts in staff roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from booking.roles import ADVISER
from config_data.models import Employee


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026, 08:00 in Copenhagen."""


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
