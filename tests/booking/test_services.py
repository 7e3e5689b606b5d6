"""booking.services: reserve, book, meeting create, cancel, reschedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.actors import Actor
from booking.errors import (
    HoldExpired,
    InvalidRequest,
    InvalidState,
    LimitReached,
    NotFound,
    SlotUnavailable,
    TooLate,
)
from booking.models import Meeting, MeetingStatus, TimeSlot, TimeSlotStatus
from config_data.models import Absence
from tests import factories

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST).
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


def actor_for(holder):
    """The actor of a holder string; a bare name ("h1") is a system actor, without caps."""
    return Actor.from_holder(holder) if ":" in holder else Actor.system(holder)


def reserve_raw(
    holder="session:a", token="", now=None, moving=None, max_active_holds=None, **wanted
):
    """time_slot_reserve with the wanted time's fields as keywords, as before SlotRequest."""
    cap = {"BOOKME_MAX_ACTIVE_HOLDS": max_active_holds} if max_active_holds else {}
    with override_settings(**cap):
        return services.time_slot_reserve(
            actor=actor_for(holder),
            wanted=services.SlotRequest(**wanted),
            token=token,
            moving=moving,
            now=now,
        )


def reserve(world, holder="session:a", start=TEN, employee=None, now=None, **kwargs):
    slot, _ = reserve_raw(
        holder=holder,
        start=start,
        end=start + HOUR,
        employee=employee or world.alice,
        topic=kwargs.pop("topic", world.topic),
        meeting_type=kwargs.pop("meeting_type", "online"),
        now=now,
        **kwargs,
    )
    return slot


def customer():
    return services.customer_upsert(name="Carla Customer", email="carla@example.com")


def book_meeting(world, holder="session:a", start=TEN, meeting_type="online", **kwargs):
    slot = reserve(world, holder=holder, start=start, meeting_type=meeting_type)
    services.time_slot_book(time_slot_id=slot.pk, actor=actor_for(holder))
    return services.meeting_create(
        time_slot_id=slot.pk,
        actor=actor_for(holder),
        topic=world.topic,
        customer=customer(),
        meeting_type=meeting_type,
        **kwargs,
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


class TestMeetingCreate:
    def test_a_meeting_on_a_booked_slot(self, world):
        """A booked slot becomes a confirmed meeting of its employee and holder."""
        meeting = book_meeting(world, description="About my loan")
        assert meeting.status == MeetingStatus.CONFIRMED
        assert meeting.employee == world.alice
        assert meeting.owner == "session:a"
        assert len(meeting.reference) >= 32
        assert meeting.ical_sequence == 0

    def test_a_reserved_but_unbooked_slot_is_refused(self, world):
        """A meeting needs a Booked slot: a mere hold is refused and nothing is saved."""
        slot = reserve(world)
        with pytest.raises(InvalidState):
            services.meeting_create(
                time_slot_id=slot.pk,
                actor=actor_for("session:a"),
                topic=world.topic,
                customer=customer(),
                meeting_type="online",
            )
        assert not Meeting.objects.exists()

    def test_a_second_meeting_on_the_same_slot_is_refused(self, world):
        """One slot carries one meeting: a second create is refused."""
        meeting = book_meeting(world)
        with pytest.raises(InvalidState):
            services.meeting_create(
                time_slot_id=meeting.time_slot_id,
                actor=actor_for("session:a"),
                topic=world.topic,
                customer=customer(),
                meeting_type="online",
            )
        assert Meeting.objects.count() == 1

    def test_required_information_questions_must_be_answered(self, world):
        """A missing required answer names `answers.<id>`; a given one is kept with its question."""
        question = world.topic.information_questions.create(text="Your income?", required=True)
        with pytest.raises(InvalidRequest) as error:
            book_meeting(world)
        assert error.value.field == f"answers.{question.pk}"
        meeting = book_meeting(world, start=TEN + 2 * HOUR, answers={question.pk: "Plenty"})
        answer = meeting.answers.get()
        assert (answer.question_text, answer.answer) == ("Your income?", "Plenty")

    def test_a_category_the_topic_excludes_is_refused(self, world):
        """A customer category the topic does not accept is refused on `customer_category`."""
        business, private = factories.category("Business"), factories.category("Private")
        world.topic.customer_categories.set([business])
        with pytest.raises(InvalidRequest) as error:
            book_meeting(world, customer_category=private)
        assert error.value.field == "customer_category"

    def test_a_meeting_type_the_topic_does_not_allow_is_refused(self, world):
        """A meeting type the topic does not offer (phone here) is refused on `meeting_type`."""
        slot = reserve(world)
        services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))
        with pytest.raises(InvalidRequest) as error:
            services.meeting_create(
                time_slot_id=slot.pk,
                actor=actor_for("session:a"),
                topic=world.topic,
                customer=customer(),
                meeting_type="phone",
            )
        assert error.value.field == "meeting_type"

    def test_a_topic_the_slots_employee_does_not_hold_is_refused(self, world):
        """The slot is Alice's; a topic only Bob holds cannot be put on it."""
        slot = reserve(world, topic=None, meeting_type=None)
        services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))
        bobs = factories.topic(employees=[world.bob], physical=False)
        with pytest.raises(InvalidRequest) as error:
            services.meeting_create(
                time_slot_id=slot.pk,
                actor=actor_for("session:a"),
                topic=bobs,
                customer=customer(),
                meeting_type="online",
            )
        assert error.value.field == "employee"
        assert not Meeting.objects.exists()

    def test_creating_a_meeting_stays_within_its_query_budget(self, world):
        """Lock the slot, check it, the topic's rules and its employee, save the meeting,
        clear the slot's expiry and record its one event: 10 queries at most.

        The objects in hand are not re-read to validate their foreign keys, and the
        employee check reads one row, not every employee of the topic."""
        world.topic.employees.add(*[factories.employee(location=world.location) for _ in range(5)])
        slot = reserve(world)
        services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))
        who = customer()
        with CaptureQueriesContext(connection) as queries:
            services.meeting_create(
                time_slot_id=slot.pk,
                actor=actor_for("session:a"),
                topic=world.topic,
                customer=who,
                meeting_type="online",
            )
        assert len(queries.captured_queries) <= 10, [q["sql"] for q in queries.captured_queries]
        employee_reads = [q["sql"] for q in queries if "config_data_employee" in q["sql"]]
        assert all("LIMIT 1" in sql for sql in employee_reads), employee_reads


class TestMeetingFitsItsSlot:
    """meeting_create: the meeting is what the slot was held for (issue 8, point 3)."""

    def _booked(self, world, **kwargs):
        slot = reserve(world, **kwargs)
        services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))
        return slot

    def _create(self, world, slot, *, topic=None, meeting_type="online", room=None):
        return services.meeting_create(
            time_slot_id=slot.pk,
            actor=actor_for("session:a"),
            topic=topic or world.topic,
            customer=customer(),
            meeting_type=meeting_type,
            room=room,
        )

    def test_a_one_minute_themeless_hold_never_becomes_a_60_minute_meeting(self, world):
        """The issue's case: a 1-minute hold (valid for a 1-minute topic) and Mortgage."""
        factories.topic(name="Ping", employees=[world.alice], duration=1, slot_step=1)
        slot, _ = reserve_raw(holder="session:a", start=TEN, end=TEN + MINUTE, employee=world.alice)
        services.time_slot_book(time_slot_id=slot.pk, actor=actor_for("session:a"))
        with pytest.raises(InvalidRequest) as error:
            self._create(world, slot)
        assert error.value.field == "topic"
        assert error.value.message == (
            "Theme 'Mortgage' lasts 60 minutes; the time slot lasts 1 minute."
        )
        assert not Meeting.objects.exists()

    def test_another_theme_than_the_held_one_is_refused(self, world):
        """A slot held for one theme cannot carry a meeting of another theme."""
        slot = self._booked(world)
        other = factories.topic(name="Pension", employees=[world.alice])
        with pytest.raises(InvalidRequest) as error:
            self._create(world, slot, topic=other)
        assert (error.value.field, error.value.message) == (
            "topic",
            "The time slot was held for theme 'Mortgage', not 'Pension'.",
        )

    def test_another_meeting_type_than_the_held_one_is_refused(self, world):
        """A slot held online cannot become an in-person meeting."""
        slot = self._booked(world, meeting_type="online")
        with pytest.raises(InvalidRequest) as error:
            self._create(world, slot, meeting_type="physical")
        assert error.value.field == "meeting_type"

    def test_a_themeless_hold_becomes_the_themes_with_a_room(self, world):
        """Physical on a roomless, theme-less hold: the slot takes the topic and the room."""
        slot = self._booked(world, topic=None, meeting_type=None)
        meeting = self._create(world, slot, meeting_type="physical", room=world.big_room)
        slot.refresh_from_db()
        assert (slot.topic, slot.room, slot.meeting_type) == (
            world.topic,
            world.big_room,
            "physical",
        )
        assert meeting.room == world.big_room

    def test_a_themeless_physical_meeting_without_a_room_gets_the_best_free_one(self, world):
        """A theme-less hold turned physical without a room gets the smallest free one."""
        slot = self._booked(world, topic=None, meeting_type=None)
        self._create(world, slot, meeting_type="physical")
        slot.refresh_from_db()
        assert slot.room == world.small_room

    def test_an_in_person_meeting_without_a_free_room_is_refused(self, world):
        """Both rooms are taken at 10:00: the theme-less hold cannot become a physical meeting."""
        for holder, employee in (("session:x", world.bob), ("session:y", None)):
            reserve_raw(
                holder=holder,
                start=TEN,
                end=TEN + HOUR,
                employee=employee,
                room=world.big_room if employee is None else None,
                topic=world.topic,
                meeting_type="physical",
            )
        slot = self._booked(world, topic=None, meeting_type=None)
        with pytest.raises(SlotUnavailable) as error:
            self._create(world, slot, meeting_type="physical")
        assert error.value.field == "time_slot"
        slot.refresh_from_db()
        assert (slot.topic, slot.room) == (None, None)

    def test_a_group_theme_needs_its_own_hold(self, world):
        """A theme-less hold cannot become a group session: group themes are held as such."""
        group = factories.topic(name="Seminar", employees=[world.alice], capacity=5)
        slot = self._booked(world, topic=None, meeting_type=None)
        with pytest.raises(InvalidRequest) as error:
            self._create(world, slot, topic=group)
        assert error.value.field == "topic"


class TestCustomerForReference:
    def test_a_reference_alone_makes_a_customer_without_contact_details(self, db):
        """A client's reference alone makes one customer without name or email, reused next time."""
        customer = services.customer_for_reference(external_id="7:67890")
        assert (customer.name, customer.email, customer.client_reference) == ("", "", "67890")
        assert customer.display_name == "Customer 67890"
        assert services.customer_for_reference(external_id="7:67890") == customer

    def test_an_empty_reference_is_refused(self, db):
        """An empty external reference is refused instead of making a nameless customer."""
        with pytest.raises(InvalidRequest):
            services.customer_for_reference(external_id="")


class TestCancelAndReschedule:
    def test_cancelling_frees_the_time_for_others(self, world):
        """Cancelling bumps the invite sequence and frees the time for another holder."""
        meeting = book_meeting(world)
        cancelled = services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
        assert cancelled.status == MeetingStatus.CANCELLED
        assert cancelled.ical_sequence == 1
        assert reserve(world, holder="session:b").start == TEN

    def test_cancelling_twice_changes_nothing(self, world):
        """A second cancel is a no-op: the invite sequence stays at 1."""
        meeting = book_meeting(world)
        services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
        again = services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
        assert again.ical_sequence == 1

    def test_cancelling_after_the_cutoff_is_refused_for_customers(self, world):
        """Inside the change cut-off a customer's cancel raises TooLate and the meeting stays."""
        meeting = book_meeting(world)
        with pytest.raises(TooLate):
            services.meeting_cancel(
                actor=actor_for("session:a"), meeting_id=meeting.pk, now=TEN - timedelta(hours=23)
            )
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CONFIRMED

    def test_staff_cannot_cancel_a_meeting_that_has_begun(self, world):
        """From its start on, an employee or staff user may not cancel the meeting (its
        outcome is recorded instead); a minute before, they may."""
        meeting = book_meeting(world)
        for actor in (Actor.employee(world.bob), Actor.for_staff_user(1)):
            with pytest.raises(InvalidState) as error:
                services.meeting_cancel(actor=actor, meeting_id=meeting.pk, now=TEN)
            assert error.value.code == "meeting_begun_no_cancel"
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CONFIRMED
        cancelled = services.meeting_cancel(
            actor=Actor.employee(world.bob),
            meeting_id=meeting.pk,
            now=TEN - timedelta(minutes=1),
        )
        assert cancelled.status == MeetingStatus.CANCELLED

    def test_reschedule_books_the_new_time_then_frees_the_old(self, world):
        """Rescheduling books the new slot, cancels the old one and frees its time."""
        meeting = book_meeting(world)
        old_slot = meeting.time_slot
        new = reserve(world, start=TEN + 3 * HOUR)
        moved = services.meeting_reschedule(
            meeting_id=meeting.pk, new_time_slot_id=new.pk, actor=actor_for("session:a")
        )
        old_slot.refresh_from_db()
        assert moved.time_slot.start == TEN + 3 * HOUR
        assert moved.time_slot.status == "Booked"
        assert old_slot.status == TimeSlotStatus.CANCELLED
        assert moved.ical_sequence == 1
        assert reserve(world, holder="session:b").start == TEN  # the old time is free again

    def test_reschedule_may_overlap_the_meetings_own_old_time(self, world):
        """Moving 10:00-11:00 to 10:30-11:30 must not be blocked by the meeting itself."""
        meeting = book_meeting(world)
        new = reserve(world, start=TEN + timedelta(minutes=30), moving=meeting)
        moved = services.meeting_reschedule(
            meeting_id=meeting.pk, new_time_slot_id=new.pk, actor=actor_for("session:a")
        )
        assert moved.time_slot.start == TEN + timedelta(minutes=30)

    def test_reschedule_with_an_expired_hold_keeps_the_old_meeting(self, world):
        """If the new hold has expired the move fails and the meeting keeps its old time."""
        meeting = book_meeting(world)
        new = reserve(world, start=TEN + 3 * HOUR)
        with pytest.raises(HoldExpired):
            services.meeting_reschedule(
                meeting_id=meeting.pk,
                new_time_slot_id=new.pk,
                actor=actor_for("session:a"),
                now=new.expires_at,
            )
        meeting.refresh_from_db()
        assert meeting.time_slot.start == TEN
        assert meeting.time_slot.status == "Booked"

    def test_a_cancelled_meeting_cannot_be_moved(self, world):
        """A cancelled meeting cannot be rescheduled (InvalidState)."""
        meeting = book_meeting(world)
        services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
        new = reserve(world, start=TEN + 3 * HOUR)
        with pytest.raises(InvalidState):
            services.meeting_reschedule(
                meeting_id=meeting.pk, new_time_slot_id=new.pk, actor=actor_for("session:a")
            )


class TestErrorCatalogue:
    def test_an_error_carries_a_stable_code_and_a_message_in_the_active_language(self, world):
        """The website shows the catalogue message translated; the API gets it in English."""
        from django.utils import translation

        from booking.api.errors import english

        reserve(world, token="abc")
        with pytest.raises(InvalidRequest) as error:
            reserve(world, token="abc", start=TEN + 2 * HOUR)
        assert (error.value.code, error.value.field) == ("token_reused", "token")
        with translation.override("de"):
            assert error.value.message == (
                "Dieses Token wurde bereits für ein anderes Zeitfenster verwendet."
            )
            assert english(error.value) == "This token was already used for a different time slot."

    def test_every_catalogue_message_is_translated(self):
        """German and Danish have each message of the catalogue."""
        from django.utils import translation

        from booking.errors import MESSAGES

        for language in ("de", "da"):
            with translation.override(language):
                untranslated = [
                    code for code, text in MESSAGES.items() if _english(text) == str(text)
                ]
            assert untranslated == [], language


def _english(text):
    from django.utils import translation

    with translation.override("en"):
        return str(text)
