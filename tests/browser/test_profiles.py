"""Booking through a profile's link (/p/<slug>/) in a real browser: phone and desktop,
English and German, with and without JavaScript (axe-core only where scripts run)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import translation

from booking.models import Meeting
from config_data.models import BookingProfile

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def gettext_in(language: str):
    def t(message: str) -> str:
        with translation.override(language):
            return translation.gettext(message)

    return t


@pytest.fixture
def profile(bookable) -> BookingProfile:
    """Alice's page: the topic in 30 or 60 minutes, a subject with two variables."""
    page = BookingProfile.objects.create(
        employee=bookable.employee,
        slug="alice-call",
        title="Quick call with Alice",
        durations=[30, 60],
        subject_template="Call with {{name}} about {{company|your company}}",
        online_meeting_link="https://meet.example.com/bank-{reference}",
    )
    page.topics.set([bookable.topic])
    return page


@pytest.mark.parametrize(
    ("language", "size", "javascript"),
    [
        ("en", DESKTOP, True),
        ("de", PHONE, True),
        ("en", PHONE, False),
        ("de", DESKTOP, False),
    ],
    ids=["en-desktop-js", "de-phone-js", "en-phone-nojs", "de-desktop-nojs"],
)
def test_book_through_a_profile_link(new_page, axe_check, profile, language, size, javascript):
    """Profile page -> free times (30 minutes, online) -> details with the profile's fields ->
    booked: the meeting keeps the fields, and the booked page shows the filled-in subject."""
    t = gettext_in(language)
    page = new_page(language=language, javascript=javascript, **size)
    check = axe_check if javascript else (lambda *args, **kwargs: None)

    page.goto(f"/p/{profile.slug}/")
    assert page.get_by_role("heading", name="Quick call with Alice").is_visible()
    check(page, label="profile")
    card = page.locator("li.topic", has_text="Mortgage advice")
    card.get_by_label(t("Online"), exact=True).check()
    card.get_by_role("button", name=f"{t('Show free times')} Mortgage advice").click()
    page.wait_for_url(re.compile(r"/times/.*profile=alice-call"))
    check(page, label="times")

    times = page.locator("#picker-times").get_by_role("button")
    if times.count() == 0:
        page.locator("#month-next-free").click()
        times.first.wait_for()
    times.first.click()
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    check(page, label="details")

    page.get_by_role("textbox", name=t("Your name"), exact=True).fill("Carla Customer")
    page.get_by_role("textbox", name=t("Email"), exact=True).fill("carla@example.com")
    page.get_by_role("textbox", name="Company", exact=True).fill("Acme")
    # The required field left empty first: the form says so and books nothing.
    page.get_by_role("button", name=t("Confirm booking")).click()
    page.get_by_text(t("Please fill in this field.")).wait_for()
    assert not Meeting.objects.exists()
    page.get_by_role("textbox", name="Name", exact=True).fill("Carla")
    page.get_by_role("button", name=t("Confirm booking")).click()
    page.wait_for_url(re.compile(r"/m/[\w-]+/booked/"))
    assert page.get_by_text("Call with Carla about Acme").first.is_visible()
    check(page, label="confirmed")

    meeting = Meeting.objects.get()
    assert meeting.profile_id == profile.pk
    assert meeting.profile_fields == {"name": "Carla", "company": "Acme"}
    assert meeting.end - meeting.start == timedelta(minutes=30)
    assert meeting.join_link.endswith(meeting.reference)


def test_a_closed_profile_says_so(new_page, profile):
    """A switched-off profile: a page that says the booking page is not open (404)."""
    BookingProfile.objects.filter(pk=profile.pk).update(active=False)
    page = new_page(javascript=False, **PHONE)
    response = page.goto(f"/p/{profile.slug}/")
    assert response is not None
    assert response.status == 404
    assert page.get_by_text("This booking page is not open at the moment.").is_visible()
