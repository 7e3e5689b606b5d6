"""The website's limit on hold attempts, counted with booking.ratelimit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from booking import ratelimit
from booking.ratelimit import client_address
from booking.views.session_holds import holder_for


def hold_attempt_allowed(request: HttpRequest) -> bool:
    """Count one hold attempt for this session and this client address; False once
    either is over its limit.

    The session limit is the one customers meet; the address limit is what stops a
    bot that drops its cookies (a new session each time) from hoarding the calendar.
    It is higher, because an office behind one address books for many people.
    """
    holder_for(request)  # makes sure the session has a key
    window = settings.BOOKME_HOLD_ATTEMPT_WINDOW
    by_session = ratelimit.hit(
        f"hold-attempts:{request.session.session_key}",
        limit=settings.BOOKME_HOLD_ATTEMPTS,
        window=window,
    )
    by_address = ratelimit.hit(
        f"hold-attempts-ip:{client_address(request)}",
        limit=settings.BOOKME_HOLD_ATTEMPTS_PER_ADDRESS,
        window=window,
    )
    return by_session.allowed and by_address.allowed
