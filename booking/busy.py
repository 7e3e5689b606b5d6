"""The time already taken: occupying time slots read as plain rows, for the search and the
reserve re-check (booking/search.py); no ORM objects on this path, it is the bulky read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from booking.models import LONGEST_BLOCK, OCCUPYING_STATUSES, TimeSlot


def busy_rows(
    start: datetime,
    end: datetime,
    employee_ids: list[int],
    room_ids: list[int],
    *,
    with_sessions: bool,
) -> list[tuple]:
    """TimeSlot.objects.overlapping(start, end).for_resources(...) as plain rows, timestamps
    as text (see instant). Written out in SQL: building the same queryset took longer than
    running it for a one-day search (tests/booking/test_search.py compares the two).

    Whether a slot is active is decided by the caller, not in SQL: with a status condition,
    SQLite (no statistics) walks the status index over every booking ever made instead of
    the employee and room indexes over the window.
    """
    resources = []
    params: list[Any] = []
    if employee_ids:
        resources.append(f"employee_id IN ({', '.join(['%s'] * len(employee_ids))})")
        params += employee_ids
    if room_ids:
        resources.append(f"room_id IN ({', '.join(['%s'] * len(room_ids))})")
        params += room_ids
    if not resources:
        return []
    columns = "status, CAST(expires_at AS text), employee_id, room_id, "
    columns += "CAST(blocked_start AS text), CAST(blocked_end AS text), session_key"
    if with_sessions:
        columns += ', topic_id, CAST("start" AS text), CAST("end" AS text)'
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"SELECT {columns} FROM {TimeSlot._meta.db_table} "
        "WHERE blocked_start < %s AND blocked_start >= %s AND blocked_end > %s "
        f"AND ({' OR '.join(resources)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(end), adapt(start - LONGEST_BLOCK), adapt(start), *params])
        return cursor.fetchall()


def instant(text: str) -> datetime:
    """A stored timestamp read as text, as UTC.

    The busy times are the one bulky read of a search, and Django's datetime converters
    (SQLite) and its psycopg timestamptz loader (pure Python, Django ticket #36960) cost
    several times more than datetime.fromisoformat. Both backends give ISO text: SQLite
    stores naive UTC, PostgreSQL answers in the session's UTC with an offset.
    """
    has_offset = "+" in text[19:] or "-" in text[19:]  # after "YYYY-MM-DD HH:MM:SS"
    return datetime.fromisoformat(text if has_offset else text + "+00:00")


def occupies(status: str, expires_at: datetime | str | None, now: datetime) -> bool:
    """TimeSlotQuerySet.active() for one row: Reserved or Booked, not past an expiry."""
    if status not in OCCUPYING_STATUSES:
        return False
    if expires_at is None:
        return True
    if isinstance(expires_at, str):
        expires_at = instant(expires_at)
    return expires_at > now


def busy_resources_filter(*, employee_id: int | None, room_id: int | None) -> Q:
    q = Q(pk__in=[])
    if employee_id is not None:
        q |= Q(employee_id=employee_id)
    if room_id is not None:
        q |= Q(room_id=room_id)
    return q
