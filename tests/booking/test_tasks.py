"""booking.tasks: side effects run in the worker once per key, retried with backoff, given up on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from booking import tasks
from booking.models import SideEffectRun, SideEffectStatus
from tests.concurrency import race

START = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)

# What the test effects did, by effect name: each call's keyword arguments.
calls: dict[str, list[dict]] = {}
# How many more times the flaky effect raises before it succeeds.
failures_left = {"n": 0}
given_up: list[tuple[str, dict, str]] = []


@tasks.effect("test.record")
def record(**kwargs) -> None:
    calls.setdefault("test.record", []).append(kwargs)


@tasks.effect("test.flaky")
def flaky(**kwargs) -> None:
    calls.setdefault("test.flaky", []).append(kwargs)
    if failures_left["n"] > 0:
        failures_left["n"] -= 1
        raise ConnectionError("mail server went away")


def note_give_up(key: str, kwargs: dict, exc: BaseException) -> None:
    given_up.append((key, kwargs, str(exc)))


@tasks.effect("test.broken", max_attempts=3, on_give_up=note_give_up)
def broken(**kwargs) -> None:
    calls.setdefault("test.broken", []).append(kwargs)
    raise ConnectionError("always down")


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    given_up.clear()
    failures_left["n"] = 0


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def ledger(key: str) -> SideEffectRun:
    return SideEffectRun.objects.get(key=key)


def test_a_scheduled_effect_runs_in_the_worker_once(db, clock, run_tasks):
    """schedule() runs nothing itself; the worker runs the effect with its arguments."""
    tasks.schedule("test.record", key="k1", meeting_id=7, who="customer")
    assert calls == {}
    assert run_tasks() == 1
    assert calls["test.record"] == [{"meeting_id": 7, "who": "customer"}]
    run = ledger("k1")
    assert (run.status, run.attempts, run.done_at) == (SideEffectStatus.DONE, 1, START)


def test_scheduling_a_key_twice_runs_it_once(db, clock, run_tasks):
    """The same key scheduled again (the same event handled twice) queues nothing more."""
    tasks.schedule("test.record", key="k1", n=1)
    tasks.schedule("test.record", key="k1", n=2)
    assert DBTaskResult.objects.count() == 1
    run_tasks()
    tasks.schedule("test.record", key="k1", n=3)
    run_tasks()
    assert calls["test.record"] == [{"n": 1}]


def test_running_the_task_twice_does_the_effect_once(db, clock, run_tasks):
    """A task delivered twice (the same key queued again) finds the effect done and skips."""
    tasks.schedule("test.record", key="k1")
    tasks.run_effect.enqueue("k1")
    assert run_tasks() == 2
    tasks.run_effect.enqueue("k1")
    run_tasks()
    assert len(calls["test.record"]) == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        "done",
        "skipped",
        "skipped",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_key_run_it_once():
    """Many workers, each with a task for the same key: the conditional claim lets one in."""
    tasks.schedule("test.record", key="race")
    for _ in range(5):
        tasks.run_effect.enqueue("race")

    def worker(n: int):
        return lambda: Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"w{n}",
            excluded_queue_names=[],
        ).run()

    results = race([worker(n) for n in range(4)])
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len(calls["test.record"]) == 1
    assert ledger("race").attempts == 1
    assert DBTaskResult.objects.filter(return_value="done").count() == 1


def test_nothing_is_scheduled_by_a_rolled_back_transaction(db, clock, run_tasks):
    """The ledger row and the task go with the transaction that scheduled them."""

    def schedule_then_fail() -> None:
        with transaction.atomic():
            tasks.schedule("test.record", key="k1")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        schedule_then_fail()
    assert not SideEffectRun.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert run_tasks() == 0


def test_a_failing_effect_is_retried_with_backoff_until_it_succeeds(db, clock, run_tasks):
    """Raises twice, then works: three runs, 1 and 2 minutes apart, done once."""
    failures_left["n"] = 2
    tasks.schedule("test.flaky", key="k1")
    run_tasks()
    run = ledger("k1")
    assert (run.status, run.attempts) == (SideEffectStatus.PENDING, 1)
    assert run.run_after == START + timedelta(minutes=1)
    assert run.last_error == "ConnectionError: mail server went away"
    # Not due yet: the worker leaves it.
    clock.shift(timedelta(seconds=59))
    run_tasks()
    assert len(calls["test.flaky"]) == 1
    clock.shift(timedelta(seconds=1))
    run_tasks()
    assert ledger("k1").run_after == START + timedelta(minutes=1 + 2)
    clock.shift(timedelta(minutes=2))
    run_tasks()
    run = ledger("k1")
    assert len(calls["test.flaky"]) == 3
    assert (run.status, run.attempts, run.last_error) == (SideEffectStatus.DONE, 3, "")
    clock.shift(timedelta(hours=2))
    assert run_tasks() == 0


def test_an_effect_that_always_fails_is_given_up_once(db, clock, run_tasks):
    """After max_attempts the run is failed, on_give_up is called once with the last error."""
    tasks.schedule("test.broken", key="k1", meeting_id=3)
    for _ in range(6):
        run_tasks()
        clock.shift(timedelta(hours=1))
    assert len(calls["test.broken"]) == 3
    run = ledger("k1")
    assert (run.status, run.attempts) == (SideEffectStatus.FAILED, 3)
    assert given_up == [("k1", {"meeting_id": 3}, "always down")]


def test_retry_delays_double_up_to_an_hour():
    """1, 2, 4 ... minutes, never more than an hour, however many attempts."""
    delays = [tasks.retry_delay(n) for n in (1, 2, 3, 6, 7, 8, 100)]
    assert [d.total_seconds() / 60 for d in delays] == [1, 2, 4, 32, 60, 60, 60]


def test_run_after_delays_the_effect(db, clock, run_tasks):
    """An effect scheduled for later waits for its time."""
    tasks.schedule("test.record", key="later", run_after=START + timedelta(hours=2))
    run_tasks()
    assert calls == {}
    clock.shift(timedelta(hours=2))
    run_tasks()
    assert len(calls["test.record"]) == 1


def test_cancel_scheduled_stops_pending_effects_by_prefix(db, clock, run_tasks):
    """Cancelled effects never run; others and ones already done are left alone."""
    tasks.schedule("test.record", key="done:1")
    run_tasks()
    tasks.schedule("test.record", key="reminder:5:0:60", run_after=START + timedelta(hours=1))
    tasks.schedule("test.record", key="reminder:5:0:1440", run_after=START + timedelta(hours=1))
    tasks.schedule("test.record", key="reminder:6:0:60", run_after=START + timedelta(hours=1))
    assert tasks.cancel_scheduled("reminder:5:") == 2
    assert tasks.cancel_scheduled("done:") == 0
    clock.shift(timedelta(hours=1))
    run_tasks()
    assert calls["test.record"] == [{}, {}]
    assert ledger("reminder:5:0:60").status == SideEffectStatus.CANCELLED
    assert ledger("reminder:6:0:60").status == SideEffectStatus.DONE


def test_cancel_scheduled_needs_a_prefix(db):
    """An empty prefix would cancel everything: refused."""
    with pytest.raises(ValueError, match="prefix"):
        tasks.cancel_scheduled("")


def test_scheduling_an_unknown_effect_or_bad_arguments_fails_in_the_caller(db):
    """A typo or an argument that is not JSON fails at once, not later in the worker."""
    with pytest.raises(ImproperlyConfigured, match=r"test\.nope"):
        tasks.schedule("test.nope", key="k1")
    with pytest.raises(TypeError):
        tasks.schedule("test.record", key="k1", when=timezone.now())
    assert not SideEffectRun.objects.exists()


def test_two_functions_cannot_share_an_effect_name():
    """Registering another function under a taken name is refused."""
    with pytest.raises(ImproperlyConfigured, match=r"test\.record"):

        @tasks.effect("test.record")
        def other() -> None:
            pass


def test_a_run_whose_worker_died_is_run_again_by_housekeeping(db, clock, run_tasks):
    """Running for over an hour (its worker killed), the run is queued again and done."""
    tasks.schedule("test.record", key="k1")
    SideEffectRun.objects.filter(key="k1").update(
        status=SideEffectStatus.RUNNING, started_at=START, attempts=1
    )
    DBTaskResult.objects.update(status="RUNNING")
    clock.shift(timedelta(minutes=30))
    assert tasks.requeue_lost() == 0
    clock.shift(timedelta(minutes=31))
    assert tasks.requeue_lost() == 1
    run_tasks()
    run = ledger("k1")
    assert (run.status, run.attempts) == (SideEffectStatus.DONE, 2)


def test_a_pending_run_whose_task_was_lost_is_queued_again(db, clock, run_tasks):
    """A due pending run without a live task (deleted, failed) gets a new one."""
    tasks.schedule("test.record", key="k1")
    tasks.schedule("test.record", key="k2")
    DBTaskResult.objects.filter(args_kwargs__args=["k1"]).delete()
    assert tasks.requeue_lost() == 1
    run_tasks()
    assert len(calls["test.record"]) == 2


def test_a_task_whose_worker_died_before_the_claim_is_queued_again(db, clock, run_tasks):
    """The queue marked the task running, the worker died before claiming the run: after
    STALE_RUN_AFTER the task no longer counts as live, so the pending run gets a new one."""
    tasks.schedule("test.record", key="k1")
    DBTaskResult.objects.update(status="RUNNING", started_at=START)
    assert ledger("k1").status == SideEffectStatus.PENDING
    clock.shift(timedelta(minutes=30))
    assert tasks.requeue_lost() == 0  # perhaps still starting: left alone
    clock.shift(timedelta(minutes=31))
    assert tasks.requeue_lost() == 1
    run_tasks()
    run = ledger("k1")
    assert (run.status, run.attempts) == (SideEffectStatus.DONE, 1)
    assert calls["test.record"] == [{}]


def test_the_running_key_is_known_inside_an_effect_only(db, clock, run_tasks, monkeypatch):
    """Whatever an effect makes (an email's Message-ID) can read its key; outside, None."""
    seen: list[str | None] = []
    monkeypatch.setitem(
        tasks._effects,
        "test.record",
        tasks.Effect("test.record", lambda: seen.append(tasks.running_key()), 8, None),
    )
    tasks.schedule("test.record", key="k1")
    run_tasks()
    assert seen == ["k1"]
    assert tasks.running_key() is None
