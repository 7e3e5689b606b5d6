"""Meetings booked through a profile: its fields checked and stored, its texts in the invite
and the emails, its online link (one room per meeting), and what the profile allows."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from django.core import mail

from booking import services
from booking.actors import Actor
from booking.errors import InvalidRequest
from booking.ical import meeting_calendar
from booking.models import Meeting
from booking.services.profiles import check_profile_allows, checked_profile_fields
from config_data.models import BookingProfile, OpeningHours, ProfileHours, WorkingHours
from tests import factories

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen."""


@pytest.fixture
def page(world) -> BookingProfile:
    world.alice.online_meeting_link = "https://meet.example.com/alice"
    world.alice.save()
    profile = BookingProfile.objects.create(
        employee=world.alice,
        slug="alice",
        title="Quick call",
        durations=[30, 60],
        subject_template="Call with {{name}} about {{company|your company}}",
        description_template="Prepared for {{name}}.",
        online_meeting_link="https://meet.example.com/bank-{reference}",
    )
    profile.topics.set([world.topic])
    return profile


def book(world, profile, *, start=TEN, minutes=30, fields=None, email="carla@example.com"):
    """Reserve, book and create through the services, as the details page does."""
    actor = Actor.for_session(f"s-{start:%H%M}-{email}")
    slot, _ = services.time_slot_reserve(
        actor=actor,
        wanted=services.SlotRequest(
            start=start,
            end=start + timedelta(minutes=minutes),
            employee=world.alice,
            topic=world.topic,
            meeting_type="online",
        ),
    )
    services.time_slot_book(actor=actor, time_slot_id=slot.pk)
    return services.meeting_create(
        actor=actor,
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=services.customer_upsert(name="Carla", email=email),
        meeting_type="online",
        profile=profile,
        profile_fields={"name": "Carla"} if fields is None else fields,
    )


# --- the fields --------------------------------------------------------------------------


def test_values_are_stripped_and_empty_optional_ones_left_out(page):
    """ " Carla " is stored as "Carla"; an empty optional company is not stored."""
    assert checked_profile_fields(page, {"name": " Carla ", "company": "  "}) == {"name": "Carla"}


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({}, "profile_field_required", "profile_fields.name"),
        ({"name": "   "}, "profile_field_required", "profile_fields.name"),
        ({"name": "C", "age": "40"}, "profile_field_unknown", "profile_fields.age"),
        ({"name": "x" * 501}, "profile_field_too_long", "profile_fields.name"),
        ({"name": 5}, "profile_field_text", "profile_fields.name"),
    ],
    ids=["missing", "blank", "unknown", "too-long", "not-text"],
)
def test_bad_values_are_refused_naming_the_field(page, values, code, field):
    """Missing, unknown, too long or not text: an InvalidRequest naming profile_fields.<name>."""
    with pytest.raises(InvalidRequest) as caught:
        checked_profile_fields(page, values)
    assert caught.value.code == code
    assert caught.value.field == field


def test_fields_without_a_profile_are_refused(db):
    """A meeting not booked through a profile takes no profile fields."""
    with pytest.raises(InvalidRequest) as caught:
        checked_profile_fields(None, {"name": "Carla"})
    assert caught.value.field == "profile_fields.name"
    assert checked_profile_fields(None, None) == {}


def test_the_meeting_stores_profile_fields_and_its_30_minutes(world, page):
    """The profile's 30 minutes are accepted (the topic lasts 60); values and profile kept."""
    meeting = book(world, page, fields={"name": " Carla ", "company": "Acme"})
    meeting.refresh_from_db()
    assert meeting.profile == page
    assert meeting.profile_fields == {"name": "Carla", "company": "Acme"}
    assert meeting.end - meeting.start == timedelta(minutes=30)
    assert meeting.subject == "Call with Carla about Acme"
    assert meeting.profile_text == "Prepared for Carla."


def test_a_missing_required_field_creates_no_meeting(world, page):
    """Without {{name}}: refused, and no meeting exists afterwards."""
    with pytest.raises(InvalidRequest) as caught:
        book(world, page, fields={})
    assert caught.value.field == "profile_fields.name"
    assert not Meeting.objects.exists()


def test_a_duration_the_profile_does_not_offer_is_refused(world, page):
    """45 minutes is neither the profile's 30 nor 60: refused on duration."""
    with pytest.raises(InvalidRequest) as caught:
        book(world, page, minutes=45)
    assert caught.value.code in {"profile_duration", "hold_length_employee"}


def test_a_closed_profile_books_nothing(world, page):
    """A profile ended before the meeting's day refuses the meeting."""
    BookingProfile.objects.filter(pk=page.pk).update(active_until=date(2026, 6, 1))
    page.refresh_from_db()
    with pytest.raises(InvalidRequest) as caught:
        book(world, page)
    assert caught.value.code == "profile_closed"


def test_another_employees_profile_is_refused(world, page):
    """A profile of Bob's cannot book Alice's time."""
    bobs = BookingProfile.objects.create(
        employee=world.bob, slug="bob", title="Bob", durations=[30]
    )
    bobs.topics.set([world.topic])
    with pytest.raises(InvalidRequest) as caught:
        book(world, bobs, fields={})
    assert caught.value.code == "profile_employee"


def test_without_a_profile_a_topic_length_mismatch_is_still_refused(world):
    """The topic's 60 minutes still rule a meeting not booked through a profile."""
    with pytest.raises(InvalidRequest) as caught:
        book(world, None, fields={})
    assert caught.value.code == "theme_length_mismatch"


# --- the online link ------------------------------------------------------------------------


def test_a_link_pattern_gives_each_meeting_its_own_room(world, page):
    """{reference} in the pattern: two meetings, two different links, each its reference."""
    first = book(world, page)
    second = book(world, page, start=TEN + timedelta(hours=1), email="dan@example.com")
    assert first.join_link == f"https://meet.example.com/bank-{first.reference}"
    assert second.join_link == f"https://meet.example.com/bank-{second.reference}"
    assert first.join_link != second.join_link


def test_a_fixed_profile_link_and_the_employee_fallback(world, page):
    """A fixed URL is every meeting's; without a profile link, the employee's link."""
    page.online_meeting_link = "https://meet.example.com/fixed"
    page.save()
    assert book(world, page).join_link == "https://meet.example.com/fixed"
    plain = factories.meeting(
        topic=world.topic, employee=world.alice, start=TEN + 3 * timedelta(hours=1)
    )
    assert plain.join_link == "https://meet.example.com/alice"


# --- the invite and the emails ---------------------------------------------------------------


def test_the_invite_has_the_subject_description_and_own_link(world, page):
    """SUMMARY is the filled subject, DESCRIPTION starts with the filled description, and
    LOCATION and URL are the meeting's own room."""
    meeting = book(world, page, fields={"name": "Carla", "company": "Acme"})
    event = icalendar.Calendar.from_ical(meeting_calendar(meeting)).events[0]
    assert str(event["summary"]) == "Call with Carla about Acme"
    assert str(event["description"]).startswith("Prepared for Carla.")
    assert str(event["location"]) == meeting.join_link
    assert str(event["url"]) == meeting.join_link


@pytest.fixture
def committed(django_capture_on_commit_callbacks, run_tasks):
    @contextmanager
    def committed() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_tasks()

    return committed


def test_the_emails_use_the_subject_and_the_meetings_own_link(world, page, committed):
    """Customer and employee emails: subject line and body carry the filled-in texts."""
    with committed():
        meeting = book(world, page, fields={"name": "Carla", "company": "Acme"})
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Call with Carla about Acme" in message.subject
        assert "Prepared for Carla." in message.body
        assert meeting.join_link in message.body


# --- the meeting keeps what it was booked with --------------------------------------------------


def test_editing_the_profile_later_changes_no_booked_meeting(world, page):
    """Subject, description and link are the meeting's own from creation: staff rewording
    the profile, moving its link or adding a required variable leave booked meetings as
    the invite already sent them."""
    meeting = book(world, page, fields={"name": "Carla", "company": "Acme"})
    link = f"https://meet.example.com/bank-{meeting.reference}"
    page.subject_template = "New title for {{name}} and {{region}}"
    page.description_template = "Reworded: {{region}}."
    page.online_meeting_link = "https://other.example.com/{reference}"
    page.save()
    fresh = Meeting.objects.with_details().get(pk=meeting.pk)
    assert fresh.subject == "Call with Carla about Acme"
    assert fresh.profile_text == "Prepared for Carla."
    assert fresh.join_link == link
    event = icalendar.Calendar.from_ical(meeting_calendar(fresh)).events[0]
    assert str(event["summary"]) == "Call with Carla about Acme"
    assert str(event["url"]) == link


def test_a_profile_without_texts_keeps_the_topic_and_the_employees_link(world, page):
    """No subject and no link on the profile: the meeting's title is the topic's name and
    its link the employee's, as for a meeting booked without a profile."""
    page.subject_template = ""
    page.description_template = ""
    page.online_meeting_link = ""
    page.save()
    meeting = Meeting.objects.with_details().get(pk=book(world, page, fields={}).pk)
    assert meeting.subject == str(world.topic)
    assert meeting.profile_text == ""
    assert meeting.join_link == "https://meet.example.com/alice"


def test_the_migration_fills_meetings_booked_before_it(world, page):
    """Meetings booked before the snapshot existed get their profile's texts filled in once;
    meetings without a profile keep empty snapshots."""
    from django.apps import apps

    migration = importlib.import_module("booking.migrations.0015_meeting_profile_snapshot")
    through = book(world, page, fields={"name": "Carla"})
    plain = factories.meeting(topic=world.topic, employee=world.bob, start=TEN)
    Meeting.objects.update(profile_subject="", profile_text="", profile_link="")
    migration.fill_profile_snapshots(apps, None)
    through.refresh_from_db()
    plain.refresh_from_db()
    assert through.profile_subject == "Call with Carla about your company"
    assert through.profile_text == "Prepared for Carla."
    assert through.profile_link == f"https://meet.example.com/bank-{through.reference}"
    assert (plain.profile_subject, plain.profile_text, plain.profile_link) == ("", "", "")


# --- the profile's day is the employee's ---------------------------------------------------------


def test_a_meeting_in_a_room_of_another_zone_counts_the_employees_day(world, page):
    """The profile ends on 2 June. 21:00 Copenhagen on 2 June is already 3 June, 09:00, in
    the room's zone (UTC+14): the employee's day decides, so the meeting is allowed."""
    BookingProfile.objects.filter(pk=page.pk).update(active_until=date(2026, 6, 2))
    page.refresh_from_db()
    # The branch opens all day and Alice works evenings, so 21:00 is bookable for her.
    OpeningHours.objects.filter(location=world.location).update(opens=time(0), closes=time(23))
    WorkingHours.objects.filter(employee=world.alice).update(start=time(18), end=time(23))
    world.small_room.timezone = "Pacific/Kiritimati"
    world.small_room.save()
    start = datetime(2026, 6, 2, 19, 0, tzinfo=UTC)
    actor = Actor.for_session("s-room")
    slot, _ = services.time_slot_reserve(
        actor=actor,
        wanted=services.SlotRequest(
            start=start,
            end=start + timedelta(minutes=30),
            employee=world.alice,
            room=world.small_room,
            topic=world.topic,
            meeting_type="physical",
        ),
    )
    services.time_slot_book(actor=actor, time_slot_id=slot.pk)
    meeting = services.meeting_create(
        actor=actor,
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=services.customer_upsert(name="Carla", email="carla@example.com"),
        meeting_type="physical",
        profile=page,
        profile_fields={"name": "Carla"},
    )
    assert meeting.profile == page


@pytest.mark.parametrize(
    ("start", "allowed"),
    [
        # 23:30 in New York on 1 June, already 2 June in Copenhagen: the employee's 1 June.
        (datetime(2026, 6, 2, 3, 30, tzinfo=UTC), True),
        # 00:30 in New York on 2 June: after the profile's last day.
        (datetime(2026, 6, 2, 4, 30, tzinfo=UTC), False),
    ],
    ids=["employees-last-day", "employees-next-day"],
)
def test_the_profile_period_is_read_in_the_employees_zone(world, page, start, allowed):
    """An employee in New York, a profile ending on 1 June: the day is New York's, not the
    site's (Copenhagen) nor the room's."""
    world.alice.timezone = "America/New_York"
    world.alice.save()
    BookingProfile.objects.filter(pk=page.pk).update(active_until=date(2026, 6, 1))
    page.refresh_from_db()
    check = functools.partial(
        check_profile_allows, page, topic=world.topic, minutes=30, employee_id=world.alice.pk
    )
    if allowed:
        check(start=start)
    else:
        with pytest.raises(InvalidRequest) as caught:
            check(start=start)
        assert caught.value.code == "profile_closed"


# --- the profile's weekly hours, in the employee's zone ------------------------------------------


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("weekday", "hours", "start", "allowed"),
    [
        # Mondays 09-10 Copenhagen: 08:00 UTC in winter time (23 March) ...
        (0, (time(9), time(10)), utc(3, 23, 8), True),
        (0, (time(9), time(10)), utc(3, 23, 7), False),
        # ... and 07:00 UTC the Monday after the change to summer time (30 March).
        (0, (time(9), time(10)), utc(3, 30, 7), True),
        (0, (time(9), time(10)), utc(3, 30, 8), False),
        # Sunday 29 March, 02:30 does not exist: read with the offset before the change,
        # as the engine reads working hours, the hours begin at 01:30 UTC (03:30 CEST).
        (6, (time(2, 30), time(4)), utc(3, 29, 1, 30), True),
        (6, (time(2, 30), time(4)), utc(3, 29, 1), False),
        # Sunday 25 October, 02:00-03:00 happens twice: the hours hold both (00-02 UTC).
        (6, (time(2), time(3)), utc(10, 25, 1, 30), True),
        (6, (time(2), time(3)), utc(10, 25, 2), False),
    ],
    ids=[
        "winter-inside",
        "winter-an-hour-early",
        "summer-inside",
        "summer-at-the-winter-instant",
        "spring-gap-as-the-engine-reads-it",
        "spring-gap-before",
        "autumn-repeated-hour",
        "autumn-after",
    ],
)
def test_the_profiles_hours_are_read_in_the_employees_zone(
    world, page, weekday, hours, start, allowed
):
    """A 30-minute meeting must lie inside the profile's weekly hours, wall-clock times in
    the employee's zone (Copenhagen) converted day by day as the engine does: DST moves
    the UTC instants, a time in the gap is read as the engine reads it, a repeated hour
    counts twice."""
    ProfileHours.objects.create(profile=page, weekday=weekday, start=hours[0], end=hours[1])
    check = functools.partial(
        check_profile_allows, page, topic=world.topic, minutes=30, employee_id=world.alice.pk
    )
    if allowed:
        check(start=start)
    else:
        with pytest.raises(InvalidRequest) as caught:
            check(start=start)
        assert (caught.value.code, caught.value.field) == ("profile_hours", "time_slot")


def test_a_meeting_outside_the_profiles_hours_is_not_created(world, page):
    """Tuesday 10:00 is in Alice's working hours, so it can be held; the profile books
    only 13-15: meeting_create refuses it with profile_hours and creates nothing. Inside
    the hours the booking succeeds; a profile without hours takes any working time."""
    ProfileHours.objects.create(profile=page, weekday=1, start=time(13), end=time(15))
    with pytest.raises(InvalidRequest) as caught:
        book(world, page)
    assert caught.value.code == "profile_hours"
    assert not Meeting.objects.exists()
    assert book(world, page, start=TEN + timedelta(hours=3)).profile == page
    page.hours.all().delete()
    later = book(world, page, start=TEN + timedelta(hours=1), email="dan@example.com")
    assert later.profile == page
