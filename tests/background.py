"""Run the background tasks in tests with the real worker code, deterministically."""

from __future__ import annotations

import io
import signal
from unittest.mock import patch

from django.core.management import call_command

WORKER_MODULE = "django_tasks_db.management.commands.db_worker"
WORKER_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]


def run_tasks() -> int:
    """Run every due task (`manage.py db_worker --batch`) until none is due; how many ran.

    Tasks for later (retries, reminders) wait: move the clock (time-machine) and call again.
    """
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.filter(finished_at__isnull=False).count()
    # The worker installs its own Ctrl-C handlers: pytest gets its own back.
    handlers = {sig: signal.getsignal(sig) for sig in WORKER_SIGNALS}
    try:
        # Between tasks the worker closes connections left inside a transaction, as after
        # a request; a test's connection is always in one (rolled back at its end).
        with patch(f"{WORKER_MODULE}.close_old_connections"):
            call_command(
                "db_worker",
                batch=True,
                startup_delay=False,
                reload=False,
                interval=0,
                verbosity=0,
                stdout=io.StringIO(),
            )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return DBTaskResult.objects.filter(finished_at__isnull=False).count() - before


def dispatch_queued() -> int:
    """A worker's first step after a commit: the queued dispatch of each recorded event
    (booking.effects.dispatch_event), and nothing else; how many ran. The handlers then
    have scheduled their side effects, which wait for run_tasks()."""
    from django.utils import timezone
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from booking import effects

    queued = DBTaskResult.objects.filter(
        task_path=effects.dispatch_event.module_path, status=TaskResultStatus.READY
    ).order_by("enqueued_at")
    count = 0
    for result in queued:
        effects.dispatch_event.func(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        DBTaskResult.objects.filter(pk=result.pk).update(
            status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now()
        )
        count += 1
    return count
