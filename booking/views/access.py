"""Who may see what: a meeting behind its manage link, a time held by this browser.

Anything that is not the asker's (or does not exist) is a 404, never a hint that it exists.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest

from booking.models import Meeting, TimeSlot
from booking.views.session_holds import HoldInfo, forget_hold, hold_info


def held_slot_or_404(request: HttpRequest, slot_id: int) -> tuple[TimeSlot, HoldInfo]:
    """A time slot this browser held; anyone else's (or an unknown one) is a 404."""
    info = hold_info(request, slot_id)
    if info is None:
        raise Http404("No such hold.")
    slot = (
        TimeSlot.objects.select_related("employee__location", "room__location", "topic")
        .filter(pk=slot_id)
        .first()
    )
    if slot is None or slot.topic is None:
        forget_hold(request, slot_id)
        raise Http404("No such hold.")
    return slot, info


def meeting_or_404(reference: str) -> Meeting:
    """The meeting behind a manage link: the unguessable reference is the key."""
    meeting = Meeting.objects.with_details().filter(reference=reference).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def meeting_zone(meeting: Meeting) -> ZoneInfo:
    """The zone a meeting is shown in on the customer's pages: the one rule,
    Meeting.customer_zone (the customer's own zone for online and phone)."""
    return meeting.customer_zone


def slot_zone(slot: TimeSlot) -> ZoneInfo:
    """The zone a held or booked time is shown in: the one rule, TimeSlot.display_zone."""
    return slot.display_zone
