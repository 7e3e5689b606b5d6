"""The seed's whole sequence, as an external service would run it, end to end."""

from __future__ import annotations

import icalendar
from django.core import mail

from booking.models import Meeting, TimeSlot, TimeSlotStatus
from tests import factories


def test_the_seeds_booking_sequence(world, caller, django_capture_on_commit_callbacks):
    """Configuration -> available -> reserve -> PATCH Booked -> meeting -> ical, all by id."""
    factories.category("Business")
    private = factories.category("Private")

    # 1. Configuration: the ids of everything else come from here.
    topics = caller.get(
        "/api/bookme/meeting-topics", {"isCustomer": "true", "customerCategoryId": private.pk}
    ).json()
    theme = next(t for t in topics if t["name"] == "Mortgage")
    customer_type = next(
        c for c in caller.get("/api/config/customer-types").json() if c["name"] == "Private"
    )
    employee = next(e for e in caller.get("/api/config/employees").json() if e["name"] == "Alice")
    room = next(r for r in caller.get("/api/config/rooms").json() if r["name"] == "Big")
    assert employee["id"] in theme["employeeIds"]

    # 2. Available time slots for that theme, employee and room, in person.
    slots = caller.get(
        "/api/bookme/time-slots/available",
        {
            "requireEmployeeParticipation": "true",
            "explicitEmployeeIds": employee["id"],
            "startDate": "2026-06-02T00:00:00Z",
            "theme": theme["id"],
            "customerCategoryId": customer_type["id"],
            "meetingTypes": "physical",
            "requireRoom": "true",
            "specificRooms": room["id"],
            "meetingDuration": "60",
        },
    )
    assert slots.status_code == 200
    chosen = slots.json()[0]
    assert chosen["startDate"] == "2026-06-02T07:00:00Z"
    assert (chosen["employeeId"], chosen["roomId"]) == (employee["id"], room["id"])

    # 3. Reserve it with the seed's body (and the theme, so its rules apply).
    reserved = caller.post(
        "/api/bookme/time-slots/reserve",
        {
            "timeSlot": {
                "startDate": chosen["startDate"],
                "endDate": chosen["endDate"],
                "status": "Reserved",
                "employeeId": chosen["employeeId"],
                "roomId": chosen["roomId"],
            },
            "token": "reservation-token",
            "themeId": theme["id"],
            "meetingType": "physical",
        },
    )
    assert reserved.status_code == 201
    slot = reserved.json()
    assert slot["status"] == "Reserved"

    # 4. Booked, with the seed's JSON Patch.
    booked = caller.patch(
        f"/api/bookme/time-slots/{slot['id']}",
        [{"op": "replace", "path": "/status", "value": "Booked"}],
    )
    assert booked.json()["status"] == "Booked"

    # 5. The meeting, with the seed's body plus the customer's contact details.
    with django_capture_on_commit_callbacks(execute=True):
        created = caller.post(
            "/api/bookme/meetings",
            {
                "bookedBy": "customer",
                "customerCategoryId": customer_type["id"],
                "timeSlotId": slot["id"],
                "type": "physical",
                "themeId": theme["id"],
                "roomId": room["id"],
                "employeeId": employee["id"],
                "customerId": "67890",
                "description": "Meeting description",
                "customer": {"name": "Carla Customer", "email": "carla@example.com"},
            },
        )
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert meeting["status"] == "confirmed"
    # The customer's invitation went out once the booking was committed.
    assert any("carla@example.com" in message.to for message in mail.outbox)

    # 6. The invite.
    ics = caller.post(
        f"/api/bookme/meetings/{meeting['id']}/ical",
        {"title": "Meeting title"},
        headers={"Accept": "text/calendar"},
    )
    assert ics.status_code == 200
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Meeting title"
    assert event.decoded("DTSTART").isoformat() == "2026-06-02T07:00:00+00:00"
    assert str(event["LOCATION"]).startswith("Big, Main Street 1")
    assert str(event["UID"]) == Meeting.objects.get().ical_uid

    assert TimeSlot.objects.get().status == TimeSlotStatus.BOOKED
    assert not TimeSlot.objects.double_booked().exists()
