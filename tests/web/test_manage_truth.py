"""Issue 13, points 5 and 6 on the manage pages: a cancelled meeting says so once, a
reason may come with the cancellation, and the reschedule picker tells the truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from booking.models import Meeting, MeetingStatus
from booking.roles import ADVISER
from tests.web.conftest import book

# Tuesday 9 June 2026, 10:00 in Copenhagen: a week after the first free times.
NEXT_TUESDAY_TEN = datetime(2026, 6, 9, 8, 0, tzinfo=UTC)


@pytest.fixture
def meeting(client, bank) -> Meeting:
    """Tuesday 10:00 online with Alice, who has a meeting link; cut-off 24 hours."""
    bank.alice.online_meeting_link = "https://meet.example.com/alice"
    bank.alice.save()
    return book(client, bank)


def url(name: str, meeting: Meeting) -> str:
    return reverse(f"booking:{name}", args=[meeting.reference])


def test_cancelled_manage_page_shows_one_banner_and_no_live_links(client, meeting):
    """After cancelling: one banner, no join link, no move-or-cancel text or buttons."""
    client.post(url("cancel", meeting))
    html = client.get(url("manage", meeting)).content.decode()
    assert html.count("This meeting has been cancelled.") == 1
    assert "Your meeting has been cancelled." not in html  # no second, flashed banner
    assert html.count("notice-warning") == 1
    assert "Join the online meeting" not in html
    assert 'href="https://meet.example.com/alice"' not in html
    assert "move or cancel" not in html
    assert url("cancel", meeting) not in html
    assert url("reschedule", meeting) not in html
    assert "Download the cancellation (.ics)" in html


def test_cancel_with_a_reason_keeps_it_for_staff(client, meeting):
    """The optional reason is stored with the cancellation."""
    response = client.post(url("cancel", meeting), {"reason": "  Found another bank.  "})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.cancel_reason == "Found another bank."


def test_cancel_without_a_reason_still_cancels(client, meeting):
    """The reason is optional: an empty one cancels as before."""
    assert client.post(url("cancel", meeting), {"reason": ""}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.cancel_reason == ""


def test_too_long_reason_is_a_field_error_and_nothing_changes(client, meeting):
    """Over 1000 characters: the same page with the field's error; the meeting stays."""
    response = client.post(url("cancel", meeting), {"reason": "x" * 1001})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reason_error"' in html
    assert "at most 1000 characters" in html
    assert 'name="reason"' in html
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED


def test_cancel_page_offers_the_reason_field_with_csrf(client, meeting):
    """The form asks for an optional, labelled reason and carries the CSRF token."""
    html = client.get(url("cancel", meeting)).content.decode()
    assert '<label for="id_reason">Reason for cancelling (optional)' in html
    assert "csrfmiddlewaretoken" in html


def test_staff_see_the_customers_reason(client, meeting):
    """The staff meeting page shows why the customer cancelled."""
    client.post(url("cancel", meeting), {"reason": "Found another bank."})
    user = User.objects.create_user(username="alice-user")
    user.groups.add(Group.objects.get_or_create(name=ADVISER)[0])
    alice = meeting.employee
    alice.user = user
    alice.save(update_fields=["user"])
    staff = Client()
    staff.force_login(user)
    html = staff.get(reverse("staff:meeting", args=[meeting.pk])).content.decode()
    assert "Found another bank." in html


def test_reschedule_opens_on_the_meetings_own_day(client, bank):
    """Without a chosen day the picker shows the day of the meeting, not the first free."""
    meeting = book(client, bank, start=NEXT_TUESDAY_TEN)
    html = client.get(url("reschedule", meeting)).content.decode()
    assert '<h3 id="picker-times-heading" tabindex="-1">Tuesday 9 June 2026</h3>' in html
    assert "(current)" in html


def test_reschedule_picker_marks_times_inside_the_cutoff(client, meeting):
    """Times within 24 hours from now would be closed to changes at once: they say so."""
    # Monday 1 June afternoon is inside the cut-off; Wednesday is not.
    monday = client.get(url("reschedule", meeting) + "?day=2026-06-01").content.decode()
    wednesday = client.get(url("reschedule", meeting) + "?day=2026-06-03").content.decode()
    assert "slot-inside-cutoff" in monday
    assert "(no later changes online)" in monday
    assert "slot-inside-cutoff" not in wednesday
    assert 'name="start"' in wednesday


def test_reschedule_picker_day_parameter_still_wins(client, meeting):
    """An explicit day (the calendar's links) is shown, not the meeting's own."""
    day = (meeting.start + timedelta(days=7)).date().isoformat()
    html = client.get(url("reschedule", meeting) + f"?day={day}").content.decode()
    assert '<h3 id="picker-times-heading" tabindex="-1">Tuesday 9 June 2026</h3>' in html
