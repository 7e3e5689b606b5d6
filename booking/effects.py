"""Side effects of booking events, made after the transaction that recorded them commits.

The one place that turns what happened into what follows (today the customer's and the
employee's emails; reminders, waitlist offers and webhooks later). Services record events
(booking.services.events) and never send anything themselves: a rolled-back change sends
nothing, and a failing mail server cannot undo a committed one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction

from booking import emails

if TYPE_CHECKING:
    from booking.models import BookingEvent

logger = logging.getLogger(__name__)

BACKGROUND_THREAD_NAME = "bookme-background"


def _meeting_created(meeting_id: int, data: dict) -> None:
    emails.meeting_confirmed(meeting_id)


def _moved(meeting_id: int, data: dict) -> None:
    previous = data.get("previous_start")
    emails.meeting_rescheduled(
        meeting_id, previous_start=datetime.fromisoformat(previous) if previous else None
    )


def _cancelled(meeting_id: int, data: dict) -> None:
    emails.meeting_cancelled(meeting_id)


# Event kind -> what follows it, given the event's meeting and data. Kinds without an
# entry have no side effect yet.
HANDLERS: dict[str, Callable[[int, dict], None]] = {
    "meeting_created": _meeting_created,
    "moved": _moved,
    "cancelled": _cancelled,
}


def event_recorded(event: BookingEvent) -> None:
    """Called by the services for each event they record, inside their transaction."""
    handler = HANDLERS.get(event.kind)
    # Every handled kind is about a meeting; an event without one has nothing to send.
    if handler is not None and event.meeting_id is not None:
        transaction.on_commit(partial(handler, event.meeting_id, event.data))


def send_lost_links(email: str, *, language: str) -> None:
    """Look the address up and mail its links, outside the request (run_in_background):
    the answer's timing must not tell whether the address is known."""
    run_in_background(emails.lost_links, email, language=language)


def run_in_background(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `fn` outside the request-response cycle, in a daemon thread.

    A stopgap until the task queue of the next issue replaces it: nothing is retried, and
    work still running when the process stops is lost. BOOKME_BACKGROUND_SYNC runs `fn` at
    once in this thread instead, so tests stay deterministic.
    """
    if settings.BOOKME_BACKGROUND_SYNC:
        _run(fn, args, kwargs)
        return
    threading.Thread(
        target=_run, args=(fn, args, kwargs), name=BACKGROUND_THREAD_NAME, daemon=True
    ).start()


def _run(fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        logger.exception("Background work %s failed", getattr(fn, "__name__", fn))
    finally:
        if threading.current_thread().name == BACKGROUND_THREAD_NAME:
            connections.close_all()  # the thread's own connections, opened by fn
