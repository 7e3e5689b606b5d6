"""Stale holds are expired on every resource a write is about to take, not only the asked-for.

The search offers the time of a stale hold as free. If the write then inserts over it
without marking it Expired, PostgreSQL's exclusion constraint refuses the insert and the
client gets a 409 for a time the search offered (SQLite keeps a stale row that nobody
expired, with no event). Run on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError

from booking import services
from booking.actors import Actor
from booking.errors import SlotUnavailable
from booking.models import BookingEvent, BookingEventKind, Meeting, TimeSlot, TimeSlotStatus

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen
HOUR = timedelta(hours=1)
CLIENT = Actor.for_api_client(1)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


@pytest.fixture
def one_room(world):
    """Only the small room is bookable, so the engine must pick it."""
    world.big_room.active = False
    world.big_room.save()
    return world.small_room


def stale_slot(*, start, end, now, employee=None, room=None) -> TimeSlot:
    """Someone else's hold that ran out a minute ago and that nobody has marked Expired."""
    return TimeSlot.objects.create(
        employee=employee,
        room=room,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=TimeSlotStatus.RESERVED,
        expires_at=now - timedelta(minutes=1),
        holder="session:gone",
    )


def assert_expired_once(slot: TimeSlot) -> None:
    slot.refresh_from_db()
    assert slot.status == TimeSlotStatus.EXPIRED
    kinds = list(BookingEvent.objects.filter(time_slot=slot).values_list("kind", flat=True))
    assert kinds == [BookingEventKind.EXPIRED]


def test_a_stale_hold_on_the_room_the_engine_picks_is_expired(world, one_room, now):
    """Reserving with an employee only: the room offered_slot picks has a stale hold (of
    another employee); it is expired first, and the hold succeeds on that room."""
    stale = stale_slot(start=TEN, end=TEN + HOUR, now=now, employee=world.bob, room=one_room)
    wanted = services.SlotRequest(
        start=TEN, end=TEN + HOUR, employee=world.alice, topic=world.topic, meeting_type="physical"
    )
    slot, created = services.time_slot_reserve(actor=CLIENT, wanted=wanted, now=now)
    assert created
    assert slot.room_id == one_room.pk
    assert_expired_once(stale)
    assert not TimeSlot.objects.double_booked().exists()


def theme_less_booked_slot(world, now) -> TimeSlot:
    """The seed's reserve body: an employee and a time, no theme, no room; then Booked."""
    wanted = services.SlotRequest(start=TEN, end=TEN + HOUR, employee=world.alice)
    slot, _ = services.time_slot_reserve(actor=CLIENT, wanted=wanted, now=now)
    return services.time_slot_book(actor=CLIENT, time_slot_id=slot.pk, now=now)


def meeting(world, slot, *, meeting_type, now):
    return services.meeting_create(
        actor=CLIENT,
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=services.customer_for_reference(external_id="1:carla"),
        meeting_type=meeting_type,
        now=now,
    )


def test_a_stale_hold_in_the_widened_buffers_is_expired(world, now):
    """A theme-less slot takes its topic's buffers at meeting time: a hold of the same
    employee that went stale meanwhile inside the buffers is expired, not a 409."""
    world.topic.buffer_after = 15
    world.topic.save()
    slot = theme_less_booked_slot(world, now)
    neighbour = stale_slot(
        start=TEN + HOUR, end=TEN + 2 * HOUR, now=now + timedelta(minutes=6), employee=world.alice
    )
    created = meeting(world, slot, meeting_type="online", now=now + timedelta(minutes=5))
    assert created.time_slot.blocked_end == TEN + HOUR + timedelta(minutes=15)
    assert_expired_once(neighbour)
    assert not TimeSlot.objects.double_booked().exists()


def test_a_stale_hold_on_the_room_a_meeting_adds_is_expired(world, one_room, now):
    """A theme-less slot takes a room for an in-person meeting: a stale hold on that room
    (of another employee) is expired, and the meeting is created."""
    slot = theme_less_booked_slot(world, now)
    stale = stale_slot(
        start=TEN, end=TEN + HOUR, now=now + timedelta(minutes=1), employee=world.bob, room=one_room
    )
    created = meeting(world, slot, meeting_type="physical", now=now + timedelta(minutes=5))
    assert created.time_slot.room_id == one_room.pk
    assert_expired_once(stale)
    assert not TimeSlot.objects.double_booked().exists()


def test_a_live_hold_in_the_widened_buffers_still_blocks(world, now):
    """Only stale holds are expired: a live one in the buffers makes the meeting a 409."""
    world.topic.buffer_after = 15
    world.topic.save()
    slot = theme_less_booked_slot(world, now)
    live = stale_slot(
        start=TEN + HOUR, end=TEN + 2 * HOUR, now=now + timedelta(hours=1), employee=world.alice
    )
    with pytest.raises(SlotUnavailable) as error:
        meeting(world, slot, meeting_type="online", now=now + timedelta(minutes=5))
    assert error.value.field == "time_slot"
    live.refresh_from_db()
    assert live.status == TimeSlotStatus.RESERVED
    assert not Meeting.objects.exists()


class PsycopgDeadlock(Exception):
    """What psycopg raises for PostgreSQL's "deadlock detected" (Django wraps it)."""

    sqlstate = "40P01"


def test_a_deadlock_while_widening_is_a_conflict(world, now, monkeypatch):
    """PostgreSQL aborting the widening save as a deadlock is a lost race: SlotUnavailable
    (409) naming the time slot, like in reserve, never a 500."""
    slot = theme_less_booked_slot(world, now)
    save = TimeSlot.save

    def deadlocking_save(self, *args, **kwargs):
        if "blocked_start" in (kwargs.get("update_fields") or ()):
            error = OperationalError("deadlock detected")
            error.__cause__ = PsycopgDeadlock()
            raise error
        return save(self, *args, **kwargs)

    monkeypatch.setattr(TimeSlot, "save", deadlocking_save)
    with pytest.raises(SlotUnavailable) as error:
        meeting(world, slot, meeting_type="online", now=now + timedelta(minutes=5))
    assert (error.value.code, error.value.field) == ("slot_taken", "time_slot")
    assert not Meeting.objects.exists()
