"""requiredRoomFeatures: the search and the reservation take only rooms with every feature."""

from __future__ import annotations

import pytest

from config_data.models import RoomFeature
from tests.api.helpers import reserve_body

AVAILABLE = "/api/bookme/time-slots/available"
RESERVE = "/api/bookme/time-slots/reserve"
TUESDAY = {"startDate": "2026-06-02T00:00:00Z", "endDate": "2026-06-03T00:00:00Z"}


@pytest.fixture
def features(world):
    """Small has step-free access; Big has a screen (Bildschirm) and step-free access."""
    screen = RoomFeature.objects.create(name="Screen", name_de="Bildschirm")
    step_free = RoomFeature.objects.create(name="Step-free access")
    world.small_room.features.set([step_free])
    world.big_room.features.set([screen, step_free])
    return screen, step_free


def search(caller, world, **params):
    query = {
        "requireEmployeeParticipation": "true",
        "theme": world.topic.pk,
        "meetingTypes": "physical",
        **TUESDAY,
        **params,
    }
    return caller.get(AVAILABLE, query)


def rooms_of(response) -> set[str | None]:
    assert response.status_code == 200, response.content
    assert response.json()
    return {slot["roomId"] for slot in response.json()}


class TestSearch:
    def test_by_id_or_by_name_in_any_language_only_rooms_with_the_feature(
        self, world, caller, features
    ):
        """Screen by id, by English or German name, any case: every slot in Big."""
        screen, _step_free = features
        assert rooms_of(search(caller, world)) == {str(world.small_room.pk)}
        for value in (screen.pk, "Screen", "screen", "Bildschirm"):
            response = search(caller, world, requiredRoomFeatures=value)
            assert rooms_of(response) == {str(world.big_room.pk)}, value

    def test_several_features_repeated_or_comma_separated_must_all_be_there(
        self, world, caller, features
    ):
        """Both features, either way of listing them: only Big has both."""
        screen, step_free = features
        commas = search(caller, world, requiredRoomFeatures=f"{screen.pk},{step_free.pk}")
        repeated = search(caller, world, requiredRoomFeatures=["Screen", "Step-free access"])
        assert commas.json() == repeated.json()
        assert rooms_of(commas) == {str(world.big_room.pk)}

    def test_the_themes_own_features_apply_without_the_parameter(self, world, caller, features):
        """A theme requiring a screen: Big only, asked for or not."""
        screen, _step_free = features
        world.topic.required_room_features.set([screen])
        assert rooms_of(search(caller, world)) == {str(world.big_room.pk)}

    def test_without_the_parameter_the_answer_is_unchanged(self, world, caller, features):
        """The seed's request, without requiredRoomFeatures: the same slots as an empty list."""
        plain = search(caller, world, meetingTypes="physical,online")
        assert plain.status_code == 200
        empty = search(caller, world, meetingTypes="physical,online", requiredRoomFeatures="")
        assert empty.json() == plain.json()
        assert {"online", "physical"} <= {t for slot in plain.json() for t in slot["meetingTypes"]}

    def test_a_feature_no_room_has_leaves_online_slots_only(self, world, caller, features):
        """Nothing in person when no room has the feature; online times stay."""
        RoomFeature.objects.create(name="Piano")
        response = search(
            caller, world, meetingTypes="physical,online", requiredRoomFeatures="Piano"
        )
        assert response.status_code == 200
        slots = response.json()
        assert slots
        assert all(slot["meetingTypes"] == ["online"] and slot["roomId"] is None for slot in slots)

    @pytest.mark.parametrize("value", ["Jacuzzi", "999999", "0", "-1"])
    def test_an_unknown_feature_is_a_400_naming_the_parameter(self, world, caller, features, value):
        """Unknown names and ids: 400 with the parameter and its own code, never an empty list."""
        response = search(caller, world, requiredRoomFeatures=f"Screen,{value}")
        assert response.status_code == 400
        body = response.json()
        assert body["parameter"] == "requiredRoomFeatures"
        assert body["code"] == "unknown_room_feature"
        assert value in body["message"]

    def test_an_overlong_value_is_refused_as_input(self, world, caller, features):
        """Longer than any feature's name can be: 400 invalid input on the parameter."""
        response = search(caller, world, requiredRoomFeatures="x" * 101)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_input"
        assert "requiredRoomFeatures" in str(response.json()["parameter"])


class TestReserve:
    def test_a_theme_requiring_a_screen_refuses_a_room_without_one(self, world, caller, features):
        """Small asked for, a screen required: 400 on timeSlot.roomId naming the feature."""
        screen, _step_free = features
        world.topic.required_room_features.set([screen])
        body = reserve_body(
            world.alice,
            themeId=str(world.topic.pk),
            meetingType="physical",
            time_slot={"roomId": str(world.small_room.pk)},
        )
        response = caller.post(RESERVE, body)
        assert response.status_code == 400, response.content
        error = response.json()
        assert (error["parameter"], error["code"]) == ("timeSlot.roomId", "room_lacks_features")
        assert "Screen" in error["message"]

    def test_features_asked_for_pick_a_room_with_them(self, world, caller, features):
        """No roomId, a screen asked for: the reservation comes with Big."""
        body = reserve_body(
            world.alice,
            themeId=str(world.topic.pk),
            meetingType="physical",
            requiredRoomFeatures=["Screen"],
        )
        response = caller.post(RESERVE, body)
        assert response.status_code == 201, response.content
        assert response.json()["roomId"] == str(world.big_room.pk)

    def test_features_asked_for_without_a_theme_need_a_room_that_has_them(
        self, world, caller, features
    ):
        """Without a theme: Small with a screen asked is a 400; no room at all is a 400 too."""
        screen, _step_free = features
        small = reserve_body(
            world.alice,
            requiredRoomFeatures=[screen.pk],
            time_slot={"roomId": str(world.small_room.pk)},
        )
        refused = caller.post(RESERVE, small)
        assert refused.status_code == 400, refused.content
        assert refused.json()["code"] == "room_lacks_features"
        no_room = caller.post(RESERVE, reserve_body(world.alice, requiredRoomFeatures=["Screen"]))
        assert no_room.status_code == 400, no_room.content
        assert (no_room.json()["parameter"], no_room.json()["code"]) == (
            "timeSlot.roomId",
            "room_features_need_room",
        )
        big = reserve_body(
            world.alice,
            token="token-2",
            requiredRoomFeatures=[screen.pk],
            time_slot={"roomId": str(world.big_room.pk)},
        )
        held = caller.post(RESERVE, big)
        assert held.status_code == 201, held.content
        assert held.json()["roomId"] == str(world.big_room.pk)

    def test_an_unknown_feature_in_the_body_is_a_400(self, world, caller, features):
        """The body's requiredRoomFeatures is checked like the search's parameter."""
        body = reserve_body(world.alice, requiredRoomFeatures=["Screen", "Jacuzzi"])
        response = caller.post(RESERVE, body)
        assert response.status_code == 400
        assert response.json()["parameter"] == "requiredRoomFeatures"
        assert response.json()["code"] == "unknown_room_feature"

    def test_the_room_taken_with_the_feature_cannot_be_swapped_for_another(
        self, world, caller, outsider, features
    ):
        """Big held by another client at ten: with a screen asked, ten is a 409, not Small."""
        taken = reserve_body(
            world.bob,
            themeId=str(world.topic.pk),
            meetingType="physical",
            time_slot={"roomId": str(world.big_room.pk)},
        )
        assert outsider.post(RESERVE, taken).status_code == 201
        body = reserve_body(
            world.alice,
            themeId=str(world.topic.pk),
            meetingType="physical",
            requiredRoomFeatures=["Screen"],
        )
        response = caller.post(RESERVE, body)
        assert response.status_code == 409, response.content
