"""Confirmation, the manage link, the invite download, cancel and reschedule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import Meeting, MeetingStatus, TimeSlot, TimeSlotStatus
from tests.web.conftest import TUESDAY_TEN, book, existing_meeting

# Wednesday 3 June 2026, 10:00 in Copenhagen.
WEDNESDAY_TEN = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def meeting(client, bank) -> Meeting:
    """Booked through the pages: Tuesday 10:00 online with Alice; changes close Monday 10:00."""
    bank.alice.online_meeting_link = "https://meet.example.com/alice"
    bank.alice.save()
    return book(client, bank)


def url(name: str, meeting: Meeting, *args) -> str:
    return reverse(f"booking:{name}", args=[meeting.reference, *args])


def test_confirmation_page_shows_everything_about_the_meeting(client, meeting):
    """Date, time and zone, employee, the online link, the .ics and the manage link."""
    html = client.get(url("confirmed", meeting)).content.decode()
    assert "Your meeting is booked" in html
    assert "Tuesday, 2 June 2026" in html
    assert "10:00–11:00" in html
    assert "(Europe/Copenhagen)" in html
    assert "Alice" in html
    assert 'href="https://meet.example.com/alice"' in html
    assert f'href="{url("invite", meeting)}"' in html
    assert "Add to calendar (.ics)" in html
    assert f'value="http://testserver{url("manage", meeting)}"' in html


def test_confirmation_of_an_in_person_meeting_shows_room_and_address(client, bank):
    """In person: the room's name and the branch address."""
    meeting = book(client, bank, meeting_type="physical", location=bank.world.location.pk)
    html = client.get(url("confirmed", meeting)).content.decode()
    assert meeting.room.name in html
    assert "Main Street 1" in html
    assert "1000 Copenhagen" in html


def test_manage_page_offers_cancel_and_reschedule_until_the_cutoff(client, meeting):
    """Before the cut-off both actions are offered, with the deadline and its zone."""
    html = client.get(url("manage", meeting)).content.decode()
    assert f'href="{url("cancel", meeting)}"' in html
    assert f'href="{url("reschedule", meeting)}"' in html
    assert "until 1 June 2026, 10:00 (Europe/Copenhagen)" in html


def test_manage_link_needs_no_account(meeting):
    """Anyone with the link (and only the link) sees the meeting."""
    assert Client().get(url("manage", meeting)).status_code == 200


@pytest.mark.parametrize("name", ["manage", "confirmed", "invite", "cancel", "reschedule"])
def test_unknown_reference_is_404(client, meeting, name):
    """A wrong or guessed reference answers 404 on every meeting page."""
    assert client.get(reverse(f"booking:{name}", args=["not-a-real-reference"])).status_code == 404


def test_invite_download_is_an_ics_of_the_meeting(client, meeting):
    """The .ics parses, carries the meeting's UID and start, and is a REQUEST."""
    response = client.get(url("invite", meeting))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="meeting-2026-06-02.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["UID"]) == meeting.ical_uid
    assert event.decoded("DTSTART") == TUESDAY_TEN


def test_cancel_asks_first(client, meeting):
    """GET only asks; nothing changes until the POST."""
    html = client.get(url("cancel", meeting)).content.decode()
    assert "Yes, cancel the meeting" in html
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED


def test_cancel_frees_the_time_and_says_so(client, meeting):
    """The POST cancels the meeting and its slot; the manage page shows it cancelled."""
    response = client.post(url("cancel", meeting))
    assert response.status_code == 302
    assert response["Location"] == url("manage", meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.time_slot.status == TimeSlotStatus.CANCELLED
    html = client.get(url("manage", meeting)).content.decode()
    assert "This meeting has been cancelled." in html
    assert url("reschedule", meeting) not in html
    calendar = icalendar.Calendar.from_ical(client.get(url("invite", meeting)).content)
    assert str(calendar["METHOD"]) == "CANCEL"


def test_cancel_works_without_being_the_booking_browser(meeting):
    """The link in the email is enough: another browser (the customer's phone) can cancel."""
    assert Client().post(url("cancel", meeting)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED


def test_cancel_after_the_cutoff_is_refused_with_the_reason(client, meeting, frozen_clock):
    """Less than 24 hours before: refused, with why, and the meeting stays."""
    frozen_clock.shift(timedelta(hours=3))
    for response in (client.get(url("cancel", meeting)), client.post(url("cancel", meeting))):
        assert response.status_code == 409
        assert "changes close 24 hours before it starts" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    html = client.get(url("manage", meeting)).content.decode()
    assert "This meeting can no longer be changed online" in html
    assert url("cancel", meeting) not in html


def test_cancelled_meeting_cancel_page_goes_back_to_manage(client, meeting):
    """Cancelling twice changes nothing and does not error."""
    client.post(url("cancel", meeting))
    assert client.post(url("cancel", meeting))["Location"] == url("manage", meeting)


def hold_new_time(client, meeting, start=WEDNESDAY_TEN, **data):
    return client.post(url("reschedule", meeting), {"start": start.isoformat(), **data})


def slot_id_from(response) -> int:
    match = re.search(r"/reschedule/(\d+)/$", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def test_reschedule_picker_shows_the_current_time_marked(client, meeting):
    """The same picker, on the meeting's own day, with its time shown as current, not as a
    button; the day's other times are buttons and the next day is a link."""
    html = client.get(url("reschedule", meeting)).content.decode()
    assert "Choose a new time" in html
    assert 'id="picker"' in html
    assert '<span class="slot slot-current">10:00 <small>(current)</small></span>' in html
    assert f'value="{TUESDAY_TEN.isoformat()}"' not in html
    assert f'value="{(TUESDAY_TEN + timedelta(hours=1)).isoformat()}"' in html
    assert f'href="?employee={meeting.employee.pk}&amp;day=2026-06-03#picker-times"' in html


def test_reschedule_picker_htmx_partial(client, meeting):
    """Day and month changes on the reschedule page swap only the picker."""
    for query in ("?day=2026-06-08", "?month=2026-07"):
        response = client.get(url("reschedule", meeting) + query, headers={"HX-Request": "true"})
        assert response.content.decode().lstrip().startswith('<section id="picker"')


def test_reschedule_picker_earliest_link_opens_on_the_first_free_time(client, meeting):
    """The reschedule picker opens on the meeting's day; "Earliest available" shows the
    first free time instead (Monday 1 June), keeping the employee choice."""
    html = client.get(url("reschedule", meeting)).content.decode()
    earliest = f"?employee={meeting.employee.pk}&amp;earliest=1"
    assert f'id="picker-earliest" class="button button-secondary" href="{earliest}"' in html
    html = client.get(url("reschedule", meeting) + earliest.replace("&amp;", "&")).content.decode()
    assert '<h3 id="picker-times-heading" tabindex="-1">Monday 1 June 2026</h3>' in html


def test_reschedule_picker_bad_day_is_a_400_with_the_meetings_day(client, meeting):
    """A tampered day in the address: 400 naming it, the picker on the meeting's day."""
    response = client.get(url("reschedule", meeting) + "?day=2026-99-01")
    assert response.status_code == 400
    html = response.content.decode()
    assert "&quot;day&quot; in the address is not a date of the form YYYY-MM-DD." in html
    assert '<h3 id="picker-times-heading" tabindex="-1">Tuesday 2 June 2026</h3>' in html


def test_reschedule_moves_the_meeting_and_frees_the_old_time(client, meeting):
    """Hold a new time, confirm: the new slot is Booked, the old one Cancelled."""
    old_slot = meeting.time_slot
    response = hold_new_time(client, meeting)
    assert response.status_code == 302
    new_slot_id = slot_id_from(response)
    html = client.get(response["Location"]).content.decode()
    assert "Current time" in html
    assert "New time" in html
    assert "Wednesday, 3 June 2026" in html
    assert "This time is held for you until" in html

    response = client.post(url("reschedule_confirm", meeting, new_slot_id))
    assert response["Location"] == url("manage", meeting)
    meeting.refresh_from_db()
    old_slot.refresh_from_db()
    assert meeting.time_slot_id == new_slot_id
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED
    assert old_slot.status == TimeSlotStatus.CANCELLED
    assert meeting.ical_sequence == 1
    html = client.get(url("manage", meeting)).content.decode()
    assert "Your meeting has been moved to 3 June 2026, 10:00." in html


def test_reschedule_confirm_submitted_twice_is_harmless(client, meeting):
    """The second POST finds the meeting already moved."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    client.post(url("reschedule_confirm", meeting, new_slot_id))
    again = client.post(url("reschedule_confirm", meeting, new_slot_id))
    assert again["Location"] == url("manage", meeting)
    meeting.refresh_from_db()
    assert meeting.time_slot_id == new_slot_id
    assert meeting.ical_sequence == 1


def test_reschedule_to_the_current_time_is_refused(client, meeting):
    """Choosing the time the meeting already has explains itself."""
    response = hold_new_time(client, meeting, TUESDAY_TEN)
    assert response.status_code == 400
    assert "This is the time your meeting already has." in response.content.decode()


def test_reschedule_with_any_employee(client, bank, meeting):
    """The customer may ask for any available employee; the meeting may change hands."""
    existing_meeting(bank, employee=bank.alice, start=WEDNESDAY_TEN)
    assert hold_new_time(client, meeting).status_code == 409  # Alice is taken then
    response = hold_new_time(client, meeting, employee="any")
    client.post(url("reschedule_confirm", meeting, slot_id_from(response)))
    meeting.refresh_from_db()
    assert meeting.time_slot.employee == bank.bob
    assert meeting.start == WEDNESDAY_TEN


def test_reschedule_refused_after_the_cutoff(client, meeting, frozen_clock):
    """Past the cut-off the picker is not offered and a hold is refused, with why."""
    frozen_clock.shift(timedelta(hours=3))
    response = client.get(url("reschedule", meeting))
    assert response.status_code == 409
    html = response.content.decode()
    assert "changes close 24 hours before it starts" in html
    assert 'id="picker"' not in html
    assert hold_new_time(client, meeting).status_code == 409
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 0


def test_cutoff_passing_between_hold_and_confirm_refuses_and_releases(
    client, meeting, frozen_clock
):
    """Held before the cut-off, confirmed after: refused, the meeting keeps its time."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    frozen_clock.shift(timedelta(hours=2, minutes=1))
    response = client.post(url("reschedule_confirm", meeting, new_slot_id))
    assert response.status_code == 409
    assert "changes close 24 hours before it starts" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.start == TUESDAY_TEN
    assert TimeSlot.objects.get(pk=new_slot_id).status == TimeSlotStatus.CANCELLED


def test_reschedule_with_an_expired_hold_still_moves_when_free(client, meeting, frozen_clock):
    """The new time's hold ran out but the time is free: the move goes through."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    frozen_clock.shift(timedelta(minutes=20))
    response = client.post(url("reschedule_confirm", meeting, new_slot_id))
    assert response["Location"] == url("manage", meeting)
    meeting.refresh_from_db()
    assert meeting.start == WEDNESDAY_TEN
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED


def test_reschedule_with_an_expired_hold_taken_by_another(client, bank, meeting, frozen_clock):
    """Hold expired and the time went to someone else: a message; the old time stays."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    frozen_clock.shift(timedelta(minutes=20))
    existing_meeting(bank, employee=bank.alice, start=WEDNESDAY_TEN)
    response = client.post(url("reschedule_confirm", meeting, new_slot_id))
    assert response.status_code == 409
    assert "no longer free" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.start == TUESDAY_TEN
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED


def test_someone_elses_reschedule_hold_is_404(client, meeting):
    """A hold belongs to the browser that made it."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    assert Client().get(url("reschedule_confirm", meeting, new_slot_id)).status_code == 404
    assert Client().post(url("reschedule_confirm", meeting, new_slot_id)).status_code == 404


def test_details_page_of_a_reschedule_hold_leads_to_the_move(client, meeting):
    """A reschedule hold is confirmed on the move page, never as a second meeting."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    response = client.get(reverse("booking:details", args=[new_slot_id]))
    assert response["Location"] == url("reschedule_confirm", meeting, new_slot_id)


def test_choose_another_time_while_moving_releases_the_new_hold(client, meeting):
    """Giving back the new time returns to the reschedule picker; the meeting is untouched."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    response = client.post(reverse("booking:release", args=[new_slot_id]))
    assert response["Location"].startswith(url("reschedule", meeting))
    assert TimeSlot.objects.get(pk=new_slot_id).status == TimeSlotStatus.CANCELLED
    meeting.refresh_from_db()
    assert meeting.start == TUESDAY_TEN
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED


def test_reschedule_with_a_hold_released_meanwhile_still_moves_when_free(client, meeting):
    """The new time's hold was given back (from another tab, say) but the time is free:
    the move goes through on a new hold of the same time."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    new_slot = TimeSlot.objects.get(pk=new_slot_id)
    services.time_slot_release(actor=Actor.from_holder(new_slot.holder), time_slot_id=new_slot_id)
    response = client.post(url("reschedule_confirm", meeting, new_slot_id))
    assert response["Location"] == url("manage", meeting)
    meeting.refresh_from_db()
    assert meeting.start == WEDNESDAY_TEN
    assert meeting.time_slot_id != new_slot_id
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED


def test_reschedule_with_an_expired_hold_while_holding_too_many_times(
    client, bank, meeting, frozen_clock
):
    """The new time's hold ran out and the browser holds three other times: the meeting
    keeps its time, with a message."""
    new_slot_id = slot_id_from(hold_new_time(client, meeting))
    frozen_clock.shift(timedelta(minutes=20))
    for hours in (2, 3, 4):
        hold_new_time(client, meeting, WEDNESDAY_TEN + timedelta(hours=hours))
    response = client.post(url("reschedule_confirm", meeting, new_slot_id))
    assert response.status_code == 409
    assert "Your hold on the new time expired and it is no longer free." in (
        response.content.decode()
    )
    meeting.refresh_from_db()
    assert meeting.start == TUESDAY_TEN


def test_reschedule_to_a_time_at_the_ends_of_the_calendar_is_refused(client, meeting):
    """A tampered new time in year 1 or 9999 is a 400 with a message; the meeting stays."""
    for value in ("0001-01-01T00:00:00+05:00", "9999-12-31T20:00:00+00:00"):
        response = client.post(url("reschedule", meeting), {"start": value})
        assert response.status_code == 400
        assert "Please choose one of the times shown." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.start == TUESDAY_TEN


@pytest.mark.parametrize("name", ["cancel", "reschedule"])
def test_manage_posts_without_csrf_token_are_refused(meeting, name):
    """CSRF: cancelling or holding a new time without the token is a 403 and changes nothing."""
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(url(name, meeting), {"start": WEDNESDAY_TEN.isoformat()})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    assert TimeSlot.objects.count() == 1


def test_moving_and_releasing_without_csrf_token_are_refused(bank, meeting):
    """CSRF: confirming the move or giving the new time back needs the token too."""
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(url("reschedule", meeting)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    new_slot_id = slot_id_from(hold_new_time(browser, meeting, csrfmiddlewaretoken=token))
    assert browser.post(url("reschedule_confirm", meeting, new_slot_id)).status_code == 403
    assert browser.post(reverse("booking:release", args=[new_slot_id])).status_code == 403
    meeting.refresh_from_db()
    assert meeting.start == TUESDAY_TEN
    assert TimeSlot.objects.get(pk=new_slot_id).status == TimeSlotStatus.RESERVED


# Issue 8, point 9: pages behind the secret reference are private and do not last for ever.

# The meeting ends Tuesday 2 June 2026, 11:00 Copenhagen (09:00 UTC).
TUESDAY_END = TUESDAY_TEN + timedelta(hours=1)
PERSONAL = ["Carla Customer", "carla@example.com", "+45 12 34 56 78", "Buying a flat", "A new home"]
REFERENCE_PAGES = ["manage", "confirmed", "invite", "cancel", "reschedule"]


def assert_private(response) -> None:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control, response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("name", REFERENCE_PAGES)
def test_pages_behind_the_reference_are_never_cached_nor_indexed(client, meeting, name):
    """Every page reached through the reference says no-store, private and noindex."""
    response = client.get(url(name, meeting))
    assert response.status_code == 200
    assert_private(response)


def test_private_headers_on_posts_redirects_and_wrong_references(client, meeting):
    """The cancel POST's redirect, a reschedule hold and a guessed reference are private too."""
    assert_private(hold_new_time(client, meeting))
    assert_private(client.post(url("cancel", meeting)))
    response = client.get(reverse("booking:manage", args=["not-a-real-reference"]))
    assert response.status_code == 404
    assert_private(response)
    assert reverse("booking:lost_links") in response.content.decode()


def test_manage_link_shows_the_details_until_thirty_days_after_the_meeting(
    client, meeting, frozen_clock
):
    """A past meeting stays readable for the configured 30 days after its end."""
    frozen_clock.move_to(TUESDAY_END + timedelta(days=30) - timedelta(minutes=1))
    response = client.get(url("manage", meeting))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This meeting has taken place." in html
    assert all(text in html for text in ("Carla Customer", "carla@example.com", "A new home"))
    assert client.get(url("invite", meeting)).status_code == 200


def test_manage_link_stops_showing_personal_data_after_the_configured_days(
    client, meeting, frozen_clock
):
    """30 days after the end: the page says it is over and shows nothing personal."""
    frozen_clock.move_to(TUESDAY_END + timedelta(days=30))
    response = client.get(url("manage", meeting))
    assert response.status_code == 410
    assert_private(response)
    html = response.content.decode()
    assert "This meeting is over" in html
    for text in [*PERSONAL, meeting.topic.name, "Alice", "meet.example.com"]:
        assert text not in html, text
    assert url("invite", meeting) not in html
    assert reverse("booking:landing") in html


@pytest.mark.parametrize("name", ["confirmed", "invite", "cancel", "reschedule"])
def test_every_page_of_an_expired_link_is_gone(client, meeting, frozen_clock, name):
    """The .ics and the other pages of an expired link answer 410 without the details."""
    frozen_clock.move_to(TUESDAY_END + timedelta(days=31))
    for response in (client.get(url(name, meeting)), client.post(url(name, meeting))):
        assert response.status_code in (405, 410), response.status_code
        assert_private(response)
        body = response.content.decode()
        assert not any(text in body for text in PERSONAL)
        assert "BEGIN:VCALENDAR" not in body
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED


def test_expired_link_htmx_request_is_gone_too(client, meeting, frozen_clock):
    """A picker swap on an expired link is a 410, never the picker nor a 500."""
    frozen_clock.move_to(TUESDAY_END + timedelta(days=31))
    response = client.get(url("reschedule", meeting), headers={"HX-Request": "true"})
    assert response.status_code == 410
    assert "Carla Customer" not in response.content.decode()


def test_the_days_after_the_meeting_are_configurable(client, meeting, frozen_clock, settings):
    """BOOKME_MANAGE_LINK_DAYS_AFTER=2: the details go two days after the end."""
    settings.BOOKME_MANAGE_LINK_DAYS_AFTER = 2
    frozen_clock.move_to(TUESDAY_END + timedelta(days=2) - timedelta(seconds=1))
    assert client.get(url("manage", meeting)).status_code == 200
    frozen_clock.move_to(TUESDAY_END + timedelta(days=2))
    assert client.get(url("manage", meeting)).status_code == 410


def test_a_meeting_cancelled_beforehand_counts_from_its_end(client, meeting, frozen_clock):
    """Cancelled before it took place: the 30 days still start at the meeting's end."""
    client.post(url("cancel", meeting))
    frozen_clock.move_to(TUESDAY_END + timedelta(days=30) - timedelta(minutes=1))
    html = client.get(url("manage", meeting)).content.decode()
    assert "This meeting has been cancelled." in html
    assert "Carla Customer" in html
    frozen_clock.move_to(TUESDAY_END + timedelta(days=30))
    assert client.get(url("manage", meeting)).status_code == 410


def test_a_meeting_cancelled_after_its_end_counts_from_the_cancellation(
    client, meeting, frozen_clock
):
    """Cancelled by staff 10 days after the end: the 30 days start at the cancellation."""
    frozen_clock.move_to(TUESDAY_END + timedelta(days=10))
    services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
    frozen_clock.move_to(TUESDAY_END + timedelta(days=39))
    assert client.get(url("manage", meeting)).status_code == 200
    frozen_clock.move_to(TUESDAY_END + timedelta(days=40))
    assert client.get(url("manage", meeting)).status_code == 410
