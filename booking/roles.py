"""Staff roles, as Django groups: who may see and change which branch's work.

Permissions come to employees through groups. Three groups exist (created by the data
migration booking/0009_staff_roles with their permissions): an Adviser works in the staff
pages on their own branch; a Branch manager also runs that branch in the admin; an
Administrator (or a superuser) sees every branch and the configuration that is not a
branch's own.

Django's admin lets in only users with is_staff. That flag follows the roles: role_assign()
sets it for branch managers and administrators and clears it for advisers (who never see
the admin), and the user admin re-derives it whenever an administrator edits someone's
groups (booking/admin.py), so a group change alone decides who reaches /admin/.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser, AnonymousUser, Group, Permission
from django.db import transaction
from django.db.models import QuerySet

from config_data.models import Employee, Location

ADVISER = "Adviser"
BRANCH_MANAGER = "Branch manager"
ADMINISTRATOR = "Administrator"
ROLES = (ADVISER, BRANCH_MANAGER, ADMINISTRATOR)
# The roles that work in Django's admin (is_staff); an adviser works in the staff pages only.
ADMIN_ROLES = (BRANCH_MANAGER, ADMINISTRATOR)

AnyUser = AbstractUser | AnonymousUser


def _groups(user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_bookme_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._bookme_roles = cached  # type: ignore[attr-defined]
    return cached


def is_administrator(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or ADMINISTRATOR in _groups(user)))


def is_branch_manager(user: AnyUser) -> bool:
    return BRANCH_MANAGER in _groups(user)


def employee_of(user: AnyUser) -> Employee | None:
    """The employee record of a signed-in user, with their location; None for others."""
    if not user.is_authenticated:
        return None
    return Employee.objects.select_related("location").filter(user_id=user.pk).first()


def is_staff_member(user: AnyUser) -> bool:
    """May use the staff pages: an administrator, or an employee in any staff role."""
    if is_administrator(user):
        return True
    return bool(_groups(user)) and employee_of(user) is not None


def visible_locations(user: AnyUser) -> QuerySet[Location]:
    """The branches whose rooms, employees, hours, absences and meetings this user sees."""
    if is_administrator(user):
        return Location.objects.all()
    if not _groups(user):
        return Location.objects.none()
    employee = employee_of(user)
    if employee is None:
        return Location.objects.none()
    return Location.objects.filter(pk=employee.location_id)


def admin_locations(user: AnyUser) -> QuerySet[Location] | None:
    """The branches this user runs in the admin; None for every branch (an administrator)."""
    if is_administrator(user):
        return None
    return visible_locations(user)


def may_use_admin(user: AnyUser) -> bool:
    """Whether the user's roles call for Django's admin: a superuser or an admin role."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or _groups(user) & set(ADMIN_ROLES))


def sync_admin_access(user: AbstractUser) -> None:
    """Make is_staff follow the user's roles (the admin lets in only is_staff users).

    A user in none of the roles keeps the flag as it is: staff accounts made by hand
    before the roles existed must not lose the admin.
    """
    user._bookme_roles = None  # type: ignore[attr-defined]  # groups may just have changed
    if not _groups(user) and not user.is_superuser:
        return
    wanted = may_use_admin(user)
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


@transaction.atomic
def role_assign(user: AbstractUser, roles: Iterable[str]) -> None:
    """Give the user exactly these staff roles (replacing their others) and the admin
    access that goes with them."""
    wanted = set(roles)
    unknown = wanted - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    groups = user.groups
    groups.remove(*groups.filter(name__in=ROLES).exclude(name__in=wanted))
    # The data migration made the groups with their permissions; get_or_create only so a
    # flushed test database still records the role.
    groups.add(*(Group.objects.get_or_create(name=name)[0] for name in sorted(wanted)))
    sync_admin_access(user)


def administrators_grant_all(**kwargs: object) -> None:
    """post_migrate: the Administrator group holds every permission, also those of models
    added after the roles' migration (e.g. a new app's). Other roles are changed by
    migrations only, deliberately."""
    group = Group.objects.filter(name=ADMINISTRATOR).first()
    if group is not None:
        group.permissions.add(*Permission.objects.exclude(group=group))
