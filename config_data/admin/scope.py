"""Which branches a user may run in the admin: the rule is installed from outside.

The rule lives with the roles in the booking app (booking.roles), which installs it with
set_branch_scope() at start-up: config_data imports nothing from booking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from config_data.models import Employee, Location, Room

BranchScope = Callable[[Any], "QuerySet[Location] | None"]


def _every_branch(user: Any) -> QuerySet[Location] | None:
    return None


_branch_scope: list[BranchScope] = [_every_branch]


def set_branch_scope(scope: BranchScope) -> None:
    """Install the rule: user -> the branches they may run (None for all)."""
    _branch_scope[0] = scope


def branch_scope(user: Any) -> QuerySet[Location] | None:
    return _branch_scope[0](user)


def is_unrestricted(user: Any) -> bool:
    """An administrator (or superuser): every branch, and the fields kept from the others."""
    return branch_scope(user) is None


def scoped_choices(model: Any, request: HttpRequest) -> QuerySet[Any] | None:
    """The objects of `model` a foreign key may point to for this user; None: unlimited."""
    locations = branch_scope(request.user)
    if locations is None:
        return None
    if model is Location:
        return Location.objects.filter(pk__in=locations)
    if model is Employee:
        return Employee.objects.filter(location__in=locations)
    if model is Room:
        return Room.objects.filter(location__in=locations)
    return None
