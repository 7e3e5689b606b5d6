"""The confirmation page tells the truth about changes and offers calendar buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from booking.models import Meeting
from tests.web.conftest import book

# Monday 1 June 2026, 14:00 in Copenhagen: inside the 24-hour cut-off from the start.
MONDAY_TWO = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def meeting(client, bank) -> Meeting:
    """Tuesday 10:00 online with Alice; changes close Monday 10:00 (Copenhagen)."""
    bank.alice.online_meeting_link = "https://meet.example.com/alice"
    bank.alice.save()
    return book(client, bank)


def confirmed_html(client, meeting: Meeting, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(
        reverse("booking:confirmed", args=[meeting.reference]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def test_confirmation_states_the_last_moment_to_change_in_the_meetings_zone(client, meeting):
    """The deadline is the start minus the topic's cut-off, as a date and time with its zone."""
    html = confirmed_html(client, meeting)
    assert "You can move or cancel this meeting online until" in html
    assert "1 June 2026, 10:00 (Europe/Copenhagen)" in html
    assert "can no longer be changed online" not in html


def test_confirmation_inside_the_cutoff_says_no_online_changes(client, bank):
    """A time booked inside the cut-off: no promise of changes, the page says so instead."""
    meeting = book(client, bank, start=MONDAY_TWO)
    html = confirmed_html(client, meeting)
    assert "This meeting can no longer be changed online" in html
    assert "You can move or cancel this meeting online until" not in html
    assert "view, move or cancel your meeting" not in html
    assert "Keep this link to view your meeting." in html


def test_confirmation_offers_google_outlook_and_ics_in_a_new_tab(client, meeting):
    """Three calendar buttons; the web ones open a new tab without giving it our window."""
    html = confirmed_html(client, meeting)
    for button in ("calendar-google", "calendar-outlook"):
        tag = html.split(f'id="{button}"', 1)[1].split(">", 1)[0]
        assert 'target="_blank"' in tag
        assert 'rel="noopener"' in tag
    google = html.split('id="calendar-google" class="button button-secondary" href="')[1]
    google = google.split('"', 1)[0].replace("&amp;", "&")
    assert google.startswith("https://calendar.google.com/calendar/render?")
    query = parse_qs(urlsplit(google).query)
    assert query["dates"] == ["20260602T080000Z/20260602T090000Z"]
    assert query["text"] == ["Mortgage"]
    outlook = html.split('id="calendar-outlook" class="button button-secondary" href="')[1]
    assert outlook.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert "startdt=2026-06-02T08:00:00Z" in outlook
    ics = reverse("booking:invite", args=[meeting.reference])
    assert f'id="calendar-ics" class="button button-secondary" href="{ics}" download' in html


def test_confirmation_in_german_states_the_deadline(client, meeting):
    """The deadline sentence and the buttons are translated."""
    html = confirmed_html(client, meeting, "de")
    assert "online verschieben oder absagen" in html
    assert "Google Kalender" in html
