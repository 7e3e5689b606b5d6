"""The customer's own time zone: Meeting.customer_zone, the service that stores it, the emails."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.exceptions import ValidationError

from booking import emails, services
from booking.errors import InvalidRequest
from booking.models import Meeting, TimeSlot, TimeSlotStatus, customer_zone, known_zone
from booking.zones import customer_own_zone, uses_customer_zone
from tests import factories

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC = 04:00 New York (EDT).
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
# Tuesday 6 October 2026, 10:00 Copenhagen (still CEST) = 08:00 UTC. Sydney moved to
# summer time (AEDT, UTC+11) on Sunday 4 October: 19:00 there, not 18:00 as a week before.
AFTER_SYDNEY_DST = datetime(2026, 10, 6, 8, 0, tzinfo=UTC)
BEFORE_SYDNEY_DST = datetime(2026, 9, 29, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


@pytest.fixture
def alice(world):
    world.alice.email = "alice@bank.example"
    world.alice.save()
    return world.alice


def book(world, alice, **kwargs) -> Meeting:
    kwargs.setdefault("start", TEN)
    return factories.meeting(topic=world.topic, employee=alice, **kwargs)


def test_online_meeting_is_shown_to_the_customer_in_their_zone(world, alice):
    """Online with a stored zone: the customer's; staff keep the branch's display zone."""
    meeting = book(world, alice, customer_timezone="America/New_York")
    assert meeting.customer_timezone == "America/New_York"
    assert meeting.customer_zone == ZoneInfo("America/New_York")
    assert meeting.display_zone == ZoneInfo("Europe/Copenhagen")
    assert meeting.in_customer_zone
    assert meeting.start.astimezone(meeting.customer_zone).hour == 4


def test_physical_meeting_ignores_the_customer_zone(world, alice):
    """In person the branch's clock decides, whatever zone the customer booked in."""
    meeting = book(
        world,
        alice,
        meeting_type="physical",
        room=world.small_room,
        customer_timezone="America/New_York",
    )
    assert meeting.customer_zone == ZoneInfo("Europe/Copenhagen")
    assert not meeting.in_customer_zone


def test_meeting_without_a_customer_zone_uses_the_display_zone(world, alice):
    """An API booking (no zone given) is shown as before: the display zone."""
    meeting = book(world, alice)
    assert meeting.customer_timezone == ""
    assert meeting.customer_zone == meeting.display_zone
    assert not meeting.in_customer_zone


def test_a_stored_zone_the_system_no_longer_knows_falls_back(world, alice):
    """A zone removed from the tz database later: the display zone, never an exception."""
    meeting = book(world, alice)
    Meeting.objects.filter(pk=meeting.pk).update(customer_timezone="Mars/Olympus_Mons")
    meeting.refresh_from_db()
    assert meeting.customer_zone == ZoneInfo("Europe/Copenhagen")
    assert not meeting.in_customer_zone


@pytest.mark.parametrize(
    "value", ["", "Not/AZone", "../../etc/passwd", "/etc/localtime", "Europe/Copenhagen\x00", None]
)
def test_known_zone_refuses_anything_but_an_iana_name(value):
    """Paths, blanks, NUL bytes and unknown names are no zone (ZoneInfo would raise on some)."""
    assert known_zone(value) is None


def test_customer_zone_rule_for_each_meeting_type():
    """Online and phone take the customer's zone; in person the display zone."""
    branch = ZoneInfo("Europe/Copenhagen")
    for meeting_type, expected in [
        ("online", "Asia/Tokyo"),
        ("phone", "Asia/Tokyo"),
        ("physical", "Europe/Copenhagen"),
    ]:
        zone = customer_zone(
            meeting_type=meeting_type, customer_timezone="Asia/Tokyo", display_zone=branch
        )
        assert zone.key == expected, meeting_type


def test_meeting_create_refuses_an_unknown_zone(world, alice):
    """The service names the field and creates nothing (no ValidationError, no 500)."""
    before = Meeting.objects.count()
    with pytest.raises(InvalidRequest) as refused:
        book(world, alice, customer_timezone="Europe/Atlantis")
    assert refused.value.field == "customer_timezone"
    assert "Europe/Atlantis" in refused.value.message
    assert Meeting.objects.count() == before


def test_model_validation_refuses_an_unknown_zone(world, alice):
    """full_clean (the admin's check) names the field."""
    meeting = book(world, alice)
    meeting.customer_timezone = "Nowhere/Town"
    with pytest.raises(ValidationError) as invalid:
        meeting.full_clean()
    assert "customer_timezone" in invalid.value.message_dict


@pytest.mark.parametrize(
    ("meeting_type", "zone", "expected"),
    [
        ("online", "Asia/Tokyo", "Asia/Tokyo"),
        ("phone", ZoneInfo("Asia/Tokyo"), "Asia/Tokyo"),
        ("physical", "Asia/Tokyo", None),
        ("physical", ZoneInfo("Asia/Tokyo"), None),
        ("online", "", None),
        ("online", None, None),
        ("phone", "Mars/Olympus_Mons", None),
    ],
)
def test_customer_own_zone_is_the_one_rule(meeting_type, zone, expected):
    """Online and phone with a zone the system knows: that zone; else None (the venue's
    zone decides). The picker, the details page, the zone select and Meeting all ask this."""
    own = customer_own_zone(meeting_type, zone)
    assert (own.key if own is not None else None) == expected
    assert uses_customer_zone(meeting_type) == (meeting_type != "physical")


def test_model_validation_does_not_walk_the_zone_files(world, alice, monkeypatch):
    """full_clean runs on every booking: it checks the zone against the list read once,
    not by scanning the zone files again; an unknown zone is still refused."""
    meeting = book(world, alice, customer_timezone="Asia/Tokyo")
    known_zone("Europe/Copenhagen")  # the list is read by now

    def walked() -> set[str]:
        raise AssertionError("the zone files were scanned again")

    monkeypatch.setattr(zoneinfo, "available_timezones", walked)
    meeting.full_clean()
    meeting.customer_timezone = "Nowhere/Town"
    meeting.language = "x" * 50  # another field's error is kept beside it
    with pytest.raises(ValidationError) as invalid:
        meeting.full_clean()
    assert "customer_timezone" in invalid.value.message_dict
    assert "Nowhere/Town" in invalid.value.message_dict["customer_timezone"][0]


def held_for_move(meeting: Meeting, start: datetime) -> TimeSlot:
    slot, _created = services.time_slot_reserve(
        actor=factories.FACTORY_ACTOR,
        wanted=services.SlotRequest(
            start=start,
            end=start + (meeting.end - meeting.start),
            employee=meeting.employee,
            topic=meeting.topic,
            meeting_type=meeting.meeting_type,
        ),
        moving=meeting,
    )
    return slot


def test_a_move_stores_the_zone_the_new_time_was_chosen_in(world, alice):
    """The picker showed Tokyo: the moved meeting is shown in Tokyo from then on."""
    meeting = book(world, alice, customer_timezone="America/New_York")
    hold = held_for_move(meeting, TEN + timedelta(days=1))
    services.meeting_move(
        actor=factories.FACTORY_ACTOR, meeting=meeting, hold=hold, customer_timezone="Asia/Tokyo"
    )
    meeting.refresh_from_db()
    assert meeting.time_slot_id == hold.pk
    assert meeting.customer_timezone == "Asia/Tokyo"
    assert meeting.customer_zone == ZoneInfo("Asia/Tokyo")


def test_a_move_of_a_lapsed_hold_stores_the_zone_too(world, alice, frozen_clock):
    """The hold ran out before the customer confirmed: the time is held again, and the
    zone is stored just the same."""
    meeting = book(world, alice, customer_timezone="America/New_York")
    hold = held_for_move(meeting, TEN + timedelta(days=1))
    TimeSlot.objects.filter(pk=hold.pk).update(expires_at=TEN - timedelta(days=2))
    hold.refresh_from_db()
    services.meeting_move(
        actor=factories.FACTORY_ACTOR, meeting=meeting, hold=hold, customer_timezone="Asia/Tokyo"
    )
    meeting.refresh_from_db()
    assert meeting.start == TEN + timedelta(days=1)
    assert meeting.customer_timezone == "Asia/Tokyo"


def test_a_move_without_a_zone_keeps_the_booked_one(world, alice):
    """Staff and the API move without a zone: the customer's stays as booked."""
    meeting = book(world, alice, customer_timezone="America/New_York")
    moved = factories.reschedule(meeting, start=TEN + timedelta(days=1))
    assert moved.customer_timezone == "America/New_York"


def test_a_move_refuses_an_unknown_zone_and_moves_nothing(world, alice):
    """An unknown zone names the field; the meeting keeps its time and zone, the hold stays."""
    meeting = book(world, alice, customer_timezone="America/New_York")
    hold = held_for_move(meeting, TEN + timedelta(days=1))
    with pytest.raises(InvalidRequest) as refused:
        services.meeting_move(
            actor=factories.FACTORY_ACTOR, meeting=meeting, hold=hold, customer_timezone="Nowhere"
        )
    assert refused.value.field == "customer_timezone"
    meeting.refresh_from_db()
    assert meeting.start == TEN
    assert meeting.customer_timezone == "America/New_York"
    hold.refresh_from_db()
    assert hold.status == TimeSlotStatus.RESERVED


def test_dst_change_in_the_customers_zone_only(world, alice):
    """Sydney changes to summer time on 4 October, Copenhagen only on 25 October: the same
    10:00 in the branch is 18:00 for the customer one week and 19:00 the next."""
    before = book(world, alice, start=BEFORE_SYDNEY_DST, customer_timezone="Australia/Sydney")
    after = book(world, alice, start=AFTER_SYDNEY_DST, customer_timezone="Australia/Sydney")
    for meeting in (before, after):
        assert meeting.start.astimezone(meeting.display_zone).hour == 10
    assert before.start.astimezone(before.customer_zone).hour == 18
    assert after.start.astimezone(after.customer_zone).hour == 19
    text = emails.meeting_email(
        after, "email/meeting_confirmed_customer", recipient=emails.CUSTOMER
    ).body
    assert "19:00–20:00 (Australia/Sydney)" in text
    assert "Wednesday" not in text  # still Tuesday evening in Sydney


def test_customer_email_names_the_customers_zone(world, alice):
    """The confirmation says the time in the customer's zone and names it in a sentence;
    the HTML part says the same."""
    meeting = book(world, alice, customer_timezone="America/New_York")
    message = emails.meeting_email(
        meeting, "email/meeting_confirmed_customer", recipient=emails.CUSTOMER
    )
    assert "04:00–05:00 (America/New_York)" in message.body
    assert "All times are in your time zone, America/New_York." in message.body
    html = message.alternatives[0][0]
    assert "America/New_York" in html
    assert "All times are in your time zone, America/New_York." in html


def test_customer_email_in_german_names_the_zone(world, alice):
    """The sentence is translated with the rest of the email."""
    meeting = book(world, alice, customer_timezone="America/New_York", language="de")
    body = emails.meeting_email(
        meeting, "email/meeting_confirmed_customer", recipient=emails.CUSTOMER
    ).body
    assert "Alle Zeiten sind in Ihrer Zeitzone, America/New_York." in body


def test_employee_email_keeps_the_branch_zone(world, alice):
    """Staff read the meeting in the display zone, without the customer's sentence."""
    meeting = book(world, alice, customer_timezone="America/New_York")
    body = emails.meeting_email(
        meeting, "email/meeting_confirmed_employee", recipient=emails.EMPLOYEE
    ).body
    assert "10:00–11:00 (Europe/Copenhagen)" in body
    assert "America/New_York" not in body
    assert "your time zone" not in body


def test_physical_meeting_email_names_the_branch_zone(world, alice):
    """In person the customer reads the branch's zone, named as such."""
    meeting = book(
        world,
        alice,
        meeting_type="physical",
        room=world.small_room,
        customer_timezone="America/New_York",
    )
    body = emails.meeting_email(
        meeting, "email/meeting_confirmed_customer", recipient=emails.CUSTOMER
    ).body
    assert "10:00–11:00 (Europe/Copenhagen)" in body
    assert "All times are in the Europe/Copenhagen time zone." in body
    assert "America/New_York" not in body


def test_reminder_and_cancellation_use_the_customers_zone(world, alice):
    """Every customer email of the meeting reads the same zone."""
    meeting = book(world, alice, customer_timezone="Asia/Tokyo")
    for template in ("email/meeting_reminder", "email/meeting_cancelled_customer"):
        body = emails.meeting_email(meeting, template, recipient=emails.CUSTOMER).body
        assert "17:00" in body, template
        assert "Asia/Tokyo" in body, template


def test_lost_links_email_lists_times_in_the_customers_zone(world, alice, mailoutbox):
    """The manage links email is the customer's: their zone per meeting."""
    book(world, alice, customer_timezone="Asia/Tokyo", customer_email="kenji@example.com")
    assert emails.lost_links("kenji@example.com", language="en") == 1
    body = mailoutbox[0].body
    assert "17:00 (Asia/Tokyo)" in body


def test_invite_keeps_the_absolute_instant(world, alice):
    """The .ics carries UTC instants: the same event, whatever zone the customer reads."""
    from booking.ical import meeting_calendar

    meeting = book(world, alice, customer_timezone="America/New_York")
    event = icalendar.Calendar.from_ical(meeting_calendar(meeting)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == TEN
    assert event.decoded("dtend").astimezone(UTC) == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
