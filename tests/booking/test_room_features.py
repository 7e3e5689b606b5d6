"""Rooms by feature: a topic's required features and those asked for, in the search and the hold.

One rule (booking.catalog.Catalog.room_has_features) decides both what the search offers
and what a hold may take: an in-person meeting only gets a room with all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking import catalog, services
from booking.actors import Actor
from booking.errors import InvalidRequest, SlotUnavailable
from booking.search import SlotSearch, find_slots
from config_data.admin.topics import MeetingTopicForm
from config_data.models import RoomFeature
from tests.conftest import NOW

TUESDAY = datetime(2026, 6, 2, tzinfo=UTC)
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 10:00 in Copenhagen
HOUR = timedelta(hours=1)
PHYSICAL = frozenset({"physical"})

pytestmark = pytest.mark.django_db


@pytest.fixture
def features(world):
    """Small has step-free access; Big has a screen and step-free access."""
    screen = RoomFeature.objects.create(name="Screen")
    step_free = RoomFeature.objects.create(name="Step-free access", customer_requestable=True)
    world.small_room.features.set([step_free])
    world.big_room.features.set([screen, step_free])
    return screen, step_free


def tuesday(topic, **kwargs) -> list:
    search = SlotSearch(start=TUESDAY, end=TUESDAY + timedelta(days=1), topic=topic, **kwargs)
    return find_slots(search, now=NOW)


def actor(name: str = "a") -> Actor:
    return Actor.for_session(name)


def take(world, room) -> None:
    """Bob holds `room` at 10:00 for someone else."""
    services.time_slot_reserve(
        actor=actor("other"),
        wanted=services.SlotRequest(
            start=TEN,
            end=TEN + HOUR,
            employee=world.bob,
            room=room,
            topic=world.topic,
            meeting_type="physical",
        ),
        now=NOW,
    )


def hold(world, *, start=TEN, room=None, topic=None, features=None, meeting_type="physical"):
    return services.time_slot_reserve(
        actor=actor(),
        wanted=services.SlotRequest(
            start=start,
            end=start + HOUR,
            employee=world.alice,
            room=room,
            topic=topic,
            meeting_type=meeting_type,
            room_features=features,
        ),
        now=NOW,
    )[0]


class TestSearch:
    def test_a_topics_required_feature_leaves_only_rooms_that_have_it(self, world, features):
        """Screen required: every in-person slot is in Big, the one room with a screen
        (without it the search gives each time the first free room, Small)."""
        screen, _step_free = features
        before = {s.room_id for s in tuesday(world.topic, meeting_types=PHYSICAL)}
        assert before == {world.small_room.pk}
        world.topic.required_room_features.set([screen])
        slots = tuesday(world.topic, meeting_types=PHYSICAL)
        assert slots
        assert {s.room_id for s in slots} == {world.big_room.pk}

    def test_the_topics_features_and_those_asked_for_must_all_be_there(self, world, features):
        """Topic: step-free access; asked: a screen. Small has only the first: never offered."""
        screen, step_free = features
        world.topic.required_room_features.set([step_free])
        only_topic = {s.room_id for s in tuesday(world.topic, meeting_types=PHYSICAL)}
        assert only_topic == {world.small_room.pk}
        both = tuesday(world.topic, meeting_types=PHYSICAL, room_features=frozenset({screen.pk}))
        assert both
        assert {s.room_id for s in both} == {world.big_room.pk}

    def test_no_features_asked_changes_nothing(self, world, features):
        """None, an empty set and no features at all give the very same slots."""
        plain = tuesday(world.topic)
        assert plain
        assert tuesday(world.topic, room_features=None) == plain
        assert tuesday(world.topic, room_features=frozenset()) == plain

    def test_a_busy_feature_room_is_not_replaced_by_a_room_without_it(self, world, features):
        """Big (the screen) held at 10:00: Small is free, but no in-person 10:00 is offered."""
        screen, _step_free = features
        take(world, world.big_room)
        asked = frozenset({screen.pk})
        starts = {
            s.start for s in tuesday(world.topic, meeting_types=PHYSICAL, room_features=asked)
        }
        assert TEN not in starts
        assert TEN + 2 * HOUR in starts
        assert TEN in {s.start for s in tuesday(world.topic, meeting_types=PHYSICAL)}

    def test_online_meetings_take_no_room_and_ignore_features(self, world, features):
        """A feature no room has: no in-person slot at all, online ones unchanged."""
        nowhere = RoomFeature.objects.create(name="Piano")
        asked = frozenset({nowhere.pk})
        assert tuesday(world.topic, meeting_types=PHYSICAL, room_features=asked) == []
        online = frozenset({"online"})
        assert tuesday(world.topic, meeting_types=online, room_features=asked) == tuesday(
            world.topic, meeting_types=online
        )
        assert all(
            "physical" not in s.meeting_types for s in tuesday(world.topic, room_features=asked)
        )

    def test_asking_for_features_without_a_topic_asks_for_a_room(self, world, features):
        """No topic: in-person slots then come with a room that has the feature."""
        screen, _step_free = features
        slots = tuesday(None, meeting_types=PHYSICAL, room_features=frozenset({screen.pk}))
        assert slots
        assert {s.room_id for s in slots} == {world.big_room.pk}


class TestHold:
    def test_a_hold_without_a_room_gets_one_with_the_features(self, world, features):
        """The service picks the room: the one with the screen, though Small comes first."""
        screen, _step_free = features
        world.topic.required_room_features.set([screen])
        slot = hold(world, topic=world.topic)
        assert slot.room_id == world.big_room.pk

    def test_a_room_without_a_required_feature_is_refused_by_name(self, world, features):
        """Asking for Small with a screen required: a 400 on the room naming what it lacks."""
        screen, _step_free = features
        world.topic.required_room_features.set([screen])
        with pytest.raises(InvalidRequest) as refused:
            hold(world, topic=world.topic, room=world.small_room)
        assert refused.value.code == "room_lacks_features"
        assert refused.value.field == "room"
        assert "Screen" in refused.value.message
        assert hold(world, topic=world.topic, room=world.big_room).room_id == world.big_room.pk

    def test_features_asked_for_apply_to_a_hold_without_a_topic(self, world, features):
        """No topic, features asked: Small (no screen) refused, no room at all too; Big held."""
        screen, _step_free = features
        asked = frozenset({screen.pk})
        with pytest.raises(InvalidRequest) as refused:
            hold(world, room=world.small_room, features=asked, meeting_type=None)
        assert refused.value.code == "room_lacks_features"
        with pytest.raises(InvalidRequest) as no_room:
            hold(world, features=asked, meeting_type=None)
        assert (no_room.value.code, no_room.value.field) == ("room_features_need_room", "room")
        slot = hold(world, room=world.big_room, features=asked, meeting_type=None)
        assert slot.room_id == world.big_room.pk

    def test_the_last_feature_room_taken_leaves_nothing_to_hold(self, world, features):
        """Big held by someone else: the same time with a screen asked is no longer available."""
        screen, _step_free = features
        take(world, world.big_room)
        with pytest.raises(SlotUnavailable):
            hold(world, topic=world.topic, features=frozenset({screen.pk}))
        assert hold(world, topic=world.topic).room_id == world.small_room.pk


class TestCatalog:
    def test_a_change_of_features_reaches_the_next_search(self, world, features):
        """The triggers on both many-to-many tables renew the kept snapshot."""
        screen, _step_free = features
        first = catalog.current()
        world.small_room.features.add(screen)
        second = catalog.current()
        assert second is not first
        assert screen.pk in second.room_features[world.small_room.pk]
        world.topic.required_room_features.add(screen)
        third = catalog.current()
        assert third.required_room_features(world.topic) == frozenset({screen.pk})
        assert third.required_room_features(world.topic, frozenset({7})) == {screen.pk, 7}
        assert third.required_room_features(None) == frozenset()


class TestAdmin:
    def form_data(self, world, **changes) -> dict:
        data = {
            "name": "Viewing",
            "duration": 60,
            "slot_step": 30,
            "minimum_notice": 0,
            "booking_horizon": 30,
            "buffer_before": 0,
            "buffer_after": 0,
            "capacity": 1,
            "change_cutoff": 24,
            "physical": True,
            "requires_room": True,
            "customer_bookable": True,
            "active": True,
            "reminder_offsets": "[]",
            "employees": [world.alice.pk],
        }
        data.update(changes)
        return data

    def test_required_features_need_a_topic_that_takes_a_room(self, world, features):
        """Features asked of a room that an in-person meeting never takes: a field error."""
        screen, _step_free = features
        ok = MeetingTopicForm(self.form_data(world, required_room_features=[screen.pk]))
        assert ok.is_valid(), ok.errors
        refused = MeetingTopicForm(
            self.form_data(world, requires_room=False, required_room_features=[screen.pk])
        )
        assert not refused.is_valid()
        assert "required_room_features" in refused.errors
