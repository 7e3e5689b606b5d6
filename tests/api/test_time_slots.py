"""Steps 3-4 of the seed: reserve (idempotent), read, book or cancel with JSON Patch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.models import TimeSlot, TimeSlotStatus
from tests import factories
from tests.api.helpers import BOOKED, CANCELLED, ELEVEN, TEN, api_error, reserve, reserve_body

RESERVE = "/api/bookme/time-slots/reserve"


# --- reserve ----------------------------------------------------------------------------


def test_reserve_holds_the_time_for_fifteen_minutes(world, caller):
    """201 with the seed's fields; the slot is Reserved, held by this client, UTC times."""
    response = caller.post(RESERVE, reserve_body(world.alice))
    assert response.status_code == 201
    body = response.json()
    slot = TimeSlot.objects.get()
    assert body == {
        "id": str(slot.pk),
        "status": "Reserved",
        "startDate": TEN,
        "endDate": ELEVEN,
        "employeeId": str(world.alice.pk),
        "roomId": None,
        "themeId": None,
        "expiresAt": "2026-06-01T06:15:00Z",
    }
    assert slot.holder == caller.holder
    assert slot.token == "token-1"


def test_times_with_an_offset_are_stored_as_the_same_instant(world, caller):
    """10:00+02:00 is 08:00Z: requests take any offset, responses speak UTC."""
    body = reserve(
        caller, world.alice, start="2026-06-02T10:00:00+02:00", end="2026-06-02T11:00:00+02:00"
    )
    assert (body["startDate"], body["endDate"]) == (TEN, ELEVEN)


def test_the_same_token_returns_the_same_reservation(world, caller):
    """A retried reserve: 200 with the same id, one slot in the database, never a 409."""
    first = caller.post(RESERVE, reserve_body(world.alice, token="retry-me"))
    again = caller.post(RESERVE, reserve_body(world.alice, token="retry-me"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert TimeSlot.objects.count() == 1


def test_a_token_reused_for_another_time_is_400(world, caller):
    """One token, one reservation: asking for a different time with it names the token."""
    reserve(caller, world.alice, token="mine")
    response = caller.post(
        RESERVE, reserve_body(world.alice, start=ELEVEN, end="2026-06-02T10:00:00Z", token="mine")
    )
    assert response.status_code == 400
    assert response.json()["parameter"] == "token"


def test_tokens_are_per_client(world, caller, outsider):
    """Another client's identical token is its own: it competes for the time (409)."""
    reserve(caller, world.alice, token="shared")
    response = outsider.post(RESERVE, reserve_body(world.alice, token="shared"))
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (TEN, ELEVEN),  # the same time
        ("2026-06-02T08:30:00Z", "2026-06-02T09:30:00Z"),  # overlapping
        ("2026-06-02T07:30:00Z", "2026-06-02T10:00:00Z"),  # around it
    ],
)
def test_a_taken_or_overlapping_time_is_409(world, caller, outsider, start, end):
    """The employee already holds 10:00-11:00 for someone else: Conflict, naming the start."""
    # A theme-less hold must last as long as a topic of the employee: 2.5 hours is one.
    factories.topic(employees=[world.alice], duration=150)
    reserve(caller, world.alice)
    response = outsider.post(RESERVE, reserve_body(world.alice, start=start, end=end, token="x"))
    assert response.status_code == 409
    assert response.json() == {
        "message": "This time is not free.",
        "parameter": "timeSlot.startDate",
        "code": "time_not_free",
    }


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-06-02T05:00:00Z", "2026-06-02T06:00:00Z"),  # 07:00 local: before work
        ("2026-06-06T08:00:00Z", "2026-06-06T09:00:00Z"),  # a Saturday
        ("2026-05-29T08:00:00Z", "2026-05-29T09:00:00Z"),  # last Friday: the past
    ],
)
def test_a_time_outside_working_hours_or_in_the_past_is_409(world, caller, start, end):
    """The interval must lie in the employee's working hours and in the future."""
    response = caller.post(RESERVE, reserve_body(world.alice, start=start, end=end))
    assert response.status_code == 409


def test_reserve_for_a_theme_with_a_room_and_a_type(world, caller):
    """The extension fields: the theme's rules apply and the slot records theme and room."""
    body = reserve(
        caller,
        world.alice,
        themeId=str(world.topic.pk),
        meetingType="physical",
        time_slot={"roomId": str(world.small_room.pk)},
    )
    assert body["themeId"] == str(world.topic.pk)
    assert body["roomId"] == str(world.small_room.pk)


def test_a_time_off_the_themes_grid_is_409(world, caller):
    """With a theme, only the times the search offers can be held (10:10 is off the grid)."""
    response = caller.post(
        RESERVE,
        reserve_body(
            world.alice,
            start="2026-06-02T08:10:00Z",
            end="2026-06-02T09:10:00Z",
            themeId=str(world.topic.pk),
        ),
    )
    assert response.status_code == 409


def test_a_room_only_reservation(world, caller):
    """No employee, a room: the seed's requireEmployeeParticipation=false case."""
    body = reserve(caller, None, time_slot={"roomId": str(world.big_room.pk)})
    assert (body["employeeId"], body["roomId"]) == (None, str(world.big_room.pk))


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"time_slot": {"employeeId": "999999"}}, "timeSlot.employeeId"),
        ({"time_slot": {"employeeId": "alice"}}, "timeSlot.employeeId"),
        ({"time_slot": {"roomId": "999999"}}, "timeSlot.roomId"),
        ({"themeId": "999999"}, "themeId"),
    ],
)
def test_unknown_employee_room_or_theme_is_404(world, caller, change, parameter):
    """Ids that name nothing bookable: 404 naming the parameter; nothing is held."""
    response = caller.post(RESERVE, reserve_body(world.alice, **change))
    assert response.status_code == 404
    assert response.json()["parameter"] == parameter
    assert not TimeSlot.objects.exists()


def test_an_inactive_employee_cannot_be_reserved(world, caller):
    """An employee who is not bookable is unknown to the API."""
    world.alice.active = False
    world.alice.save()
    response = caller.post(RESERVE, reserve_body(world.alice))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"time_slot": {"status": "Booked"}}, "timeSlot.status"),
        ({"token": ""}, "token"),
        ({"token": "x" * 201}, "token"),
        ({"time_slot": {"startDate": "2026-06-02T10:00:00"}}, "timeSlot.startDate"),
        ({"time_slot": {"endDate": "yesterday"}}, "timeSlot.endDate"),
        ({"time_slot": {"endDate": "2026-06-02T07:00:00Z"}}, "timeSlot.endDate"),  # reversed
        ({"time_slot": {"endDate": "2026-06-03T09:00:00Z"}}, "timeSlot.endDate"),  # 25 hours
        ({"time_slot": {"employeeId": None}}, "timeSlot.employeeId"),  # nobody at all
        ({"time_slot": {"employeeId": ["1"]}}, "timeSlot.employeeId"),
        ({"meetingType": "video"}, "meetingType"),
    ],
)
def test_invalid_reserve_bodies_are_400_naming_the_field(world, caller, body, parameter):
    """Wrong values and types: 400 naming the field in the seed's terms."""
    response = caller.post(RESERVE, reserve_body(world.alice, **body))
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter
    assert not TimeSlot.objects.exists()


def test_a_missing_token_is_400(world, caller):
    """The seed's body always carries the token: it is required."""
    body = reserve_body(world.alice)
    del body["token"]
    response = caller.post(RESERVE, body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "token: Field required",
        "parameter": "token",
        "code": "invalid_input",
    }


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ('{"timeSlot": ', api_error("The request body is not valid JSON.", "invalid_json")),
        ("", api_error("A JSON request body is required.", "invalid_input")),
        ("[1, 2]", api_error("The request body must be a JSON object.", "invalid_input")),
        ('"reserve"', api_error("The request body must be a JSON object.", "invalid_input")),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(world, caller, raw, error):
    """Malformed JSON, no body, or not an object: 400 in the error shape, never a 500."""
    response = caller.post(RESERVE, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == error


# --- one time slot ---------------------------------------------------------------------


def test_a_client_reads_its_own_time_slot(world, caller):
    """GET shows the current status of a slot the client holds."""
    slot = reserve(caller, world.alice)
    response = caller.get(f"/api/bookme/time-slots/{slot['id']}")
    assert response.status_code == 200
    assert response.json() == slot


@pytest.mark.parametrize("slot_id", ["999999", "abc", "0", "1e3", "9" * 30])
def test_an_unknown_time_slot_is_404(world, caller, slot_id):
    """Ids that name nothing: 404 naming timeSlotId (also for PATCH)."""
    for response in (
        caller.get(f"/api/bookme/time-slots/{slot_id}"),
        caller.patch(f"/api/bookme/time-slots/{slot_id}", BOOKED),
    ):
        assert response.status_code == 404
        assert response.json()["parameter"] == "timeSlotId"


def test_another_clients_time_slot_is_404(world, caller, outsider):
    """Neither reading nor booking nor cancelling someone else's hold; it stays Reserved."""
    slot = reserve(caller, world.alice)
    path = f"/api/bookme/time-slots/{slot['id']}"
    assert outsider.get(path).status_code == 404
    assert outsider.patch(path, BOOKED).status_code == 404
    assert outsider.patch(path, CANCELLED).status_code == 404
    assert TimeSlot.objects.get().status == TimeSlotStatus.RESERVED


# --- PATCH -----------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/json-patch+json", "application/json"])
def test_patch_books_the_reserved_slot(world, caller, content_type):
    """replace /status Booked: 200, Booked until its meeting is due; both content types work."""
    slot = reserve(caller, world.alice)
    response = caller.patch(
        f"/api/bookme/time-slots/{slot['id']}", BOOKED, content_type=content_type
    )
    assert response.status_code == 200
    assert response.json() == {**slot, "status": "Booked", "expiresAt": "2026-06-01T06:15:00Z"}
    assert TimeSlot.objects.get().status == TimeSlotStatus.BOOKED


def test_booking_twice_is_harmless(world, caller):
    """A retried PATCH to Booked answers 200 again."""
    slot = reserve(caller, world.alice)
    path = f"/api/bookme/time-slots/{slot['id']}"
    assert caller.patch(path, BOOKED).status_code == 200
    assert caller.patch(path, BOOKED).json()["status"] == "Booked"


def test_booking_after_the_hold_expired_is_409(world, caller, frozen_clock):
    """Sixteen minutes later the hold is gone: 409 naming /status, the slot is not Booked."""
    slot = reserve(caller, world.alice)
    frozen_clock.shift(timedelta(minutes=16))
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED)
    assert response.status_code == 409
    assert response.json()["parameter"] == "/status"
    assert TimeSlot.objects.get().status != TimeSlotStatus.BOOKED


def test_cancelling_frees_the_time(world, caller, outsider):
    """replace /status Cancelled: the hold is given up and someone else can take the time."""
    slot = reserve(caller, world.alice)
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", CANCELLED)
    assert response.status_code == 200
    assert response.json()["status"] == "Cancelled"
    assert response.json()["expiresAt"] is None
    assert outsider.post(RESERVE, reserve_body(world.alice)).status_code == 201


def test_a_cancelled_slot_cannot_be_booked(world, caller):
    """Cancelled is final: booking it afterwards is a 409."""
    slot = reserve(caller, world.alice)
    path = f"/api/bookme/time-slots/{slot['id']}"
    caller.patch(path, CANCELLED)
    response = caller.patch(path, BOOKED)
    assert response.status_code == 409
    assert response.json()["parameter"] == "/status"


@pytest.mark.parametrize(
    ("document", "parameter"),
    [
        ([{"op": "add", "path": "/status", "value": "Booked"}], "0.op"),
        ([{"op": "remove", "path": "/status"}], "0.op"),
        ([{"op": "replace", "path": "/employeeId", "value": "1"}], "0.path"),
        ([{"op": "replace", "path": "/status", "value": "Reserved"}], "0.value"),
        ([{"op": "replace", "path": "/status"}], "0.value"),
        ([BOOKED[0], {"op": "test", "path": "/status", "value": "Booked"}], "1.op"),
        ({"op": "replace", "path": "/status", "value": "Booked"}, None),  # not an array
        ("Booked", None),
    ],
)
def test_unsupported_patch_documents_are_400_naming_the_operation(
    world, caller, document, parameter
):
    """Only replace /status with Booked or Cancelled; anything else is named and nothing changes."""
    slot = reserve(caller, world.alice)
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", document)
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter
    assert TimeSlot.objects.get().status == TimeSlotStatus.RESERVED


def test_a_patch_that_is_not_an_array_says_so(world, caller):
    """A single operation object instead of a document: the message asks for an array."""
    slot = reserve(caller, world.alice)
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED[0])
    assert response.json() == {
        "message": "The request body must be a JSON array (a JSON Patch document).",
        "parameter": None,
        "code": "invalid_input",
    }


def test_malformed_json_patch_is_400(world, caller):
    """A broken body is a 400, not a 500."""
    slot = reserve(caller, world.alice)
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", '[{"op": "repl')
    assert response.status_code == 400
    assert response.json() == {
        "message": "The request body is not valid JSON.",
        "parameter": None,
        "code": "invalid_json",
    }
