"""The staff roles (booking.roles) as groups with their permissions.

The permission lists are frozen here, as a migration must be: a later change of a role
is a later migration. Administrators get every permission that exists now; models added
by later migrations need their own grant (or a superuser).
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_CONFIGURATION = [
    "config_data.view_location",
    "config_data.view_room",
    "config_data.view_roomfeature",
    "config_data.view_employee",
    "config_data.view_workinghours",
    "config_data.view_openinghours",
    "config_data.view_closedday",
    "config_data.view_absence",
    "config_data.view_meetingtopic",
    "config_data.view_informationquestion",
    "config_data.view_customercategory",
]
ADVISER = [
    *VIEW_CONFIGURATION,
    # Their own absences, entered in the staff pages.
    "config_data.add_absence",
    "config_data.change_absence",
    # The day's work: meetings (outcome, internal note), their customers, the history.
    "booking.view_meeting",
    "booking.change_meeting",
    "booking.view_meetinganswer",
    "booking.view_timeslot",
    "booking.view_bookingevent",
    "booking.view_customer",
    "booking.change_customer",
]
# What a branch manager runs for their own branch (the admin limits them to it);
# topics, categories, features and API clients stay view-only or out of sight.
BRANCH_MANAGER = [
    *ADVISER,
    "config_data.change_location",
    "config_data.delete_absence",
    *(
        f"config_data.{action}_{model}"
        for model in ("room", "employee", "workinghours", "openinghours", "closedday")
        for action in ("add", "change", "delete")
    ),
]
ROLE_PERMISSIONS = {"Adviser": ADVISER, "Branch manager": BRANCH_MANAGER}


def create_roles(apps, schema_editor):
    # Permissions are made after the last migration (post_migrate): make them now, so
    # that a fresh database gets its groups complete.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = {tuple(code.split(".")) for code in codes}
        permissions = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        assert not missing, f"unknown permissions for {name}: {sorted(missing)}"
        group.permissions.set(permissions)
    administrators, _ = Group.objects.get_or_create(name="Administrator")
    administrators.permissions.set(Permission.objects.all())


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Adviser", "Branch manager", "Administrator"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0008_meeting_outcome"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("config_data", "0005_history"),
        ("bookme_api", "0002_webhooks"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
