"""The background engine: side effects run by workers, once each, retried when they fail.

Built on Django's task interface (django-tasks, the backport of Django 6's django.tasks) with
the database backend: the queue is a table, and any number of `manage.py db_worker`
processes share it. On top of it a ledger, SideEffectRun, gives each side effect a key:

- `effect(name)` registers a function; `schedule(name, key=..., **kwargs)` creates the
  ledger row and queues one task for it in the same transaction, so a rolled-back change
  schedules nothing and the same key scheduled twice runs once.
- A worker claims the row with a conditional UPDATE (pending -> running) before running
  it: two workers, or one task queued twice, never both run it.
- When the function raises, the row goes back to pending and a new task is queued with
  exponential backoff, up to max_attempts; after the last, `on_give_up` is called once.

Exactly once, unless a worker dies mid-effect: then, after STALE_RUN_AFTER, another worker
runs it again, so an effect is done at least once (an email carries a Message-ID made from
its key, `running_key()`, so mail clients show a second copy once).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from booking.models import SideEffectRun, SideEffectStatus

logger = logging.getLogger(__name__)

GiveUp = Callable[[str, dict[str, Any], BaseException], None]
F_ = TypeVar("F_", bound=Callable[..., Any])

# Retries wait 1 min, 2, 4, ... and never more than an hour between two attempts.
FIRST_RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=1)
# A run still "running" after this long had its worker die under it: it may be claimed again.
STALE_RUN_AFTER = timedelta(hours=1)
# The error kept on the ledger row is cut to this length.
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Effect:
    name: str
    function: Callable[..., Any]
    max_attempts: int
    on_give_up: GiveUp | None


_effects: dict[str, Effect] = {}
# The key of the effect running in this context, for what it makes (an email's Message-ID).
_running_key: ContextVar[str | None] = ContextVar("running_side_effect", default=None)


def effect(
    name: str, *, max_attempts: int = 8, on_give_up: GiveUp | None = None
) -> Callable[[F_], F_]:
    """Register a side-effect function under `name` (e.g. "email.meeting_confirmed").

    The function takes JSON-able keyword arguments only and runs in a worker, once
    successfully per key (again only if a worker dies mid-run), retried with exponential
    backoff when it raises (1 min, 2, 4, ... capped at 1 h, up to max_attempts); after the
    last attempt `on_give_up(key, kwargs, exc)` is called once (e.g. to record the failure
    on the meeting).
    """
    if max_attempts < 1:
        raise ImproperlyConfigured(f"Effect {name!r}: max_attempts must be at least 1.")

    def register(function: F_) -> F_:
        known = _effects.get(name)
        # A module imported twice registers the same function again; two functions under
        # one name would make the worker run whichever came last.
        if known is not None and _qualname(known.function) != _qualname(function):
            raise ImproperlyConfigured(f"Two side effects are registered as {name!r}.")
        _effects[name] = Effect(name, function, max_attempts, on_give_up)
        return function

    return register


def schedule(name: str, *, key: str, run_after: datetime | None = None, **kwargs: Any) -> None:
    """Queue the registered effect `name` under the idempotency key `key`.

    The ledger row and its task are written in the current transaction, so a worker sees
    them when it commits (at once without one) and a rollback schedules nothing.
    Scheduling a key that exists already does nothing. `run_after` delays the effect.
    """
    if name not in _effects:
        raise ImproperlyConfigured(f"No side effect is registered as {name!r}.")
    # Fail here, in the caller, rather than in the worker: the arguments are stored as JSON.
    json.dumps(kwargs)
    with transaction.atomic():
        run, created = SideEffectRun.objects.get_or_create(
            key=key, defaults={"name": name, "kwargs": kwargs, "run_after": run_after}
        )
        if created:
            _enqueue(run)


def cancel_scheduled(key_prefix: str) -> int:
    """Mark not-yet-run effects whose key starts with `key_prefix` as cancelled.

    Returns how many. One already running finishes; effects re-check their own
    preconditions when they run.
    """
    if not key_prefix:
        raise ValueError("cancel_scheduled needs a key prefix.")
    return SideEffectRun.objects.filter(
        key__startswith=key_prefix, status=SideEffectStatus.PENDING
    ).update(status=SideEffectStatus.CANCELLED, done_at=timezone.now())


def registered(name: str) -> Effect:
    """The effect registered under `name` (KeyError if none)."""
    return _effects[name]


def running_key() -> str | None:
    """The key of the side effect being run here; None outside one."""
    return _running_key.get()


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(FIRST_RETRY_DELAY * 2 ** min(attempts - 1, 30), MAX_RETRY_DELAY)


@task()
def run_effect(key: str) -> str:
    """The one task the queue holds: run the side effect recorded under `key`, if still due."""
    if not _claim(key):
        return "skipped"
    run = SideEffectRun.objects.get(key=key)
    found = _effects.get(run.name)
    token = _running_key.set(key)
    try:
        if found is None:
            # A worker older than the web process that scheduled it: retried after a deploy.
            raise LookupError(f"No side effect is registered as {run.name!r}.")
        found.function(**run.kwargs)
    except Exception as exc:
        return _failed(run, found, exc)
    finally:
        _running_key.reset(token)
    SideEffectRun.objects.filter(pk=run.pk, status=SideEffectStatus.RUNNING).update(
        status=SideEffectStatus.DONE, done_at=timezone.now(), last_error=""
    )
    return "done"


def requeue_lost(now: datetime | None = None) -> int:
    """Queue again the runs whose task is gone: a worker that died mid-run or before its
    claim, a task row deleted by hand. A duplicate task is harmless (the claim lets one
    through). Returns how many. Called by housekeeping."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    # A task running this long for a run still pending had its worker die before the claim.
    live_tasks = (
        DBTaskResult.objects.filter(id__in=_pending_task_ids(now))
        .filter(Q(status="READY") | Q(status="RUNNING", started_at__gte=now - STALE_RUN_AFTER))
        .values_list("id", flat=True)
    )
    live = {str(task_id) for task_id in live_tasks}
    lost = [
        run
        for run in SideEffectRun.objects.filter(_due(now), status=SideEffectStatus.PENDING)
        if run.task_id not in live
    ]
    lost += list(
        SideEffectRun.objects.filter(
            status=SideEffectStatus.RUNNING, started_at__lt=now - STALE_RUN_AFTER
        )
    )
    for run in lost:
        _enqueue(run)
    return len(lost)


def _pending_task_ids(now: datetime) -> list[str]:
    return [
        task_id
        for task_id in SideEffectRun.objects.filter(
            _due(now), status=SideEffectStatus.PENDING
        ).values_list("task_id", flat=True)
        if task_id
    ]


def _due(now: datetime) -> Q:
    return Q(run_after__isnull=True) | Q(run_after__lte=now)


def _claim(key: str) -> bool:
    """Take the run for this worker: one UPDATE that only one worker can win."""
    now = timezone.now()
    claimable = Q(status=SideEffectStatus.PENDING) & _due(now)
    # A worker that died mid-run left its row running: after a while it is up for grabs.
    claimable |= Q(status=SideEffectStatus.RUNNING, started_at__lt=now - STALE_RUN_AFTER)
    claimed = SideEffectRun.objects.filter(claimable, key=key).update(
        status=SideEffectStatus.RUNNING, attempts=F("attempts") + 1, started_at=now
    )
    return claimed == 1


def _failed(run: SideEffectRun, found: Effect | None, exc: Exception) -> str:
    run.refresh_from_db(fields=["attempts"])
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    max_attempts = found.max_attempts if found else 8
    now = timezone.now()
    if run.attempts >= max_attempts:
        logger.error("Side effect %s failed for good after %s attempts", run.key, run.attempts)
        SideEffectRun.objects.filter(pk=run.pk).update(
            status=SideEffectStatus.FAILED, done_at=now, last_error=error
        )
        if found is not None and found.on_give_up is not None:
            try:
                found.on_give_up(run.key, run.kwargs, exc)
            except Exception:
                logger.exception("on_give_up of side effect %s failed", run.key)
        return "failed"
    logger.warning("Side effect %s failed (attempt %s), retried: %s", run.key, run.attempts, error)
    run.run_after = now + retry_delay(run.attempts)
    with transaction.atomic():
        SideEffectRun.objects.filter(pk=run.pk, status=SideEffectStatus.RUNNING).update(
            status=SideEffectStatus.PENDING, run_after=run.run_after, last_error=error
        )
        _enqueue(run)
    return "retry"


def _enqueue(run: SideEffectRun) -> None:
    queued = run_effect.using(run_after=run.run_after).enqueue(run.key)
    SideEffectRun.objects.filter(pk=run.pk).update(task_id=str(queued.id))


def _qualname(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"
