"""Going back to the picker shows the times this browser holds, with Continue and Release;
pressing a held time again (another tab) reuses the hold instead of taking a second."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from booking.models import TimeSlot, TimeSlotStatus
from tests.web.conftest import TUESDAY_TEN, held_slot_id, hold, times_url


def test_picker_shows_the_held_time_with_continue_and_release(client, bank):
    """Back from the details page: "You are holding Tue 2 Jun, 10:00", Continue, Release."""
    slot_id = held_slot_id(hold(client, bank.topic))
    details = client.get(reverse("booking:details", args=[slot_id])).content.decode()
    assert "Back to the times" in details
    html = client.get(times_url(bank.topic)).content.decode()
    assert "You are holding Tue 2 Jun, 10:00 (until 08:15)." in html
    assert f'href="{reverse("booking:details", args=[slot_id])}"' in html
    assert f'action="{reverse("booking:release", args=[slot_id])}"' in html
    assert "csrfmiddlewaretoken" in html


def test_picker_notice_is_german_on_a_german_page(client, bank):
    """The notice is translated."""
    held_slot_id(hold(client, bank.topic))
    html = client.get(times_url(bank.topic), headers={"Accept-Language": "de"}).content.decode()
    assert "Sie halten Di" in html
    assert "Freigeben" in html


def test_release_from_the_picker_frees_the_time_and_the_notice_goes(client, bank):
    """Release gives the time back: it is offered again and no notice is shown."""
    slot_id = held_slot_id(hold(client, bank.topic, employee=str(bank.alice.pk)))
    response = client.post(reverse("booking:release", args=[slot_id]))
    assert response.status_code == 302
    assert TimeSlot.objects.get(pk=slot_id).status != TimeSlotStatus.RESERVED
    html = client.get(response["Location"]).content.decode()
    assert "You are holding" not in html


def test_other_browsers_and_expired_holds_are_not_shown(client, bank, frozen_clock):
    """Only this browser's running holds: a stranger sees none, and none after expiry."""
    held_slot_id(hold(client, bank.topic))
    assert "You are holding" not in Client().get(times_url(bank.topic)).content.decode()
    frozen_clock.shift(timedelta(minutes=16))
    assert "You are holding" not in client.get(times_url(bank.topic)).content.decode()


def test_confirmed_hold_is_not_shown(client, bank):
    """A hold that became a meeting is no longer "held"."""
    from tests.web.conftest import book

    book(client, bank)
    assert "You are holding" not in client.get(times_url(bank.topic)).content.decode()


def test_pressing_the_held_time_again_reuses_the_hold(client, bank):
    """Another tab presses 10:00 again with "any employee": same hold, said so, no second
    hold (Bob stays free), no error, and no hold attempt counted."""
    first = held_slot_id(hold(client, bank.topic))
    response = hold(client, bank.topic)
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:details", args=[first]) + "?again=1"
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "You are already holding this time" in html


def test_pressing_another_time_or_employee_still_holds(client, bank):
    """Only the very same time reuses the hold: another time, or Bob chosen by name, holds."""
    first = held_slot_id(hold(client, bank.topic, employee=str(bank.alice.pk)))
    other = held_slot_id(hold(client, bank.topic, employee=str(bank.bob.pk)))
    later = held_slot_id(hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=2)))
    assert len({first, other, later}) == 3
    assert (
        "You are already holding"
        not in client.get(reverse("booking:details", args=[other])).content.decode()
    )
