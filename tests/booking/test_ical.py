"""booking.ical: every invite is parsed by icalendar and by vobject, an independent parser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject

from booking import services
from booking.actors import Actor
from booking.ical import PRODID, manage_url, meeting_calendar
from booking.models import Meeting
from tests import factories

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC.
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


@dataclass
class Parsed:
    """One .ics as two independent parsers see it."""

    calendar: icalendar.Calendar
    event: icalendar.Event
    vcal: vobject.base.Component

    @property
    def vevent(self) -> vobject.base.Component:
        return self.vcal.vevent


def parse(ics: bytes) -> Parsed:
    calendar = icalendar.Calendar.from_ical(ics)
    events = calendar.events
    assert len(events) == 1
    vcal = vobject.readOne(ics.decode("utf-8"))
    assert len(vcal.contents["vevent"]) == 1
    return Parsed(calendar, events[0], vcal)


@pytest.fixture
def meeting(world) -> Meeting:
    world.alice.online_meeting_link = "https://meet.example.com/alice"
    world.alice.email = "alice@bank.example"
    world.alice.save()
    return factories.meeting(
        topic=world.topic,
        employee=world.alice,
        start=TEN,
        customer_name="Carla Customer",
        customer_email="carla@example.com",
        description="About our flat, in Valby.",
    )


def test_a_confirmed_meeting_is_a_request_both_parsers_read_alike(meeting):
    """The invite carries every field a calendar client needs, identically for both parsers."""
    ics = meeting_calendar(meeting)
    parsed = parse(ics)
    cal, event, vevent = parsed.calendar, parsed.event, parsed.vevent

    assert str(cal["PRODID"]) == PRODID
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "REQUEST"
    assert parsed.vcal.method.value == "REQUEST"

    assert str(event["UID"]) == meeting.ical_uid == vevent.uid.value
    assert event["SEQUENCE"] == 0
    assert int(vevent.sequence.value) == 0
    assert event["STATUS"] == "CONFIRMED" == vevent.status.value
    assert event.decoded("DTSTART") == TEN == vevent.dtstart.value
    assert event.decoded("DTEND") == TEN + HOUR == vevent.dtend.value
    assert b"DTSTART:20260602T080000Z" in ics  # UTC, no floating or local time
    assert event.decoded("DTSTAMP") == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    assert vevent.dtstamp.value.tzinfo is not None
    assert str(event["SUMMARY"]) == "Mortgage" == vevent.summary.value

    description = vevent.description.value
    assert str(event["DESCRIPTION"]) == description
    assert description.startswith("About our flat, in Valby.")
    assert manage_url(meeting) in description
    assert manage_url(meeting).startswith("http://127.0.0.1:8000/")
    assert meeting.reference in manage_url(meeting)

    assert str(event["ORGANIZER"]) == "mailto:alice@bank.example"
    assert event["ORGANIZER"].params["CN"] == "Alice"
    assert vevent.organizer.value == "mailto:alice@bank.example"
    assert vevent.organizer.params["CN"] == ["Alice"]

    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:carla@example.com" == vevent.attendee.value
    assert attendee.params["CN"] == "Carla Customer"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert vevent.attendee.params["CN"] == ["Carla Customer"]


def test_the_site_url_setting_makes_the_manage_link(meeting, settings):
    """Links in invites point at the configured public address, whatever the request was."""
    settings.BOOKME_SITE_URL = "https://book.bank.example/"
    description = parse(meeting_calendar(meeting)).vevent.description.value
    assert f"https://book.bank.example/{manage_url(meeting).split('/', 3)[3]}" in description
    assert "//book.bank.example//" not in description


def test_title_and_description_replace_the_defaults(meeting):
    """The API's ical body may set its own title and description; the manage hint stays."""
    parsed = parse(meeting_calendar(meeting, title="Loan talk", description="Bring payslips."))
    assert parsed.vevent.summary.value == "Loan talk"
    assert parsed.vevent.description.value.startswith("Bring payslips.")
    assert "Valby" not in parsed.vevent.description.value
    assert manage_url(meeting) in parsed.vevent.description.value


def test_special_characters_survive_both_parsers(world):
    """Commas, semicolons, backslashes, newlines and non-ASCII letters are escaped, not lost."""
    tricky = "Line one; with, commas\\and a backslash\nLine two: Ærø, Øresund, Straße"
    meeting = factories.meeting(
        topic=world.topic,
        employee=world.alice,
        start=TEN,
        customer_name="Søren Ågård, Jr.",
        description=tricky,
    )
    parsed = parse(meeting_calendar(meeting))
    assert parsed.vevent.description.value.startswith(tricky)
    assert str(parsed.event["DESCRIPTION"]).startswith(tricky)
    assert parsed.event["ATTENDEE"].params["CN"] == "Søren Ågård, Jr."
    assert parsed.vevent.attendee.params["CN"] == ["Søren Ågård, Jr."]


class TestLocation:
    def test_online_uses_the_employee_link_as_location_and_url(self, meeting):
        """An online meeting's location is the employee's meeting link."""
        vevent = parse(meeting_calendar(meeting)).vevent
        assert vevent.location.value == "https://meet.example.com/alice"
        assert vevent.url.value == "https://meet.example.com/alice"

    def test_online_without_a_link_says_online(self, world):
        """No link configured: the location still says what kind of meeting it is."""
        meeting = factories.meeting(topic=world.topic, employee=world.bob, start=TEN)
        vevent = parse(meeting_calendar(meeting)).vevent
        assert vevent.location.value == "Online"
        assert "url" not in vevent.contents

    def test_physical_with_a_room_gives_room_and_address(self, world):
        """In person: the room's name and the address it inherits from its location."""
        meeting = factories.meeting(
            topic=world.topic, employee=world.alice, start=TEN, meeting_type="physical"
        )
        assert meeting.room == world.small_room
        location = parse(meeting_calendar(meeting)).vevent.location.value
        assert location == "Small, Main Street 1, 1000 Copenhagen, Denmark"

    def test_physical_without_a_room_gives_the_employee_address(self, world):
        """A topic that needs no room meets at the employee's (inherited) address."""
        topic = factories.topic(name="Coffee", employees=[world.bob], requires_room=False)
        world.bob.street = "Harbour Road 7"
        world.bob.save()
        meeting = factories.meeting(
            topic=topic, employee=world.bob, start=TEN, meeting_type="physical"
        )
        assert meeting.room is None
        location = parse(meeting_calendar(meeting)).vevent.location.value
        assert location == "Harbour Road 7"

    def test_phone_says_phone(self, world):
        """A phone meeting has no place; the location says Phone."""
        topic = factories.topic(name="Call", employees=[world.alice], phone=True)
        meeting = factories.meeting(
            topic=topic, employee=world.alice, start=TEN, meeting_type="phone"
        )
        assert parse(meeting_calendar(meeting)).vevent.location.value == "Phone"


def test_a_room_only_meeting_is_organised_by_the_site(world, settings):
    """Without an employee (requireEmployeeParticipation=false) the site's sender organises it."""
    settings.DEFAULT_FROM_EMAIL = "Bank Bookings <bookings@bank.example>"
    topic = factories.topic(name="Self-service room", physical=True, online=False)
    meeting = factories.meeting(
        topic=topic, employee=None, room=world.big_room, start=TEN, meeting_type="physical"
    )
    parsed = parse(meeting_calendar(meeting))
    assert parsed.vevent.organizer.value == "mailto:bookings@bank.example"
    assert parsed.vevent.organizer.params["CN"] == ["Bank Bookings"]
    assert parsed.vevent.location.value.startswith("Big, ")


class TestChanges:
    def test_reschedule_keeps_the_uid_and_raises_the_sequence(self, meeting):
        """A moved meeting updates the same calendar event: same UID, higher SEQUENCE."""
        before = parse(meeting_calendar(meeting))
        moved = factories.reschedule(meeting, start=TEN + 2 * HOUR)
        after = parse(meeting_calendar(moved))
        assert after.vevent.uid.value == before.vevent.uid.value == meeting.ical_uid
        assert int(after.vevent.sequence.value) == 1 > int(before.vevent.sequence.value)
        assert str(after.calendar["METHOD"]) == "REQUEST"
        assert after.vevent.dtstart.value == TEN + 2 * HOUR
        assert after.event.decoded("DTEND") == TEN + 3 * HOUR

    def test_cancel_is_a_cancel_with_the_same_uid_and_a_higher_sequence(self, meeting):
        """Cancelled: METHOD:CANCEL and STATUS:CANCELLED, so clients remove the event."""
        before = parse(meeting_calendar(meeting))
        cancelled = services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
        after = parse(meeting_calendar(cancelled))
        assert str(after.calendar["METHOD"]) == "CANCEL" == after.vcal.method.value
        assert after.event["STATUS"] == "CANCELLED" == after.vevent.status.value
        assert after.vevent.uid.value == before.vevent.uid.value
        assert int(after.vevent.sequence.value) > int(before.vevent.sequence.value)
        assert after.event["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
        # The times stay those of the cancelled event, so the client finds it.
        assert after.vevent.dtstart.value == TEN

    def test_reschedule_then_cancel_keeps_rising(self, meeting):
        """Every change raises the SEQUENCE: 0, then 1 (moved), then 2 (cancelled)."""
        sequences = [int(parse(meeting_calendar(meeting)).vevent.sequence.value)]
        meeting = factories.reschedule(meeting, start=TEN + 4 * HOUR)
        sequences.append(int(parse(meeting_calendar(meeting)).vevent.sequence.value))
        meeting = services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
        sequences.append(int(parse(meeting_calendar(meeting)).vevent.sequence.value))
        assert sequences == [0, 1, 2]

    def test_two_meetings_never_share_a_uid(self, world, meeting):
        """UIDs are per meeting, so two bookings are two events."""
        other = factories.meeting(topic=world.topic, employee=world.bob, start=TEN)
        assert (
            parse(meeting_calendar(other)).vevent.uid.value
            != parse(meeting_calendar(meeting)).vevent.uid.value
        )


@pytest.mark.parametrize(
    ("language", "hint", "phone"),
    [("de", "Termin verschieben oder absagen:", "Telefon"), ("da", "Flyt eller aflys", "Telefon")],
)
def test_invite_texts_are_in_the_meeting_language(world, language, hint, phone):
    """The manage hint and the location word follow Meeting.language, not the request's."""
    topic = factories.topic(name="Call", employees=[world.alice], phone=True)
    meeting = factories.meeting(
        topic=topic, employee=world.alice, start=TEN, meeting_type="phone", language=language
    )
    vevent = parse(meeting_calendar(meeting)).vevent
    assert hint in vevent.description.value
    assert "Reschedule" not in vevent.description.value
    assert vevent.location.value == phone
