"""Rooms, employees and hours are exported and imported in the admin (django-import-export):
a round trip, a bad row that changes nothing, and a branch manager limited to their branch."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from booking import roles
from config_data.models import Employee, Location, Room, WorkingHours
from config_data.resources import (
    EmployeeResource,
    OpeningHoursResource,
    RoomResource,
    WorkingHoursResource,
)
from tests import factories


def csv_format(client: Client, model: str) -> str:
    """The index of CSV in the import form's format choices."""
    form = client.get(reverse(f"admin:config_data_{model}_import")).context["form"]
    return next(str(value) for value, label in form.fields["format"].choices if label == "csv")


def import_csv(client: Client, model: str, text: str):
    """Upload a CSV file; confirm it if the preview has no errors. Returns both responses."""
    fmt = csv_format(client, model)
    preview = client.post(
        reverse(f"admin:config_data_{model}_import"),
        {
            "format": fmt,
            "resource": "0",
            "import_file": SimpleUploadedFile("rows.csv", text.encode(), "text/csv"),
        },
    )
    confirm = preview.context.get("confirm_form")
    if confirm is None:
        return preview, None
    done = client.post(
        reverse(f"admin:config_data_{model}_process_import"),
        {name: field.initial for name, field in confirm.fields.items()} | confirm.initial,
    )
    return preview, done


def export_csv(client: Client, model: str, resource: type) -> str:
    export_url = reverse(f"admin:config_data_{model}_export")
    form = client.get(export_url).context["form"]
    fmt = next(str(value) for value, label in form.fields["format"].choices if label == "csv")
    # Every field of the resource is ticked (the export form lists them as checkboxes).
    fields = {name: "on" for name in form.fields if name.startswith(resource.__name__.lower())}
    response = client.post(export_url, {"format": fmt, "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode()


@pytest.fixture
def superuser_client(client, django_user_model) -> Client:
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_rooms_export_by_name_and_import_back_as_an_update(superuser_client):
    """The export names the location and features by name; importing the edited file
    updates the room in place (natural key: location + name), adds nothing else."""
    location = factories.location(name="Harbour")
    room = factories.room(location=location, name="Aros", capacity=4)
    exported = export_csv(superuser_client, "room", RoomResource)
    assert "Harbour" in exported
    assert "Aros" in exported
    edited = exported.replace(",4,", ",9,")
    preview, done = import_csv(superuser_client, "room", edited)
    assert done is not None, preview.content.decode()[:2000]
    assert done.status_code == 302
    room.refresh_from_db()
    assert room.capacity == 9
    assert Room.objects.count() == 1


@pytest.mark.django_db
def test_working_hours_round_trip_through_the_resource():
    """Export, delete, import: the same hours come back, keyed by the employee's email."""
    employee = factories.employee(
        location=factories.location(), email="ida@bank.example", hours=[(0, time(9), time(12))]
    )
    dataset = WorkingHoursResource().export()
    assert "ida@bank.example" in dataset.csv
    WorkingHours.objects.all().delete()
    result = WorkingHoursResource().import_data(dataset, dry_run=False)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert list(employee.working_hours.values_list("weekday", "start", "end")) == [
        (0, time(9), time(12))
    ]


@pytest.mark.django_db
def test_a_bad_row_is_reported_by_field_and_nothing_is_imported(superuser_client):
    """Three rows, the second with an unknown location and a bad time zone: the preview
    names the row and field, offers no confirmation, and no room is created."""
    factories.location(name="Harbour")
    text = (
        "location,name,capacity,active,timezone\n"
        "Harbour,One,2,1,\n"
        "Atlantis,Two,2,1,Mars/Olympus\n"
        "Harbour,Three,2,1,\n"
    )
    preview, done = import_csv(superuser_client, "room", text)
    assert done is None
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert "location" in invalid.error_dict
    assert "Atlantis" in str(invalid.error_dict["location"])
    assert Room.objects.count() == 0


@pytest.mark.django_db
def test_overlapping_hours_in_an_import_are_refused():
    """An interval overlapping another of the same employee and weekday is a row error."""
    factories.employee(location=factories.location(), email="bo@bank.example", hours=[])
    import tablib

    dataset = tablib.Dataset(
        ["bo@bank.example", 0, "09:00", "12:00"],
        ["bo@bank.example", 0, "11:00", "14:00"],
        headers=["employee", "weekday", "start", "end"],
    )
    result = WorkingHoursResource().import_data(dataset, dry_run=True)
    assert result.has_validation_errors()
    assert "start" in result.invalid_rows[0].error_dict


@pytest.mark.django_db
def test_a_branch_manager_exports_and_imports_only_their_branch(make_user):
    """Export lists their employees only; an import row for another branch (new or
    existing) is refused and changes nothing."""
    one, two = factories.location(name="One"), factories.location(name="Two")
    theirs = factories.employee(location=two, email="other@bank.example", name="Other")
    user = make_user(roles.BRANCH_MANAGER, one)
    client = Client()
    client.force_login(user)
    exported = export_csv(client, "employee", EmployeeResource)
    assert "other@bank.example" not in exported
    assert user.employee.email in exported
    moved = "email,name,location\nother@bank.example,Stolen,One\n"
    preview, done = import_csv(client, "employee", moved)
    assert done is None
    assert preview.context["result"].has_validation_errors()
    theirs.refresh_from_db()
    assert (theirs.name, theirs.location) == ("Other", two)
    new_elsewhere = "email,name,location\nnew@bank.example,New,Two\n"
    preview, done = import_csv(client, "employee", new_elsewhere)
    assert done is None
    assert not Employee.objects.filter(email="new@bank.example").exists()
    at_home = "email,name,location\nnew@bank.example,New,One\n"
    preview, done = import_csv(client, "employee", at_home)
    assert done is not None
    assert done.status_code == 302
    assert Employee.objects.get(email="new@bank.example").location == one


@pytest.mark.django_db
def test_opening_hours_resource_is_limited_to_the_given_branches():
    """The resource itself refuses another branch's rows (what the admin passes it)."""
    import tablib

    one, two = factories.location(name="One"), factories.location(name="Two")
    dataset = tablib.Dataset(
        ["Two", 5, "10:00", "12:00"], headers=["location", "weekday", "opens", "closes"]
    )
    resource = OpeningHoursResource(locations=Location.objects.filter(pk=one.pk))
    result = resource.import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert not two.opening_hours.filter(weekday=5).exists()


@pytest.mark.django_db
def test_an_adviser_cannot_reach_the_import_page(make_user):
    """No admin for advisers: import and export pages send them to the login."""
    user = make_user(roles.ADVISER, factories.location())
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:config_data_room_import"))
    assert response.status_code == 302
