"""Hostile input to the API: NUL bytes, oversized bodies and strings, multi-operation
patches, control characters in names. Always a 4xx naming the field, never a 500, and
nothing changed. Run on PostgreSQL too: it refuses NUL in text where SQLite stores it."""

from __future__ import annotations

import json

import pytest

from booking.models import Customer, Meeting, TimeSlot, TimeSlotStatus
from tests.api.helpers import BOOKED, CANCELLED, booked_slot, meeting_body, reserve, reserve_body

MEETINGS = "/api/bookme/meetings"
RESERVE = "/api/bookme/time-slots/reserve"
AVAILABLE = "/api/bookme/time-slots/available"
NUL = "\x00"


# --- NUL bytes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        (AVAILABLE, {"requireEmployeeParticipation": "true", "theme": f"1{NUL}"}, "theme"),
        (
            AVAILABLE,
            {"requireEmployeeParticipation": "true", "explicitEmployeeIds": f"1,2{NUL}"},
            "explicitEmployeeIds",
        ),
        (
            AVAILABLE,
            {"requireEmployeeParticipation": "true", "customerCategoryId": NUL},
            "customerCategoryId",
        ),
        (
            AVAILABLE,
            {"requireEmployeeParticipation": "true", "startDate": f"2026-06-02T08:00:00Z{NUL}"},
            "startDate",
        ),
        (
            "/api/bookme/meeting-topics",
            {"isCustomer": "true", "customerCategoryId": f"7{NUL}"},
            "customerCategoryId",
        ),
    ],
)
def test_a_nul_byte_in_a_query_parameter_is_400_naming_it(world, caller, path, query, parameter):
    """NUL in a query string: 400 naming that parameter, not a 404 or a 500."""
    response = caller.get(path, query)
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter


@pytest.mark.parametrize(
    ("method", "path", "parameter"),
    [
        ("get", "/api/bookme/time-slots/1%00", "timeSlotId"),
        ("patch", "/api/bookme/time-slots/%00", "timeSlotId"),
        ("get", "/api/bookme/meetings/4%002", "meetingId"),
        ("post", "/api/bookme/meetings/%00/cancel", "meetingId"),
        ("post", "/api/bookme/meetings/1%00/ical", "meetingId"),
    ],
)
def test_a_nul_byte_in_a_path_parameter_is_400_naming_it(world, caller, method, path, parameter):
    """NUL in an id in the path: 400 naming it (an id can never hold one)."""
    body = BOOKED if method == "patch" else None
    response = getattr(caller.http, method)(
        path, body, content_type="application/json", headers=caller.headers
    )
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"token": f"tok{NUL}en"}, "token"),
        ({"themeId": f"{NUL}"}, "themeId"),
        ({"time_slot": {"employeeId": f"1{NUL}"}}, "timeSlot.employeeId"),
        ({"time_slot": {"roomId": NUL}}, "timeSlot.roomId"),
        ({"time_slot": {"status": f"Reserved{NUL}"}}, "timeSlot.status"),
    ],
)
def test_a_nul_byte_in_a_reservation_is_400_naming_it(world, caller, change, parameter):
    """Every string of the reserve body, nested too, refuses NUL; nothing is held."""
    response = caller.post(RESERVE, reserve_body(world.alice, **change))
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter
    assert not TimeSlot.objects.exists()


def nul_meeting_changes(world) -> list[tuple[dict, str]]:
    question = world.topic.information_questions.create(text="Your income?", required=False)
    return [
        ({"customerId": f"cust{NUL}"}, "customerId"),
        ({"description": f"About{NUL}"}, "description"),
        ({"customer": {"name": f"Carla{NUL}", "email": "c@example.com"}}, "customer.name"),
        ({"customer": {"name": "Carla", "email": f"c{NUL}@example.com"}}, "customer.email"),
        ({"customer": {"name": "Carla", "email": "c@example.com", "phone": NUL}}, "customer.phone"),
        ({"answers": {str(question.pk): f"yes{NUL}"}}, f"answers.{question.pk}"),
        ({"answers": {f"{question.pk}{NUL}": "yes"}}, f"answers.{question.pk}{NUL}"),
        ({"customerCategoryId": NUL}, "customerCategoryId"),
        ({"employeeId": f"{NUL}1"}, "employeeId"),
        ({"roomId": NUL}, "roomId"),
        ({"bookedBy": f"customer{NUL}"}, "bookedBy"),
        ({"type": f"online{NUL}"}, "type"),
    ]


def test_a_nul_byte_anywhere_in_a_meeting_is_400_naming_it(world, caller):
    """Every string of the meeting body, nested too (customer.*, answers.*), refuses NUL."""
    slot = booked_slot(caller, world.alice)
    for change, parameter in nul_meeting_changes(world):
        response = caller.post(MEETINGS, meeting_body(world, slot, **change))
        assert response.status_code == 400, (change, response.content)
        assert response.json()["parameter"] == parameter, change
    assert not Meeting.objects.exists()
    assert not Customer.objects.exists()


def test_a_nul_byte_in_the_invite_options_is_400_naming_it(world, caller):
    """The ical body's title and description refuse NUL (the invite is a text file)."""
    slot = booked_slot(caller, world.alice)
    meeting = caller.post(MEETINGS, meeting_body(world, slot)).json()
    for field in ("title", "description"):
        response = caller.post(f"{MEETINGS}/{meeting['id']}/ical", {field: f"x{NUL}y"})
        assert response.status_code == 400, response.content
        assert response.json()["parameter"] == field


# --- size limits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", RESERVE),
        ("post", MEETINGS),
        ("patch", "/api/bookme/time-slots/1"),
        ("post", "/api/bookme/meetings/1/ical"),
        ("post", "/api/bookme/meetings/1/cancel"),
    ],
)
def test_a_body_over_the_limit_is_413_in_the_error_shape(world, caller, settings, method, path):
    """Past BOOKME_API_MAX_BODY_BYTES: 413 {message, parameter: null}, nothing read or done."""
    settings.BOOKME_API_MAX_BODY_BYTES = 1024
    body = json.dumps({"description": "x" * 2000})
    response = getattr(caller.http, method)(
        path, body, content_type="application/json", headers=caller.headers
    )
    assert response.status_code == 413, response.content
    assert response.json() == {
        "message": "The request body is larger than 1024 bytes.",
        "parameter": None,
        "code": "body_too_large",
    }
    assert not TimeSlot.objects.exists()


def test_a_body_over_djangos_own_limit_is_413_too(world, caller, settings):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE is checked when the body is read: 413 as well."""
    settings.BOOKME_API_MAX_BODY_BYTES = 10_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = caller.post(RESERVE, reserve_body(world.alice, token="x" * 1500))
    assert response.status_code == 413, response.content
    assert response.json()["parameter"] is None


def test_a_body_just_under_the_limit_is_read(world, caller, settings):
    """The limit is a limit, not an off-by-one: a body of exactly the limit is accepted."""
    body = json.dumps(reserve_body(world.alice))
    settings.BOOKME_API_MAX_BODY_BYTES = len(body.encode())
    response = caller.post(RESERVE, body)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"description": "x" * 5001}, "description"),
        ({"customerId": "x" * 81}, "customerId"),
        ({"themeId": "1" * 41}, "themeId"),
        ({"customer": {"name": "x" * 201, "email": "c@example.com"}}, "customer.name"),
        (
            {"customer": {"name": "C", "email": "c@example.com", "phone": "1" * 41}},
            "customer.phone",
        ),
        ({"answers": {"1" * 41: "yes"}}, "answers"),
        ({"answers": {str(n): "yes" for n in range(1, 102)}}, "answers"),
    ],
)
def test_oversized_meeting_strings_are_400_naming_them(world, caller, change, parameter):
    """Every string has a maximum length, and so has the answers object."""
    slot = booked_slot(caller, world.alice)
    response = caller.post(MEETINGS, meeting_body(world, slot, **change))
    assert response.status_code == 400, response.content
    assert response.json()["parameter"].startswith(parameter)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"startDate": "2026-06-02T08:00:00" + "0" * 100 + "Z"}, "startDate"),
        ({"explicitEmployeeIds": ",".join(["1"] * 101)}, "explicitEmployeeIds"),
        ({"specificRooms": ["1"] * 101}, "specificRooms"),
        ({"meetingTypes": ",".join(["online"] * 101)}, "meetingTypes"),
        ({"theme": "1" * 41}, "theme"),
    ],
)
def test_oversized_query_parameters_are_400_naming_them(world, caller, query, parameter):
    """Long values and long lists in the search: 400 naming them, not a huge SQL IN (...)."""
    response = caller.get(AVAILABLE, {"requireEmployeeParticipation": "true", **query})
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter


def test_more_query_parameters_than_django_parses_is_400(world, caller):
    """Past DATA_UPLOAD_MAX_NUMBER_FIELDS Django refuses to parse the query: 400, not 500."""
    query = "&".join(f"x{n}=1" for n in range(1001))
    response = caller.http.get(f"{AVAILABLE}?{query}", headers=caller.headers)
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] is None


def test_an_oversized_path_parameter_is_400_naming_it(world, caller):
    """An id in the path is at most 40 characters, like every id."""
    response = caller.get("/api/bookme/time-slots/" + "1" * 41)
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "timeSlotId"


# --- JSON Patch: exactly one operation ---------------------------------------------------


@pytest.mark.parametrize("operations", [[], BOOKED + CANCELLED, BOOKED + BOOKED])
def test_a_patch_carries_exactly_one_operation(world, caller, operations):
    """An empty patch or two operations: 400 naming the body; the slot is unchanged."""
    slot = reserve(caller, world.alice)
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", operations)
    assert response.status_code == 400, response.content
    assert response.json() == {
        "message": "A JSON Patch here holds exactly one operation (replace /status).",
        "parameter": None,
        "code": "invalid_input",
    }
    assert TimeSlot.objects.get().status == TimeSlotStatus.RESERVED


# --- customer names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Carla\nBcc: all@example.com",
        "Carla\r\nX",
        "Carla\tC",
        "Carla\x1b[31m",
        "Carla\u2028C",
        "\x7f",
    ],
)
def test_a_customer_name_has_no_line_breaks_or_control_characters(world, caller, name):
    """The name goes into email headers and invites: 400 naming customer.name."""
    slot = booked_slot(caller, world.alice)
    customer = {"name": name, "email": "c@example.com"}
    response = caller.post(MEETINGS, meeting_body(world, slot, customer=customer))
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "customer.name"
    assert not Customer.objects.exists()


def test_a_customer_name_may_be_any_printable_text(world, caller):
    """Accents, apostrophes and other scripts are names, not attacks."""
    slot = booked_slot(caller, world.alice)
    customer = {"name": "Zoë O'Brien-Ørsted 山田", "email": "c@example.com"}
    response = caller.post(MEETINGS, meeting_body(world, slot, customer=customer))
    assert response.status_code == 201, response.content
    assert Customer.objects.get().name == "Zoë O'Brien-Ørsted 山田"
