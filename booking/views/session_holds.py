"""The holds of this browser, recorded in its session (slot id -> the choices made).

The session is server-side and survives signing in, so this record, not the holder
string alone, decides whether a held time belongs to the browser asking for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from django.http import HttpRequest

from booking.models import TimeSlot, TimeSlotStatus

SESSION_HOLDS = "bookme_holds"
SESSION_DRAFT = "bookme_details_draft"
# Old entries are dropped beyond this many, so a session never grows without bound.
MAX_REMEMBERED_HOLDS = 10


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
    profile_id: int | None = None  # held from a booking profile's page
    duration: int | None = None  # the profile's duration chosen, in minutes
    room_features: list[int] = field(default_factory=list)  # asked of the room (ids)


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


def live_holds(
    request: HttpRequest, *, topic_id: int, now: datetime
) -> list[tuple[TimeSlot, HoldInfo]]:
    """This browser's running holds on a topic, earliest first, for the picker to show.

    A held time is not free, so the picker would hide it while it still counts towards
    the limit on holds; the picker shows these instead, with Continue and Release.
    Holds already confirmed or kept for moving a meeting are not the new booking's.
    """
    infos = {
        int(key): HoldInfo(**data)
        for key, data in request.session.get(SESSION_HOLDS, {}).items()
        if not data.get("done") and not data.get("reschedule")
    }
    if not infos:
        return []
    slots = (
        TimeSlot.objects.select_related("employee__location", "room__location", "topic")
        .filter(
            pk__in=infos,
            topic_id=topic_id,
            status=TimeSlotStatus.RESERVED,
            expires_at__gt=now,
        )
        .order_by("start")
    )
    return [(slot, infos[slot.pk]) for slot in slots]


def held_already(
    request: HttpRequest, *, topic_id: int, start: datetime, meeting_type: str, now: datetime
) -> TimeSlot | None:
    """The running hold of this browser for this very time, if any (another tab pressed it):
    it is reused rather than a second hold taken for the same person."""
    for slot, info in live_holds(request, topic_id=topic_id, now=now):
        if slot.start == start and info.meeting_type == meeting_type:
            return slot
    return None
