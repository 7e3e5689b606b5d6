"""Housekeeping on the background engine, no cron: a side effect that schedules its own next run.

Every BOOKME_HOUSEKEEPING_MINUTES a worker removes expired OAuth access tokens and
sessions, marks stale holds expired (through the service, so each records its `expired`
event and what follows it), dispatches again events whose dispatch was lost
(booking.effects.dispatch_lost), deletes finished tasks and side-effect records older than
BOOKME_KEEP_TASK_RESULTS_DAYS, queues again side effects whose task was lost, and, when
BOOKME_PURGE_PERSONAL_DATA_DAYS is set, deletes meetings that ended that long ago. It also
imports every location's public holidays for this year and next (config_data.holidays):
writing nothing unless a year began or the holidays changed.

The key of each run is its time bucket ("housekeeping:<bucket start>"), so however many
processes start the chain (every `migrate` does, and every worker as it starts its first
task) only one run per interval is ever pending.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from importlib import import_module
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from booking import effects, tasks
from booking.api.oauth import purge_expired_tokens
from booking.models import Customer, Meeting, SideEffectRun, SideEffectStatus, TimeSlot
from booking.services import expire_stale_holds
from config_data.holidays import sync_all_public_holidays

logger = logging.getLogger(__name__)

NAME = "housekeeping"


def interval() -> timedelta:
    return timedelta(minutes=settings.BOOKME_HOUSEKEEPING_MINUTES)


def next_run_at(now: datetime) -> datetime:
    """The start of the time bucket after the one `now` is in."""
    step = interval().total_seconds()
    return datetime.fromtimestamp((now.timestamp() // step + 1) * step, tz=now.tzinfo)


def schedule_next(now: datetime | None = None) -> None:
    """Schedule the next run, unless housekeeping is off; a second call is a no-op."""
    if settings.BOOKME_HOUSEKEEPING_MINUTES == 0:
        return
    run_at = next_run_at(now or timezone.now())
    tasks.schedule(NAME, key=f"{NAME}:{run_at.isoformat()}", run_after=run_at)


# The worker that last checked the chain, and when (monotonic()): one check per worker
# process as it starts its first task, then one per interval.
_last_check: tuple[str, float] | None = None


def restart_on_worker(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """django-tasks' task_started: a starting worker (re)starts the chain, should it ever
    have stopped (a run that could not schedule the next), and so does a long-running one
    once per interval. A no-op while the chain is alive: the next run's key is its bucket."""
    global _last_check
    if settings.BOOKME_HOUSEKEEPING_MINUTES == 0:
        return
    worker = task_result.worker_ids[-1] if task_result.worker_ids else ""
    now = monotonic()
    checked = _last_check
    if checked and checked[0] == worker and now - checked[1] < interval().total_seconds():
        return
    _last_check = (worker, now)
    try:
        with transaction.atomic():
            schedule_next()
    except Exception:
        # Raising here would fail the task the worker is about to run.
        logger.exception("Could not restart housekeeping")


def start_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: start (or restart) the chain once the tables exist."""
    if settings.BOOKME_HOUSEKEEPING_MINUTES == 0:
        return
    with transaction.atomic(using=using):
        schedule_next()


@tasks.effect(NAME, max_attempts=1)
def housekeeping() -> None:
    now = timezone.now()
    # First, so that a failing step below never stops the chain.
    schedule_next(now)
    done = {
        "tokens": purge_expired_tokens(),
        "sessions": clear_expired_sessions(),
        "holds": expire_all_stale_holds(now),
        "redispatched": effects.dispatch_lost(now),
        "requeued": tasks.requeue_lost(now),
        "task_records": delete_old_task_records(now),
        "meetings": purge_personal_data(now),
        "holidays": import_public_holidays(now),
    }
    logger.info("Housekeeping: %s", done)


def clear_expired_sessions() -> int:
    """What `manage.py clearsessions` does; 1 when done, 0 for a backend that cannot."""
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:
        return 0
    return 1


def expire_all_stale_holds(now: datetime) -> int:
    """Mark every stale hold expired through the service, one resource at a time (its lock
    order and events are the service's): the search needs none of this, but the records
    and what follows an expiry (a waitlist offer) should not wait for the next booking."""
    stale = TimeSlot.objects.stale_holds(now)
    count = stale.count()
    if not count:
        return 0
    for employee_id in set(stale.exclude(employee=None).values_list("employee_id", flat=True)):
        with transaction.atomic():
            expire_stale_holds(now=now, employee_id=employee_id, room_id=None)
    for room_id in set(stale.exclude(room=None).values_list("room_id", flat=True)):
        with transaction.atomic():
            expire_stale_holds(now=now, employee_id=None, room_id=room_id)
    return count


def delete_old_task_records(now: datetime) -> int:
    """Finished tasks and ended side effects past BOOKME_KEEP_TASK_RESULTS_DAYS."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = now - timedelta(days=settings.BOOKME_KEEP_TASK_RESULTS_DAYS)
    results, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=cutoff,
    ).delete()
    runs, _ = SideEffectRun.objects.filter(
        status__in=[SideEffectStatus.DONE, SideEffectStatus.FAILED, SideEffectStatus.CANCELLED],
        done_at__lt=cutoff,
    ).delete()
    return results + runs


def import_public_holidays(now: datetime) -> int:
    """Every location's public holidays for this year and next; the days added, renamed
    or removed."""
    result = sync_all_public_holidays(now=now)
    return result.added + result.renamed + result.removed


def purge_personal_data(now: datetime) -> int:
    """Meetings that ended BOOKME_PURGE_PERSONAL_DATA_DAYS ago (answers with them; events
    stay, without the meeting), then customers without account or meetings left."""
    days = settings.BOOKME_PURGE_PERSONAL_DATA_DAYS
    if not days:
        return 0
    cutoff = now - timedelta(days=days)
    meetings, _ = Meeting.objects.filter(time_slot__end__lt=cutoff).delete()
    orphans = Customer.objects.filter(meetings=None, user=None, created_at__lt=cutoff)
    try:
        orphans.delete()
    except (ProtectedError, RestrictedError):
        # Something else still needs some of them (e.g. a waitlist entry): keep those.
        for customer in orphans:
            try:
                customer.delete()
            except (ProtectedError, RestrictedError):
                continue
    return meetings
