"""The staff role groups as the data migration makes them, for tests that need them."""

from __future__ import annotations

import importlib

from django.contrib.auth.models import Group, Permission


def restore_role_groups() -> None:
    """Recreate the role groups with their permissions: a transactional test flushes the
    database (and with it the migration's rows) for the tests that come after it."""
    staff_roles = importlib.import_module("booking.migrations.0009_staff_roles")
    for name, codes in staff_roles.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
