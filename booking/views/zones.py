"""The customer's own time zone, for the times of meetings online or by phone.

Three sources, the first that names a known IANA zone wins: the zone chosen in the picker's
plain select (the `tz` query parameter, then remembered in the session), the session's
remembered choice, and the zone the browser reported (static/js/bookme.js writes it into a
cookie, so every request carries it, HTMX swaps included, and sends it once as
`tz_detected`, which is never remembered as a choice). A `tz` that is no known zone is
ignored and named back to the customer (booking/includes/zone_choice.html), never a 500.
In-person meetings ignore all of this: booking.zones.customer_own_zone decides.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.http import HttpRequest

from booking.models import known_zone
from config_data.models import timezone_choices

ZONE_PARAM = "tz"
DETECTED_PARAM = "tz_detected"
SESSION_ZONE = "viewer_zone"
ZONE_COOKIE = "bookme_tz"
# Longer than any IANA name; a rejected value is shown back only this far.
REJECTED_SHOWN = 64


@functools.cache
def zone_choices() -> list[tuple[str, str]]:
    """The picker's select: config_data's list, read once."""
    return timezone_choices()


@dataclass(frozen=True)
class ViewerZone:
    """What this request says about the customer's zone."""

    chosen: ZoneInfo | None = None  # from the select, now or earlier in the session
    detected: ZoneInfo | None = None  # from the browser (JavaScript)
    rejected: str = ""  # a `tz` value that named no zone: ignored, and said so

    @property
    def zone(self) -> ZoneInfo | None:
        return self.chosen or self.detected

    @property
    def key(self) -> str:
        """The zone's name to store with a meeting; blank when unknown."""
        zone = self.zone
        return zone.key if zone is not None else ""

    @property
    def source(self) -> str:
        """Where it came from: "chosen", "browser", or "" when nothing is known yet (the
        script may still report the browser's zone)."""
        if self.chosen is not None:
            return "chosen"
        return "browser" if self.detected is not None else ""


def viewer_zone(request: HttpRequest) -> ViewerZone:
    """The customer's zone as this request tells it; a valid `tz` is remembered.

    Worked out once per request (the view and the zone select both ask)."""
    cached = getattr(request, "_bookme_viewer_zone", None)
    if isinstance(cached, ViewerZone):
        return cached
    rejected = ""
    chosen = None
    value = request.GET.get(ZONE_PARAM, "").strip()
    if value:
        chosen = known_zone(value)
        if chosen is None:
            rejected = value[:REJECTED_SHOWN]
        else:
            request.session[SESSION_ZONE] = chosen.key
    if chosen is None:
        chosen = known_zone(request.session.get(SESSION_ZONE))
    detected = known_zone(request.GET.get(DETECTED_PARAM, "").strip()) or known_zone(
        request.COOKIES.get(ZONE_COOKIE)
    )
    found = ViewerZone(chosen=chosen, detected=detected, rejected=rejected)
    request._bookme_viewer_zone = found  # type: ignore[attr-defined]
    return found


def reschedule_zone(request: HttpRequest, stored: str) -> ZoneInfo | None:
    """The zone to move a meeting in, for the picker and the confirmation alike (the move
    stores it): a choice made in this session, else the zone the meeting was booked in
    (its pages show that one), else the browser's."""
    found = viewer_zone(request)
    return found.chosen or known_zone(stored) or found.detected
