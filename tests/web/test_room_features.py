"""Asking for a room feature on the website: options, picker, hold and details, without JS too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import Meeting, TimeSlot
from config_data.models import RoomFeature
from tests.web.conftest import (
    TUESDAY_TEN,
    answers_for,
    details_data,
    held_slot_id,
    hold,
    times_url,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def features(bank):
    """Small has step-free access (customers may ask for it); Big has a screen (they may not)."""
    step_free = RoomFeature.objects.create(name="Step-free access", customer_requestable=True)
    screen = RoomFeature.objects.create(name="Screen")
    bank.world.small_room.features.set([step_free])
    bank.world.big_room.features.set([screen])
    return step_free, screen


def options(client, bank, **params):
    return client.get(reverse("booking:options", args=[bank.topic.pk]), params)


def checkboxes(html: str) -> dict[str, bool]:
    """The features offered as checkboxes: value -> ticked."""
    boxes = re.findall(r'<input type="checkbox" name="features" value="(\d+)"([^>]*)>', html)
    return {value: "checked" in rest for value, rest in boxes}


def html_of(response) -> str:
    return response.content.decode()


def chosen_times(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="start" value="([^"]+)"', html)


def take_small_at_ten(bank) -> None:
    """Someone else holds Small, the step-free room, at ten (with Bob)."""
    services.time_slot_reserve(
        actor=Actor.for_session("someone-else"),
        wanted=services.SlotRequest(
            start=TUESDAY_TEN,
            end=TUESDAY_TEN + timedelta(hours=1),
            employee=bank.bob,
            room=bank.world.small_room,
            topic=bank.topic,
            meeting_type="physical",
        ),
    )


class TestOptions:
    def test_in_person_offers_the_features_customers_may_ask_for(self, client, bank, features):
        """Step-free access is a checkbox; the screen, which staff alone decide on, is not."""
        step_free, screen = features
        assert screen.name not in html_of(options(client, bank, type="physical"))
        response = options(client, bank, type="physical")
        assert response.status_code == 200
        html = response.content.decode()
        assert checkboxes(html) == {str(step_free.pk): False}
        assert "The room should have" in html

    def test_online_shows_no_features_and_htmx_brings_them_back_ticked(
        self, client, bank, features
    ):
        """Switching to online hides them; back to in person (HTMX) keeps the ticked box."""
        step_free, _screen = features
        online = options(client, bank, type="online").content.decode()
        assert checkboxes(online) == {}
        refreshed = client.get(
            reverse("booking:options", args=[bank.topic.pk]),
            {"type": "physical", "features": step_free.pk},
            headers=HTMX,
        )
        assert refreshed.status_code == 200
        assert checkboxes(refreshed.content.decode()) == {str(step_free.pk): True}

    def test_a_topic_that_requires_the_feature_or_takes_no_room_offers_none(
        self, client, bank, features
    ):
        """Required by the topic already, or no room at all: nothing to ask for."""
        step_free, _screen = features
        bank.topic.required_room_features.set([step_free])
        assert checkboxes(options(client, bank, type="physical").content.decode()) == {}
        bank.topic.required_room_features.clear()
        bank.topic.requires_room = False
        bank.topic.save()
        assert checkboxes(options(client, bank, type="physical").content.decode()) == {}

    @pytest.mark.parametrize("value", ["abc", "999999", "screen"])
    def test_a_bad_value_is_a_field_error_not_a_500(self, client, bank, features, value):
        """An unknown id, text, or a feature customers may not ask for: the picker sends the
        customer back to the options, which name the field."""
        _step_free, screen = features
        value = str(screen.pk) if value == "screen" else value
        response = client.get(times_url(bank.topic, type="physical", features=value))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("booking:options", args=[bank.topic.pk]))
        page = client.get(response["Location"])
        assert page.status_code == 200
        html = page.content.decode()
        assert "Please choose one of the listed options." in html
        assert 'class="field has-error"' in html


class TestPicker:
    def test_only_times_with_a_free_room_that_has_the_feature_are_shown(
        self, client, bank, features
    ):
        """Small held at ten: ten is still offered in Big, but not with step-free access."""
        step_free, _screen = features
        take_small_at_ten(bank)
        day = TUESDAY_TEN.date().isoformat()
        plain = client.get(times_url(bank.topic, type="physical", day=day)).content.decode()
        assert TUESDAY_TEN.isoformat() in chosen_times(plain)
        asked = client.get(
            times_url(bank.topic, type="physical", day=day, features=step_free.pk)
        ).content.decode()
        times = chosen_times(asked)
        assert times
        assert TUESDAY_TEN.isoformat() not in times
        assert (TUESDAY_TEN + timedelta(hours=2)).isoformat() in times
        assert "Room with Step-free access" in asked

    def test_features_are_ignored_for_an_online_meeting(self, client, bank, features):
        """A stale features value with type=online: the online times, no error."""
        step_free, _screen = features
        plain = client.get(times_url(bank.topic)).content.decode()
        with_features = client.get(times_url(bank.topic, features=step_free.pk)).content.decode()
        assert chosen_times(with_features) == chosen_times(plain)
        assert "Room with" not in with_features


class TestHoldWithoutJavaScript:
    def test_the_feature_travels_to_the_hold_and_the_details_page(self, client, bank, features):
        """Plain forms only: the picker's hidden field carries the feature, the hold takes
        Small (the step-free room) and the details page says what was asked."""
        step_free, _screen = features
        day = TUESDAY_TEN.date().isoformat()
        picker = client.get(
            times_url(bank.topic, type="physical", day=day, features=step_free.pk)
        ).content.decode()
        assert f'<input type="hidden" name="features" value="{step_free.pk}">' in picker
        response = hold(
            client, bank.topic, TUESDAY_TEN, meeting_type="physical", features=step_free.pk
        )
        assert response.status_code == 302, response.content.decode()[:500]
        slot = TimeSlot.objects.get(pk=held_slot_id(response))
        assert slot.room_id == bank.world.small_room.pk
        details = client.get(response["Location"]).content.decode()
        assert re.search(
            r'id="room-features"><div><dt>Room with</dt><dd>Step-free access \(Small\)</dd>',
            details,
        )
        # "Back to the times" keeps the feature asked for.
        assert f"features={step_free.pk}" in details

    def test_a_hold_asking_for_a_feature_no_free_room_has_is_refused(self, client, bank, features):
        """Small taken at ten: pressing ten with step-free asked holds nothing in Big."""
        step_free, _screen = features
        take_small_at_ten(bank)
        response = hold(
            client, bank.topic, TUESDAY_TEN, meeting_type="physical", features=step_free.pk
        )
        assert response.status_code == 409
        assert not TimeSlot.objects.filter(room=bank.world.big_room).exists()

    def test_a_lapsed_hold_is_taken_again_only_in_a_room_with_the_feature(
        self, client, bank, features
    ):
        """The hold ran out and Small went to someone else: confirming does not quietly
        move the customer into Big, which has no step-free access."""
        step_free, _screen = features
        response = hold(
            client, bank.topic, TUESDAY_TEN, meeting_type="physical", features=step_free.pk
        )
        slot_id = held_slot_id(response)
        TimeSlot.objects.filter(pk=slot_id).update(expires_at=TUESDAY_TEN - timedelta(days=2))
        take_small_at_ten(bank)
        confirmed = client.post(
            reverse("booking:details", args=[slot_id]),
            {**details_data(), **answers_for(bank.topic)},
        )
        assert confirmed.status_code == 409, confirmed.content.decode()[:500]
        assert not Meeting.objects.exists()
        assert not TimeSlot.objects.filter(room=bank.world.big_room).exists()
