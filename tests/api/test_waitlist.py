"""The waitlist in the API: join, read and leave; owner only; errors name the field."""

from __future__ import annotations

import pytest

from booking.models import WaitlistEntry, WaitlistStatus

WAITLIST = "/api/bookme/waitlist"


def body(world, **overrides):
    return {
        "themeId": str(world.topic.pk),
        "meetingType": "online",
        "startDate": "2026-06-02T07:00:00Z",
        "endDate": "2026-06-02T15:00:00Z",
        "customerId": "c-1",
        "email": "kim@example.com",
        **overrides,
    }


def test_join_read_and_leave(world, caller):
    """201 with the entry in camelCase; GET shows it; DELETE takes it off (204)."""
    response = caller.post(WAITLIST, body(world, employeeId=str(world.alice.pk)))
    assert response.status_code == 201, response.json()
    entry = response.json()
    assert entry["status"] == "waiting"
    assert (entry["themeId"], entry["employeeId"], entry["customerId"]) == (
        str(world.topic.pk),
        str(world.alice.pk),
        "c-1",
    )
    assert entry["startDate"] == "2026-06-02T07:00:00Z"
    url = f"{WAITLIST}/{entry['id']}"
    assert caller.get(url).json()["id"] == entry["id"]
    assert caller.http.delete(url, headers=caller.headers).status_code == 204
    assert WaitlistEntry.objects.get().status == WaitlistStatus.LEFT
    assert caller.get(url).json()["status"] == "left"


def test_the_same_entry_again_is_200(world, caller):
    """Sending the same wish twice keeps one entry."""
    assert caller.post(WAITLIST, body(world)).status_code == 201
    assert caller.post(WAITLIST, body(world)).status_code == 200
    assert WaitlistEntry.objects.count() == 1


def test_another_clients_entry_is_404(world, caller, outsider):
    """Reading or deleting someone else's entry answers 404, and changes nothing."""
    entry_id = caller.post(WAITLIST, body(world)).json()["id"]
    url = f"{WAITLIST}/{entry_id}"
    assert outsider.get(url).status_code == 404
    response = outsider.http.delete(url, headers=outsider.headers)
    assert response.status_code == 404
    assert response.json()["parameter"] == "waitlistId"
    assert WaitlistEntry.objects.get().status == WaitlistStatus.WAITING


@pytest.mark.parametrize(
    ("overrides", "status", "parameter", "code"),
    [
        ({"endDate": "2026-06-02T06:00:00Z"}, 400, "endDate", "end_before_start"),
        (
            {"startDate": "2026-05-01T00:00:00Z", "endDate": "2026-05-02T00:00:00Z"},
            400,
            "endDate",
            "waitlist_range_past",
        ),
        ({"endDate": "2099-12-31T00:00:00Z"}, 400, "endDate", "waitlist_end_beyond_horizon"),
        ({"meetingType": "phone"}, 400, "meetingType", "topic_meeting_type"),
        ({"meetingType": "fax"}, 400, "meetingType", "invalid_input"),
        ({"themeId": "999999"}, 404, "themeId", "not_found"),
        ({"employeeId": "999999"}, 404, "employeeId", "not_found"),
        ({"email": "not-an-address"}, 400, "email", "invalid_input"),
        ({"email": "a@example.com" + "x" * 300}, 400, "email", "invalid_input"),
        ({"customerId": "x" * 500}, 400, "customerId", "invalid_input"),
    ],
)
def test_bad_input_names_the_parameter_and_joins_nothing(
    world, caller, overrides, status, parameter, code
):
    """Each bad field: a 4xx in the API's error shape naming it; no entry is created."""
    response = caller.post(WAITLIST, body(world, **overrides))
    assert response.status_code == status
    error = response.json()
    assert (error["parameter"], error["code"]) == (parameter, code)
    assert set(error) == {"message", "parameter", "code"}
    assert not WaitlistEntry.objects.exists()


def test_the_waitlist_is_documented(world, caller):
    """The OpenAPI description lists the operations with their errors and maxLengths."""
    schema = caller.get("/api/openapi.json").json()
    assert {"post"} <= set(schema["paths"]["/api/bookme/waitlist"])
    assert {"get", "delete"} <= set(schema["paths"]["/api/bookme/waitlist/{waitlistId}"])
    waitlist_in = schema["components"]["schemas"]["WaitlistIn"]["properties"]
    assert waitlist_in["email"]["maxLength"] == 254
