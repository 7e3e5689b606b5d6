"""Many threads race for the same time: exactly one wins, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from booking import services
from booking.actors import Actor
from booking.errors import SlotUnavailable
from booking.models import TimeSlot, TimeSlotStatus
from tests import factories
from tests.concurrency import race

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
THREADS = 8


def outcomes(calls):
    """Race the calls; return (successes, conflicts, other errors)."""
    results = race(calls)
    wins = [r for r in results if isinstance(r, tuple)]
    conflicts = [r for r in results if isinstance(r, SlotUnavailable)]
    other = [r for r in results if r not in wins and r not in conflicts]
    return wins, conflicts, other


def reserve_call(world, holder, start, end, topic):
    wanted = services.SlotRequest(
        start=start,
        end=end,
        employee=world.alice,
        topic=topic,
        meeting_type="online" if topic else None,
    )
    actor = Actor.from_holder(holder)
    return lambda: services.time_slot_reserve(actor=actor, wanted=wanted, now=NOW)


@pytest.mark.django_db(transaction=True)
def test_many_threads_reserving_the_same_slot_exactly_one_wins(world):
    """Many sessions racing for one time: one hold, every other a typed conflict, no overlap."""
    calls = [
        reserve_call(world, f"session:{n}", TEN, TEN + timedelta(hours=1), world.topic)
        for n in range(THREADS)
    ]
    wins, conflicts, other = outcomes(calls)
    assert other == []
    assert (len(wins), len(conflicts)) == (1, THREADS - 1)
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 1
    assert not TimeSlot.objects.double_booked().exists()


@pytest.mark.django_db(transaction=True)
def test_overlapping_but_different_intervals_exactly_one_wins(world):
    """Starts 10:00, 10:07, 10:14, ...: every pair overlaps, so only one can be held."""
    # A topic on a one-minute grid puts every start on a grid (theme-less holds need one).
    factories.topic(employees=[world.alice], slot_step=1)
    calls = [
        reserve_call(
            world,
            f"session:{n}",
            TEN + timedelta(minutes=7 * n),
            TEN + timedelta(minutes=7 * n + 60),
            None,
        )
        for n in range(THREADS)
    ]
    wins, conflicts, other = outcomes(calls)
    assert other == []
    assert (len(wins), len(conflicts)) == (1, THREADS - 1)
    assert not TimeSlot.objects.double_booked().exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_room_cannot_be_taken_by_two_employees_at_once(world):
    """Alice and Bob race for an in-person meeting; with one room only, one of them gets it."""
    world.big_room.active = False
    world.big_room.save()
    calls = [
        lambda e=e, n=n: services.time_slot_reserve(
            actor=Actor.for_session(str(n)),
            wanted=services.SlotRequest(
                start=TEN,
                end=TEN + timedelta(hours=1),
                employee=e,
                topic=world.topic,
                meeting_type="physical",
            ),
            now=NOW,
        )
        for n, e in enumerate([world.alice, world.bob] * 3)
    ]
    wins, _conflicts, other = outcomes(calls)
    assert other == []
    assert len(wins) == 1
    assert not TimeSlot.objects.double_booked().exists()


@pytest.mark.django_db(transaction=True)
def test_racing_retries_with_one_token_all_get_the_same_hold(world):
    """One holder sends the same token from many threads: one slot, every call gets it back."""
    calls = [
        lambda: services.time_slot_reserve(
            actor=Actor.for_api_client(1),
            wanted=services.SlotRequest(
                start=TEN, end=TEN + timedelta(hours=1), employee=world.alice
            ),
            token="retry",
            now=NOW,
        )
    ] * THREADS
    wins, conflicts, other = outcomes(calls)
    assert (conflicts, other) == ([], [])
    assert sorted(created for _, created in wins) == [False] * (THREADS - 1) + [True]
    assert len({slot.pk for slot, _ in wins}) == 1
    assert TimeSlot.objects.count() == 1


class _DatabaseSaid(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "lost_the_race"), [("40P01", True), ("53300", False)])
def test_a_deadlock_between_two_reservations_is_a_conflict(
    world, monkeypatch, sqlstate, lost_the_race
):
    """PostgreSQL aborts one of two reservations that wait on each other (employee vs room
    constraint): that caller lost the race (409), not a server error; other errors still raise."""
    error = OperationalError("deadlock detected" if lost_the_race else "too many connections")
    error.__cause__ = _DatabaseSaid(sqlstate)

    def save(*args, **kwargs):
        raise error

    monkeypatch.setattr(TimeSlot, "save", save)
    call = reserve_call(world, "session:1", TEN, TEN + timedelta(hours=1), world.topic)
    with pytest.raises(SlotUnavailable if lost_the_race else OperationalError):
        call()


def test_double_booked_finds_an_overlap_written_behind_the_services_back(world):
    """The proof query works: it finds a clash inserted on SQLite, where no constraint can."""
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses the insert: see the constraint test below")
    for n in range(2):
        TimeSlot.objects.create(
            employee=world.alice,
            start=TEN,
            end=TEN + timedelta(hours=1),
            blocked_start=TEN,
            blocked_end=TEN + timedelta(hours=1),
            status=TimeSlotStatus.BOOKED,
            holder=f"x{n}",
        )
    assert TimeSlot.objects.double_booked().count() == 2


@pytest.mark.postgres
@pytest.mark.parametrize("resource", ["employee", "room"])
def test_postgres_exclusion_constraint_refuses_overlap_without_the_services(world, resource):
    """Even a raw ORM insert that skips every Python check cannot double-book on PostgreSQL."""
    target = {"employee": {"employee": world.alice}, "room": {"room": world.small_room}}[resource]
    common = dict(status=TimeSlotStatus.BOOKED, **target)
    TimeSlot.objects.create(
        start=TEN,
        end=TEN + timedelta(hours=1),
        blocked_start=TEN,
        blocked_end=TEN + timedelta(hours=1),
        holder="a",
        **common,
    )
    later = TEN + timedelta(minutes=59)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeSlot.objects.create(
            start=later,
            end=later + timedelta(hours=1),
            blocked_start=later,
            blocked_end=later + timedelta(hours=1),
            holder="b",
            **common,
        )
    # Touching is not overlapping, and a cancelled slot blocks nothing.
    end = TEN + timedelta(hours=1)
    TimeSlot.objects.create(
        start=end,
        end=end + timedelta(hours=1),
        blocked_start=end,
        blocked_end=end + timedelta(hours=1),
        holder="c",
        **common,
    )
    TimeSlot.objects.create(
        start=TEN,
        end=end,
        blocked_start=TEN,
        blocked_end=end,
        holder="d",
        status=TimeSlotStatus.CANCELLED,
        **target,
    )
