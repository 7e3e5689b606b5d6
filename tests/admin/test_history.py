"""Configuration changes are tracked (django-simple-history) and shown in the admin."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from booking import roles
from config_data.models import Employee, MeetingTopic, OpeningHours, Room, WorkingHours
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("model", [MeetingTopic, WorkingHours, OpeningHours, Room, Employee])
def test_configuration_models_keep_their_history(model):
    """Each change of topics, hours, rooms and employees adds a historical record."""
    assert hasattr(model, "history")
    location = factories.location()
    employee = factories.employee(location=location)
    objects = {
        MeetingTopic: lambda: factories.topic(),
        WorkingHours: lambda: WorkingHours.objects.create(
            employee=employee, weekday=6, start=time(9), end=time(10)
        ),
        OpeningHours: lambda: OpeningHours.objects.create(
            location=location, weekday=6, opens=time(9), closes=time(10)
        ),
        Room: lambda: factories.room(location=location),
        Employee: lambda: employee,
    }
    obj = objects[model]()
    before = obj.history.count()
    obj.save()
    assert obj.history.count() == before + 1
    assert obj.history.first().history_type == "~"


@pytest.mark.django_db
def test_a_change_in_the_admin_records_who_made_it(branches, manager_one):
    """Saving a room through the admin records the user; its history page lists it."""
    room = branches.one.room
    manager_one.post(
        reverse("admin:config_data_room_change", args=[room.pk]),
        {
            "name_en": room.name,
            "location": str(room.location_id),
            "capacity": "7",
            "active": "on",
            "timezone": "",
        },
    )
    latest = room.history.first()
    assert latest.capacity == 7
    assert latest.history_user.groups.filter(name=roles.BRANCH_MANAGER).exists()
    page = manager_one.get(reverse("admin:config_data_room_history", args=[room.pk]))
    assert page.status_code == 200
    assert latest.history_user.username in page.content.decode()


@pytest.mark.django_db
def test_a_history_version_of_another_branch_answers_404(branches, manager_one):
    """The page of one historical version is limited to the branch as well."""
    room = branches.two.room
    version = room.history.first()
    url = reverse("admin:config_data_room_simple_history", args=[room.pk, version.history_id])
    assert manager_one.get(url).status_code == 404
    own = branches.one.room
    own_url = reverse(
        "admin:config_data_room_simple_history", args=[own.pk, own.history.first().history_id]
    )
    assert manager_one.get(own_url).status_code == 200


@pytest.mark.django_db
def test_a_history_version_page_takes_only_get_and_post(branches, login):
    """Our history version view (it refuses reverts to non-administrators) names its
    methods: PUT and DELETE answer 405 with an Allow header, GET opens the page."""
    room = branches.one.room
    url = reverse(
        "admin:config_data_room_simple_history", args=[room.pk, room.history.first().history_id]
    )
    client = login(roles.ADMINISTRATOR)
    assert client.get(url).status_code == 200
    for method in (client.put, client.delete):
        response = method(url)
        assert response.status_code == 405
        assert "POST" in response["Allow"]
