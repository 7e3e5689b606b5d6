"""My meetings and My schedule: signed-in pages that show only one's own meetings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import services
from booking.actors import Actor
from tests.web.conftest import TUESDAY_TEN, book, existing_meeting


@pytest.fixture
def carla(db):
    return get_user_model().objects.create_user("carla", "carla@example.com", "pw")


@pytest.fixture
def outsider(db):
    return get_user_model().objects.create_user("otto", "otto@example.com", "pw")


def test_my_meetings_needs_sign_in(client, db):
    """Anonymous visitors are sent to allauth's sign-in page."""
    response = client.get(reverse("booking:my_meetings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_my_meetings_lists_upcoming_and_past_meetings(client, bank, carla, frozen_clock):
    """A signed-in customer sees upcoming and past meetings with their manage links."""
    client.force_login(carla)
    ten = book(client, bank)
    one = book(client, bank, TUESDAY_TEN + timedelta(hours=3))
    frozen_clock.shift(timedelta(days=1, hours=3, minutes=30))  # Tuesday 11:30
    html = client.get(reverse("booking:my_meetings")).content.decode()
    upcoming_part, past_part = html.split('id="past-heading"')
    assert reverse("booking:manage", args=[one.reference]) in upcoming_part
    assert reverse("booking:manage", args=[ten.reference]) in past_part
    assert "(Europe/Copenhagen)" in html


def test_my_meetings_shows_only_ones_own(client, bank, carla, outsider):
    """Someone else's meetings never appear, not even with the same email."""
    existing_meeting(bank, employee=bank.alice, start=TUESDAY_TEN)  # a guest booking
    client.force_login(outsider)
    book(client, bank, TUESDAY_TEN + timedelta(hours=2))
    client.force_login(carla)
    html = client.get(reverse("booking:my_meetings")).content.decode()
    assert "You have no upcoming meetings." in html
    assert "/m/" not in html


def test_cancelled_meetings_show_their_status(client, bank, carla):
    """A cancelled meeting stays in the list, marked as such."""
    client.force_login(carla)
    meeting = book(client, bank)
    services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
    html = client.get(reverse("booking:my_meetings")).content.decode()
    assert "badge-cancelled" in html


def test_my_schedule_shows_an_employees_upcoming_meetings_by_day(client, bank, carla):
    """Alice, signed in, sees her meetings grouped by day with customer, topic, room."""
    bank.alice.user = carla
    bank.alice.save()
    book(client, bank, meeting_type="physical", location=bank.world.location.pk)
    existing_meeting(bank, employee=bank.alice, start=TUESDAY_TEN + timedelta(days=1))
    existing_meeting(bank, employee=bank.bob, start=TUESDAY_TEN + timedelta(days=2))
    client.force_login(carla)
    html = client.get(reverse("booking:my_schedule")).content.decode()
    assert "Tuesday, 2 June 2026" in html
    assert "Wednesday, 3 June 2026" in html
    assert "Thursday, 4 June 2026" not in html  # Bob's
    assert "Carla Customer" in html
    assert bank.topic.name in html
    assert bank.world.small_room.name in html
    assert "10:00–11:00" in html
    assert "What is the purpose?: A new home" in html


def test_my_schedule_is_404_for_someone_who_is_not_an_employee(client, outsider):
    """A customer account has no schedule."""
    client.force_login(outsider)
    assert client.get(reverse("booking:my_schedule")).status_code == 404


def test_schedule_link_only_for_employees(client, bank, carla, outsider):
    """The header offers My schedule only to employees."""
    client.force_login(outsider)
    assert "My schedule" not in client.get("/").content.decode()
    bank.alice.user = carla
    bank.alice.save()
    client.force_login(carla)
    assert "My schedule" in client.get("/").content.decode()


def test_my_meetings_queries_do_not_grow_with_meetings(
    client, bank, carla, django_assert_max_num_queries
):
    """Three meetings or one: the list page costs the same bounded number of queries."""
    client.force_login(carla)
    for hours in (0, 2, 4):
        book(client, bank, TUESDAY_TEN + timedelta(hours=hours))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("booking:my_meetings"))
    assert response.content.decode().count("/m/") == 3


def test_my_schedule_queries_do_not_grow_with_meetings(client, bank, carla):
    """One meeting or five, each with answers and a room: the schedule costs the same queries."""
    bank.alice.user = carla
    bank.alice.save()
    client.force_login(carla)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("booking:my_schedule"))
        assert response.status_code == 200
        return len(queries)

    physical = {"meeting_type": "physical", "location": bank.world.location.pk}
    book(client, bank, **physical)
    one = count()
    for days in (1, 2, 7, 8):
        book(client, bank, TUESDAY_TEN + timedelta(days=days), **physical)
    assert count() == one
