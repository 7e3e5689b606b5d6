"""The seed's whole sequence, as an external service following seed 001 to the letter runs it."""

from __future__ import annotations

import icalendar
import pytest
import time_machine
from django.core import mail

from booking.models import Customer, Meeting, TimeSlot, TimeSlotStatus
from tests import seed_001
from tests.background import run_tasks
from tests.seed_001 import SEED_NOW, SEED_START, seed_world, with_ids


@pytest.fixture
def seed_caller(make_caller):
    """A client at the seed's own time: the day before its slot."""
    with time_machine.travel(SEED_NOW, tick=False):
        yield make_caller("Integrator")


def test_the_embedded_bodies_are_the_seeds_own():
    """The verbatim copies equal the seed file's JSON blocks, byte for byte (when it is there)."""
    from_file = seed_001.seed_file_bodies()
    if from_file is None:
        pytest.skip("the seed file is not beside the repository")
    assert from_file == seed_001.VERBATIM


def test_the_seeds_booking_sequence(seed_caller, django_capture_on_commit_callbacks):
    """Configuration -> available -> reserve -> PATCH Booked -> meeting -> ical, with the
    seed's bodies byte for byte (only the ids replaced): 201 for the meeting."""
    caller = seed_caller
    reserve_body, patch_body, meeting_body, ical_body = seed_001.bodies()
    world = seed_world()

    # 1. Configuration: the ids come from here.
    topics = caller.get(
        "/api/bookme/meeting-topics",
        {"isCustomer": "true", "customerCategoryId": world.category.pk},
    ).json()
    assert str(world.topic.pk) in [t["id"] for t in topics]
    assert str(world.category.pk) in [
        c["id"] for c in caller.get("/api/config/customer-types").json()
    ]
    assert str(world.employee.pk) in [e["id"] for e in caller.get("/api/config/employees").json()]
    assert str(world.room.pk) in [r["id"] for r in caller.get("/api/config/rooms").json()]

    # 2. The seed's 10:00 slot is offered for the theme, in person, with the room.
    slots = caller.get(
        "/api/bookme/time-slots/available",
        {
            "requireEmployeeParticipation": "true",
            "explicitEmployeeIds": world.employee.pk,
            "startDate": "2025-03-15T00:00:00Z",
            "theme": world.topic.pk,
            "customerCategoryId": world.category.pk,
            "meetingTypes": "physical",
            "requireRoom": "true",
            "specificRooms": world.room.pk,
            "meetingDuration": "60",
        },
    )
    assert slots.status_code == 200, slots.content
    assert SEED_START in [s["startDate"] for s in slots.json()]

    # 3. Reserve: the seed's body, no theme, no room.
    reserved = caller.post(
        "/api/bookme/time-slots/reserve",
        with_ids(reserve_body, world.reserve_ids()),
        content_type="application/json",
    )
    assert reserved.status_code == 201, reserved.content
    slot = reserved.json()
    assert (slot["status"], slot["startDate"], slot["themeId"]) == ("Reserved", SEED_START, None)

    # 4. Booked: the seed's JSON Patch, sent as application/json as the seed shows.
    booked = caller.patch(
        f"/api/bookme/time-slots/{slot['id']}", patch_body, content_type="application/json"
    )
    assert booked.status_code == 200, booked.content
    assert booked.json()["status"] == "Booked"

    # 5. The meeting: the seed's body, customerId alone, no contact details.
    with django_capture_on_commit_callbacks(execute=True):
        created = caller.post(
            "/api/bookme/meetings",
            with_ids(meeting_body, world.meeting_ids(slot["id"])),
            content_type="application/json",
        )
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert meeting["status"] == "confirmed"
    assert (meeting["type"], meeting["roomId"], meeting["themeId"]) == (
        "physical",
        str(world.room.pk),
        str(world.topic.pk),
    )
    assert meeting["customer"] == {"id": "67890", "name": None, "email": None, "phone": ""}
    customer = Customer.objects.get()
    assert customer.external_id == f"{caller.application.pk}:67890"
    assert (customer.name, customer.email) == ("", "")
    # No address, no customer email; the adviser's email names the client's reference.
    run_tasks()  # the emails go out in the worker
    assert [message.to for message in mail.outbox] == [[world.employee.email]]
    assert "Customer 67890" in mail.outbox[0].subject
    assert "Customer: Customer 67890\n" in mail.outbox[0].body
    # The slot became the theme's, with the room the meeting takes.
    stored = TimeSlot.objects.get()
    assert (stored.status, stored.topic, stored.room) == (
        TimeSlotStatus.BOOKED,
        world.topic,
        world.room,
    )

    # 6. The invite, for the client to pass on: the seed's body.
    ics = caller.post(
        f"/api/bookme/meetings/{meeting['id']}/ical",
        ical_body,
        content_type="application/json",
        headers={"Accept": "text/calendar"},
    )
    assert ics.status_code == 200
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Meeting title"
    assert str(event["DESCRIPTION"]).startswith("Meeting description")
    assert event.decoded("DTSTART").isoformat() == "2025-03-15T10:00:00+00:00"
    assert str(event["LOCATION"]).startswith("Harbour, Main Street 1")
    assert str(event["UID"]) == Meeting.objects.get().ical_uid
    assert "ATTENDEE" not in event  # no address to invite
    assert not TimeSlot.objects.double_booked().exists()


def test_a_second_meeting_for_the_same_reference_is_the_same_customer(seed_caller):
    """customerId "67890" again, still without details: the client's same customer."""
    world = seed_world()
    reserve_body, patch_body, meeting_body, _ = seed_001.bodies()
    for token in ("first", "second"):
        body = with_ids(reserve_body, world.reserve_ids()).replace("reservation-token", token)
        if token == "second":
            body = body.replace("T10:00", "T12:00").replace("T11:00", "T13:00")
        slot = seed_caller.post(
            "/api/bookme/time-slots/reserve", body, content_type="application/json"
        ).json()
        seed_caller.patch(
            f"/api/bookme/time-slots/{slot['id']}", patch_body, content_type="application/json"
        )
        created = seed_caller.post(
            "/api/bookme/meetings",
            with_ids(meeting_body, world.meeting_ids(slot["id"])),
            content_type="application/json",
        )
        assert created.status_code == 201, created.content
    assert Customer.objects.count() == 1
    assert Meeting.objects.filter(customer=Customer.objects.get()).count() == 2
