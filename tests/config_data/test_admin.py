"""Django admin: every page loads, invalid configuration is refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import Meeting, MeetingStatus, TimeSlotStatus
from config_data.models import Employee, MeetingTopic, WorkingHours
from tests import factories


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def inline_management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def employee_form(location, **hours) -> dict[str, str]:
    data = {
        "name": "Dora",
        "title": "",
        "email": "dora@example.com",
        "location": str(location.pk),
        "active": "on",
        "physical": "on",
        "timezone": "",
        **inline_management("working_hours", len(hours.get("rows", []))),
        **inline_management("absences", 0),
    }
    for n, (weekday, start, end) in enumerate(hours.get("rows", [])):
        data[f"working_hours-{n}-weekday"] = str(weekday)
        data[f"working_hours-{n}-start"] = start
        data[f"working_hours-{n}-end"] = end
    return data


@pytest.mark.parametrize(
    "model",
    [
        "config_data/location",
        "config_data/room",
        "config_data/employee",
        "config_data/meetingtopic",
        "config_data/customercategory",
        "booking/timeslot",
        "booking/meeting",
        "booking/customer",
    ],
)
def test_every_changelist_and_add_or_change_page_loads(staff_client, world, model):
    """The admin pages staff use answer 200 with data present."""
    response = staff_client.get(f"/admin/{model}/")
    assert response.status_code == 200


def test_employee_with_working_hours_is_saved_through_the_admin(staff_client, world):
    """Two separate intervals on one day (a lunch break) are fine."""
    data = employee_form(world.location, rows=[(0, "09:00", "12:00"), (0, "13:00", "17:00")])
    response = staff_client.post(reverse("admin:config_data_employee_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert WorkingHours.objects.filter(employee__email="dora@example.com").count() == 2


def test_overlapping_working_hours_are_refused_naming_the_field(staff_client, world):
    """09-12 and 11-17 on Monday overlap: the form says so on the start field, nothing saved."""
    data = employee_form(world.location, rows=[(0, "09:00", "12:00"), (0, "11:00", "17:00")])
    response = staff_client.post(reverse("admin:config_data_employee_add"), data)
    assert response.status_code == 200
    assert "overlaps another interval" in response.content.decode()
    assert not Employee.objects.filter(email="dora@example.com").exists()


def test_working_hours_ending_before_they_start_are_refused(staff_client, world):
    """End before start is an error on the end field."""
    data = employee_form(world.location, rows=[(0, "17:00", "09:00")])
    response = staff_client.post(reverse("admin:config_data_employee_add"), data)
    assert response.status_code == 200
    assert "End must be after start." in response.content.decode()
    assert not Employee.objects.filter(email="dora@example.com").exists()


def topic_form(employee, **overrides) -> dict[str, Any]:
    data = {
        "name_en": "Wills",
        "description_en": "",
        "active": "on",
        "duration": "60",
        "physical": "on",
        "requires_room": "on",
        "employees": [str(employee.pk)],
        "customer_bookable": "on",
        "capacity": "1",
        "slot_step": "30",
        "buffer_before": "0",
        "buffer_after": "0",
        "minimum_notice": "0",
        "booking_horizon": "30",
        "change_cutoff": "24",
        **inline_management("information_questions", 0),
    }
    data.update(overrides)
    return data


def test_a_room_bound_topic_at_a_location_without_rooms_is_refused(staff_client, db):
    """In-person meetings need a room; a branch without one makes the topic unbookable."""
    roomless = factories.employee(location=factories.location(name="Roomless"))
    response = staff_client.post(
        reverse("admin:config_data_meetingtopic_add"), topic_form(roomless)
    )
    assert response.status_code == 200
    assert "has no active room" in response.content.decode()
    assert not MeetingTopic.objects.filter(name="Wills").exists()
    # Online-only, or not needing a room, is fine at the same branch.
    response = staff_client.post(
        reverse("admin:config_data_meetingtopic_add"),
        topic_form(roomless, requires_room="", physical="", online="on"),
    )
    assert response.status_code == 302


def test_a_topic_without_any_meeting_type_is_refused(staff_client, world):
    """At least one of in person / online / phone."""
    response = staff_client.post(
        reverse("admin:config_data_meetingtopic_add"), topic_form(world.alice, physical="")
    )
    assert response.status_code == 200
    assert "Choose at least one meeting type." in response.content.decode()


def test_staff_cancel_a_meeting_through_the_service_and_the_time_is_freed(
    staff_client, world, frozen_clock
):
    """The admin action cancels, frees the slot and raises the invite sequence (before the
    meeting begins: staff cannot cancel a begun one)."""
    now = datetime(2026, 6, 1, 6, tzinfo=UTC)
    start = datetime(2026, 6, 2, 8, tzinfo=UTC)
    slot, _ = services.time_slot_reserve(
        actor=Actor.from_holder("session:x"),
        wanted=services.SlotRequest(
            start=start,
            end=start + timedelta(hours=1),
            employee=world.alice,
            topic=world.topic,
            meeting_type="online",
        ),
        now=now,
    )
    services.time_slot_book(actor=Actor.for_session("x"), time_slot_id=slot.pk, now=now)
    customer = services.customer_upsert(name="C", email="c@example.com")
    meeting = services.meeting_create(
        actor=Actor.for_session("x"),
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=customer,
        meeting_type="online",
        now=now,  # the same clock as the booking: a Booked slot waits 15 minutes for it
    )
    response = staff_client.post(
        reverse("admin:booking_meeting_changelist"),
        {"action": "cancel_meetings", "_selected_action": [str(meeting.pk)]},
        follow=True,
    )
    assert "Cancelled 1 meeting." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.ical_sequence == 1
    assert meeting.time_slot.status == TimeSlotStatus.CANCELLED


def test_meetings_can_be_filtered_by_employee_and_status(staff_client, world):
    """The filters staff need exist on the meeting list."""
    response = staff_client.get(
        reverse("admin:booking_meeting_changelist"),
        {"time_slot__employee__id__exact": world.alice.pk, "status__exact": "confirmed"},
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists() or response.context["cl"].result_count >= 0


def admin_login(client, username: str, password: str, **environ: str):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **environ
    )


def test_admin_login_locks_a_username_after_too_many_attempts(client, db, settings):
    """Over BOOKME_ADMIN_LOGIN_ATTEMPTS: 429, a clear error, and the right password is refused."""
    settings.BOOKME_ADMIN_LOGIN_ATTEMPTS = 3
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right")
    for _ in range(3):
        assert admin_login(client, "boss", "guess").status_code == 200  # the form again
    refused = admin_login(client, "Boss ", "right")  # case and spaces do not reset the count
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= settings.BOOKME_ADMIN_LOGIN_WINDOW
    assert "Too many login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from elsewhere is not locked out by boss's attempts.
    get_user_model().objects.create_superuser("ada", "ada@example.com", "right")
    assert admin_login(client, "ada", "right", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_admin_login_locks_an_address_guessing_many_usernames(client, db, settings):
    """Over BOOKME_ADMIN_LOGIN_ATTEMPTS_PER_ADDRESS from one address: 429 for any name."""
    settings.BOOKME_ADMIN_LOGIN_ATTEMPTS_PER_ADDRESS = 3
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right")
    for n in range(3):
        admin_login(client, f"user{n}", "guess")
    assert admin_login(client, "boss", "right").status_code == 429
    assert admin_login(client, "boss", "right", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_admin_login_below_the_limit_works(client, db):
    """A typo or two, then the right password: logged in as before."""
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right")
    admin_login(client, "boss", "typo")
    response = admin_login(client, "boss", "right")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_fullwidth_spellings_of_a_username_share_its_count(client, db, settings):
    """Django's login normalises usernames with NFKC: a fullwidth boss is boss, and counts so."""
    settings.BOOKME_ADMIN_LOGIN_ATTEMPTS = 3
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right")
    for spelling in ["\uff42\uff4f\uff53\uff53", "\uff22\uff2f\uff33\uff33", "bo\uff53s"]:
        assert admin_login(client, spelling, "guess").status_code == 200
    assert admin_login(client, "boss", "right").status_code == 429


def test_someone_elses_guesses_never_lock_the_admin_out(client, db, settings):
    """Failures from one address lock that address out of the username, not the admin."""
    settings.BOOKME_ADMIN_LOGIN_ATTEMPTS = 3
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right")
    statuses = [admin_login(client, "boss", f"guess-{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert admin_login(client, "boss", "right", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_successful_admin_logins_never_count(client, db, settings):
    """An administrator who logs in often is never refused for it."""
    settings.BOOKME_ADMIN_LOGIN_ATTEMPTS = 2
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right")
    for _ in range(4):
        assert admin_login(client, "boss", "right").status_code == 302
        client.logout()
    # A failure after them still counts from one: two typos are allowed.
    assert admin_login(client, "boss", "typo").status_code == 200
    assert admin_login(client, "boss", "typo").status_code == 200
    assert admin_login(client, "boss", "right").status_code == 429


def test_a_guess_during_a_password_check_is_refused_at_the_limit(client, db, settings):
    """A parallel guess is counted before its password is checked: no burst gets past."""
    settings.BOOKME_ADMIN_LOGIN_ATTEMPTS = 1
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right")
    during_check: list[int] = []
    check = ModelBackend.authenticate

    def slow_check(backend, request, *args, **kwargs):
        if not during_check:  # the parallel guess lands while this one is being checked
            during_check.append(admin_login(Client(), "boss", "parallel").status_code)
        return check(backend, request, *args, **kwargs)

    with mock.patch.object(ModelBackend, "authenticate", slow_check):
        assert admin_login(client, "boss", "first").status_code == 200
    assert during_check == [429]
