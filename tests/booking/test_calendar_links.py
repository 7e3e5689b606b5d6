"""booking.calendar_links: Google Calendar and Outlook links that say what the invite says."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation

from booking.calendar_links import (
    CalendarEvent,
    calendar_links,
    google_url,
    meeting_calendar_links,
    outlook_url,
)
from booking.ical import manage_url
from tests import factories

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
# Tuesday 2 June 2026, 10:00-11:00 Copenhagen (CEST) = 08:00-09:00 UTC.
START = datetime(2026, 6, 2, 10, 0, tzinfo=COPENHAGEN)
END = START + timedelta(hours=1)


def parsed(url: str) -> tuple[str, dict[str, str]]:
    """The link's address without the query, and its query with each key once."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values()), query
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {k: v[0] for k, v in query.items()}


EVENT = CalendarEvent(
    title="Mortgage & more #1",
    start=START,
    end=END,
    details="Bring: passport, payslips\nLink: https://bookme.example/m/abc/?x=1&y=2",
    location="Big, Main Street 1, 1000 København",
)


def test_google_link_parses_back_to_the_event():
    """Google: the template action, UTC basic-format dates start/end, every text intact."""
    address, query = parsed(google_url(EVENT))
    assert address == "https://calendar.google.com/calendar/render"
    assert query == {
        "action": "TEMPLATE",
        "text": "Mortgage & more #1",
        "dates": "20260602T080000Z/20260602T090000Z",
        "details": EVENT.details,
        "location": "Big, Main Street 1, 1000 København",
    }


def test_outlook_link_parses_back_to_the_event():
    """Outlook on the web: the compose deeplink with ISO 8601 UTC times and every text intact."""
    address, query = parsed(outlook_url(EVENT))
    assert address == "https://outlook.live.com/calendar/0/deeplink/compose"
    assert query == {
        "subject": "Mortgage & more #1",
        "startdt": "2026-06-02T08:00:00Z",
        "enddt": "2026-06-02T09:00:00Z",
        "body": EVENT.details,
        "location": "Big, Main Street 1, 1000 København",
    }
    assert datetime.fromisoformat(query["startdt"]) == START


def test_spaces_are_percent_encoded_not_plus():
    """Outlook shows a "+" literally: spaces travel as %20, a real "+" as %2B."""
    event = CalendarEvent(title="Call +45 1234", start=START, end=END)
    for url in calendar_links(event).__dict__.values():
        assert "+" not in urlsplit(url).query
        assert "%20" in url
        assert parsed(url)[1].get("text", parsed(url)[1].get("subject")) == "Call +45 1234"


def test_empty_texts_are_left_out():
    """No details or place: the parameters are absent rather than empty."""
    event = CalendarEvent(title="Mortgage", start=START, end=END)
    assert set(parsed(google_url(event))[1]) == {"action", "text", "dates"}
    assert set(parsed(outlook_url(event))[1]) == {"subject", "startdt", "enddt"}


def test_a_dst_change_is_converted_exactly():
    """The night clocks go back: 02:30 CET (the second one) is 01:30 UTC, not 00:30."""
    start = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=COPENHAGEN)
    event = CalendarEvent(title="Night", start=start, end=start + timedelta(minutes=30))
    assert parsed(google_url(event))[1]["dates"] == "20261025T013000Z/20261025T020000Z"
    assert parsed(outlook_url(event))[1]["startdt"] == "2026-10-25T01:30:00Z"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (datetime(2026, 6, 2, 8), datetime(2026, 6, 2, 9), "timezone-aware"),
        (START, datetime(2026, 6, 2, 9), "timezone-aware"),
        (START, START, "end after it starts"),
        (END, START, "end after it starts"),
    ],
)
def test_bad_times_are_refused(start, end, message):
    """A naive time would land in the reader's zone; an empty or reversed event is no event."""
    with pytest.raises(ValueError, match=message):
        CalendarEvent(title="Mortgage", start=start, end=end)


class TestMeetingLinks:
    @pytest.fixture
    def meeting(self, world, frozen_clock):
        world.alice.online_meeting_link = "https://meet.example.com/alice"
        world.alice.save()
        return factories.meeting(
            topic=world.topic,
            employee=world.alice,
            start=START.astimezone(UTC),
            description="About our flat.",
        )

    def test_the_customers_links_carry_the_manage_link(self, meeting):
        """The customer's event: topic, exact times, the online link and the manage link."""
        links = meeting_calendar_links(meeting, with_manage_link=True)
        _, google = parsed(links.google)
        assert google["text"] == "Mortgage"
        assert google["dates"] == "20260602T080000Z/20260602T090000Z"
        assert google["location"] == "https://meet.example.com/alice"
        assert google["details"] == (
            f"About our flat.\n\nReschedule or cancel this meeting: {manage_url(meeting)}"
        )
        _, outlook = parsed(links.outlook)
        assert (outlook["subject"], outlook["body"]) == (google["text"], google["details"])

    def test_links_for_others_leave_the_manage_link_out(self, meeting):
        """Anyone but the customer gets the event without the customer's manage link."""
        links = meeting_calendar_links(meeting, with_manage_link=False)
        for url in (links.google, links.outlook):
            assert manage_url(meeting) not in parsed(url)[1].get("details", "")
            assert manage_url(meeting) not in parsed(url)[1].get("body", "")
        assert parsed(links.google)[1]["details"] == "About our flat."

    def test_texts_follow_the_active_language(self, meeting):
        """In German the hint beside the manage link is German, as in the invite."""
        with translation.override("de"):
            links = meeting_calendar_links(meeting, with_manage_link=True)
        details = parsed(links.google)[1]["details"]
        assert manage_url(meeting) in details
        assert "Reschedule or cancel" not in details
