"""Step 2 of the seed: GET /api/bookme/time-slots/available, its filters and its errors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.helpers import reserve

AVAILABLE = "/api/bookme/time-slots/available"
TUESDAY = {"startDate": "2026-06-02T00:00:00Z", "endDate": "2026-06-03T00:00:00Z"}


def search(caller, **params):
    query = {"requireEmployeeParticipation": "true", **TUESDAY, **params}
    return caller.get(AVAILABLE, query)


def starts(response, employee=None) -> list[str]:
    return [
        s["startDate"]
        for s in response.json()
        if employee is None or s["employeeId"] == str(employee.pk)
    ]


def test_available_slots_of_a_theme_and_an_employee(world, caller):
    """Alice's Tuesday for the Mortgage theme: hourly meetings every 30 minutes, 09-17 local."""
    response = search(caller, theme=world.topic.pk, explicitEmployeeIds=world.alice.pk)
    assert response.status_code == 200
    slots = response.json()
    assert [s["startDate"] for s in slots] == [
        f"2026-06-02T{h:02d}:{m:02d}:00Z" for h in range(7, 15) for m in (0, 30)
    ][:-1]
    first = slots[0]
    assert first["endDate"] == "2026-06-02T08:00:00Z"
    assert first["employeeId"] == str(world.alice.pk)
    assert first["roomId"] in {str(world.small_room.pk), str(world.big_room.pk)}
    assert first["meetingTypes"] == ["online", "physical"]
    assert first["seatsLeft"] == 1


def test_employee_ids_may_be_repeated_or_comma_separated(world, caller):
    """explicitEmployeeIds=1,2 and explicitEmployeeIds=1&explicitEmployeeIds=2 are the same."""
    pair = f"{world.alice.pk},{world.bob.pk}"
    commas = search(caller, theme=world.topic.pk, explicitEmployeeIds=pair)
    repeated = search(
        caller, theme=world.topic.pk, explicitEmployeeIds=[world.alice.pk, world.bob.pk]
    )
    assert commas.status_code == repeated.status_code == 200
    assert commas.json() == repeated.json()
    assert {s["employeeId"] for s in commas.json()} == {str(world.alice.pk), str(world.bob.pk)}


def test_a_reserved_time_is_no_longer_offered(world, caller, outsider):
    """Another client's hold on 10:00-11:00 removes Alice's overlapping starts for everyone."""
    before = starts(search(caller, theme=world.topic.pk), world.alice)
    reserve(outsider, world.alice)
    after = starts(search(caller, theme=world.topic.pk), world.alice)
    assert set(before) - set(after) == {
        "2026-06-02T07:30:00Z",
        "2026-06-02T08:00:00Z",
        "2026-06-02T08:30:00Z",
    }


def test_the_default_window_is_a_week_from_now(world, caller):
    """Without startDate/endDate: from now (Monday 06:00 UTC) for seven days."""
    response = caller.get(AVAILABLE, {"requireEmployeeParticipation": "true"})
    slots = response.json()
    assert slots[0]["startDate"] == "2026-06-01T07:00:00Z"
    assert max(s["startDate"] for s in slots) < "2026-06-08T06:00:00Z"
    assert {s["startDate"][:10] for s in slots} == {
        "2026-06-01",
        "2026-06-02",
        "2026-06-03",
        "2026-06-04",
        "2026-06-05",
    }


def test_meeting_duration_and_types_narrow_the_search(world, caller):
    """meetingDuration=30 gives half-hour slots; meetingTypes=online drops physical."""
    response = search(
        caller,
        theme=world.topic.pk,
        explicitEmployeeIds=world.alice.pk,
        meetingDuration=30,
        meetingTypes="online",
    )
    slots = response.json()
    assert slots[-1] == {
        "startDate": "2026-06-02T14:30:00Z",
        "endDate": "2026-06-02T15:00:00Z",
        "employeeId": str(world.alice.pk),
        "roomId": None,
        "meetingTypes": ["online"],
        "seatsLeft": 1,
    }


def test_a_type_the_theme_does_not_offer_gives_no_slots(world, caller):
    """Mortgage is not held by phone: an empty list, not an error."""
    assert search(caller, theme=world.topic.pk, meetingTypes="phone").json() == []


def test_specific_rooms_and_require_room(world, caller):
    """specificRooms pins the room; requireRoom keeps only slots that come with one."""
    response = search(
        caller, theme=world.topic.pk, specificRooms=world.small_room.pk, requireRoom="true"
    )
    slots = response.json()
    assert slots
    assert {s["roomId"] for s in slots} == {str(world.small_room.pk)}


def test_room_only_slots_without_an_employee(world, caller):
    """requireEmployeeParticipation=false: the rooms' free time, employeeId null."""
    response = search(caller, requireEmployeeParticipation="false", specificRooms=world.big_room.pk)
    slots = response.json()
    assert slots
    assert {(s["employeeId"], s["roomId"]) for s in slots} == {(None, str(world.big_room.pk))}


def test_a_category_the_theme_is_closed_to_gives_no_slots(world, caller):
    """A Business-only theme searched for a Private customer: nothing to offer."""
    private, business = factories.category("Private"), factories.category("Business")
    only_business = factories.topic(name="Loans", employees=[world.alice], categories=[business])
    assert search(caller, theme=only_business.pk, customerCategoryId=private.pk).json() == []
    assert search(caller, theme=only_business.pk, customerCategoryId=business.pk).json()


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"requireEmployeeParticipation": None}, "requireEmployeeParticipation", "invalid_input"),
        (
            {"requireEmployeeParticipation": "perhaps"},
            "requireEmployeeParticipation",
            "invalid_input",
        ),
        ({"endDate": "2026-07-15T00:00:00Z"}, "endDate", "search_too_long"),  # past the cap
        ({"endDate": "2026-06-01T00:00:00Z"}, "endDate", "search_end_before_start"),
        ({"startDate": "2026-06-02T10:00:00"}, "startDate", "invalid_input"),  # no offset
        ({"startDate": "next tuesday"}, "startDate", "invalid_input"),
        ({"startDate": "1900-01-01T00:00:00Z"}, "startDate", "invalid_input"),
        ({"meetingDuration": "0"}, "meetingDuration", "invalid_input"),
        ({"meetingDuration": "-30"}, "meetingDuration", "invalid_input"),
        ({"meetingDuration": "an hour"}, "meetingDuration", "invalid_input"),
        ({"meetingTypes": "online,video"}, "meetingTypes", "invalid_input"),
        ({"requireRoom": "sometimes"}, "requireRoom", "invalid_input"),
    ],
)
def test_invalid_search_parameters_are_400_naming_them(world, caller, params, parameter, code):
    """Bad input is a 400 with the one-shape error body naming the parameter and its code."""
    query = {"requireEmployeeParticipation": "true", **TUESDAY, **params}
    response = caller.get(AVAILABLE, {k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["parameter"] == parameter
    assert set(body) == {"message", "parameter", "code"}
    assert body["code"] == code
    assert body["message"]


def test_the_cap_message_says_how_long_a_search_may_be(world, caller, settings):
    """The window cap comes from BOOKME_MAX_SEARCH_DAYS and the message says so."""
    settings.BOOKME_MAX_SEARCH_DAYS = 3
    response = search(caller, endDate="2026-06-06T00:00:00Z")
    assert response.status_code == 400
    assert response.json() == {
        "message": "A search covers at most 3 days.",
        "parameter": "endDate",
        "code": "search_too_long",
    }


@pytest.mark.parametrize(
    ("name", "value", "parameter"),
    [
        ("theme", "999999", "theme"),
        ("explicitEmployeeIds", "999999", "explicitEmployeeIds"),
        ("specificRooms", "999999", "specificRooms"),
        ("customerCategoryId", "999999", "customerCategoryId"),
        ("theme", "mortgage", "theme"),
    ],
)
def test_unknown_ids_in_a_search_are_404(world, caller, name, value, parameter):
    """A theme, employee, room or category that does not exist: 404 naming it."""
    response = search(caller, **{name: value})
    assert response.status_code == 404
    assert response.json()["parameter"] == parameter


def test_one_unknown_among_known_employees_is_404(world, caller):
    """All listed employees must exist and be bookable; the unknown one is named."""
    inactive = factories.employee(location=world.location, active=False)
    response = search(caller, explicitEmployeeIds=f"{world.alice.pk},{inactive.pk}")
    assert response.status_code == 404
    assert response.json() == {
        "message": f"Employee '{inactive.pk}' not found.",
        "parameter": "explicitEmployeeIds",
        "code": "not_found",
    }


def count_queries(caller, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert search(caller, **params).status_code == 200
    return len(queries)


def test_the_search_takes_a_constant_number_of_queries(
    world, caller, django_assert_max_num_queries
):
    """Many more employees, rooms, absences and bookings: the same number of queries, both
    when the configuration has just changed (read again) and while it stays the same."""
    params = {
        "theme": world.topic.pk,
        "customerCategoryId": factories.category("Private").pk,
        "endDate": "2026-06-16T00:00:00Z",
    }
    count_queries(caller, **params)  # the caller's token is checked once and kept
    world.topic.save()
    small_cold = count_queries(caller, **params)
    small = count_queries(caller, **params)
    for n in range(12):
        employee = factories.employee(location=world.location, name=f"Adviser {n}")
        world.topic.employees.add(employee)
        factories.room(location=world.location, name=f"Room {n}")
        reserve(caller, employee, token=f"busy-{n}")
    world.topic.save()  # a configuration change: the next search reads it all again
    assert count_queries(caller, **params) == small_cold
    with django_assert_max_num_queries(small):
        response = search(caller, **params)
    assert len({s["employeeId"] for s in response.json()}) == 14
    # The configuration's version, and who is busy; the token and the configuration are kept.
    assert small <= 5, small


def test_the_slots_have_the_documented_shape(world, caller):
    """The list is built without pydantic; each slot still matches AvailableSlotOut exactly,
    with UTC times ending in Z."""
    from booking.api.schemas import AvailableSlotOut

    slots = search(caller, theme=world.topic.pk, endDate="2026-06-03T00:00:00Z").json()
    assert slots
    fields = {f.alias or name for name, f in AvailableSlotOut.model_fields.items()}
    for slot in slots:
        assert set(slot) == fields
        dumped = AvailableSlotOut.model_validate(slot).model_dump(mode="json", by_alias=True)
        assert dumped == slot
        assert slot["startDate"].endswith("Z")
        assert slot["endDate"].endswith("Z")
