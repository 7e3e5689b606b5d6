"""Hostile input over real HTTP: NUL bytes, oversized bodies and strings, multi-operation
patches, header injection through a customer's name. 4xx in the error shape, never a 500,
nothing stored. Run on PostgreSQL too: it refuses NUL in text where SQLite stores it."""

from __future__ import annotations

import json

import pytest
import requests

from booking.models import Customer, Meeting, TimeSlot

NUL = "\x00"
RESERVE = "/api/bookme/time-slots/reserve"
MEETINGS = "/api/bookme/meetings"
AVAILABLE = "/api/bookme/time-slots/available"


def meeting_body(world, **change) -> dict:
    body = {
        "bookedBy": "customer",
        "timeSlotId": "1",
        "type": "online",
        "themeId": str(world.topic.pk),
        "customerId": "67890",
        "description": "Meeting description",
        "customer": {"name": "Carla Customer", "email": "carla@example.com"},
    }
    return {**body, **change}


def reserve_body(world, **change) -> dict:
    time_slot = {
        "startDate": "2026-06-02T08:00:00Z",
        "endDate": "2026-06-02T09:00:00Z",
        "status": "Reserved",
        "employeeId": str(world.alice.pk),
    }
    return {"timeSlot": {**time_slot, **change.pop("timeSlot", {})}, "token": "t", **change}


def assert_refused(response: requests.Response, status: int, parameter: str | None) -> None:
    """The error shape, naming `parameter`, with the status's generic code: every refusal
    here is of the request's form, before any domain rule is asked."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "parameter", "code"}
    assert body["parameter"] == parameter
    assert body["code"] == {400: "invalid_input", 413: "body_too_large"}[status]


def assert_nothing_stored() -> None:
    assert not TimeSlot.objects.exists()
    assert not Meeting.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"theme": f"1{NUL}"}, "theme"),
        ({"explicitEmployeeIds": f"1,{NUL}"}, "explicitEmployeeIds"),
        ({"specificRooms": NUL}, "specificRooms"),
        ({"customerCategoryId": f"{NUL}7"}, "customerCategoryId"),
        ({"startDate": f"2026-06-02T08:00:00Z{NUL}"}, "startDate"),
    ],
)
def test_nul_in_a_query_parameter(live_client, world, query, parameter):
    """NUL in the search's query string: 400 naming the parameter."""
    response = live_client.call(
        "GET", AVAILABLE, params={"requireEmployeeParticipation": "true", **query}
    )
    assert_refused(response, 400, parameter)


@pytest.mark.parametrize(
    ("method", "path", "parameter"),
    [
        ("GET", "/api/bookme/time-slots/1%00", "timeSlotId"),
        ("PATCH", "/api/bookme/time-slots/%00", "timeSlotId"),
        ("GET", "/api/bookme/meetings/%001", "meetingId"),
        ("POST", "/api/bookme/meetings/1%00/cancel", "meetingId"),
        ("POST", "/api/bookme/meetings/1%00/ical", "meetingId"),
    ],
)
def test_nul_in_a_path_parameter(live_client, world, method, path, parameter):
    """NUL in an id of the path: 400 naming it."""
    body = [{"op": "replace", "path": "/status", "value": "Booked"}] if method == "PATCH" else None
    assert_refused(live_client.call(method, path, json=body), 400, parameter)


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"token": f"t{NUL}"}, "token"),
        ({"themeId": NUL}, "themeId"),
        ({"timeSlot": {"employeeId": f"{NUL}"}}, "timeSlot.employeeId"),
    ],
)
def test_nul_in_a_reservation(live_client, world, change, parameter):
    """NUL anywhere in the reserve body: 400 naming it, nothing held."""
    response = live_client.call("POST", RESERVE, json=reserve_body(world, **change))
    assert_refused(response, 400, parameter)
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"customerId": f"6789{NUL}"}, "customerId"),
        ({"description": f"a{NUL}b"}, "description"),
        ({"customer": {"name": f"Carla{NUL}", "email": "c@example.com"}}, "customer.name"),
        ({"customer": {"name": "C", "email": "c@example.com", "phone": NUL}}, "customer.phone"),
        ({"answers": {"1": f"yes{NUL}"}}, "answers.1"),
        ({"timeSlotId": f"1{NUL}"}, "timeSlotId"),
    ],
)
def test_nul_in_a_meeting(live_client, world, change, parameter):
    """NUL anywhere in the meeting body, nested too: 400 naming it, nothing stored."""
    response = live_client.call("POST", MEETINGS, json=meeting_body(world, **change))
    assert_refused(response, 400, parameter)
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", RESERVE), ("POST", MEETINGS), ("PATCH", "/api/bookme/time-slots/1")],
)
def test_a_body_over_the_limit_is_413(live_client, world, settings, method, path):
    """A body past BOOKME_API_MAX_BODY_BYTES: 413 in the error shape, before it is read."""
    body = json.dumps(meeting_body(world, description="x" * (settings.BOOKME_API_MAX_BODY_BYTES)))
    response = live_client.call(
        method, path, data=body, headers={"Content-Type": "application/json"}
    )
    assert_refused(response, 413, None)
    assert_nothing_stored()


def test_a_body_over_the_limit_without_a_token_is_413_too(live_server, world, settings):
    """The size check needs no authentication: nobody makes the server read a big body."""
    body = "x" * (settings.BOOKME_API_MAX_BODY_BYTES + 1)
    response = requests.post(live_server.url + RESERVE, data=body, timeout=10)
    assert_refused(response, 413, None)


@pytest.mark.parametrize("field", ["description", "customerId"])
def test_an_oversized_string_is_400(live_client, world, field):
    """A string past its maxLength, inside the body limit: 400 naming it."""
    response = live_client.call("POST", MEETINGS, json=meeting_body(world, **{field: "x" * 6000}))
    assert_refused(response, 400, field)


@pytest.mark.parametrize(
    "operations",
    [
        [],
        [
            {"op": "replace", "path": "/status", "value": "Booked"},
            {"op": "replace", "path": "/status", "value": "Cancelled"},
        ],
    ],
)
def test_a_patch_has_exactly_one_operation(live_client, world, operations):
    """An empty patch or two operations: 400 naming the body."""
    response = live_client.call(
        "PATCH",
        "/api/bookme/time-slots/1",
        data=json.dumps(operations),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert_refused(response, 400, None)
    assert "exactly one operation" in response.json()["message"]


@pytest.mark.parametrize(
    "name", ["Carla\r\nBcc: everyone@example.com", "Carla\nCustomer", "Carla\x1b[2J", "C\u2028C"]
)
def test_a_customer_name_cannot_inject_headers(live_client, world, name):
    """Line breaks or control characters in customer.name: 400 naming it, nothing stored."""
    customer = {"name": name, "email": "carla@example.com"}
    response = live_client.call("POST", MEETINGS, json=meeting_body(world, customer=customer))
    assert_refused(response, 400, "customer.name")
    assert_nothing_stored()


def test_nul_in_the_websites_forms_is_no_server_error(live_server, world):
    """The booking flow's query parameters and the lost-link form, with NUL: never a 500."""
    topic = world.topic.pk
    session = requests.Session()
    for path, params in (
        (f"/book/{topic}/", {"type": NUL, "employee": NUL, "location": NUL}),
        (f"/book/{topic}/times/", {"type": "online", "employee": NUL, "week": NUL}),
        ("/", {"category": NUL}),
    ):
        response = session.get(live_server.url + path, params=params, timeout=10)
        assert response.status_code < 500, (path, response.status_code)
