"""booking.effects: events become side effects after commit, and only then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import OperationalError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking import effects, services, tasks
from booking.actors import Actor
from booking.models import BookingEvent, SideEffectRun
from tests import background, factories

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


def test_each_meeting_event_sends_the_customer_and_the_employee_one_email(
    world, django_capture_on_commit_callbacks, run_tasks
):
    """Created, moved, cancelled: two emails each, scheduled after commit, sent by the worker."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting = factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    assert len(callbacks) == 1
    assert mail.outbox == []  # nothing is sent in the request
    run_tasks()
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        meeting = factories.reschedule(meeting, start=TEN + timedelta(hours=3))
    run_tasks()
    assert len(mail.outbox) == 4
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
    run_tasks()
    assert len(mail.outbox) == 6
    assert [m.subject.split(":")[0] for m in mail.outbox[4:]] == ["Cancelled", "Cancelled"]
    keys = set(SideEffectRun.objects.values_list("key", flat=True))
    created = BookingEvent.objects.get(kind="meeting_created")
    assert f"{created.pk}:email.meeting_confirmed:customer" in keys
    assert f"{created.pk}:email.meeting_confirmed:employee" in keys


def test_an_event_handled_twice_sends_its_emails_once(
    world, django_capture_on_commit_callbacks, run_tasks
):
    """The same event dispatched again (a retry, a replay) schedules nothing new."""
    with django_capture_on_commit_callbacks(execute=True):
        factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    event = BookingEvent.objects.get(kind="meeting_created")
    effects.dispatch(event)
    run_tasks()
    effects.dispatch(event)
    run_tasks()
    assert len(mail.outbox) == 2


def test_holds_and_bookings_have_no_side_effect(world, django_capture_on_commit_callbacks):
    """Events without a handler (held, booked) register nothing after commit."""
    actor = Actor.for_session("a")
    with django_capture_on_commit_callbacks() as callbacks:
        slot, _ = services.time_slot_reserve(
            actor=actor,
            wanted=services.SlotRequest(
                start=TEN, end=TEN + timedelta(hours=1), employee=world.alice, topic=world.topic
            ),
        )
        services.time_slot_book(actor=actor, time_slot_id=slot.pk)
    assert callbacks == []
    assert BookingEvent.objects.count() == 2


def test_a_failing_handler_does_not_stop_the_others(
    world, django_capture_on_commit_callbacks, run_tasks, monkeypatch, caplog
):
    """One handler raising after commit is logged; the emails are still scheduled."""

    def broken(event) -> None:
        raise RuntimeError("handler bug")

    monkeypatch.setitem(
        effects._handlers, "meeting_created", [broken, *effects._handlers["meeting_created"]]
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    run_tasks()
    assert len(mail.outbox) == 2
    assert "Handler broken failed" in caplog.text


def test_on_refuses_an_unknown_event_kind():
    """A typo in a kind would silently never fire: refused at import."""
    with pytest.raises(ValueError, match="meeting_creatd"):
        effects.on("meeting_creatd")


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_an_email_that_never_goes_out_is_recorded_on_the_meeting(
    world, django_capture_on_commit_callbacks, run_tasks, settings, frozen_clock
):
    """After the last retry the meeting says which email failed, and why, for staff."""
    settings.EMAIL_BACKEND = "tests.booking.test_effects.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        meeting = factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    for _ in range(10):
        run_tasks()
        meeting.refresh_from_db()
        assert meeting.email_failed_at is None or _ >= 7
        frozen_clock.shift(timedelta(hours=1))
    meeting.refresh_from_db()
    assert meeting.email_failed_at is not None
    assert "email.meeting_confirmed" in meeting.email_failure
    assert "mail server down" in meeting.email_failure
    runs = SideEffectRun.objects.filter(name="email.meeting_confirmed")
    assert {(r.status, r.attempts) for r in runs} == {("failed", 8)}


class RefusesOnce:
    """Refuses the first message to `refused` (a mail server's 4xx), accepts the rest."""

    refused: list[str] = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if messages[0].to[0] in self.refused:
            RefusesOnce.refused = [a for a in self.refused if a != messages[0].to[0]]
            raise ConnectionRefusedError("try later")
        mail.outbox.extend(messages)
        return len(messages)


def test_a_retry_mails_only_whoever_did_not_get_theirs(
    world, django_capture_on_commit_callbacks, run_tasks, settings, frozen_clock
):
    """The employee's mail fails once; a minute later the retry sends it, and the
    customer, whose mail went out, gets no second one."""
    settings.EMAIL_BACKEND = "tests.booking.test_effects.RefusesOnce"
    RefusesOnce.refused = [world.alice.email]
    with django_capture_on_commit_callbacks(execute=True):
        meeting = factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    run_tasks()
    assert [m.to for m in mail.outbox] == [[meeting.customer.email]]
    frozen_clock.shift(timedelta(minutes=1))
    run_tasks()
    assert [m.to for m in mail.outbox] == [[meeting.customer.email], [world.alice.email]]
    meeting.refresh_from_db()
    assert meeting.email_failed_at is None


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
    assert not SideEffectRun.objects.exists()


def test_a_dispatched_event_is_marked_so(world, django_capture_on_commit_callbacks, now):
    """The commit queues one dispatch task for the event (no side effect yet); once a
    worker ran its handlers, the event says when."""
    with django_capture_on_commit_callbacks() as callbacks:
        factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    event = BookingEvent.objects.get(kind="meeting_created")
    assert event.dispatched_at is None
    for callback in callbacks:
        callback()
    queued = DBTaskResult.objects.values_list("task_path", "args_kwargs")
    assert list(queued) == [("booking.effects.dispatch_event", {"args": [event.pk], "kwargs": {}})]
    assert not SideEffectRun.objects.exists()
    assert background.dispatch_queued() == 1
    event.refresh_from_db()
    assert event.dispatched_at == now
    assert SideEffectRun.objects.filter(key__startswith=f"{event.pk}:email.").count() == 2


def test_an_event_whose_handler_failed_is_not_marked_dispatched(
    world, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """A handler raising (a locked database) leaves the event for housekeeping to retry."""

    def locked(event) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setitem(
        effects._handlers, "meeting_created", [*effects._handlers["meeting_created"], locked]
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    background.dispatch_queued()
    assert BookingEvent.objects.get(kind="meeting_created").dispatched_at is None
    assert "Handler locked failed" in caplog.text


def test_a_lost_dispatch_is_made_again_after_a_minute_and_sends_each_email_once(
    world, django_capture_on_commit_callbacks, run_tasks, monkeypatch, frozen_clock
):
    """The process died after commit (no dispatch) for one meeting, and scheduling failed
    half-way for another: a minute later dispatch_lost makes up for both, and whoever had
    an email scheduled already gets no second one."""
    with django_capture_on_commit_callbacks(execute=False):
        factories.meeting(
            topic=world.topic, employee=world.alice, start=TEN, customer_email="carla@example.com"
        )
    real_schedule = tasks.schedule

    def locked_for_the_employee(name: str, **kwargs) -> None:
        if kwargs.get("recipient") == "employee":
            raise OperationalError("database is locked")
        real_schedule(name, **kwargs)

    monkeypatch.setattr(tasks, "schedule", locked_for_the_employee)
    with django_capture_on_commit_callbacks(execute=True):
        factories.meeting(
            topic=world.topic, employee=world.bob, start=TEN, customer_email="dan@example.com"
        )
    background.dispatch_queued()
    monkeypatch.setattr(tasks, "schedule", real_schedule)
    run_tasks()
    assert [m.to for m in mail.outbox] == [["dan@example.com"]]
    frozen_clock.shift(timedelta(seconds=59))
    assert effects.dispatch_lost(timezone.now()) == 0  # perhaps still being dispatched
    frozen_clock.shift(timedelta(seconds=2))
    assert effects.dispatch_lost(timezone.now()) == 2
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["dan@example.com", "carla@example.com", world.alice.email, world.bob.email]
    )
    assert not BookingEvent.objects.filter(kind="meeting_created", dispatched_at=None).exists()
    assert effects.dispatch_lost(timezone.now()) == 0


def test_events_older_than_a_day_or_without_handlers_are_never_dispatched_again(
    world, django_capture_on_commit_callbacks, run_tasks, frozen_clock
):
    """Past a day the ledger that makes a second dispatch harmless may be gone: left alone.
    A hold has no handler: nothing to dispatch."""
    with django_capture_on_commit_callbacks(execute=False):
        factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    frozen_clock.shift(effects.REDISPATCH_WITHIN + timedelta(seconds=1))
    actor = Actor.for_session("a")
    with django_capture_on_commit_callbacks(execute=True):
        services.time_slot_reserve(
            actor=actor,
            wanted=services.SlotRequest(
                start=TEN + timedelta(days=7),
                end=TEN + timedelta(days=7, hours=1),
                employee=world.alice,
                topic=world.topic,
            ),
        )
    frozen_clock.shift(timedelta(minutes=5))
    assert effects.dispatch_lost(timezone.now()) == 0
    run_tasks()
    assert mail.outbox == []
