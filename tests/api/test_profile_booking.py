"""POST /api/bookme/meetings through a booking profile (seed 003): profileId and
profileFields (the additionalFields), checked as the profile's page checks them."""

from __future__ import annotations

from datetime import date, time

import pytest
import time_machine

from booking.models import Meeting, TimeSlot, TimeSlotStatus
from config_data.models import BookingProfile, ProfileHours
from tests import seed_001
from tests.api.helpers import booked_slot, meeting_body
from tests.seed_001 import SEED_NOW, seed_world, with_ids

MEETINGS = "/api/bookme/meetings"
# Tuesday 2 June 2026, 13:00-14:00 in Copenhagen: inside the profile's hours below.
ONE = {"start": "2026-06-02T11:00:00Z", "end": "2026-06-02T12:00:00Z"}


@pytest.fixture
def page(world) -> BookingProfile:
    """Alice's profile: the topic's 60 minutes, {{name}} required, {{company}} optional,
    a room of its own per meeting, bookable on Tuesdays 13:00-15:00 only."""
    profile = BookingProfile.objects.create(
        employee=world.alice,
        slug="alice",
        title="Quick call",
        subject_template="Call with {{name}} about {{company|your company}}",
        description_template="Prepared for {{name}}.",
        online_meeting_link="https://meet.example.com/bank-{reference}",
    )
    profile.topics.set([world.topic])
    ProfileHours.objects.create(profile=profile, weekday=1, start=time(13), end=time(15))
    return profile


def post_through(caller, world, page, slot=None, **extra):
    """Book a meeting on a Booked slot of Alice's (13:00 by default) through `page`."""
    slot = slot or booked_slot(caller, world.alice, **ONE)
    body = meeting_body(world, slot, profileId=str(page.pk), **extra)
    return caller.post(MEETINGS, body), slot


def assert_refused(response, slot, *, status, code, parameter):
    """The error names the code and parameter; no meeting, the slot still the client's."""
    assert response.status_code == status, response.content
    assert (response.json()["code"], response.json()["parameter"]) == (code, parameter)
    assert not Meeting.objects.exists()
    assert TimeSlot.objects.get(pk=slot["id"]).status == TimeSlotStatus.BOOKED


def test_a_meeting_through_a_profile_keeps_its_fields(world, caller, page):
    """201: the subject filled in with the fields, the profile and the values stored, the
    description and the online link the profile's (its own room)."""
    response, _ = post_through(
        caller, world, page, profileFields={"name": " Carla ", "company": "Acme"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    meeting = Meeting.objects.get()
    assert body["id"] == str(meeting.pk)
    assert body["subject"] == "Call with Carla about Acme"
    assert body["joinLink"] == f"https://meet.example.com/bank-{meeting.reference}"
    assert meeting.profile == page
    assert meeting.profile_fields == {"name": "Carla", "company": "Acme"}
    assert meeting.profile_text == "Prepared for Carla."


def test_an_optional_field_may_be_left_out(world, caller, page):
    """Without {{company}} the default stands in the subject and nothing is stored for it."""
    response, _ = post_through(caller, world, page, profileFields={"name": "Carla"})
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == "Call with Carla about your company"
    assert Meeting.objects.get().profile_fields == {"name": "Carla"}


@pytest.mark.parametrize(
    ("fields", "code", "parameter"),
    [
        (None, "profile_field_required", "profileFields.name"),
        ({"company": "Acme"}, "profile_field_required", "profileFields.name"),
        ({"name": "   "}, "profile_field_required", "profileFields.name"),
        ({"name": "Carla", "first_name": "C"}, "profile_field_unknown", "profileFields.first_name"),
        ({"name": "x" * 501}, "invalid_input", "profileFields.name"),
        ({"name": 5}, "invalid_input", "profileFields.name"),
        ({"name": None}, "invalid_input", "profileFields.name"),
        ([], "invalid_input", "profileFields"),
    ],
    ids=["none", "missing", "blank", "unknown", "too-long", "number", "null", "not-an-object"],
)
def test_bad_fields_are_a_400_naming_the_field(world, caller, page, fields, code, parameter):
    """Missing, blank, unknown (its name kept as sent, not camelCased), too long or not
    text: 400 naming profileFields.<name>, and no meeting."""
    extra = {} if fields is None else {"profileFields": fields}
    response, slot = post_through(caller, world, page, **extra)
    assert_refused(response, slot, status=400, code=code, parameter=parameter)


def test_too_many_fields_are_refused_by_the_schema(world, caller, page):
    """More entries than a profile can have variables: 400 on profileFields."""
    fields = {f"v{n}": "x" for n in range(11)}
    response, slot = post_through(caller, world, page, profileFields=fields)
    assert_refused(response, slot, status=400, code="invalid_input", parameter="profileFields")


@pytest.mark.parametrize("value", ["999999", "abc", "0"])
def test_an_unknown_profile_is_a_400_naming_profile_id(world, caller, page, value):
    """An id that names no profile (or cannot): 400 unknown_profile on profileId."""
    slot = booked_slot(caller, world.alice, **ONE)
    body = meeting_body(world, slot, profileId=value, profileFields={"name": "Carla"})
    response = caller.post(MEETINGS, body)
    assert_refused(response, slot, status=400, code="unknown_profile", parameter="profileId")


def test_a_switched_off_profile_is_a_400_naming_profile_id(world, caller, page):
    """A profile staff switched off books nothing: 400 profile_closed on profileId."""
    BookingProfile.objects.filter(pk=page.pk).update(active=False)
    response, slot = post_through(caller, world, page, profileFields={"name": "Carla"})
    assert_refused(response, slot, status=400, code="profile_closed", parameter="profileId")


def test_a_profile_ended_before_the_meetings_day_is_refused(world, caller, page):
    """The period ended on 1 June; the meeting is on 2 June: 400 profile_closed."""
    BookingProfile.objects.filter(pk=page.pk).update(active_until=date(2026, 6, 1))
    response, slot = post_through(caller, world, page, profileFields={"name": "Carla"})
    assert_refused(response, slot, status=400, code="profile_closed", parameter="profileId")


def test_a_slot_outside_the_profiles_hours_is_refused(world, caller, page):
    """10:00 on a Tuesday is inside Alice's working hours but not the profile's 13-15: the
    client reserved it without the profile and then names it: 400 profile_hours."""
    slot = booked_slot(caller, world.alice)  # 10:00-11:00 Copenhagen
    response, _ = post_through(caller, world, page, slot=slot, profileFields={"name": "Carla"})
    assert_refused(response, slot, status=400, code="profile_hours", parameter="timeSlotId")
    assert "at that time" in response.json()["message"]


def test_a_slot_ending_after_the_profiles_hours_is_refused(world, caller, page):
    """14:30-15:30 starts inside 13-15 but ends outside: refused too."""
    slot = booked_slot(
        caller, world.alice, start="2026-06-02T12:30:00Z", end="2026-06-02T13:30:00Z"
    )
    response, _ = post_through(caller, world, page, slot=slot, profileFields={"name": "Carla"})
    assert_refused(response, slot, status=400, code="profile_hours", parameter="timeSlotId")


def test_another_employees_profile_is_refused(world, caller, page):
    """A profile of Bob's cannot book Alice's time: 400 on employeeId."""
    bobs = BookingProfile.objects.create(employee=world.bob, slug="bob", title="Bob")
    bobs.topics.set([world.topic])
    response, slot = post_through(caller, world, bobs)
    assert_refused(response, slot, status=400, code="profile_employee", parameter="employeeId")


def test_fields_without_a_profile_are_refused(world, caller, page):
    """profileFields without profileId: nothing takes them, 400 naming the field."""
    slot = booked_slot(caller, world.alice, **ONE)
    response = caller.post(MEETINGS, meeting_body(world, slot, profileFields={"name": "Carla"}))
    assert_refused(
        response, slot, status=400, code="profile_field_unknown", parameter="profileFields.name"
    )


def test_a_meeting_without_a_profile_is_unchanged(world, caller, page):
    """No profileId: the profile's hours and fields do not apply (10:00 is outside them),
    and the meeting has no profile, the topic's name as subject and no profile fields."""
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot))
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == "Mortgage"
    meeting = Meeting.objects.get()
    assert (meeting.profile, meeting.profile_fields) == (None, {})


def test_the_seeds_meeting_body_books_as_before(make_caller):
    """Seed 001's meeting body, byte for byte, beside a profile of the same employee that
    would refuse it (required field, other hours): 201, booked without any profile."""
    with time_machine.travel(SEED_NOW, tick=False):
        caller = make_caller("Integrator")
        world = seed_world()
        narrow = BookingProfile.objects.create(
            employee=world.employee, slug="sara", title="Sara", subject_template="{{name}}"
        )
        narrow.topics.set([world.topic])
        ProfileHours.objects.create(profile=narrow, weekday=5, start=time(15), end=time(16))
        reserve_body, patch_body, meeting_body_text, _ = seed_001.bodies()
        reserved = caller.post(
            "/api/bookme/time-slots/reserve",
            with_ids(reserve_body, world.reserve_ids()),
            content_type="application/json",
        )
        assert reserved.status_code == 201, reserved.content
        slot = reserved.json()
        patched = caller.patch(f"/api/bookme/time-slots/{slot['id']}", patch_body)
        assert patched.status_code == 200, patched.content
        created = caller.post(
            MEETINGS,
            with_ids(meeting_body_text, world.meeting_ids(slot["id"])),
            content_type="application/json",
        )
    assert created.status_code == 201, created.content
    assert created.json()["subject"] == "Home loan"
    meeting = Meeting.objects.get()
    assert (meeting.profile, meeting.profile_fields, meeting.description) == (
        None,
        {},
        "Meeting description",
    )
