"""Small request helpers for the website: who holds what, access checks, the hold rate limit.

A browser's holds are recorded in its session (slot id -> the choices made when holding).
The session is server-side and survives signing in, so this record, not the holder
string alone, decides whether a held time belongs to the browser asking for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

from booking import ratelimit
from booking.models import Meeting, TimeSlot
from booking.ratelimit import client_address

SESSION_HOLDS = "bookme_holds"
SESSION_DRAFT = "bookme_details_draft"
# Old entries are dropped beyond this many, so a session never grows without bound.
MAX_REMEMBERED_HOLDS = 10


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def holder_for(request: HttpRequest) -> str:
    """The holder string of this browser: its user when signed in, else its session."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if request.session.session_key is None:
        request.session.save()
    return f"session:{request.session.session_key}"


@dataclass(frozen=True)
class HoldInfo:
    """What the customer chose when holding a time; needed again to create the meeting."""

    slot_id: int
    meeting_type: str
    category_id: int | None = None
    location_id: int | None = None
    employee_choice: str = "any"  # "any" or an employee id, to show the picker again
    reschedule: str = ""  # the reference of the meeting being moved, if any
    done: str = ""  # the meeting's reference once booked: a repeated submit goes there


def remember_hold(request: HttpRequest, info: HoldInfo) -> None:
    holds: dict[str, dict] = dict(request.session.get(SESSION_HOLDS, {}))
    holds[str(info.slot_id)] = asdict(info)
    while len(holds) > MAX_REMEMBERED_HOLDS:
        holds.pop(next(iter(holds)))
    request.session[SESSION_HOLDS] = holds


def mark_done(request: HttpRequest, slot_id: int, reference: str) -> None:
    """Remember that this hold became (or moved) a meeting, for a repeated submit."""
    info = hold_info(request, slot_id)
    if info is not None:
        remember_hold(request, replace(info, done=reference))


def forget_hold(request: HttpRequest, slot_id: int) -> None:
    holds: dict[str, dict] = dict(request.session.get(SESSION_HOLDS, {}))
    if holds.pop(str(slot_id), None) is not None:
        request.session[SESSION_HOLDS] = holds


def hold_info(request: HttpRequest, slot_id: int) -> HoldInfo | None:
    data = request.session.get(SESSION_HOLDS, {}).get(str(slot_id))
    return HoldInfo(**data) if data else None


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
    """The zone a meeting is shown in: its room's location, else its employee's location."""
    return slot_zone(meeting.time_slot)


def slot_zone(slot: TimeSlot) -> ZoneInfo:
    """The zone a held or booked time is shown in, as in the picker: its branch's."""
    if slot.room is not None:
        return slot.room.location.zone
    if slot.employee is not None:
        return slot.employee.location.zone
    return ZoneInfo(settings.TIME_ZONE)


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


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only its named partial when HTMX asks for a swap.

    History restores (the back button) get the whole page. The answer differs by the
    HX-Request header, so caches are told to keep the two apart.
    """
    htmx = request.htmx
    if partial and htmx and not htmx.boosted and not htmx.history_restore_request:
        template = f"{template}#{partial}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def query_string(params: Mapping[str, object]) -> str:
    """`?a=1&b=2` without empty values, for links that carry the customer's choices."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""
