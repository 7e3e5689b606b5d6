"""Which time zone a time is shown in: the rules, without the ORM.

The venue's zone (resolved_zone) for staff, the API and in-person meetings; the customer's
own (customer_zone) for what a customer reads about a meeting online or by phone.
"""

from __future__ import annotations

import functools
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings

from config_data.models import MeetingType

if TYPE_CHECKING:
    from config_data.models import Employee, Room


def resolved_zone(
    *, room: Room | None = None, employee: Employee | None = None
) -> zoneinfo.ZoneInfo:
    """The zone a meeting's times are shown in, on the page, in emails, invites and the API.

    An in-person meeting happens where its room is, so a room decides: its own zone if it
    sets one, else its location's. Without a room the customer meets the employee, whose
    hours are written in the employee's own zone (else the employee's location's). A slot
    with neither cannot exist; settings.TIME_ZONE is only the last resort.
    """
    if room is not None:
        return zoneinfo.ZoneInfo(room.effective_timezone)
    if employee is not None:
        return zoneinfo.ZoneInfo(employee.effective_timezone)
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@functools.cache
def _known_zones() -> frozenset[str]:
    # available_timezones() walks the zone files on every call: once is enough.
    return frozenset(zoneinfo.available_timezones())


def known_zone(value: object) -> zoneinfo.ZoneInfo | None:
    """The IANA zone named by `value`, or None for anything else. Checked against the list
    first: ZoneInfo itself opens paths and raises on odd input."""
    if not isinstance(value, str) or value not in _known_zones():
        return None
    return zoneinfo.ZoneInfo(value)


def uses_customer_zone(meeting_type: str) -> bool:
    """Whether a meeting of this type is shown in the customer's own zone: online and by
    phone yes; in person no (it happens where the branch is, so its clock decides)."""
    return meeting_type != MeetingType.PHYSICAL


def customer_own_zone(
    meeting_type: str, zone: str | zoneinfo.ZoneInfo | None
) -> zoneinfo.ZoneInfo | None:
    """The customer's own `zone` when a meeting of this type is shown in it and the system
    knows it; None when the venue's zone decides. The one rule: the picker, the details
    page, the zone select and Meeting all ask it."""
    if zone is None or not uses_customer_zone(meeting_type):
        return None
    # A zone the system no longer knows falls back too, rather than a 500.
    return known_zone(zone.key if isinstance(zone, zoneinfo.ZoneInfo) else zone)


def customer_zone(
    *, meeting_type: str, customer_timezone: str, display_zone: zoneinfo.ZoneInfo
) -> zoneinfo.ZoneInfo:
    """The zone a customer sees a meeting's times in: their own (as their browser said or
    they chose) when customer_own_zone gives one; else the display zone."""
    return customer_own_zone(meeting_type, customer_timezone) or display_zone
