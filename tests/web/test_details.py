"""Details and confirm: the form, its errors, and Reserved -> Booked -> Meeting at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import Customer, Meeting, MeetingAnswer, TimeSlot, TimeSlotStatus
from booking.views.session_holds import SESSION_DRAFT
from tests.concurrency import race
from tests.web.conftest import (
    TUESDAY_TEN,
    answers_for,
    details_data,
    existing_meeting,
    held_slot_id,
    hold,
    times_url,
)


@pytest.fixture
def held(client, bank) -> int:
    """A time held by the test client: Tuesday 10:00, online, any employee (Alice)."""
    return held_slot_id(hold(client, bank.topic, TUESDAY_TEN, category=bank.private.pk))


def details_url(slot_id: int) -> str:
    return reverse("booking:details", args=[slot_id])


def confirm(client, bank, slot_id, **overrides):
    return client.post(
        details_url(slot_id), {**details_data(), **answers_for(bank.topic), **overrides}
    )


def test_details_page_shows_the_held_time_and_the_countdown(client, bank, held):
    """Date, time, zone and employee of the hold; "held until" as plain text in a live region."""
    html = client.get(details_url(held)).content.decode()
    assert "Tuesday, 2 June 2026" in html
    assert "10:00–11:00" in html
    assert "(Europe/Copenhagen)" in html
    assert "Alice" in html
    assert "This time is held for you until 08:15 (Europe/Copenhagen)." in html
    assert 'aria-live="polite"' in html
    assert 'data-hold-expires="2026-06-01T06:15:00+00:00"' in html


def test_details_form_has_a_label_for_every_field(client, bank, held):
    """Name, email, phone, description and each information question are labelled."""
    html = client.get(details_url(held)).content.decode()
    for field_id in ("id_name", "id_email", "id_phone", "id_description"):
        assert f'<label for="{field_id}">' in html
    question = bank.topic.information_questions.get()
    assert f'<label for="id_answer_{question.pk}">What is the purpose?' in html


def test_signed_in_customer_gets_their_details_prefilled(client, bank):
    """A known customer's name, email and phone are filled in."""
    user = get_user_model().objects.create_user("dan", "dan@example.com", "pw")
    Customer.objects.create(name="Dan Known", email="dan@known.example", phone="555", user=user)
    client.force_login(user)
    slot_id = held_slot_id(hold(client, bank.topic))
    html = client.get(details_url(slot_id)).content.decode()
    assert 'value="Dan Known"' in html
    assert 'value="dan@known.example"' in html
    assert 'value="555"' in html


def test_signed_in_user_without_customer_record_gets_account_email(client, bank):
    """A new account: the account's primary email and name are filled in."""
    user = get_user_model().objects.create_user(
        "erin", "old@example.com", "pw", first_name="Erin", last_name="New"
    )
    EmailAddress.objects.create(user=user, email="erin@example.com", primary=True, verified=True)
    client.force_login(user)
    slot_id = held_slot_id(hold(client, bank.topic))
    html = client.get(details_url(slot_id)).content.decode()
    assert 'value="Erin New"' in html
    assert 'value="erin@example.com"' in html


def test_confirm_books_the_slot_and_creates_the_meeting(client, bank, held):
    """One POST: the slot is Booked, the customer recorded, the meeting created."""
    response = confirm(client, bank, held)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:confirmed", args=[meeting.reference])
    slot = TimeSlot.objects.get(pk=held)
    assert slot.status == TimeSlotStatus.BOOKED
    assert slot.expires_at is None
    assert meeting.time_slot == slot
    assert (meeting.customer.name, meeting.customer.email) == (
        "Carla Customer",
        "carla@example.com",
    )
    assert meeting.customer.phone == "+45 12 34 56 78"
    assert meeting.meeting_type == "online"
    assert meeting.customer_category == bank.private
    assert meeting.description == "Buying a flat"
    assert meeting.owner == f"session:{client.session.session_key}"
    assert meeting.language == "en"
    assert list(MeetingAnswer.objects.values_list("question_text", "answer")) == [
        ("What is the purpose?", "A new home")
    ]


def test_signed_in_booking_links_the_customer_to_the_account(client, bank):
    """A signed-in customer's meeting appears under their account."""
    user = get_user_model().objects.create_user("fay", "fay@example.com", "pw")
    client.force_login(user)
    slot_id = held_slot_id(hold(client, bank.topic))
    confirm(client, bank, slot_id)
    assert Meeting.objects.get().customer.user == user


def test_meeting_language_is_the_language_of_the_page(client, bank, held):
    """Booking in German records German for the emails."""
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    confirm(client, bank, held)
    assert Meeting.objects.get().language == "de"


def test_invalid_email_re_renders_the_form_with_the_error(client, bank, held):
    """Same page, field error, entered values kept, nothing booked."""
    response = confirm(client, bank, held, email="not-an-email")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in html
    assert 'value="Carla Customer"' in html
    assert 'value="not-an-email"' in html
    assert 'aria-invalid="true"' in html
    assert not Meeting.objects.exists()
    assert TimeSlot.objects.get(pk=held).status == TimeSlotStatus.RESERVED


def test_required_question_must_be_answered(client, bank, held):
    """A required information question left empty is a field error."""
    question = bank.topic.information_questions.get()
    response = confirm(client, bank, held, **{f"answer_{question.pk}": "  "})
    assert "Please answer this question." in response.content.decode()
    assert not Meeting.objects.exists()


def test_missing_name_is_a_field_error(client, bank, held):
    """The name is required."""
    response = confirm(client, bank, held, name="")
    assert "This field is required." in response.content.decode()
    assert not Meeting.objects.exists()


def test_htmx_invalid_form_returns_422_with_only_the_form(client, bank, held):
    """With HTMX the form fragment comes back with 422 for the swap."""
    response = client.post(
        details_url(held),
        {**details_data(email="nope"), **answers_for(bank.topic)},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="details-form"')
    assert "Enter a valid email address." in html


def test_htmx_confirm_redirects_through_hx_redirect(client, bank, held):
    """With HTMX, success answers HX-Redirect to the confirmation page."""
    response = client.post(
        details_url(held),
        {**details_data(), **answers_for(bank.topic)},
        headers={"HX-Request": "true"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("booking:confirmed", args=[meeting.reference])


def test_double_submitted_confirm_creates_exactly_one_meeting(client, bank, held):
    """The second POST finds the first meeting and redirects to it."""
    first = confirm(client, bank, held)
    second = confirm(client, bank, held)
    assert Meeting.objects.count() == 1
    assert Customer.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    # The details page itself now leads to the meeting too.
    assert client.get(details_url(held))["Location"] == first["Location"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_creates_exactly_one_meeting(bank):
    """Two simultaneous confirms of one hold (double click): one meeting, both see it."""
    browser = Client()
    slot_id = held_slot_id(hold(browser, bank.topic))
    cookie = browser.cookies

    def submit() -> str:
        tab = Client()
        tab.cookies = cookie
        response = confirm(tab, bank, slot_id)
        return response["Location"] if response.status_code == 302 else ""

    results = race([submit, submit])
    meeting = Meeting.objects.get()
    assert results == [reverse("booking:confirmed", args=[meeting.reference])] * 2
    assert Customer.objects.count() == 1


def test_expired_hold_is_taken_again_when_the_time_is_still_free(client, bank, held, frozen_clock):
    """The hold ran out but nobody took the time: confirming still books it."""
    frozen_clock.shift(timedelta(minutes=20))
    html = client.get(details_url(held)).content.decode()
    assert "Your hold has expired." in html
    response = confirm(client, bank, held)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.start == TUESDAY_TEN
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED
    assert TimeSlot.objects.get(pk=held).status == TimeSlotStatus.EXPIRED
    # Submitting the old form again still leads to the same meeting.
    assert confirm(client, bank, held)["Location"] == response["Location"]


def test_expired_hold_when_the_time_was_taken_gives_a_message_and_keeps_the_details(
    client, bank, frozen_clock
):
    """Hold expired and someone else booked the time: clear message, nothing booked,
    the entered details come back on the next details form."""
    slot_id = held_slot_id(hold(client, bank.topic, employee=str(bank.alice.pk)))
    frozen_clock.shift(timedelta(minutes=20))
    existing_meeting(bank, employee=bank.alice, start=TUESDAY_TEN)

    response = confirm(client, bank, slot_id, name="Gina Kept")
    html = response.content.decode()
    assert response.status_code == 409
    assert "Your hold on this time expired and the time is no longer free." in html
    assert 'value="Gina Kept"' in html
    assert "Choose another time" in html
    assert "/book/" in html
    assert Meeting.objects.count() == 1  # only the other customer's
    assert client.session[SESSION_DRAFT]["name"] == "Gina Kept"

    other = held_slot_id(hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=2)))
    assert 'value="Gina Kept"' in client.get(details_url(other)).content.decode()
    confirm(client, bank, other)
    assert SESSION_DRAFT not in client.session


def test_someone_elses_hold_is_404(client, bank, held):
    """Another browser cannot see or confirm this hold, nor an unknown one."""
    stranger = Client()
    assert stranger.get(details_url(held)).status_code == 404
    assert confirm(stranger, bank, held).status_code == 404
    assert stranger.post(reverse("booking:release", args=[held])).status_code == 404
    assert client.get(details_url(held + 1000)).status_code == 404
    assert not Meeting.objects.exists()


def test_hold_survives_signing_in(client, bank, held):
    """Signing in mid-way (a new session key) keeps the hold usable."""
    user = get_user_model().objects.create_user("hal", "hal@example.com", "pw")
    client.force_login(user)
    assert client.get(details_url(held)).status_code == 200
    assert confirm(client, bank, held).status_code == 302
    assert Meeting.objects.get().customer.user == user


def test_choose_another_time_releases_the_hold(client, bank, held):
    """ "Choose another time" gives the time back and returns to the picker on its day."""
    response = client.post(reverse("booking:release", args=[held]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("booking:times", args=[bank.topic.pk]))
    assert "day=2026-06-02" in response["Location"]
    assert f"category={bank.private.pk}" in response["Location"]
    assert TimeSlot.objects.get(pk=held).status == TimeSlotStatus.CANCELLED
    assert client.get(details_url(held)).status_code == 404


def test_release_needs_post(client, held):
    """GET never changes anything."""
    assert client.get(reverse("booking:release", args=[held])).status_code == 405


def test_confirm_without_csrf_token_is_refused(bank):
    """CSRF: confirming without the token is a 403 and books nothing."""
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(times_url(bank.topic)).content
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
    slot_id = held_slot_id(hold(browser, bank.topic, csrfmiddlewaretoken=token))
    data = {**details_data(), **answers_for(bank.topic)}
    assert browser.post(details_url(slot_id), data).status_code == 403
    assert not Meeting.objects.exists()
    page = browser.get(details_url(slot_id)).content
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    response = browser.post(details_url(slot_id), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Meeting.objects.count() == 1


def test_htmx_confirm_conflict_swaps_the_form_with_the_message(client, bank, frozen_clock):
    """With HTMX a lost time comes back as the form fragment (409) carrying the message."""
    slot_id = held_slot_id(hold(client, bank.topic, employee=str(bank.alice.pk)))
    frozen_clock.shift(timedelta(minutes=20))
    existing_meeting(bank, employee=bank.alice, start=TUESDAY_TEN)
    response = client.post(
        details_url(slot_id),
        {**details_data(), **answers_for(bank.topic)},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert html.lstrip().startswith('<form id="details-form"')
    assert "the time is no longer free" in html


def test_hold_released_meanwhile_is_taken_again_when_the_time_is_still_free(client, bank, held):
    """The hold was given back (from another tab, say) but the time is free: confirming books it."""
    holder = TimeSlot.objects.get(pk=held).holder
    services.time_slot_release(actor=Actor.from_holder(holder), time_slot_id=held)
    response = confirm(client, bank, held)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.start == TUESDAY_TEN
    assert meeting.time_slot_id != held
    assert TimeSlot.objects.get(pk=held).status == TimeSlotStatus.CANCELLED


def test_expired_hold_while_holding_too_many_other_times_says_so(client, bank, frozen_clock):
    """The hold ran out and the browser now holds three other times: nothing is booked and
    the message says how to go on."""
    slot_id = held_slot_id(hold(client, bank.topic))
    frozen_clock.shift(timedelta(minutes=20))
    for hours in (2, 3, 4):
        assert hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=hours)).status_code == 302
    response = confirm(client, bank, slot_id)
    assert response.status_code == 429
    assert "Your hold on this time expired and you are holding other times." in (
        response.content.decode()
    )
    assert not Meeting.objects.exists()


def test_overlong_email_is_a_field_error_not_a_crash(client, bank, held):
    """An address the form's check accepts but the customer record cannot store (over 254
    characters) is a field error on the same page; nothing is booked."""
    email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"  # 312 characters
    response = confirm(client, bank, held, email=email)
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters" in response.content.decode()
    assert not Meeting.objects.exists()
    assert TimeSlot.objects.get(pk=held).status == TimeSlotStatus.RESERVED


def test_kept_details_are_only_the_forms_own_fields(client, bank, frozen_clock):
    """After a lost time the entered details are kept for the next try, but nothing else
    that was posted ends up in the session."""
    slot_id = held_slot_id(hold(client, bank.topic, employee=str(bank.alice.pk)))
    frozen_clock.shift(timedelta(minutes=20))
    existing_meeting(bank, employee=bank.alice, start=TUESDAY_TEN)
    confirm(client, bank, slot_id, name="Gina Kept", junk="x" * 1000)
    draft = client.session[SESSION_DRAFT]
    assert draft["name"] == "Gina Kept"
    assert draft[f"answer_{bank.topic.information_questions.get().pk}"] == "A new home"
    assert "junk" not in draft
    assert "csrfmiddlewaretoken" not in draft
