"""Typed domain errors. Views and the API map them to messages and status codes.

Each carries a human message and, where one input is to blame, the name of that
field, so that a form or an API client can point at it.
"""

from __future__ import annotations


class BookingError(Exception):
    """Base class; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidRequest(BookingError):
    """The input itself is wrong: a reversed range, a window past the cap, ..."""

    status = 400


class NotFound(BookingError):
    """Unknown, or not the caller's: both answer 404 so ownership does not leak."""

    status = 404


class Conflict(BookingError):
    status = 409


class SlotUnavailable(Conflict):
    """The time is taken, overlaps another, or is not offered."""


class HoldExpired(Conflict):
    """The 15-minute hold ran out before it was booked."""


class InvalidState(Conflict):
    """The object is not in the state the operation needs (e.g. the slot is not Booked)."""


class TooLate(Conflict):
    """The cut-off for changing the meeting has passed."""


class LimitReached(BookingError):
    """Too many holds or attempts; `retry_after`: seconds until one frees a place, if known."""

    status = 429

    def __init__(
        self, message: str, *, field: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
