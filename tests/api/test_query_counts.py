"""What each request of the booking flow costs in queries, at any size of the data.

docs/performance.md measures the flow over HTTP; these tests pin what must not grow: the
number of queries of a search, a reserve, a PATCH and a meeting, with few or many
employees, rooms and bookings, once the configuration is kept (booking/catalog.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.helpers import BOOKED, meeting_body, reserve_body

pytestmark = pytest.mark.django_db

TUESDAY = datetime(2026, 6, 2, tzinfo=UTC)


def hour(day: int, at: int) -> str:
    return (TUESDAY + timedelta(days=day, hours=at)).strftime("%Y-%m-%dT%H:%M:%SZ")


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def sql_count(queries: CaptureQueriesContext) -> int:
    """Queries proper: the transaction statements differ between SQLite, PostgreSQL and a
    test's own transaction, and cost no round trip of their own on SQLite."""
    return sum(1 for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL))


def flow_counts(caller, world, *, day: int) -> dict[str, int]:
    """Queries of one search, reserve, PATCH Booked and meeting, after a warm-up search."""
    search = {
        "theme": world.topic.pk,
        "requireEmployeeParticipation": "true",
        "startDate": hour(day, 0),
        "endDate": hour(day, 24),
    }
    assert caller.get("/api/bookme/time-slots/available", search).status_code == 200
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        assert caller.get("/api/bookme/time-slots/available", search).status_code == 200
    counts["search"] = sql_count(queries)
    body = reserve_body(
        world.alice,
        start=hour(day, 8),
        end=hour(day, 9),
        token=f"t{day}",
        themeId=str(world.topic.pk),
        meetingType="online",
    )
    with CaptureQueriesContext(connection) as queries:
        reserved = caller.post("/api/bookme/time-slots/reserve", body)
    assert reserved.status_code == 201, reserved.content
    counts["reserve"] = sql_count(queries)
    slot_id = reserved.json()["id"]
    with CaptureQueriesContext(connection) as queries:
        booked = caller.patch(f"/api/bookme/time-slots/{slot_id}", BOOKED)
    assert booked.status_code == 200, booked.content
    counts["patch"] = sql_count(queries)
    with CaptureQueriesContext(connection) as queries:
        meeting = caller.post(
            "/api/bookme/meetings",
            meeting_body(world, booked.json(), customerId=f"c{day}"),
        )
    assert meeting.status_code == 201, meeting.content
    counts["meeting"] = sql_count(queries)
    return counts


def grow(world, *, employees: int) -> None:
    """Many more colleagues, rooms and meetings at the branch (and configuration changes)."""
    for n in range(employees):
        employee = factories.employee(location=world.location, name=f"Colleague {n}")
        world.topic.employees.add(employee)
        factories.room(location=world.location, name=f"Room {n}")
        for day in range(3):
            start = TUESDAY + timedelta(days=day, hours=8 + n % 6)
            factories.meeting(topic=world.topic, employee=employee, start=start)


def test_the_booking_flow_costs_the_same_queries_small_and_large(world, caller):
    """S and L in miniature: 2 employees, then 14 with rooms and bookings; every request of
    the flow costs exactly as many queries, and a booking half the 55 it took before the
    speed work (docs/performance.md)."""
    small = flow_counts(caller, world, day=0)
    grow(world, employees=12)
    large = flow_counts(caller, world, day=1)
    assert large == small
    assert small["search"] <= 2, small  # the configuration's token, who is busy
    # PostgreSQL adds one advisory lock per reserve and per PATCH.
    assert sum(v for k, v in small.items() if k != "search") <= 27, small
