"""Roles as groups: the migration's groups and permissions, and is_staff following them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from booking import roles
from tests import factories


def codes(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{app}.{code}"
        for app, code in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.django_db
def test_the_migration_creates_the_three_roles_with_their_permissions():
    """Adviser < Branch manager < Administrator; API clients and topics stay out of reach."""
    adviser, manager, administrator = (codes(name) for name in roles.ROLES)
    assert {"booking.view_meeting", "booking.change_meeting", "config_data.add_absence"} <= adviser
    assert "config_data.change_room" not in adviser
    assert adviser < manager
    assert {
        "config_data.add_room",
        "config_data.change_employee",
        "config_data.delete_workinghours",
        "config_data.change_openinghours",
        "config_data.add_closedday",
        "config_data.delete_absence",
    } <= manager
    for code in ("config_data.change_meetingtopic", "config_data.change_customercategory"):
        assert code not in manager
    assert not {c for c in manager if c.startswith(("oauth2_provider.", "bookme_api.", "auth."))}
    assert manager < administrator
    assert "oauth2_provider.change_application" in administrator


@pytest.mark.django_db
def test_role_assign_sets_is_staff_for_admin_roles_only(django_user_model):
    """Branch managers and administrators reach the admin; an adviser does not."""
    user = django_user_model.objects.create_user("u", "u@example.com", "pw")
    roles.role_assign(user, [roles.BRANCH_MANAGER])
    user.refresh_from_db()
    assert user.is_staff
    assert set(user.groups.values_list("name", flat=True)) == {roles.BRANCH_MANAGER}
    roles.role_assign(user, [roles.ADVISER])
    user.refresh_from_db()
    assert not user.is_staff
    assert set(user.groups.values_list("name", flat=True)) == {roles.ADVISER}
    roles.role_assign(user, [roles.ADMINISTRATOR])
    user.refresh_from_db()
    assert user.is_staff
    assert roles.is_administrator(user)


@pytest.mark.django_db
def test_role_assign_refuses_an_unknown_role(django_user_model):
    """A typo is an error, not a silently missing role."""
    user = django_user_model.objects.create_user("u", "u@example.com", "pw")
    with pytest.raises(ValueError, match="Cook"):
        roles.role_assign(user, ["Cook"])


@pytest.mark.django_db
def test_a_user_without_roles_keeps_their_staff_flag(django_user_model):
    """Accounts made by hand before the roles existed do not lose the admin."""
    user = django_user_model.objects.create_user("old", "o@example.com", "pw", is_staff=True)
    roles.sync_admin_access(user)
    user.refresh_from_db()
    assert user.is_staff


@pytest.mark.django_db
def test_changing_groups_in_the_user_admin_updates_is_staff(django_user_model, client):
    """An administrator moves a manager to the Adviser group: they lose the admin."""
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    user = django_user_model.objects.create_user("kim", "k@example.com", "pw")
    roles.role_assign(user, [roles.BRANCH_MANAGER])
    client.force_login(boss)
    adviser = Group.objects.get(name=roles.ADVISER)
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": "kim",
            "email": "k@example.com",
            "is_active": "on",
            "is_staff": "on",  # the form says staff; the role decides
            "groups": [str(adviser.pk)],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_staff


@pytest.mark.django_db
def test_admin_locations_is_none_for_administrators_and_the_branch_for_managers(
    django_user_model,
):
    """The admin's scope: every branch (None) for an administrator, their own for a manager,
    nothing for a user without a role."""
    one, two = factories.location(), factories.location()
    manager = django_user_model.objects.create_user("m", "m@example.com", "pw")
    factories.employee(location=one, user=manager)
    roles.role_assign(manager, [roles.BRANCH_MANAGER])
    administrator = django_user_model.objects.create_user("a", "a@example.com", "pw")
    roles.role_assign(administrator, [roles.ADMINISTRATOR])
    nobody = django_user_model.objects.create_user("n", "n@example.com", "pw")
    assert roles.admin_locations(administrator) is None
    assert list(roles.admin_locations(manager)) == [one]
    assert two not in roles.admin_locations(manager)
    assert not roles.admin_locations(nobody).exists()
    assert roles.may_use_admin(manager)
    assert not roles.may_use_admin(nobody)


@pytest.mark.django_db
def test_administrators_get_permissions_of_models_added_later():
    """After a migrate, the Administrator group holds every permission, new ones too."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    late = Permission.objects.create(
        codename="view_lateadded",
        name="Can view late added",
        content_type=ContentType.objects.get_for_model(Group),
    )
    adviser = Group.objects.get(name=roles.ADVISER)
    roles.administrators_grant_all()
    assert Group.objects.get(name=roles.ADMINISTRATOR).permissions.filter(pk=late.pk).exists()
    assert not adviser.permissions.filter(pk=late.pk).exists()
    assert Group.objects.get(name=roles.ADMINISTRATOR).permissions.count() == (
        Permission.objects.count()
    )
