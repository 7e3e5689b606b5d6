"""booking.services.time_slots: reserve (holds, tokens, caps, group seats) and book."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.errors import (
    HoldExpired,
    InvalidRequest,
    InvalidState,
    LimitReached,
    NotFound,
    SlotUnavailable,
)
from booking.models import TimeSlot, TimeSlotStatus
from config_data.models import Absence
from tests import factories
from tests.booking.services.helpers import (
    HOUR,
    MINUTE,
    TEN,
    actor_for,
    reserve,
    reserve_raw,
)


class TestReserve:
    def test_reserve_holds_the_slot_for_the_configured_minutes(self, world, now):
        """A hold is Reserved for 15 minutes from now, on exactly the asked time and employee."""
        slot = reserve(world, now=now)
        assert slot.status == TimeSlotStatus.RESERVED
        assert slot.expires_at == now + timedelta(minutes=15)
        assert (slot.start, slot.end, slot.employee, slot.room) == (
            TEN,
            TEN + HOUR,
            world.alice,
            None,
        )

    def test_in_person_reservation_gets_a_room_assigned(self, world):
        """An in-person hold takes a room at once: the smallest that fits."""
        slot = reserve(world, meeting_type="physical")
        assert slot.room == world.small_room  # the smallest room that fits

    def test_buffers_widen_the_blocked_time(self, world):
        """The topic's buffers before and after widen the time the slot blocks."""
        world.topic.buffer_before, world.topic.buffer_after = 10, 20
        world.topic.save()
        slot = reserve(world)
        assert (slot.blocked_start, slot.blocked_end) == (
            TEN - timedelta(minutes=10),
            TEN + HOUR + timedelta(minutes=20),
        )

    def test_a_taken_time_is_refused_with_a_typed_error(self, world):
        """A second holder of the same time gets SlotUnavailable and no second row."""
        reserve(world, holder="session:a")
        with pytest.raises(SlotUnavailable):
            reserve(world, holder="session:b")
        assert TimeSlot.objects.count() == 1

    def test_an_overlapping_but_different_interval_is_refused(self, world):
        """A time that only partly overlaps a hold is refused as well."""
        reserve(world, holder="session:a")
        with pytest.raises(SlotUnavailable):
            reserve(world, holder="session:b", start=TEN + timedelta(minutes=30))

    def test_another_employee_at_the_same_time_is_fine(self, world):
        """The same time with another employee is a separate, allowed hold."""
        reserve(world, holder="session:a")
        assert reserve(world, holder="session:b", employee=world.bob).employee == world.bob

    def test_an_expired_hold_blocks_no_one_and_is_marked_expired(self, world, now):
        """After 15 minutes a hold gives way to a new holder and is marked Expired."""
        stale = reserve(world, holder="session:a", now=now)
        later = now + timedelta(minutes=16)
        fresh = reserve(world, holder="session:b", now=later)
        stale.refresh_from_db()
        assert stale.status == TimeSlotStatus.EXPIRED
        assert fresh.status == TimeSlotStatus.RESERVED

    def test_a_time_that_is_not_offered_is_refused(self, world):
        """Times off the topic's grid or outside working hours cannot be held."""
        with pytest.raises(SlotUnavailable):
            reserve(world, start=TEN + timedelta(minutes=10))  # off the 30-minute grid
        with pytest.raises(SlotUnavailable):
            reserve(world, start=TEN + timedelta(hours=12))  # 22:00, outside working hours

    def test_a_time_in_an_absence_is_refused(self, world):
        """An employee's absence makes the time unavailable to hold."""
        Absence.objects.create(employee=world.alice, start=TEN - HOUR, end=TEN + HOUR)
        with pytest.raises(SlotUnavailable):
            reserve(world)

    def test_a_time_inside_the_minimum_notice_is_refused(self, world):
        """A start closer than the topic's minimum notice cannot be held."""
        world.topic.minimum_notice = 24 * 60
        world.topic.save()
        with pytest.raises(SlotUnavailable):
            reserve(world, now=TEN - timedelta(hours=2))

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"end": TEN}, "end"),
            ({"end": TEN - HOUR}, "end"),
            (
                {"start": TEN.replace(tzinfo=None), "end": (TEN + HOUR).replace(tzinfo=None)},
                "start",
            ),
            ({"employee": None}, "employee"),
            ({"meeting_type": "video"}, "meeting_type"),
            ({"end": TEN + 49 * HOUR}, "end"),  # blocks more than LONGEST_BLOCK (two days)
        ],
    )
    def test_invalid_input_names_the_field_and_saves_nothing(self, world, kwargs, field):
        """Bad arguments raise InvalidRequest naming the field, and no slot is written."""
        args = {
            "holder": "session:a",
            "start": TEN,
            "end": TEN + HOUR,
            "employee": world.alice,
            "topic": world.topic,
        }
        args.update(kwargs)
        with pytest.raises(InvalidRequest) as error:
            reserve_raw(**args)
        assert error.value.field == field
        assert not TimeSlot.objects.exists()

    def test_the_same_token_returns_the_same_reservation(self, world):
        """A repeated request with the same token returns the first hold, not a second one."""
        first = reserve(world, token="abc")
        again, created = reserve_raw(
            holder="session:a",
            start=TEN,
            end=TEN + HOUR,
            employee=world.alice,
            topic=world.topic,
            meeting_type="online",
            token="abc",
        )
        assert (again.pk, created) == (first.pk, False)
        assert TimeSlot.objects.count() == 1

    def test_the_same_token_for_another_time_is_refused(self, world):
        """Reusing a token for a different time is an error on `token`, not a new hold."""
        reserve(world, token="abc")
        with pytest.raises(InvalidRequest) as error:
            reserve(world, token="abc", start=TEN + 2 * HOUR)
        assert error.value.field == "token"

    def test_the_same_token_from_another_holder_is_independent(self, world):
        """Tokens are per holder: another holder's equal token makes its own hold."""
        reserve(world, holder="client:1", token="abc")
        assert (
            reserve(world, holder="client:2", token="abc", employee=world.bob).holder == "client:2"
        )

    def test_a_holder_may_hold_only_so_many_times_at_once(self, world):
        """Past max_active_holds live holds, the next reserve raises LimitReached."""
        reserve(world, start=TEN, max_active_holds=2)
        reserve(world, start=TEN + 2 * HOUR, max_active_holds=2)
        with pytest.raises(LimitReached):
            reserve(world, start=TEN + 4 * HOUR, max_active_holds=2)

    def test_without_topic_a_free_interval_on_a_topics_grid_can_be_held(self, world):
        """No theme: the time must be free, in working hours, and on some topic's grid."""
        slot = reserve(world, topic=None, start=TEN + 30 * MINUTE, meeting_type=None)
        assert (slot.start, slot.topic, slot.meeting_type) == (TEN + 30 * MINUTE, None, "")
        with pytest.raises(SlotUnavailable):
            reserve(world, topic=None, start=TEN + 12 * HOUR, meeting_type=None)

    def test_without_topic_a_start_off_every_grid_is_refused(self, world):
        """10:10 is on no 30-minute grid from 09:00: 400 naming the start; nothing held."""
        with pytest.raises(InvalidRequest) as error:
            reserve(world, topic=None, start=TEN + 10 * MINUTE, meeting_type=None)
        assert error.value.field == "start"
        assert error.value.message == (
            "No theme of this length starts at 08:10 UTC: its times start every 30 minutes "
            "from 07:00 UTC."
        )
        assert not TimeSlot.objects.exists()

    def test_without_topic_a_finer_grid_of_another_topic_counts(self, world):
        """Another 60-minute topic of Alice's with a 10-minute step makes 10:10 a start."""
        factories.topic(employees=[world.alice], slot_step=10)
        slot = reserve(world, topic=None, start=TEN + 10 * MINUTE, meeting_type=None)
        assert slot.start == TEN + 10 * MINUTE

    def test_without_topic_a_length_no_topic_uses_is_refused(self, world):
        """A 1-minute hold: no topic of Alice's lasts a minute, 400 naming the end."""
        with pytest.raises(InvalidRequest) as error:
            reserve_raw(holder="session:a", start=TEN, end=TEN + MINUTE, employee=world.alice)
        assert error.value.field == "end"
        assert "lasts 1 minute:" in error.value.message
        assert "(60 minutes)" in error.value.message
        assert not TimeSlot.objects.exists()

    def test_without_topic_only_the_employees_active_topics_count(self, world):
        """Bob's 1-minute topic and Alice's inactive one do not make a 1-minute hold valid."""
        factories.topic(employees=[world.bob], duration=1, slot_step=1)
        factories.topic(employees=[world.alice], duration=1, slot_step=1, active=False)
        with pytest.raises(InvalidRequest):
            reserve_raw(holder="session:a", start=TEN, end=TEN + MINUTE, employee=world.alice)

    def test_without_topic_the_meeting_type_must_be_a_topics(self, world):
        """Held as phone: no 60-minute topic of Alice's is held by phone, 400 naming the end."""
        with pytest.raises(InvalidRequest) as error:
            reserve(world, topic=None, meeting_type="phone")
        assert error.value.field == "end"

    def test_the_topic_check_reads_topics_in_one_query(self, world):
        """Twenty more topics of Alice's cost no extra query."""

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                reserve(
                    world,
                    topic=None,
                    meeting_type=None,
                    holder=f"h{TimeSlot.objects.count()}",
                    start=TEN + TimeSlot.objects.count() * HOUR,
                )
            return len(queries.captured_queries)

        before = count()
        for minutes in range(20):
            factories.topic(employees=[world.alice], duration=90 + minutes)
        assert count() == before


class TestGroupSessions:
    def test_a_group_topic_fills_its_seats_then_refuses(self, world):
        """A two-seat topic shares one session and room between two holders; a third is refused."""
        world.topic.capacity = 2
        world.topic.save()
        first = reserve(world, holder="session:a", meeting_type="physical")
        second = reserve(world, holder="session:b", meeting_type="physical")
        assert first.session_key == second.session_key
        assert {first.seat, second.seat} == {1, 2}
        assert second.room == first.room
        with pytest.raises(SlotUnavailable):
            reserve(world, holder="session:c", meeting_type="physical")


class TestBook:
    def test_the_holder_books_a_live_hold(self, world):
        """The holder turns a live hold into Booked, still expiring until its meeting exists."""
        slot = reserve(world)
        booked = services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))
        # Now it waits for its meeting (tests/booking/test_booked_expiry.py).
        assert booked.status == TimeSlotStatus.BOOKED
        assert booked.expires_at is not None

    def test_booking_twice_is_harmless(self, world):
        """Booking an already booked slot again by its holder just returns it Booked."""
        slot = reserve(world)
        services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))
        assert (
            services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a")).status
            == "Booked"
        )

    def test_someone_elses_hold_is_not_found(self, world):
        """Another holder cannot book the hold: NotFound, and the slot stays Reserved."""
        slot = reserve(world)
        with pytest.raises(NotFound):
            services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:b"))
        slot.refresh_from_db()
        assert slot.status == TimeSlotStatus.RESERVED

    def test_an_expired_hold_cannot_be_booked(self, world, now):
        """At its expiry instant a hold can no longer be booked (HoldExpired)."""
        slot = reserve(world, now=now)
        with pytest.raises(HoldExpired):
            services.time_slot_book(
                time_slot_id=slot.pk, actor=actor_for("session:a"), now=now + timedelta(minutes=15)
            )

    def test_a_cancelled_slot_cannot_be_booked(self, world):
        """A released slot is in the wrong state to book (InvalidState)."""
        slot = reserve(world)
        services.time_slot_release(time_slot_id=slot.pk, actor=actor_for("session:a"))
        with pytest.raises(InvalidState):
            services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))

    def test_an_unknown_slot_is_not_found(self, db):
        """Booking a slot id that does not exist raises NotFound."""
        with pytest.raises(NotFound):
            services.time_slot_book(time_slot_id=999, actor=actor_for("session:a"))
