"""Housekeeping runs on the background engine every few minutes, no cron: each chore tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import get_access_token_model

from booking import housekeeping, services, tasks
from booking.actors import Actor
from booking.models import (
    BookingEvent,
    Customer,
    Meeting,
    SideEffectRun,
    SideEffectStatus,
    TimeSlot,
    TimeSlotStatus,
)
from tests import factories

START = datetime(2026, 6, 1, 6, 3, tzinfo=UTC)
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _every_ten_minutes(settings):
    settings.BOOKME_HOUSEKEEPING_MINUTES = 10


@pytest.fixture
def clock():
    import time_machine

    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def pending_housekeeping() -> list[str]:
    return list(
        SideEffectRun.objects.filter(
            name="housekeeping", status=SideEffectStatus.PENDING
        ).values_list("key", flat=True)
    )


def test_housekeeping_schedules_itself_one_run_per_interval(db, clock, run_tasks):
    """Started any number of times, one run is pending, at the next 10-minute mark; each
    run schedules the next."""
    housekeeping.schedule_next()
    housekeeping.start_after_migrate()
    assert pending_housekeeping() == ["housekeeping:2026-06-01T06:10:00+00:00"]
    assert run_tasks() == 0  # not before its time
    clock.move_to(datetime(2026, 6, 1, 6, 10, tzinfo=UTC))
    run_tasks()
    assert pending_housekeeping() == ["housekeeping:2026-06-01T06:20:00+00:00"]
    done = SideEffectRun.objects.get(key="housekeeping:2026-06-01T06:10:00+00:00")
    assert done.status == SideEffectStatus.DONE


def test_housekeeping_can_be_turned_off(db, clock, settings):
    """BOOKME_HOUSEKEEPING_MINUTES=0 schedules nothing."""
    settings.BOOKME_HOUSEKEEPING_MINUTES = 0
    housekeeping.schedule_next()
    housekeeping.start_after_migrate()
    assert pending_housekeeping() == []


def test_a_failing_chore_does_not_stop_the_chain(db, clock, run_tasks, monkeypatch):
    """The next run is scheduled before the chores, so one raising cannot end housekeeping."""

    def broken() -> int:
        raise RuntimeError("session table locked")

    monkeypatch.setattr(housekeeping, "clear_expired_sessions", broken)
    housekeeping.schedule_next()
    clock.move_to(datetime(2026, 6, 1, 6, 10, tzinfo=UTC))
    run_tasks()
    assert pending_housekeeping() == ["housekeeping:2026-06-01T06:20:00+00:00"]


def run_housekeeping(clock, run_tasks) -> None:
    housekeeping.schedule_next()
    clock.shift(timedelta(minutes=10))
    run_tasks()


def test_expired_access_tokens_are_removed(db, clock, run_tasks):
    """An expired client-credentials token goes; a valid one stays."""
    tokens = get_access_token_model()
    tokens.objects.create(token="old", expires=START - timedelta(hours=1), scope="read")
    tokens.objects.create(token="new", expires=START + timedelta(hours=1), scope="read")
    run_housekeeping(clock, run_tasks)
    assert list(tokens.objects.values_list("token", flat=True)) == ["new"]


def test_expired_sessions_are_removed(db, clock, run_tasks):
    """What clearsessions does: expired sessions go, live ones stay."""
    for key, expiry in (("gone", -60), ("kept", 3600)):
        store = SessionStore()
        store["k"] = key
        store.set_expiry(expiry)
        store.save()
    run_housekeeping(clock, run_tasks)
    assert Session.objects.count() == 1
    assert SessionStore(Session.objects.get().session_key)["k"] == "kept"


def test_stale_holds_are_marked_expired_with_their_event(world, clock, run_tasks):
    """A hold past its expiry becomes Expired through the service, with its `expired` event."""
    slot, _ = services.time_slot_reserve(
        actor=Actor.for_session("a"),
        wanted=services.SlotRequest(
            start=TEN, end=TEN + timedelta(hours=1), employee=world.alice, topic=world.topic
        ),
    )
    clock.shift(timedelta(hours=1))
    run_housekeeping(clock, run_tasks)
    slot.refresh_from_db()
    assert slot.status == TimeSlotStatus.EXPIRED
    assert BookingEvent.objects.filter(kind="expired", time_slot=slot).count() == 1


def test_old_task_records_are_removed(db, clock, run_tasks, settings):
    """Finished tasks and ended side effects older than BOOKME_KEEP_TASK_RESULTS_DAYS go."""
    settings.BOOKME_KEEP_TASK_RESULTS_DAYS = 30
    tasks.schedule("housekeeping", key="old-one")
    run_tasks()
    clock.shift(timedelta(days=29))
    tasks.schedule("housekeeping", key="young-one")
    run_tasks()
    clock.shift(timedelta(days=1, minutes=1))
    tasks.schedule("housekeeping", key="pending-one", run_after=START + timedelta(days=60))
    run_housekeeping(clock, run_tasks)
    keys = set(SideEffectRun.objects.values_list("key", flat=True))
    assert "old-one" not in keys
    assert {"young-one", "pending-one"} <= keys
    assert not DBTaskResult.objects.filter(args_kwargs__args=["old-one"]).exists()
    assert DBTaskResult.objects.filter(args_kwargs__args=["young-one"]).exists()


def test_personal_data_is_kept_unless_a_setting_says_otherwise(world, clock, run_tasks, settings):
    """Unset: old meetings stay. Set to 30 days: meetings over 30 days ago go, with their
    answers and customers; events stay without them; newer meetings stay."""
    old = factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    new = factories.meeting(
        topic=world.topic,
        employee=world.bob,
        start=TEN + timedelta(days=20),
        customer_email="dan@example.com",
    )
    clock.move_to(TEN + timedelta(days=31))
    run_housekeeping(clock, run_tasks)
    assert Meeting.objects.count() == 2
    settings.BOOKME_PURGE_PERSONAL_DATA_DAYS = 30
    run_housekeeping(clock, run_tasks)
    assert list(Meeting.objects.values_list("pk", flat=True)) == [new.pk]
    assert list(Customer.objects.values_list("email", flat=True)) == ["dan@example.com"]
    assert BookingEvent.objects.filter(meeting=None, kind="meeting_created").exists()
    assert TimeSlot.objects.filter(pk=old.time_slot_id).exists()


def test_events_whose_dispatch_was_lost_are_dispatched_again(
    world, clock, run_tasks, django_capture_on_commit_callbacks
):
    """A meeting committed by a process that died before dispatching: the next run
    schedules its emails, and they go out."""
    with django_capture_on_commit_callbacks(execute=False):
        factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    assert not SideEffectRun.objects.filter(name="email.meeting_confirmed").exists()
    run_housekeeping(clock, run_tasks)
    confirmed = SideEffectRun.objects.filter(name="email.meeting_confirmed")
    assert {run.status for run in confirmed} == {SideEffectStatus.DONE}
    assert confirmed.count() == 2
    assert BookingEvent.objects.get(kind="meeting_created").dispatched_at is not None


def test_a_starting_worker_restarts_a_stopped_chain(db, clock, run_tasks):
    """No run pending (the chain broke): the first task a worker starts schedules one."""
    tasks.run_effect.enqueue("nothing-by-this-key")
    assert pending_housekeeping() == []
    run_tasks()
    assert pending_housekeeping() == ["housekeeping:2026-06-01T06:10:00+00:00"]


def test_a_worker_checks_the_chain_once_per_interval(db, clock, monkeypatch):
    """Not a query per task: a worker checks again only after an interval (monotonic)."""
    monkeypatch.setattr(housekeeping, "_last_check", None)
    started = SimpleNamespace(worker_ids=["w1"])
    monkeypatch.setattr(housekeeping, "monotonic", lambda: 1000.0)
    housekeeping.restart_on_worker(None, started)
    SideEffectRun.objects.all().delete()
    monkeypatch.setattr(housekeeping, "monotonic", lambda: 1599.0)
    housekeeping.restart_on_worker(None, started)
    assert pending_housekeeping() == []
    monkeypatch.setattr(housekeeping, "monotonic", lambda: 1600.0)
    housekeeping.restart_on_worker(None, started)
    assert pending_housekeeping() == ["housekeeping:2026-06-01T06:10:00+00:00"]


def test_a_worker_restart_that_fails_does_not_fail_the_task(
    db, clock, run_tasks, monkeypatch, caplog
):
    """The database is locked when the worker checks the chain: logged, the task runs."""

    def locked(now=None) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(housekeeping, "schedule_next", locked)
    tasks.run_effect.enqueue("nothing-by-this-key")
    run_tasks()
    assert DBTaskResult.objects.get().return_value == "skipped"
    assert "Could not restart housekeeping" in caplog.text


def test_a_starting_worker_starts_nothing_when_housekeeping_is_off(db, clock, run_tasks, settings):
    """BOOKME_HOUSEKEEPING_MINUTES=0: workers leave it off."""
    settings.BOOKME_HOUSEKEEPING_MINUTES = 0
    tasks.run_effect.enqueue("nothing-by-this-key")
    run_tasks()
    assert pending_housekeeping() == []


def test_public_holidays_are_imported_for_locations_with_a_country(db, clock, run_tasks):
    """A run imports this year's and next year's holidays of a location with a country;
    staff's opening on one survives the next run; a location without a country gets none."""
    from datetime import date

    from config_data.models import ClosedDay

    danish = factories.location(holiday_country="DK")
    plain = factories.location()
    run_housekeeping(clock, run_tasks)
    imported = ClosedDay.objects.filter(location=danish)
    assert imported.count() == 20
    assert {d.year for d in imported.values_list("date", flat=True)} == {2026, 2027}
    assert not ClosedDay.objects.filter(location=plain).exists()
    imported.filter(date=date(2026, 12, 25)).update(open_anyway=True)
    run_housekeeping(clock, run_tasks)
    assert imported.count() == 20
    assert imported.get(date=date(2026, 12, 25)).open_anyway
