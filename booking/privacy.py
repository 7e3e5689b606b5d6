"""What a meeting's secret link may show, and for how long.

Whoever holds a manage link (or an invite) sees the customer's name, email, phone and
answers. Such answers are never stored by a cache nor indexed by a search engine, and
a link stops showing them some days after the meeting is over, so that an old email,
a shared screen or a browser history does not keep them readable for ever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpResponseBase
from django.utils.cache import add_never_cache_headers

from booking.models import Meeting


def mark_private(response: HttpResponseBase) -> HttpResponseBase:
    """No cache may keep the answer (no-store, private) and no crawler may index it."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def details_shown_until(meeting: Meeting) -> datetime:
    """The moment a meeting's link stops showing its details.

    Counted from the end of the meeting, or from its cancellation when that came later
    (a meeting cancelled afterwards, by staff tidying up, still gets the full time).
    """
    over = meeting.end
    if meeting.cancelled_at is not None and meeting.cancelled_at > over:
        over = meeting.cancelled_at
    return over + timedelta(days=settings.BOOKME_MANAGE_LINK_DAYS_AFTER)


def link_expired(meeting: Meeting, now: datetime) -> bool:
    return now >= details_shown_until(meeting)
