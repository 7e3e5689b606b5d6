"""Holding a time from the picker: the Reserved slot, and every way it can be refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from booking.models import TimeSlot, TimeSlotStatus
from booking.views.session_holds import SESSION_HOLDS
from tests.web.conftest import TUESDAY_TEN, existing_meeting, held_slot_id, hold, times_url


def test_choosing_a_time_holds_it_and_goes_to_details(client, bank, now):
    """The POST reserves the slot for this browser session for 15 minutes."""
    response = hold(client, bank.topic, TUESDAY_TEN)
    assert response.status_code == 302
    slot = TimeSlot.objects.get(pk=held_slot_id(response))
    assert slot.status == TimeSlotStatus.RESERVED
    assert (slot.start, slot.end) == (TUESDAY_TEN, TUESDAY_TEN + timedelta(hours=1))
    assert slot.expires_at == now + timedelta(minutes=15)
    assert slot.holder == f"session:{client.session.session_key}"
    assert slot.topic == bank.topic
    assert str(slot.pk) in client.session[SESSION_HOLDS]


def test_in_person_hold_gets_a_room(client, bank):
    """An in-person time needs a room at the branch: the hold carries one."""
    response = hold(client, bank.topic, meeting_type="physical", location=bank.world.location.pk)
    slot = TimeSlot.objects.get(pk=held_slot_id(response))
    assert slot.room is not None


def test_signed_in_customer_holds_as_their_user(client, bank):
    """A signed-in browser's holds belong to the user (user:<pk>)."""
    user = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    client.force_login(user)
    slot = TimeSlot.objects.get(pk=held_slot_id(hold(client, bank.topic)))
    assert slot.holder == f"user:{user.pk}"


def test_chosen_employee_is_held(client, bank):
    """With Bob chosen, the hold is Bob's even though Alice is free too."""
    response = hold(client, bank.topic, employee=str(bank.bob.pk))
    assert TimeSlot.objects.get(pk=held_slot_id(response)).employee == bank.bob


def test_any_available_holds_the_first_employee_when_equally_busy(client, bank):
    """Ties go to the lowest id: deterministic."""
    response = hold(client, bank.topic)
    assert TimeSlot.objects.get(pk=held_slot_id(response)).employee == bank.alice


def test_any_available_holds_the_least_busy_employee(client, bank):
    """Alice already has a meeting that day, so Bob gets the new one."""
    existing_meeting(bank, employee=bank.alice, start=TUESDAY_TEN + timedelta(hours=3))
    response = hold(client, bank.topic)
    assert TimeSlot.objects.get(pk=held_slot_id(response)).employee == bank.bob


def test_any_available_falls_back_when_one_employee_is_taken(client, bank):
    """Alice is taken at ten: "any available" still gets ten, with Bob."""
    existing_meeting(bank, employee=bank.alice, start=TUESDAY_TEN)
    response = hold(client, bank.topic)
    assert TimeSlot.objects.get(pk=held_slot_id(response)).employee == bank.bob


def assert_refused(response, status: int, message: str) -> None:
    assert response.status_code == status
    html = response.content.decode()
    assert message in html
    assert 'id="picker"' in html  # the picker again, to choose another time


def test_time_in_the_past_is_refused_with_a_message(client, bank, now):
    """Nothing is held for a time that has passed; the picker is shown again."""
    response = hold(client, bank.topic, now - timedelta(hours=1))
    assert_refused(response, 409, "This time has already passed. Please choose a later time.")
    assert not TimeSlot.objects.exists()


def test_time_not_offered_is_refused_with_a_message(client, bank):
    """10:10 is not on the half-hour grid; 03:00 is outside working hours."""
    for start in (TUESDAY_TEN + timedelta(minutes=10), datetime(2026, 6, 2, 1, 0, tzinfo=UTC)):
        response = hold(client, bank.topic, start)
        assert_refused(
            response, 409, "This time is not available. Please choose one of the times shown."
        )
    assert not TimeSlot.objects.exists()


def test_time_taken_by_someone_else_is_refused(client, bank):
    """Bob is booked at ten: holding ten with Bob is refused, and that day is shown again."""
    existing_meeting(bank, employee=bank.bob, start=TUESDAY_TEN)
    response = hold(client, bank.topic, employee=str(bank.bob.pk))
    assert_refused(response, 409, "This time is not available.")
    html = response.content.decode()
    assert '<h3 id="picker-times-heading" tabindex="-1">Tuesday 2 June 2026</h3>' in html
    assert TimeSlot.objects.count() == 1


def test_garbage_time_is_refused_with_a_message(client, bank):
    """A tampered button value is a 400 with a message, not a crash."""
    for value in ("yesterday", "2026-06-02T10:00:00"):  # no zone is not accepted either
        response = client.post(
            reverse("booking:times", args=[bank.topic.pk]),
            {"type": "online", "employee": "any", "start": value},
        )
        assert_refused(response, 400, "Please choose one of the times shown.")


def test_at_most_three_active_holds_per_session(client, bank):
    """A fourth hold is refused with a clear message until one is released or expires."""
    for hours in range(3):
        assert hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=hours)).status_code == 302
    response = hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=4))
    assert_refused(response, 429, "You are already holding 3 times.")
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 3


def test_expired_holds_do_not_count_against_the_limit(client, bank, frozen_clock):
    """After the holds run out, the browser can hold again."""
    for hours in range(3):
        hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=hours))
    frozen_clock.shift(timedelta(minutes=16))
    assert hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=4)).status_code == 302


def test_hold_attempts_are_rate_limited_per_session(client, bank, settings):
    """Past the limit every attempt is refused, even a valid one, with a message."""
    settings.BOOKME_HOLD_ATTEMPTS = 3
    for _ in range(3):
        hold(client, bank.topic, datetime(2026, 6, 2, 1, 0, tzinfo=UTC))  # refused, but counted
    response = hold(client, bank.topic, TUESDAY_TEN)
    assert_refused(response, 429, "You have tried to hold times too often in a short while.")
    assert not TimeSlot.objects.exists()
    # Another browser is not affected.
    assert hold(Client(), bank.topic, TUESDAY_TEN).status_code == 302


def test_a_bot_that_drops_its_cookies_is_limited_by_its_address(bank, settings):
    """A new session per attempt resets the session limit, not the one per address."""
    settings.BOOKME_HOLD_ATTEMPTS = 2
    settings.BOOKME_HOLD_ATTEMPTS_PER_ADDRESS = 4
    for hours in range(4):  # four fresh "browsers" from one address
        assert hold(Client(), bank.topic, TUESDAY_TEN + timedelta(hours=hours)).status_code == 302
    response = hold(Client(), bank.topic, TUESDAY_TEN + timedelta(hours=5))
    assert_refused(response, 429, "You have tried to hold times too often in a short while.")
    assert TimeSlot.objects.count() == 4
    # Someone else, from another address, is not affected.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert hold(other, bank.topic, TUESDAY_TEN + timedelta(hours=5)).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(rf, settings):
    """Only the entries our own proxies appended are believed, not what a client sent."""
    from booking.ratelimit import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.BOOKME_TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.2"
    settings.BOOKME_TRUSTED_PROXIES = 1
    assert client_address(request) == "203.0.113.9"
    settings.BOOKME_TRUSTED_PROXIES = 2
    assert client_address(request) == "6.6.6.6"
    settings.BOOKME_TRUSTED_PROXIES = 3  # fewer entries than proxies: not believable
    assert client_address(request) == "10.0.0.2"


def test_rate_limit_window_passes(client, bank, settings, frozen_clock):
    """The limit is per window: once it has passed, holding works again."""
    settings.BOOKME_HOLD_ATTEMPTS = 1
    settings.BOOKME_HOLD_ATTEMPT_WINDOW = 60
    assert hold(client, bank.topic, TUESDAY_TEN).status_code == 302
    assert hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=2)).status_code == 429
    frozen_clock.shift(timedelta(seconds=61))
    assert hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=2)).status_code == 302


def test_hold_post_without_csrf_token_is_refused(bank):
    """CSRF: a POST without the token is a 403 and holds nothing."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(times_url(bank.topic))
    response = hold(browser, bank.topic)
    assert response.status_code == 403
    assert not TimeSlot.objects.exists()


def test_hold_post_with_csrf_token_passes(bank):
    """CSRF: the token from the picker's form makes the same POST succeed."""
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(times_url(bank.topic)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = hold(browser, bank.topic, csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert TimeSlot.objects.count() == 1


def test_htmx_header_token_passes_csrf(bank):
    """The token HTMX sends in the X-CSRFToken header (from <body hx-headers>) is accepted."""
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(times_url(bank.topic)).content.decode()
    token = re.search(r'"x-csrftoken": "([^"]+)"', html).group(1)
    response = browser.post(
        reverse("booking:times", args=[bank.topic.pk]),
        {"type": "online", "employee": "any", "start": TUESDAY_TEN.isoformat()},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302


def test_time_at_the_ends_of_the_calendar_is_refused_with_a_message(client, bank):
    """A tampered time in year 1 or 9999 (where changing its zone overflows) is a 400."""
    for value in (
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:00:00-05:00",
        "9999-12-31T20:00:00+00:00",
    ):
        response = client.post(
            reverse("booking:times", args=[bank.topic.pk]),
            {"type": "online", "employee": "any", "start": value},
        )
        assert_refused(response, 400, "Please choose one of the times shown.")
    assert not TimeSlot.objects.exists()
