"""One customer (one email, in any case) never has two confirmed meetings at overlapping times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking import services
from booking.actors import Actor
from booking.errors import Conflict
from booking.models import Meeting, TimeSlot, TimeSlotStatus
from tests import factories
from tests.concurrency import race

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
CARLA = "carla@example.com"
THREADS = 6


def booked(
    world, employee, start: datetime, holder: str = "session:tab", *, book: bool = True
) -> TimeSlot:
    """A time of `employee` held (and booked) by `holder`, waiting for its meeting."""
    actor = Actor.from_holder(holder)
    slot, _ = services.time_slot_reserve(
        actor=actor,
        wanted=services.SlotRequest(
            start=start,
            end=start + timedelta(minutes=world.topic.duration),
            employee=employee,
            topic=world.topic,
            meeting_type="online",
        ),
        now=NOW,
    )
    if book:
        services.time_slot_book(actor=actor, time_slot_id=slot.pk, now=NOW)
    return slot


def create_for(world, slot: TimeSlot, email: str, holder: str = "session:tab") -> Meeting:
    """The meeting as booking_confirm makes it: the customer, then the meeting (whose service
    checks the overlap)."""
    customer = services.customer_upsert(name="Carla", email=email)
    return services.meeting_create(
        actor=Actor.from_holder(holder),
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=customer,
        meeting_type="online",
        now=NOW,
    )


def test_second_overlapping_meeting_of_one_email_is_refused_naming_the_start(world):
    """Alice 10:00 is booked for carla@; Bob 10:30 for CARLA@ (another record) is a 409 on
    `start`, and no second meeting exists."""
    factories.meeting(
        topic=world.topic, employee=world.alice, start=TEN, now=NOW, customer_email=CARLA
    )
    slot = booked(world, world.bob, TEN + timedelta(minutes=30))
    with pytest.raises(Conflict) as caught:
        create_for(world, slot, "CARLA@Example.com")
    assert (caught.value.code, caught.value.field, caught.value.status) == (
        "customer_overlap",
        "start",
        409,
    )
    assert "already a confirmed meeting for this email address" in caught.value.message
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("email", "offset"),
    [
        ("carla@example.com", timedelta(hours=1)),  # back to back: no overlap
        ("carla@example.com", timedelta(minutes=-60)),  # ends as the other begins
        ("dora@example.com", timedelta(0)),  # someone else at the same time
    ],
)
def test_adjacent_times_and_other_people_are_not_refused(world, email, offset):
    """Only a real overlap of the same email is refused."""
    factories.meeting(
        topic=world.topic, employee=world.alice, start=TEN, now=NOW, customer_email=CARLA
    )
    slot = booked(world, world.bob, TEN + offset)
    create_for(world, slot, email)
    assert Meeting.objects.count() == 2


def test_a_cancelled_meeting_does_not_block_its_time(world):
    """After cancelling, the customer may book an overlapping time again."""
    first = factories.meeting(
        topic=world.topic, employee=world.alice, start=TEN, now=NOW, customer_email=CARLA
    )
    services.meeting_cancel(actor=factories.FACTORY_ACTOR, meeting_id=first.pk, now=NOW)
    create_for(world, booked(world, world.bob, TEN), "carla@example.com")
    assert Meeting.objects.confirmed().count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_tabs_confirming_different_employees_at_once_book_only_one(world, frozen_clock):
    """The race of issue 13: tabs with "any employee" hold Alice and Bob at 10:00 for one
    email and confirm at once. One meeting; the other a typed conflict (repeated rounds,
    so a missing lock cannot pass by luck; PostgreSQL needs the lock, SQLite serialises)."""
    for round_ in range(3):
        start = TEN + timedelta(hours=2 * round_)
        slots = [
            booked(world, employee, start, holder=f"session:tab-{round_}-{n}", book=False)
            for n, employee in enumerate([world.alice, world.bob])
        ]
        results = race(
            [
                lambda slot=slot, n=n, round_=round_: services.booking_confirm(
                    actor=Actor.from_holder(f"session:tab-{round_}-{n}"),
                    hold=slot,
                    customer=services.CustomerDetails(
                        name="Carla", email=["carla@example.com", "Carla@Example.COM"][n]
                    ),
                    meeting_type="online",
                )
                for n, slot in enumerate(slots)
            ]
        )
        wins = [r for r in results if isinstance(r, Meeting)]
        refused = [r for r in results if isinstance(r, Conflict)]
        assert (len(wins), len(refused)) == (1, 1), results
        assert refused[0].code == "customer_overlap"
    assert Meeting.objects.confirmed().count() == 3
    # The loser's time stays held for its tab (its booking rolled back), not lost to a 500.
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 3


def test_moving_onto_a_time_of_another_meeting_of_the_same_person_is_refused(world):
    """Carla has Alice at 10:00 and Bob at 12:00; moving Bob's to 10:30 is a 409 on `start`
    and the meeting keeps its time. Moving it to 12:30, over its own old time, is fine."""
    factories.meeting(
        topic=world.topic, employee=world.alice, start=TEN, now=NOW, customer_email=CARLA
    )
    noon = TEN + timedelta(hours=2)
    moved = factories.meeting(
        topic=world.topic, employee=world.bob, start=noon, now=NOW, customer_email=CARLA
    )
    with pytest.raises(Conflict) as caught:
        factories.reschedule(moved, start=TEN + timedelta(minutes=30), now=NOW)
    assert (caught.value.code, caught.value.field) == ("customer_overlap", "start")
    moved.refresh_from_db()
    assert moved.start == noon
    factories.reschedule(moved, start=noon + timedelta(minutes=30), now=NOW)
    moved.refresh_from_db()
    assert moved.start == noon + timedelta(minutes=30)
