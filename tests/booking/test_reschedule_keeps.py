"""A moved meeting keeps how it was booked (booking.services.meetings, .absences): its own
length, and the room features the customer asked for."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from booking import services
from booking.actors import Actor
from booking.errors import InvalidRequest, SlotUnavailable
from booking.models import Meeting, TimeSlot, TimeSlotStatus
from booking.services.absences import absence_meeting_move, move_candidates
from config_data.models import BookingProfile, ProfileHours, RoomFeature
from tests import factories
from tests.conftest import NOW

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen
WEDNESDAY_TEN = TEN + timedelta(days=1)
HALF_HOUR = timedelta(minutes=30)
HOUR = timedelta(hours=1)
CUSTOMER = Actor.for_session("customer")


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen."""


def reserve(world, *, start, length, employee=None, room=None, meeting_type="online", **kw):
    slot, _ = services.time_slot_reserve(
        actor=CUSTOMER,
        wanted=services.SlotRequest(
            start=start,
            end=start + length,
            employee=employee or world.alice,
            room=room,
            topic=world.topic,
            meeting_type=meeting_type,
            **kw,
        ),
    )
    return slot


def create(world, slot: TimeSlot, *, meeting_type="online", **kwargs) -> Meeting:
    """Book the held slot and make its meeting, as the website does."""
    services.time_slot_book(actor=CUSTOMER, time_slot_id=slot.pk)
    return services.meeting_create(
        actor=CUSTOMER,
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=services.customer_upsert(name="Carla", email="carla@example.com"),
        meeting_type=meeting_type,
        **kwargs,
    )


def reschedule(meeting: Meeting, slot: TimeSlot) -> Meeting:
    return services.meeting_reschedule(
        actor=CUSTOMER, meeting_id=meeting.pk, new_time_slot_id=slot.pk
    )


@pytest.fixture
def profile_meeting(world) -> Meeting:
    """Tuesday 10:00-11:00 online with Alice through her page: 60 minutes of a 30-minute topic."""
    world.topic.duration = 30
    world.topic.save()
    page = BookingProfile.objects.create(
        employee=world.alice, slug="alice", title="Quick call", durations=[30, 60]
    )
    page.topics.set([world.topic])
    meeting = create(world, reserve(world, start=TEN, length=HOUR), profile=page)
    assert meeting.end - meeting.start == HOUR
    return meeting


class TestLength:
    def test_a_new_time_of_another_length_is_refused_naming_the_field(self, world):
        """A 60-minute meeting onto a 30-minute hold: refused on time_slot; the meeting keeps
        its time and the hold is not booked."""
        meeting = create(world, reserve(world, start=TEN, length=HOUR))
        short = reserve(world, start=WEDNESDAY_TEN, length=HALF_HOUR)
        with pytest.raises(InvalidRequest) as error:
            reschedule(meeting, short)
        assert error.value.field == "time_slot"
        assert "30 minutes" in error.value.message
        assert "60 minutes" in error.value.message
        meeting.refresh_from_db()
        short.refresh_from_db()
        assert meeting.start == TEN
        assert meeting.time_slot.status == TimeSlotStatus.BOOKED
        assert short.status == TimeSlotStatus.RESERVED

    def test_a_profile_meeting_does_not_shrink_to_the_topics_length(self, profile_meeting, world):
        """The topic lasts 30 minutes, the meeting 60: a 30-minute time is refused, a
        60-minute one taken."""
        with pytest.raises(InvalidRequest) as error:
            reschedule(profile_meeting, reserve(world, start=WEDNESDAY_TEN, length=HALF_HOUR))
        assert error.value.field == "time_slot"
        moved = reschedule(profile_meeting, reserve(world, start=TEN + 3 * HOUR, length=HOUR))
        assert (moved.start, moved.end) == (TEN + 3 * HOUR, TEN + 4 * HOUR)
        assert moved.profile is not None

    def test_a_customer_cannot_move_a_profile_meeting_outside_its_hours(
        self, profile_meeting, world
    ):
        """The page offers Tuesdays and Wednesdays 09:00-12:00 only: a customer's move to
        Wednesday 14:00 is refused on the slot (the meeting stays), one to 10:00 is taken."""
        for weekday in (1, 2):
            ProfileHours.objects.create(
                profile=profile_meeting.profile, weekday=weekday, start=time(9), end=time(12)
            )
        afternoon = reserve(world, start=WEDNESDAY_TEN + 4 * HOUR, length=HOUR)
        with pytest.raises(InvalidRequest) as error:
            reschedule(profile_meeting, afternoon)
        assert (error.value.code, error.value.field) == ("profile_hours", "time_slot")
        profile_meeting.refresh_from_db()
        assert profile_meeting.start == TEN
        moved = reschedule(profile_meeting, reserve(world, start=WEDNESDAY_TEN, length=HOUR))
        assert moved.start == WEDNESDAY_TEN


class TestRequestedFeatures:
    @pytest.fixture
    def features(self, world) -> tuple[RoomFeature, RoomFeature]:
        """Small has step-free access (customers may ask); Big has a screen (staff decide)."""
        step_free = RoomFeature.objects.create(name="Step-free access", customer_requestable=True)
        screen = RoomFeature.objects.create(name="Screen")
        world.small_room.features.set([step_free])
        world.big_room.features.set([screen])
        return step_free, screen

    def test_the_meeting_stores_what_was_asked(self, world, features):
        """Asked for step-free access: the meeting in Small keeps it."""
        step_free, _screen = features
        slot = reserve(
            world,
            start=TEN,
            length=HOUR,
            meeting_type="physical",
            room_features=frozenset({step_free.pk}),
        )
        meeting = create(
            world,
            slot,
            meeting_type="physical",
            requested_room_features=frozenset({step_free.pk}),
        )
        assert meeting.room == world.small_room
        assert list(meeting.requested_room_features.all()) == [step_free]

    @pytest.mark.parametrize("asked", ["unknown", "screen"])
    def test_a_feature_customers_may_not_ask_for_is_refused(self, world, features, asked):
        """An unknown id, or a feature staff alone decide on: refused naming the field, no
        meeting."""
        step_free, screen = features
        pk = screen.pk if asked == "screen" else step_free.pk + screen.pk + 100
        slot = reserve(world, start=TEN, length=HOUR, meeting_type="physical")
        with pytest.raises(InvalidRequest) as error:
            create(world, slot, meeting_type="physical", requested_room_features=frozenset({pk}))
        assert error.value.field == "requested_room_features"
        assert not Meeting.objects.exists()

    def test_features_for_a_meeting_that_takes_no_room_are_refused(self, world, features):
        """Online takes no room: asking its room for a feature is refused naming the field."""
        step_free, _screen = features
        slot = reserve(world, start=TEN, length=HOUR)
        with pytest.raises(InvalidRequest) as error:
            create(world, slot, requested_room_features=frozenset({step_free.pk}))
        assert error.value.field == "requested_room_features"
        assert not Meeting.objects.exists()

    def test_a_room_without_the_asked_feature_is_refused(self, world, features):
        """Held in Big, which is not step-free: the meeting is refused naming the room."""
        step_free, _screen = features
        slot = reserve(world, start=TEN, length=HOUR, room=world.big_room, meeting_type="physical")
        with pytest.raises(InvalidRequest) as error:
            create(
                world,
                slot,
                meeting_type="physical",
                requested_room_features=frozenset({step_free.pk}),
            )
        assert error.value.field == "room"
        assert not Meeting.objects.exists()

    def test_a_reschedule_into_a_room_without_the_feature_is_refused(self, world, features):
        """The service holds the line too: a hold in Big (not step-free) is refused."""
        step_free, _screen = features
        asked = frozenset({step_free.pk})
        meeting = create(
            world,
            reserve(world, start=TEN, length=HOUR, meeting_type="physical", room_features=asked),
            meeting_type="physical",
            requested_room_features=asked,
        )
        big = reserve(
            world, start=WEDNESDAY_TEN, length=HOUR, room=world.big_room, meeting_type="physical"
        )
        with pytest.raises(InvalidRequest) as error:
            reschedule(meeting, big)
        assert error.value.field == "room"
        meeting.refresh_from_db()
        assert meeting.start == TEN


class TestAbsenceMove:
    def test_the_move_to_a_colleague_keeps_the_meetings_length(self, world, profile_meeting):
        """Alice away: Bob is free for the whole hour, and the moved meeting lasts 60 minutes."""
        staff = Actor.employee(world.bob)
        assert move_candidates(profile_meeting, now=NOW) == [world.bob]
        moved = absence_meeting_move(
            actor=staff, meeting_id=profile_meeting.pk, colleague=world.bob
        )
        assert moved.employee == world.bob
        assert (moved.start, moved.end) == (TEN, TEN + HOUR)

    def test_the_move_to_a_colleague_keeps_the_asked_feature(self, world):
        """The meeting asked for step-free access in Small; Small is closed since. The move
        to Bob takes Access (step-free), not Big (free, but not step-free)."""
        step_free = RoomFeature.objects.create(name="Step-free access", customer_requestable=True)
        access = factories.room(location=world.location, name="Access")
        world.small_room.features.set([step_free])
        access.features.set([step_free])
        asked = frozenset({step_free.pk})
        meeting = create(
            world,
            reserve(world, start=TEN, length=HOUR, meeting_type="physical", room_features=asked),
            meeting_type="physical",
            requested_room_features=asked,
        )
        assert meeting.room == world.small_room
        world.small_room.active = False
        world.small_room.save()
        moved = absence_meeting_move(
            actor=Actor.employee(world.bob), meeting_id=meeting.pk, colleague=world.bob
        )
        assert moved.employee == world.bob
        assert moved.room == access
        assert list(moved.requested_room_features.all()) == [step_free]

    def test_no_colleague_is_offered_without_a_room_that_has_the_feature(self, world):
        """Only Small is step-free and it is closed: nobody can take the meeting, and a move
        to Bob is refused rather than landing in Big."""
        step_free = RoomFeature.objects.create(name="Step-free access", customer_requestable=True)
        world.small_room.features.set([step_free])
        asked = frozenset({step_free.pk})
        meeting = create(
            world,
            reserve(world, start=TEN, length=HOUR, meeting_type="physical", room_features=asked),
            meeting_type="physical",
            requested_room_features=asked,
        )
        world.small_room.active = False
        world.small_room.save()
        assert move_candidates(meeting, now=NOW) == []
        with pytest.raises(SlotUnavailable):
            absence_meeting_move(
                actor=Actor.employee(world.bob), meeting_id=meeting.pk, colleague=world.bob
            )
        meeting.refresh_from_db()
        assert meeting.employee == world.alice
        assert meeting.room == world.small_room
