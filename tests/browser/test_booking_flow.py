"""The customer's whole journey in a real browser, with axe-core on every page.

Book (theme, options, time, details, confirm), download the invite, then through the
manage link in the email: reschedule, then cancel; in English and in German.
"""

from __future__ import annotations

import re

import icalendar
import pytest
from django.core import mail

from booking.models import Meeting, MeetingStatus, TimeSlot, TimeSlotStatus
from tests.background import run_tasks
from tests.browser.variants import gettext_in

pytestmark = pytest.mark.browser


def download_invite(page, link_name: str) -> icalendar.Calendar:
    """Clicks the download link and parses the file the browser saved."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    with open(download.path(), "rb") as saved:
        return icalendar.Calendar.from_ical(saved.read())


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    events = calendar.events
    assert len(events) == 1
    return events[0]


def choose_first_free_time(page) -> str:
    """Clicks the first free time of the day shown (or of the next month with free time)."""
    times = page.locator("#picker-times").get_by_role("button")
    if times.count() == 0:
        page.locator("#month-next-free").click()
        times.first.wait_for()
    chosen = times.first
    name = " ".join(chosen.inner_text().split())
    chosen.click()
    return name


def book_a_meeting(page, axe_check, t, *, meeting_type: str) -> Meeting:
    """Landing -> options -> times -> details -> confirmed, checking each page with axe."""
    page.goto("/")
    axe_check(page, label="landing")
    page.get_by_role("link", name="Private", exact=True).click()
    page.locator('[aria-current="true"]', has_text="Private").wait_for()
    page.get_by_role("link", name=f"{t('Choose')} Mortgage advice").click()
    page.wait_for_url(re.compile(r"/book/\d+/"))
    axe_check(page, label="options")

    page.get_by_label(meeting_type, exact=True).check()
    if meeting_type == t("In person"):
        page.get_by_label(t("Branch")).wait_for()  # HTMX adds the branch choice
    page.get_by_role("button", name=t("Show free times")).click()
    page.wait_for_url(re.compile(r"/times/"))
    assert "Europe/Copenhagen" in page.locator("#picker .zone").inner_text()  # the zone is shown
    axe_check(page, label="times")

    choose_first_free_time(page)
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    countdown = page.locator("[data-countdown]")
    countdown.wait_for()
    assert re.search(r"\d+:\d\d", countdown.inner_text())
    axe_check(page, label="details")

    page.get_by_role("textbox", name=t("Your name"), exact=True).fill("Carla Customer")
    page.get_by_role("textbox", name=t("Email"), exact=True).fill("carla@example.com")
    page.get_by_role("button", name=t("Confirm booking")).click()
    page.wait_for_url(re.compile(r"/m/[\w-]+/booked/"))
    assert page.get_by_role("heading", name=t("Your meeting is booked")).is_visible()
    axe_check(page, label="confirmed")
    return Meeting.objects.with_details().get()


def manage_link_from_email(reference: str) -> str:
    run_tasks()  # the emails go out in the worker
    confirmations = [m for m in mail.outbox if m.to == ["carla@example.com"]]
    assert confirmations, [m.to for m in mail.outbox]
    match = re.search(rf"https?://\S+/m/{re.escape(reference)}/", str(confirmations[0].body))
    assert match, confirmations[0].body
    return match.group(0)


def reschedule_then_cancel(page, axe_check, t, meeting: Meeting) -> None:
    """Through the emailed manage link: move the meeting, then cancel it."""
    page.goto(manage_link_from_email(meeting.reference))
    axe_check(page, label="manage")

    page.get_by_role("link", name=t("Choose a new time")).click()
    page.wait_for_url(re.compile(r"/reschedule/"))
    axe_check(page, label="reschedule")
    choose_first_free_time(page)  # the current time is not a button: this is another one
    page.wait_for_url(re.compile(r"/reschedule/\d+/"))
    axe_check(page, label="reschedule-confirm")
    page.get_by_role("button", name=t("Move my meeting")).click()
    page.wait_for_url(re.compile(rf"/m/{re.escape(meeting.reference)}/$"))

    moved = Meeting.objects.with_details().get(pk=meeting.pk)
    assert moved.start != meeting.start
    assert moved.ical_sequence == meeting.ical_sequence + 1
    assert TimeSlot.objects.get(pk=meeting.time_slot_id).status == TimeSlotStatus.CANCELLED
    event = only_event(download_invite(page, t("Add to calendar (.ics)")))
    assert str(event["UID"]) == meeting.ical_uid
    assert event["SEQUENCE"] == moved.ical_sequence
    assert event.decoded("DTSTART") == moved.start

    page.get_by_role("link", name=t("Cancel meeting")).click()
    page.wait_for_url(re.compile(r"/cancel/"))
    axe_check(page, label="cancel")
    page.get_by_role("button", name=t("Yes, cancel the meeting")).click()
    page.wait_for_url(re.compile(rf"/m/{re.escape(meeting.reference)}/$"))
    assert page.get_by_text(t("This meeting has been cancelled.")).is_visible()
    axe_check(page, label="manage-cancelled")

    cancelled = Meeting.objects.get(pk=meeting.pk)
    assert cancelled.status == MeetingStatus.CANCELLED
    calendar = download_invite(page, t("Download the cancellation (.ics)"))
    assert str(calendar["METHOD"]) == "CANCEL"
    event = only_event(calendar)
    assert str(event["UID"]) == meeting.ical_uid
    assert event["SEQUENCE"] == cancelled.ical_sequence > moved.ical_sequence

    run_tasks()
    subjects = [m.subject for m in mail.outbox if m.to == ["carla@example.com"]]
    assert len(subjects) == 3  # confirmed, moved, cancelled


def test_book_download_reschedule_and_cancel_in_english(page, axe_check, bookable):
    """The whole flow in English, online, with the invite parsed at each step."""
    t = gettext_in("en")
    meeting = book_a_meeting(page, axe_check, t, meeting_type="Online")
    assert meeting.meeting_type == "online"
    assert (meeting.customer.name, meeting.customer.email) == (
        "Carla Customer",
        "carla@example.com",
    )
    assert meeting.language == "en"
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED

    calendar = download_invite(page, t("Add to calendar (.ics)"))
    assert str(calendar["METHOD"]) == "REQUEST"
    event = only_event(calendar)
    assert str(event["UID"]) == meeting.ical_uid
    assert event.decoded("DTSTART") == meeting.start
    assert event.decoded("DTEND") == meeting.end
    assert str(event["ATTENDEE"]) == "mailto:carla@example.com"
    assert str(event["ORGANIZER"]) == "mailto:alice@bank.example"
    assert str(event["LOCATION"]) == "https://meet.example.com/alice"

    reschedule_then_cancel(page, axe_check, t, meeting)


def test_the_same_in_german_chosen_with_the_language_switcher(page, axe_check, bookable):
    """The switcher turns the site German; the flow, emails and invite follow, in person."""
    t = gettext_in("de")
    assert t("Confirm booking") != "Confirm booking", "German translations are missing"
    page.goto("/")
    page.get_by_label("Language").select_option("de")  # applies on change (bookme.js)
    page.wait_for_function("() => document.documentElement.lang === 'de'")

    meeting = book_a_meeting(page, axe_check, t, meeting_type=t("In person"))
    assert meeting.language == "de"
    assert meeting.meeting_type == "physical"
    assert meeting.room == bookable.room
    assert page.locator("html").get_attribute("lang") == "de"

    event = only_event(download_invite(page, t("Add to calendar (.ics)")))
    assert str(event["LOCATION"]).startswith("Meeting room 1, Harbour Street 1")
    run_tasks()
    confirmation = next(m for m in mail.outbox if m.to == ["carla@example.com"])
    assert confirmation.body.startswith(t("Hello %(name)s,") % {"name": "Carla Customer"})

    reschedule_then_cancel(page, axe_check, t, meeting)
