"""booking.effects: events become side effects after commit, and only then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction

from booking import services
from booking.actors import Actor
from booking.models import BookingEvent
from tests import factories

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


def test_each_meeting_event_sends_the_customer_and_the_employee_one_email(
    world, django_capture_on_commit_callbacks
):
    """Created, moved, cancelled: two emails each, sent from the event after commit."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting = factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    assert len(callbacks) == 1
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        meeting = factories.reschedule(meeting, start=TEN + timedelta(hours=3))
    assert len(mail.outbox) == 4
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
    assert len(mail.outbox) == 6
    assert [m.subject.split(":")[0] for m in mail.outbox[4:]] == ["Cancelled", "Cancelled"]


def test_holds_and_bookings_have_no_side_effect(world, django_capture_on_commit_callbacks):
    """Events without a handler (held, booked, released) register nothing after commit."""
    actor = Actor.for_session("a")
    with django_capture_on_commit_callbacks() as callbacks:
        slot, _ = services.time_slot_reserve(
            actor=actor,
            wanted=services.SlotRequest(
                start=TEN, end=TEN + timedelta(hours=1), employee=world.alice, topic=world.topic
            ),
        )
        services.time_slot_book(actor=actor, time_slot_id=slot.pk)
        services.time_slot_release(actor=actor, time_slot_id=slot.pk)
    assert callbacks == []
    assert BookingEvent.objects.count() == 3


def test_a_rolled_back_meeting_sends_nothing(world, django_capture_on_commit_callbacks):
    """The event and its email go with the transaction: a rollback leaves neither."""

    def book_then_fail() -> None:
        with transaction.atomic():
            factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        book_then_fail()
    assert mail.outbox == []
    assert not BookingEvent.objects.exists()
