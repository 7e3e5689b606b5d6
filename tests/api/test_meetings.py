"""Steps 5-6 of the seed: meetings on Booked slots, reading and cancelling them, the invite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject
from django.core import mail

from booking.models import Customer, Meeting, MeetingStatus, TimeSlot, TimeSlotStatus
from config_data.models import BookingProfile
from tests import factories
from tests.api.helpers import (
    ELEVEN,
    TEN,
    booked_slot,
    create_meeting,
    meeting_body,
    reserve,
    reserve_body,
)
from tests.background import run_tasks

MEETINGS = "/api/bookme/meetings"


def test_a_meeting_on_a_booked_slot(world, caller):
    """201 with the meeting: the slot's times and people, the customer, status confirmed."""
    category = factories.category("Private")
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot, customerCategoryId=str(category.pk)))
    assert response.status_code == 201, response.content
    meeting = Meeting.objects.get()
    body = response.json()
    assert body == {
        "id": str(meeting.pk),
        "status": "confirmed",
        "timeSlotId": slot["id"],
        "startDate": TEN,
        "endDate": ELEVEN,
        "type": "online",
        "themeId": str(world.topic.pk),
        "employeeId": str(world.alice.pk),
        "roomId": None,
        "customerCategoryId": str(category.pk),
        "bookedBy": "customer",
        "description": "About our new house",
        "customer": {
            "id": "cust-1",
            "name": "Carla Customer",
            "email": "carla@example.com",
            "phone": "+4512",
        },
        "answers": [],
        "location": "Online",
        "timeZone": "Europe/Copenhagen",
        "subject": "Mortgage",
        "joinLink": None,
        "createdAt": "2026-06-01T06:00:00Z",
        "cancelledAt": None,
        "outcome": None,
        "outcomeAt": None,
    }
    assert meeting.owner == caller.holder
    assert meeting.customer.external_id == f"{caller.application.pk}:cust-1"


def test_the_seeds_body_with_a_room_and_in_person(world, caller):
    """The seed's example shape: physical, with roomId and employeeId matching the slot."""
    slot = booked_slot(
        caller,
        world.alice,
        themeId=str(world.topic.pk),
        meetingType="physical",
        time_slot={"roomId": str(world.big_room.pk)},
    )
    response = caller.post(
        MEETINGS, meeting_body(world, slot, type="physical", roomId=str(world.big_room.pk))
    )
    assert response.status_code == 201, response.content
    assert response.json()["roomId"] == str(world.big_room.pk)
    assert response.json()["location"].startswith("Big, Main Street 1")


def test_a_known_customer_id_needs_no_details_again(world, caller):
    """The second meeting for customerId cust-1 may leave `customer` out: the same customer."""
    create_meeting(caller, world)
    # An hour later: the same person cannot have two meetings at once.
    later = {"start": "2026-06-02T09:00:00Z", "end": "2026-06-02T10:00:00Z"}
    slot = booked_slot(caller, world.bob, token="second", **later)
    body = meeting_body(world, slot)
    del body["customer"]
    response = caller.post(MEETINGS, body)
    assert response.status_code == 201, response.content
    assert response.json()["customer"]["email"] == "carla@example.com"
    assert Customer.objects.count() == 1


def test_one_customer_cannot_have_two_meetings_at_once_through_the_api(world, caller):
    """cust-1 has Alice at 10:00; a meeting for cust-1 with Bob at 10:00 is a 409 naming
    timeSlotId, no second meeting exists, and the booked slot is still the client's."""
    create_meeting(caller, world)
    slot = booked_slot(caller, world.bob, token="second")
    response = caller.post(MEETINGS, meeting_body(world, slot))
    assert response.status_code == 409, response.content
    assert (response.json()["code"], response.json()["parameter"]) == (
        "customer_overlap",
        "timeSlotId",
    )
    assert Meeting.objects.count() == 1
    assert TimeSlot.objects.get(pk=slot["id"]).status == TimeSlotStatus.BOOKED


def test_customer_ids_belong_to_their_client(world, caller, outsider):
    """Another client's customerId "cust-1" is another customer: nothing of the first leaks."""
    create_meeting(caller, world)
    slot = booked_slot(outsider, world.bob, token="other")
    body = meeting_body(world, slot)
    del body["customer"]
    response = outsider.post(MEETINGS, body)
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == {
        "id": "cust-1",
        "name": None,
        "email": None,
        "phone": "",
    }
    assert Customer.objects.get(name="Carla Customer").email == "carla@example.com"
    assert Customer.objects.count() == 2


def test_an_unknown_customer_id_alone_is_the_clients_reference(
    world, caller, django_capture_on_commit_callbacks
):
    """A new customerId without `customer`: 201, a customer without contact details, no
    customer email (the adviser's names the reference), an invite without an attendee."""
    slot = booked_slot(caller, world.alice)
    body = meeting_body(world, slot, customerId="67890")
    del body["customer"]
    with django_capture_on_commit_callbacks(execute=True):
        response = caller.post(MEETINGS, body)
    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    assert (customer.external_id, customer.name, customer.email) == (
        f"{caller.application.pk}:67890",
        "",
        "",
    )
    run_tasks()  # the emails go out in the worker
    assert [m.to for m in mail.outbox] == [[world.alice.email]]
    assert mail.outbox[0].reply_to == []
    assert "Customer 67890" in mail.outbox[0].subject
    ics = caller.post(f"{MEETINGS}/{response.json()['id']}/ical")
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert "ATTENDEE" not in event


def test_details_sent_later_complete_the_referenced_customer(world, caller):
    """customerId first alone, then with `customer`: the same customer, now with details."""
    slot = booked_slot(caller, world.alice)
    body = meeting_body(world, slot)
    del body["customer"]
    assert caller.post(MEETINGS, body).status_code == 201
    create_meeting(
        caller, world, start="2026-06-02T11:00:00Z", end="2026-06-02T12:00:00Z", token="later"
    )
    customer = Customer.objects.get()
    assert (customer.name, customer.email) == ("Carla Customer", "carla@example.com")


def test_a_meeting_needs_a_customer_id_or_details(world, caller):
    """Neither customerId nor `customer`: 400 naming customerId, nothing saved."""
    slot = booked_slot(caller, world.alice)
    body = meeting_body(world, slot, customerId=None)
    del body["customer"]
    response = caller.post(MEETINGS, body)
    assert response.status_code == 400
    assert response.json()["parameter"] == "customerId"
    assert not Meeting.objects.exists()
    assert not Customer.objects.exists()


def test_a_reserved_but_not_booked_slot_is_409(world, caller):
    """The seed: the slot must be Booked before a meeting; the customer is not saved either."""
    slot = reserve(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot))
    assert response.status_code == 409
    assert response.json() == {
        "message": "The time slot must be Booked before a meeting is created.",
        "parameter": "timeSlotId",
        "code": "slot_not_booked",
    }
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"themeId": "999999"},
        {"customerCategoryId": "999999"},
        {"employeeId": "999999"},
        {"roomId": "999999"},
        {"employeeId": "0"},
        {"customerId": None, "customer": None},
        {"answers": {"abc": "yes"}},
        {"type": "phone"},
    ],
)
def test_a_reserved_slot_is_409_whatever_else_the_body_holds(world, caller, change):
    """The slot's state is checked right after its ownership: unknown theme, category,
    employee or room, no customer, bad answers: still 409 naming timeSlotId."""
    slot = reserve(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot, **change))
    assert response.status_code == 409, response.content
    assert response.json()["parameter"] == "timeSlotId"
    assert not Customer.objects.exists()


def test_another_clients_reserved_slot_is_404_not_409(world, caller, outsider):
    """Ownership comes before state: someone else's Reserved slot is unknown (404)."""
    slot = reserve(caller, world.alice)
    response = outsider.post(MEETINGS, meeting_body(world, slot, themeId="999999"))
    assert response.status_code == 404
    assert response.json()["parameter"] == "timeSlotId"


# --- the meeting fits its slot ---------------------------------------------------------


def test_a_theme_must_last_as_long_as_the_slot(world, caller):
    """A 30-minute hold cannot carry 60-minute Mortgage: 400 naming themeId, precisely."""
    factories.topic(name="Quick chat", employees=[world.alice], duration=30)
    slot = booked_slot(caller, world.alice, end="2026-06-02T08:30:00Z")
    response = caller.post(MEETINGS, meeting_body(world, slot))
    assert response.status_code == 400
    assert response.json() == {
        "message": "Theme 'Mortgage' lasts 60 minutes; the time slot lasts 30 minutes.",
        "parameter": "themeId",
        "code": "theme_length_mismatch",
    }
    assert not Meeting.objects.exists()


def test_a_slot_held_for_a_theme_takes_only_that_theme(world, caller):
    """Held with themeId Mortgage: a meeting of another theme is 400 naming themeId."""
    pension = factories.topic(name="Pension", employees=[world.alice])
    slot = booked_slot(caller, world.alice, themeId=str(world.topic.pk))
    response = caller.post(MEETINGS, meeting_body(world, slot, themeId=str(pension.pk)))
    assert response.status_code == 400
    assert response.json() == {
        "message": "The time slot was held for theme 'Mortgage', not 'Pension'.",
        "parameter": "themeId",
        "code": "held_for_other_theme",
    }


def test_a_slot_held_for_a_meeting_type_takes_only_that_type(world, caller):
    """Held with meetingType online: an in-person meeting on it is 400 naming type."""
    slot = booked_slot(caller, world.alice, themeId=str(world.topic.pk), meetingType="online")
    response = caller.post(MEETINGS, meeting_body(world, slot, type="physical"))
    assert response.status_code == 400
    assert response.json() == {
        "message": "The time slot was held for a 'online' meeting, not 'physical'.",
        "parameter": "type",
        "code": "held_for_other_type",
    }


def test_a_type_the_employee_does_not_offer_is_400(world, caller):
    """Alice takes no online meetings: an online Mortgage meeting on her slot is 400."""
    world.alice.online = False
    world.alice.save()
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot, type="online"))
    assert response.status_code == 400
    assert response.json()["parameter"] == "type"


def test_an_in_person_meeting_on_a_roomless_hold_takes_the_named_room(world, caller):
    """The seed: reserve without a room, then type physical with roomId: the slot takes it."""
    slot = booked_slot(caller, world.alice)
    body = meeting_body(world, slot, type="physical", roomId=str(world.big_room.pk))
    response = caller.post(MEETINGS, body)
    assert response.status_code == 201, response.content
    assert response.json()["roomId"] == str(world.big_room.pk)
    stored = TimeSlot.objects.get(pk=slot["id"])
    assert (stored.room, stored.topic) == (world.big_room, world.topic)


def test_a_taken_room_cannot_be_named(world, caller, outsider):
    """The room is taken at that time by someone else: 409, and the slot keeps no room."""
    booked_slot(
        outsider,
        world.bob,
        themeId=str(world.topic.pk),
        meetingType="physical",
        time_slot={"roomId": str(world.big_room.pk)},
    )
    slot = booked_slot(caller, world.alice)
    body = meeting_body(world, slot, type="physical", roomId=str(world.big_room.pk))
    response = caller.post(MEETINGS, body)
    assert response.status_code == 409
    assert response.json()["parameter"] == "timeSlotId"
    assert TimeSlot.objects.get(pk=slot["id"]).room is None
    assert not Meeting.objects.exists()


def test_a_themeless_hold_takes_the_themes_buffers(world, caller, outsider):
    """A theme with 15-minute buffers on a theme-less hold: its blocked time grows, and a
    neighbour inside the buffer makes the meeting a 409."""
    world.topic.buffer_after = 15
    world.topic.save()
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot))
    assert response.status_code == 201, response.content
    stored = TimeSlot.objects.get(pk=slot["id"])
    assert stored.blocked_end - stored.end == timedelta(minutes=15)

    other = booked_slot(caller, world.bob, token="bob")
    booked_slot(outsider, world.bob, token="next", start=ELEVEN, end="2026-06-02T10:00:00Z")
    response = caller.post(MEETINGS, meeting_body(world, other, employeeId=str(world.bob.pk)))
    assert response.status_code == 409
    assert response.json()["parameter"] == "timeSlotId"


def test_a_second_meeting_on_the_same_slot_is_409(world, caller):
    """One meeting per time slot."""
    meeting = create_meeting(caller, world)
    response = caller.post(
        MEETINGS, meeting_body(world, {"id": meeting["timeSlotId"], "employeeId": None})
    )
    assert response.status_code == 409
    assert Meeting.objects.count() == 1


def test_a_cancelled_slot_is_409(world, caller):
    """A slot given up with PATCH Cancelled carries no meeting."""
    slot = reserve(caller, world.alice)
    caller.patch(
        f"/api/bookme/time-slots/{slot['id']}",
        [{"op": "replace", "path": "/status", "value": "Cancelled"}],
    )
    assert caller.post(MEETINGS, meeting_body(world, slot)).status_code == 409


def test_another_clients_slot_is_404(world, caller, outsider):
    """A meeting only on one's own slot: someone else's booked slot is unknown."""
    slot = booked_slot(caller, world.alice)
    response = outsider.post(MEETINGS, meeting_body(world, slot))
    assert response.status_code == 404
    assert response.json()["parameter"] == "timeSlotId"


@pytest.mark.parametrize(
    ("change", "status", "parameter"),
    [
        ({"themeId": "999999"}, 404, "themeId"),
        ({"customerCategoryId": "999999"}, 404, "customerCategoryId"),
        ({"timeSlotId": "999999"}, 404, "timeSlotId"),
        ({"employeeId": "999999"}, 404, "employeeId"),
        ({"roomId": "999999"}, 404, "roomId"),
        ({"type": "video"}, 400, "type"),
        ({"type": "phone"}, 400, "type"),  # Mortgage is not held by phone
        ({"bookedBy": "robot"}, 400, "bookedBy"),
        ({"timeSlotId": None}, 400, "timeSlotId"),
        ({"description": "x" * 5001}, 400, "description"),
        ({"customerId": "x" * 81}, 400, "customerId"),
        ({"customerId": ""}, 400, "customerId"),
        ({"customer": {"name": "Carla", "email": "not-an-email"}}, 400, "customer.email"),
        ({"customer": {"name": "", "email": "c@example.com"}}, 400, "customer.name"),
        ({"customer": {"email": "c@example.com"}}, 400, "customer.name"),
        ({"answers": {"abc": "yes"}}, 400, "answers.abc"),
        ({"answers": {"999999": "yes"}}, 400, "answers.999999"),
        ({"answers": ["yes"]}, 400, "answers"),
    ],
)
def test_invalid_meeting_bodies_name_the_parameter(world, caller, change, status, parameter):
    """Unknown ids are 404, wrong values 400; each names the field; nothing is saved."""
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot, **change))
    assert response.status_code == status, response.content
    assert response.json()["parameter"] == parameter
    assert not Meeting.objects.exists()
    assert not Customer.objects.exists()


def test_employee_and_room_must_be_the_slots(world, caller):
    """employeeId or roomId that exist but are not the slot's: 400 naming them."""
    slot = booked_slot(
        caller,
        world.alice,
        themeId=str(world.topic.pk),
        meetingType="physical",
        time_slot={"roomId": str(world.small_room.pk)},
    )
    for change, parameter in (
        ({"employeeId": str(world.bob.pk)}, "employeeId"),
        ({"roomId": str(world.big_room.pk)}, "roomId"),
    ):
        response = caller.post(MEETINGS, meeting_body(world, slot, type="physical", **change))
        assert response.status_code == 400
        assert response.json() == {
            "message": f"{parameter} does not match the time slot's.",
            "parameter": parameter,
            "code": "invalid_input",
        }


def test_an_online_meeting_takes_no_room(world, caller):
    """roomId with an online meeting on a roomless slot: 400 naming roomId."""
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot, roomId=str(world.big_room.pk)))
    assert response.status_code == 400
    assert response.json() == {
        "message": "Only an in-person meeting takes a room.",
        "parameter": "roomId",
        "code": "room_takes_physical_only",
    }


def test_a_category_the_theme_is_closed_to_is_400(world, caller):
    """A Business-only theme booked for a Private customer: 400 naming customerCategoryId."""
    private, business = factories.category("Private"), factories.category("Business")
    world.topic.customer_categories.set([business])
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot, customerCategoryId=str(private.pk)))
    assert response.status_code == 400
    assert response.json()["parameter"] == "customerCategoryId"


def test_answers_to_the_themes_questions(world, caller):
    """Required questions must be answered (400 naming answers.<id>); answers are returned."""
    question = world.topic.information_questions.create(text="Your income?", required=True)
    slot = booked_slot(caller, world.alice)
    missing = caller.post(MEETINGS, meeting_body(world, slot))
    assert missing.status_code == 400
    assert missing.json()["parameter"] == f"answers.{question.pk}"

    answered = caller.post(MEETINGS, meeting_body(world, slot, answers={str(question.pk): "Fine"}))
    assert answered.status_code == 201, answered.content
    assert answered.json()["answers"] == [
        {"questionId": str(question.pk), "question": "Your income?", "answer": "Fine"}
    ]


# --- reading and cancelling ------------------------------------------------------------


def test_a_client_reads_its_meeting(world, caller):
    """GET returns what POST returned."""
    meeting = create_meeting(caller, world)
    response = caller.get(f"{MEETINGS}/{meeting['id']}")
    assert response.status_code == 200
    assert response.json() == meeting


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("post", "/cancel"), ("post", "/ical")]
)
def test_another_clients_meeting_is_404(world, caller, outsider, method, suffix):
    """Reading, cancelling or downloading someone else's meeting: 404, and it stays confirmed."""
    meeting = create_meeting(caller, world)
    response = getattr(outsider, method)(f"{MEETINGS}/{meeting['id']}{suffix}")
    assert response.status_code == 404
    assert response.json() == {
        "message": f"Meeting '{meeting['id']}' not found.",
        "parameter": "meetingId",
        "code": "not_found",
    }
    assert Meeting.objects.get().status == MeetingStatus.CONFIRMED


@pytest.mark.parametrize("meeting_id", ["999999", "x", "-1"])
def test_an_unknown_meeting_is_404(world, caller, meeting_id):
    """Ids that name no meeting."""
    for response in (
        caller.get(f"{MEETINGS}/{meeting_id}"),
        caller.post(f"{MEETINGS}/{meeting_id}/cancel"),
        caller.post(f"{MEETINGS}/{meeting_id}/ical"),
    ):
        assert response.status_code == 404


def test_cancelling_a_meeting_frees_its_time(world, caller, outsider):
    """200 with status cancelled; the slot is Cancelled and the time can be reserved again."""
    meeting = create_meeting(caller, world)
    response = caller.post(f"{MEETINGS}/{meeting['id']}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelledAt"] == "2026-06-01T06:00:00Z"
    assert TimeSlot.objects.get(pk=meeting["timeSlotId"]).status == TimeSlotStatus.CANCELLED
    assert (
        outsider.post(
            "/api/bookme/time-slots/reserve", reserve_body(world.alice, token="after")
        ).status_code
        == 201
    )


def test_cancelling_twice_changes_nothing(world, caller):
    """The second cancel answers 200 with the same meeting."""
    meeting = create_meeting(caller, world)
    first = caller.post(f"{MEETINGS}/{meeting['id']}/cancel")
    second = caller.post(f"{MEETINGS}/{meeting['id']}/cancel")
    assert second.status_code == 200
    assert second.json() == first.json()


# --- the invite ------------------------------------------------------------------------


def test_the_invite_is_an_ics_both_parsers_read(world, caller):
    """200 text/calendar; icalendar and vobject agree on UID, times and summary."""
    meeting = create_meeting(caller, world)
    response = caller.post(f"{MEETINGS}/{meeting['id']}/ical")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="meeting-{meeting["id"]}.ics"'

    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    stored = Meeting.objects.get()
    assert str(event["UID"]) == stored.ical_uid
    assert event.decoded("DTSTART").isoformat() == "2026-06-02T08:00:00+00:00"
    assert event.decoded("DTEND").isoformat() == "2026-06-02T09:00:00+00:00"
    assert str(event["SUMMARY"]) == "Mortgage"
    assert "About our new house" in str(event["DESCRIPTION"])
    assert str(event["ATTENDEE"]) == "mailto:carla@example.com"

    parsed = vobject.readOne(response.content.decode())
    assert parsed.vevent.uid.value == stored.ical_uid
    assert parsed.vevent.dtstart.value.isoformat() == "2026-06-02T08:00:00+00:00"


def test_the_invite_takes_a_title_and_a_description(world, caller):
    """Both body properties are optional; given, they replace summary and description."""
    meeting = create_meeting(caller, world)
    response = caller.post(
        f"{MEETINGS}/{meeting['id']}/ical",
        {"title": "Meeting title", "description": "Meeting description"},
    )
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Meeting title"
    assert str(event["DESCRIPTION"]).startswith("Meeting description")


def test_a_cancelled_meetings_invite_cancels_the_event(world, caller):
    """After cancelling, the same UID comes as METHOD:CANCEL with a higher SEQUENCE."""
    meeting = create_meeting(caller, world)
    before = icalendar.Calendar.from_ical(caller.post(f"{MEETINGS}/{meeting['id']}/ical").content)
    caller.post(f"{MEETINGS}/{meeting['id']}/cancel")
    after = icalendar.Calendar.from_ical(caller.post(f"{MEETINGS}/{meeting['id']}/ical").content)
    assert after["METHOD"] == "CANCEL"
    old_event, new_event = before.walk("VEVENT")[0], after.walk("VEVENT")[0]
    assert new_event["UID"] == old_event["UID"]
    assert new_event["SEQUENCE"] > old_event["SEQUENCE"]


@pytest.mark.parametrize(
    ("raw", "parameter"),
    [('{"title": ', None), ('{"title": 5}', "title"), ('{"title": "' + "x" * 201 + '"}', "title")],
)
def test_an_invalid_invite_body_is_400(world, caller, raw, parameter):
    """Malformed JSON or wrong types in the optional body: 400, never a 500."""
    meeting = create_meeting(caller, world)
    response = caller.post(f"{MEETINGS}/{meeting['id']}/ical", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_a_meeting_shows_its_subject_and_join_link(world, caller):
    """Booked through a profile: subject and joinLink are the meeting's own (its room per
    meeting); an in-person meeting has no joinLink and the topic's name as subject."""
    page = BookingProfile.objects.create(
        employee=world.alice,
        slug="alice",
        title="Quick call",
        subject_template="Call with {{name}}",
        online_meeting_link="https://meet.example.com/bank-{reference}",
    )
    page.topics.set([world.topic])
    start = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen
    online = factories.meeting(
        topic=world.topic,
        employee=world.alice,
        start=start,
        holder=caller.holder,
        profile=page,
        profile_fields={"name": "Carla"},
    )
    in_person = factories.meeting(
        topic=world.topic,
        employee=world.bob,
        room=world.big_room,
        meeting_type="physical",
        start=start,
        holder=caller.holder,
    )
    body = caller.get(f"{MEETINGS}/{online.pk}").json()
    assert body["subject"] == "Call with Carla"
    assert body["joinLink"] == f"https://meet.example.com/bank-{online.reference}"
    body = caller.get(f"{MEETINGS}/{in_person.pk}").json()
    assert body["subject"] == "Mortgage"
    assert body["joinLink"] is None
