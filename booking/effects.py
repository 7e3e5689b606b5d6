"""Side effects of booking events: what follows what happened, decided in one place.

Services record events (booking.services.events) and never send anything themselves.
After the transaction that recorded an event commits, one task is queued for it
(dispatch_event); in a worker, the handlers registered for its kind with `on(...)` then
schedule side effects on the background engine (booking.tasks.schedule), which workers
run with retries. A rolled-back change schedules nothing, and a slow or failing mail
server never touches a request. An event whose handlers did not all run (the process
died after the commit, a locked database) stays undispatched, and housekeeping
dispatches it again (dispatch_lost): every handler schedules under keys unique per event
or meeting, so a second dispatch adds only what the first missed.

This module's own handlers schedule the meeting emails; reminders, the waitlist and
webhooks register theirs in their own modules (imported by BookingConfig.ready).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from booking import emails, tasks
from booking.models import BookingEvent, BookingEventKind, Meeting

logger = logging.getLogger(__name__)

Handler = Callable[[BookingEvent], None]

_handlers: dict[str, list[Handler]] = defaultdict(list)


def on(*kinds: str) -> Callable[[Handler], Handler]:
    """Register handler(event) for these BookingEvent kinds.

    Handlers run after commit, in a worker (dispatch_event), and only call tasks.schedule(...).
    """
    unknown = set(kinds) - set(BookingEventKind.values)
    if unknown:
        raise ValueError(f"Unknown booking event kinds: {sorted(unknown)}")

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            # A module imported twice must not schedule everything twice.
            if handler not in _handlers[kind]:
                _handlers[kind].append(handler)
        return handler

    return register


def handlers_for(kind: str) -> tuple[Handler, ...]:
    """What follows an event of this kind (tests/booking/test_events.py lists the table)."""
    return tuple(_handlers.get(kind, ()))


def event_recorded(event: BookingEvent) -> None:
    """Called by the services for each event they record, inside their transaction."""
    if _handlers.get(event.kind):
        transaction.on_commit(partial(_queue_dispatch, event.pk))


def _queue_dispatch(event_id: int) -> None:
    # One task per event, not the handlers themselves: a booking request then writes one
    # row after its commit instead of a ledger row and a task for every email, reminder and
    # webhook (50 queries down to 23 for POST /meetings; docs/performance.md).
    try:
        dispatch_event.enqueue(event_id)
    except Exception:
        # The change is committed: the request must not fail; housekeeping dispatches it.
        logger.exception("Could not queue the dispatch of event %s", event_id)


@task()
def dispatch_event(event_id: int) -> None:
    """In a worker: pass a committed event to its handlers, unless that was done already."""
    event = BookingEvent.objects.filter(pk=event_id, dispatched_at=None).first()
    if event is not None:
        dispatch(event)


def dispatch(event: BookingEvent) -> None:
    """Pass a committed event to its handlers; one failing handler does not stop the others
    (the change is committed: the request must not fail for it). When all succeeded the
    event is marked dispatched; otherwise housekeeping dispatches it again (dispatch_lost)."""
    failed = False
    for handler in list(_handlers.get(event.kind, ())):
        try:
            handler(event)
        except Exception:
            failed = True
            logger.exception("Handler %s failed for event %s", handler.__name__, event.pk)
    if failed:
        return
    try:
        BookingEvent.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    except Exception:
        # Unmarked, it is dispatched again: harmless, every handler's key is per event.
        logger.exception("Could not mark event %s dispatched", event.pk)


# An event still undispatched this long after it was recorded lost its dispatch (the
# process died after the commit, a handler failed): housekeeping dispatches it again.
REDISPATCH_AFTER = timedelta(minutes=1)
# Not older: a second dispatch is harmless only while the ledger rows of the first are
# kept (BOOKME_KEEP_TASK_RESULTS_DAYS, at least one day).
REDISPATCH_WITHIN = timedelta(days=1)
# Events dispatched again per housekeeping run, oldest first; the rest wait for the next.
REDISPATCH_BATCH = 500


def dispatch_lost(now: datetime) -> int:
    """Dispatch again the events whose dispatch was lost; how many. Safe beside a late
    first dispatch: every handler schedules under keys unique per event or meeting, so an
    effect scheduled already is not scheduled again."""
    kinds = [kind for kind, handlers in _handlers.items() if handlers]
    lost = BookingEvent.objects.filter(
        kind__in=kinds,
        dispatched_at=None,
        created_at__gte=now - REDISPATCH_WITHIN,
        created_at__lt=now - REDISPATCH_AFTER,
    ).order_by("created_at", "pk")[:REDISPATCH_BATCH]
    events = list(lost)
    for event in events:
        logger.warning("Dispatching event %s (%s) again", event.pk, event.kind)
        dispatch(event)
    return len(events)


# The meeting emails: one effect per event and recipient, so a retry never mails again
# whoever already got theirs.
EMAIL_EFFECTS = {
    BookingEventKind.MEETING_CREATED: "email.meeting_confirmed",
    BookingEventKind.MOVED: "email.meeting_rescheduled",
    BookingEventKind.CANCELLED: "email.meeting_cancelled",
}
RECIPIENTS = ("customer", "employee")


@on(*EMAIL_EFFECTS)
def schedule_meeting_emails(event: BookingEvent) -> None:
    if event.meeting_id is None:
        return  # every email is about a meeting
    name = EMAIL_EFFECTS[BookingEventKind(event.kind)]
    extra: dict[str, Any] = {}
    if event.kind == BookingEventKind.MOVED:
        extra["previous_start"] = event.data.get("previous_start")
    for recipient in RECIPIENTS:
        tasks.schedule(
            name,
            key=f"{event.pk}:{name}:{recipient}",
            meeting_id=event.meeting_id,
            recipient=recipient,
            **extra,
        )


def record_email_failure(key: str, kwargs: dict[str, Any], exc: BaseException) -> None:
    """The last attempt failed: staff see it on the meeting in the admin."""
    name = key.split(":")[1] if key.count(":") >= 2 else key
    reason = f"{name} to the {kwargs.get('recipient', '?')}: {type(exc).__name__}: {exc}"
    Meeting.objects.filter(pk=kwargs["meeting_id"]).update(
        email_failed_at=timezone.now(), email_failure=reason[: tasks.MAX_ERROR_LENGTH]
    )


def _send(
    event: str, *, meeting_id: int, recipient: str, previous_start: str | None = None
) -> None:
    emails.send_meeting_email(
        meeting_id,
        event,
        recipient=recipient,
        previous_start=datetime.fromisoformat(previous_start) if previous_start else None,
    )


@tasks.effect("email.meeting_confirmed", on_give_up=record_email_failure)
def send_meeting_confirmed(*, meeting_id: int, recipient: str) -> None:
    _send(emails.CONFIRMED, meeting_id=meeting_id, recipient=recipient)


@tasks.effect("email.meeting_rescheduled", on_give_up=record_email_failure)
def send_meeting_rescheduled(
    *, meeting_id: int, recipient: str, previous_start: str | None = None
) -> None:
    _send(
        emails.RESCHEDULED,
        meeting_id=meeting_id,
        recipient=recipient,
        previous_start=previous_start,
    )


@tasks.effect("email.meeting_cancelled", on_give_up=record_email_failure)
def send_meeting_cancelled(*, meeting_id: int, recipient: str) -> None:
    _send(emails.CANCELLED, meeting_id=meeting_id, recipient=recipient)


@tasks.effect("email.lost_links", max_attempts=3)
def send_lost_links_email(*, email: str, language: str) -> None:
    emails.lost_links(email, language=language)


def send_lost_links(email: str, *, language: str) -> None:
    """Look the address up and mail its links in a worker: the answer's timing must not
    tell whether the address is known. Each request is its own effect."""
    tasks.schedule(
        "email.lost_links", key=f"lost-links:{uuid.uuid4()}", email=email, language=language
    )
