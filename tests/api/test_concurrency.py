"""Many API clients reserve at the same moment, through HTTP: exactly one gets the time."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client

from booking.models import TimeSlot, TimeSlotStatus
from tests import factories
from tests.api.helpers import Caller, issue_token, make_application, reserve_body
from tests.concurrency import race

THREADS = 8
RESERVE = "/api/bookme/time-slots/reserve"


def clients(count: int) -> list[Caller]:
    """Separate API clients, each with its own application, token and HTTP client."""
    callers = []
    for n in range(count):
        application = make_application(f"Racer {n}", "read write")
        callers.append(Caller(application, issue_token(application, "read write"), Client()))
    return callers


def statuses(responses: list[Any]) -> Counter:
    return Counter(getattr(r, "status_code", repr(r)) for r in responses)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reserves_of_one_time_on_postgresql(world, frozen_clock):
    """Eight clients, one time: exactly one 201, seven 409, one Reserved slot, no overlap."""
    racers = clients(THREADS)
    responses = race(
        [
            lambda c=c, n=n: c.post(RESERVE, reserve_body(world.alice, token=f"t{n}"))
            for n, c in enumerate(racers)
        ]
    )
    assert statuses(responses) == {201: 1, 409: THREADS - 1}
    assert all(
        r.json()["parameter"] == "timeSlot.startDate" for r in responses if r.status_code == 409
    )
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 1
    assert not TimeSlot.objects.double_booked().exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_reserves_one_wins(world, frozen_clock):
    """Starts 10:00, 10:07, 10:14, ... all overlap: one 201, the rest 409, on either database."""
    # A topic on a one-minute grid puts every start on a grid (theme-less holds need one).
    factories.topic(employees=[world.alice], slot_step=1)
    racers = clients(THREADS)

    def call(n: int, caller: Caller) -> Any:
        start = f"2026-06-02T08:{7 * n:02d}:00Z"
        end = f"2026-06-02T09:{7 * n:02d}:00Z"
        return caller.post(RESERVE, reserve_body(world.alice, start=start, end=end, token="t"))

    responses = race([lambda c=c, n=n: call(n, c) for n, c in enumerate(racers)])
    assert statuses(responses) == {201: 1, 409: THREADS - 1}
    assert not TimeSlot.objects.double_booked().exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_token_hold_once(world, frozen_clock):
    """One client sends the same reserve eight times at once: one 201, seven 200, one slot."""
    (caller,) = clients(1)
    responses = race(
        [lambda: caller.post(RESERVE, reserve_body(world.alice, token="retry"))] * THREADS
    )
    assert statuses(responses) == {201: 1, 200: THREADS - 1}
    assert len({r.json()["id"] for r in responses}) == 1
    assert TimeSlot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_reserves_of_one_client_never_pass_its_hold_cap(world, settings, frozen_clock):
    """Eight reserves of eight free hours at once, cap 2: exactly two 201 and six 429.

    Without the per-holder lock both counts would see room below the cap on PostgreSQL.
    """
    settings.BOOKME_API_MAX_ACTIVE_HOLDS = 2
    (first,) = clients(1)
    racers = [Caller(first.application, first.token, Client()) for _ in range(THREADS)]

    def call(n: int, caller: Caller) -> Any:
        start, end = f"2026-06-02T{7 + n:02d}:00:00Z", f"2026-06-02T{8 + n:02d}:00:00Z"
        return caller.post(RESERVE, reserve_body(world.alice, start=start, end=end, token=f"h{n}"))

    responses = race([lambda c=c, n=n: call(n, c) for n, c in enumerate(racers)])
    assert statuses(responses) == {201: 2, 429: THREADS - 2}
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 2
