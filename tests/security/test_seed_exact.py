"""Seed 001 to the letter over real HTTP, and the attacks on a meeting's fit (issue 8, 1-4).

The clock is pinned the day before the seed's slot (Saturday 15 March 2025, 10:00 UTC):
the live server runs in this process, so it sees the same time.
"""

from __future__ import annotations

import json
from datetime import time

import pytest
import time_machine

from booking.models import Customer, Meeting, TimeSlot, TimeSlotStatus
from tests import factories, seed_001
from tests.seed_001 import SEED_NOW, seed_world, with_ids

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def seed_clock():
    with time_machine.travel(SEED_NOW, tick=False):
        yield


@pytest.fixture
def world(transactional_db, seed_clock):
    return seed_world()


def reserve(client, world, *, token="reservation-token", start="10:00", end="11:00"):
    body = with_ids(seed_001.bodies()[0], world.reserve_ids())
    body = body.replace("reservation-token", token)
    body = body.replace("T10:00", f"T{start}").replace("T11:00", f"T{end}")
    return client.call("POST", "/api/bookme/time-slots/reserve", data=body, headers=JSON)


def book(client, slot_id):
    patch = seed_001.bodies()[1]
    return client.call("PATCH", f"/api/bookme/time-slots/{slot_id}", data=patch, headers=JSON)


def create_meeting(client, world, slot_id, **change):
    body = with_ids(seed_001.bodies()[2], world.meeting_ids(slot_id))
    if change:
        body = json.dumps({**json.loads(body), **change})
    return client.call("POST", "/api/bookme/meetings", data=body, headers=JSON)


def test_the_seed_sequence_byte_for_byte(world, live_client):
    """reserve -> PATCH Booked -> meeting -> ical with the seed's bytes: 201, an invite."""
    slot = reserve(live_client, world)
    assert slot.status_code == 201, slot.text
    slot_id = slot.json()["id"]
    assert book(live_client, slot_id).json()["status"] == "Booked"
    created = create_meeting(live_client, world, slot_id)
    assert created.status_code == 201, created.text
    assert created.json()["customer"] == {"id": "67890", "name": None, "email": None, "phone": ""}
    ics = live_client.call(
        "POST",
        f"/api/bookme/meetings/{created.json()['id']}/ical",
        data=seed_001.bodies()[3],
        headers={**JSON, "Accept": "text/calendar"},
    )
    assert ics.status_code == 200
    assert b"SUMMARY:Meeting title" in ics.content


def test_two_clients_each_have_their_own_customer_67890(world, make_live_client):
    """The same customerId from two clients: two customers; neither sees the other's."""
    for n, (start, end) in enumerate((("10:00", "11:00"), ("12:00", "13:00"))):
        client = make_live_client(f"Client {n}")
        slot_id = reserve(client, world, start=start, end=end).json()["id"]
        book(client, slot_id)
        assert create_meeting(client, world, slot_id).status_code == 201
    assert Customer.objects.count() == 2
    assert {c.client_reference for c in Customer.objects.all()} == {"67890"}


@pytest.mark.parametrize(
    "change",
    [
        {"themeId": "999999"},
        {"customerId": None},
        {"customer": {"name": "Eve", "email": "eve@example.com"}},
        {"roomId": "999999", "employeeId": "999999"},
    ],
)
def test_a_reserved_slot_is_409_whatever_the_body(world, live_client, change):
    """Point 2: a slot that is only Reserved is 409 before anything about the body's content."""
    slot_id = reserve(live_client, world).json()["id"]
    response = create_meeting(live_client, world, slot_id, **change)
    assert response.status_code == 409
    assert response.json()["parameter"] == "timeSlotId"
    assert not Customer.objects.exists()


def test_a_one_minute_themeless_hold_is_refused(world, live_client):
    """Point 4: no topic of the adviser lasts a minute: 400 naming timeSlot.endDate."""
    response = reserve(live_client, world, end="10:01")
    assert response.status_code == 400
    assert response.json()["parameter"] == "timeSlot.endDate"
    assert response.json()["code"] == "hold_length_employee"
    assert not TimeSlot.objects.exists()


def test_an_off_grid_themeless_hold_is_refused(world, live_client):
    """Point 4: 10:10 is on no topic's grid: 400 naming timeSlot.startDate."""
    response = reserve(live_client, world, start="10:10", end="11:10")
    assert response.status_code == 400
    assert response.json()["parameter"] == "timeSlot.startDate"
    assert response.json()["code"] == "hold_off_grid"
    assert not TimeSlot.objects.exists()


def test_a_one_minute_hold_never_becomes_an_hour(world, live_client):
    """Point 3: a 1-minute hold (valid for a 1-minute topic) with the 60-minute theme: 400
    naming themeId, the slot unchanged and still free of a meeting."""
    factories.topic(name="Ping", employees=[world.employee], duration=1, slot_step=1)
    slot_id = reserve(live_client, world, end="10:01").json()["id"]
    book(live_client, slot_id)
    response = create_meeting(live_client, world, slot_id)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Theme 'Home loan' lasts 60 minutes; the time slot lasts 1 minute.",
        "parameter": "themeId",
        "code": "theme_length_mismatch",
    }
    assert not Meeting.objects.exists()
    assert TimeSlot.objects.get().status == TimeSlotStatus.BOOKED


def test_a_meeting_cannot_take_a_room_someone_else_holds(world, make_live_client):
    """Point 3: naming a room another client holds at that time is 409; no meeting."""
    other = make_live_client("Other")
    other_employee = factories.employee(
        location=world.room.location, hours=[(5, time(9), time(17))]
    )
    world.topic.employees.add(other_employee)
    held = other.call(
        "POST",
        "/api/bookme/time-slots/reserve",
        json={
            "timeSlot": {
                "startDate": "2025-03-15T10:00:00Z",
                "endDate": "2025-03-15T11:00:00Z",
                "employeeId": str(other_employee.pk),
                "roomId": str(world.room.pk),
            },
            "token": "room-grab",
            "themeId": str(world.topic.pk),
            "meetingType": "physical",
        },
    )
    assert held.status_code == 201, held.text
    attacker = make_live_client("Attacker")
    slot_id = reserve(attacker, world).json()["id"]
    book(attacker, slot_id)
    response = create_meeting(attacker, world, slot_id)
    assert response.status_code == 409
    assert not Meeting.objects.exists()
    assert not TimeSlot.objects.double_booked().exists()
