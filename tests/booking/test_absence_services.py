"""Absences over booked meetings (booking.services.absences): find, move, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from booking import services
from booking.actors import Actor
from booking.availability import Slot
from booking.errors import InvalidRequest, InvalidState, SlotUnavailable
from booking.models import BookingEvent, BookingEventKind, MeetingStatus, TimeSlot, TimeSlotStatus
from booking.services.absences import (
    absence_cancel_all,
    absence_create,
    absence_meeting_cancel,
    absence_meeting_move,
    absence_move_all,
    colliding_meetings,
    move_candidates,
)
from tests import factories
from tests.concurrency import race

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 Copenhagen
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def staff(world) -> Actor:
    return Actor.employee(world.bob)


def alice_meeting(world, start=TEN, now=NOW, **kwargs):
    kwargs.setdefault("customer_email", "carla@example.com")
    return factories.meeting(
        topic=world.topic, employee=world.alice, start=start, now=now, **kwargs
    )


def absent_all_tuesday(world):
    return absence_create(employee=world.alice, start=TEN - 4 * HOUR, end=TEN + 8 * HOUR)


def test_absence_is_saved(world):
    """An absence is recorded with its reason, trimmed."""
    absence = absence_create(employee=world.alice, start=TEN, end=TEN + HOUR, reason=" Ill ")
    assert absence.pk is not None
    assert absence.reason == "Ill"


def test_absence_must_end_after_it_starts(world):
    """A reversed period is refused, naming the end."""
    with pytest.raises(ValidationError) as error:
        absence_create(employee=world.alice, start=TEN, end=TEN)
    assert "end" in error.value.message_dict


def test_colliding_meetings_are_the_employees_confirmed_overlapping_ones(world):
    """Only the employee's confirmed meetings overlapping the period count."""
    inside = alice_meeting(world)
    overlapping_end = alice_meeting(world, start=TEN + 2 * HOUR)
    after = alice_meeting(world, start=TEN + 5 * HOUR)
    cancelled = alice_meeting(world, start=TEN + 3 * HOUR)
    services.meeting_cancel(actor=Actor.system(), meeting_id=cancelled.pk, now=NOW)
    factories.meeting(topic=world.topic, employee=world.bob, start=TEN, now=NOW)
    found = colliding_meetings(
        employee_id=world.alice.pk,
        start=TEN - HOUR,
        end=TEN + 2 * HOUR + timedelta(minutes=30),
        now=NOW,
    )
    assert list(found) == [inside, overlapping_end]
    assert after not in found


def test_meetings_already_over_do_not_collide(world):
    """A meeting that has ended is history: nothing to move."""
    alice_meeting(world)
    found = colliding_meetings(
        employee_id=world.alice.pk, start=TEN, end=TEN + HOUR, now=TEN + 2 * HOUR
    )
    assert list(found) == []


def test_candidates_are_colleagues_free_at_the_time(world):
    """Bob holds the topic and is free: he is the candidate; the absent Alice is not."""
    meeting = alice_meeting(world)
    absent_all_tuesday(world)
    assert move_candidates(meeting, now=NOW) == [world.bob]


def test_staff_moves_are_not_held_to_the_minimum_notice(world, staff):
    """An adviser falls ill two hours before a meeting on a topic with a day's notice: the
    meeting can still go to a free colleague (customers stay held to the notice)."""
    world.topic.minimum_notice = 24 * 60
    world.topic.save(update_fields=["minimum_notice"])
    meeting = alice_meeting(world, now=NOW - 2 * DAY)
    just_before = TEN - 2 * HOUR
    assert move_candidates(meeting, now=just_before) == [world.bob]
    moved = absence_meeting_move(
        actor=staff, meeting_id=meeting.pk, colleague=world.bob, now=just_before
    )
    assert moved.employee == world.bob
    assert moved.topic.minimum_notice == 24 * 60  # the topic itself is unchanged


def test_a_busy_colleague_is_no_candidate(world):
    """Bob with a meeting at the same time cannot take it."""
    meeting = alice_meeting(world)
    factories.meeting(
        topic=world.topic, employee=world.bob, start=TEN + 30 * timedelta(minutes=1), now=NOW
    )
    assert move_candidates(meeting, now=NOW) == []


def test_a_colleague_without_the_topic_is_no_candidate(world):
    """Carol works there too but does not hold the topic."""
    factories.employee(location=world.location, name="Carol")
    meeting = alice_meeting(world)
    assert move_candidates(meeting, now=NOW) == [world.bob]


def test_a_colleague_at_another_branch_is_no_candidate(world):
    """Someone of another branch holding the topic is not offered."""
    erik = factories.employee(location=factories.location(name="Aarhus"), name="Erik")
    world.topic.employees.add(erik)
    meeting = alice_meeting(world)
    assert move_candidates(meeting, now=NOW) == [world.bob]


def test_move_gives_the_meeting_to_the_colleague(
    world, staff, run_tasks, django_capture_on_commit_callbacks
):
    """The meeting moves to Bob at the same time; the old slot is freed, the move recorded
    with the staff actor, and the customer gets the change email."""
    meeting = alice_meeting(world)
    old_slot_id = meeting.time_slot_id
    absent_all_tuesday(world)
    with django_capture_on_commit_callbacks(execute=True):
        moved = absence_meeting_move(
            actor=staff, meeting_id=meeting.pk, colleague=world.bob, now=NOW
        )
    assert moved.employee == world.bob
    assert (moved.start, moved.end) == (meeting.start, meeting.end)
    assert TimeSlot.objects.get(pk=old_slot_id).status == TimeSlotStatus.CANCELLED
    event = BookingEvent.objects.filter(meeting=moved).latest("pk")
    assert (event.kind, event.actor_kind, event.actor_id) == (
        BookingEventKind.MOVED,
        "employee",
        str(world.bob.pk),
    )
    assert not TimeSlot.objects.double_booked().exists()
    run_tasks()
    to_customer = [m for m in mail.outbox if m.to == ["carla@example.com"]]
    assert len(to_customer) == 1
    assert "Bob" in to_customer[0].body
    assert "now with another adviser; its time stays the same" in to_customer[0].body
    to_bob = [m for m in mail.outbox if m.to == [world.bob.email]]
    assert "You take over this meeting from a colleague" in to_bob[0].body


def test_an_in_person_meeting_keeps_its_room(world, staff):
    """In person, the colleague takes the customer's room when it is free."""
    meeting = alice_meeting(world, room=world.small_room, meeting_type="physical")
    moved = absence_meeting_move(actor=staff, meeting_id=meeting.pk, colleague=world.bob, now=NOW)
    assert (moved.employee, moved.room) == (world.bob, world.small_room)


def test_move_to_a_busy_colleague_says_so_and_changes_nothing(world, staff):
    """Bob is busy: a clear conflict naming him, the meeting keeps its time, no hold is left."""
    meeting = alice_meeting(world)
    factories.meeting(topic=world.topic, employee=world.bob, start=TEN, now=NOW)
    with pytest.raises(SlotUnavailable) as error:
        absence_meeting_move(actor=staff, meeting_id=meeting.pk, colleague=world.bob, now=NOW)
    assert error.value.code == "colleague_not_free"
    assert "Bob" in error.value.message
    assert error.value.field == "employee"
    meeting.refresh_from_db()
    assert meeting.employee == world.alice
    assert not TimeSlot.objects.filter(holder=staff.holder).exists()


def test_move_to_the_absent_employee_is_refused(world, staff):
    """Moving a meeting onto the absent employee is an input error."""
    meeting = alice_meeting(world)
    with pytest.raises(InvalidRequest):
        absence_meeting_move(actor=staff, meeting_id=meeting.pk, colleague=world.alice, now=NOW)


def test_a_cancelled_meeting_cannot_be_moved(world, staff):
    """A meeting cancelled meanwhile stays cancelled."""
    meeting = alice_meeting(world)
    services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk, now=NOW)
    with pytest.raises(InvalidState):
        absence_meeting_move(actor=staff, meeting_id=meeting.pk, colleague=world.bob, now=NOW)


def test_a_begun_meeting_cannot_be_moved(world, staff):
    """Once it has begun, the meeting is no longer moved."""
    meeting = alice_meeting(world)
    with pytest.raises(InvalidState) as error:
        absence_meeting_move(
            actor=staff, meeting_id=meeting.pk, colleague=world.bob, now=TEN + timedelta(minutes=5)
        )
    assert error.value.code == "meeting_already_begun"


def test_cancel_keeps_the_message_and_mails_it(
    world, staff, run_tasks, django_capture_on_commit_callbacks
):
    """Cancelled with staff's message: the customer's email shows it and invites rebooking."""
    meeting = alice_meeting(world)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = absence_meeting_cancel(
            actor=staff, meeting_id=meeting.pk, message="Alice is ill. Please book again.", now=NOW
        )
    assert cancelled.status == MeetingStatus.CANCELLED
    assert cancelled.cancel_reason == "Alice is ill. Please book again."
    run_tasks()
    to_customer = [m for m in mail.outbox if m.to == ["carla@example.com"]]
    assert len(to_customer) == 1
    assert "Alice is ill. Please book again." in to_customer[0].body
    html = to_customer[0].alternatives[0][0]
    assert "Alice is ill. Please book again." in html


def test_move_all_moves_what_it_can(world, staff):
    """Each meeting goes to a free colleague; one nobody can take stays, with the reason."""
    first = alice_meeting(world)
    second = alice_meeting(world, start=TEN + 4 * HOUR)
    factories.meeting(topic=world.topic, employee=world.bob, start=TEN + 4 * HOUR, now=NOW)
    results = absence_move_all(actor=staff, meetings=[first, second], now=NOW)
    assert results[0].moved_to == world.bob
    assert results[1].moved_to is None
    assert "No colleague is free" in results[1].error
    second.refresh_from_db()
    assert second.employee == world.alice


def test_move_all_does_not_give_a_colleague_twice(world, staff):
    """Two absent advisers' meetings at one time, one free colleague: one is moved."""
    carol = factories.employee(location=world.location, name="Carol")
    world.topic.employees.add(carol)
    first = alice_meeting(world)
    second = factories.meeting(topic=world.topic, employee=carol, start=TEN, now=NOW)
    absent_all_tuesday(world)
    absence_create(employee=carol, start=TEN - HOUR, end=TEN + 2 * HOUR)
    results = absence_move_all(actor=staff, meetings=[first], now=NOW) + absence_move_all(
        actor=staff, meetings=[second], now=NOW
    )
    assert [r.moved_to for r in results] == [world.bob, None]
    assert not TimeSlot.objects.double_booked().exists()


def test_cancel_all_cancels_each_with_the_message(world, staff):
    """Every meeting is cancelled with the same message."""
    meetings = [alice_meeting(world), alice_meeting(world, start=TEN + 2 * HOUR)]
    results = absence_cancel_all(actor=staff, meetings=meetings, message="Sorry", now=NOW)
    assert all(r.cancelled for r in results)
    for meeting in meetings:
        meeting.refresh_from_db()
        assert (meeting.status, meeting.cancel_reason) == (MeetingStatus.CANCELLED, "Sorry")


@pytest.mark.django_db(transaction=True)
def test_two_moves_racing_for_one_colleague_one_wins(world):
    """Two staff move two absent advisers' meetings onto Bob at the same moment: exactly one
    gets him, the other a clear conflict; nothing overlaps."""
    carol = factories.employee(location=world.location, name="Carol")
    world.topic.employees.add(carol)
    first = alice_meeting(world)
    second = factories.meeting(topic=world.topic, employee=carol, start=TEN, now=NOW)
    calls = [
        lambda m=m, n=n: absence_meeting_move(
            actor=Actor.for_staff_user(n), meeting_id=m.pk, colleague=world.bob, now=NOW
        )
        for n, m in enumerate([first, second], start=1)
    ]
    results = race(calls)
    conflicts = [r for r in results if isinstance(r, SlotUnavailable)]
    wins = [r for r in results if not isinstance(r, Exception)]
    assert len(wins) == 1, results
    assert len(conflicts) == 1, results
    assert conflicts[0].code == "colleague_not_free"
    assert not TimeSlot.objects.double_booked().exists()


@pytest.mark.postgres
def test_the_exclusion_constraint_refusal_is_a_clear_message(world, staff, monkeypatch):
    """Were the re-check fooled, PostgreSQL's exclusion constraint still refuses Bob's time
    given twice; the move answers `colleague_not_free`, not a server error."""
    meeting = alice_meeting(world)
    factories.meeting(topic=world.topic, employee=world.bob, start=TEN, now=NOW)

    def fooled(wanted, *, now, ignore_session_key=""):
        return Slot(wanted.start, wanted.end, wanted.employee_id, None, frozenset({"online"}))

    monkeypatch.setattr("booking.services.time_slots.offered_slot", fooled)
    with pytest.raises(SlotUnavailable) as error:
        absence_meeting_move(actor=staff, meeting_id=meeting.pk, colleague=world.bob, now=NOW)
    assert error.value.code == "colleague_not_free"
    assert not TimeSlot.objects.double_booked().exists()
