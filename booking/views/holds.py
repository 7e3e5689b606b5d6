"""Holding a time for this browser from a picker.

Not views: the booking flow and the reschedule page both hold the time pressed in their
picker. Taking a lapsed hold again is the services' (booking_confirm, meeting_move).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from booking import services
from booking.actors import Actor
from booking.errors import BookingError, InvalidRequest, SlotUnavailable
from booking.forms import HoldForm
from booking.models import Meeting, TimeSlot
from booking.views.limits import hold_attempt_allowed
from booking.views.picker import PickerOptions, hold_candidates
from booking.views.rendering import HtmxHttpRequest
from booking.views.session_holds import HoldInfo, holder_for, remember_hold
from config_data.models import Employee


@dataclass(frozen=True)
class HoldAttempt:
    """What came of pressing a time: the held slot, or a message and a status saying why not."""

    slot: TimeSlot | None = None
    day: date | None = None  # the pressed time's day (in the picker's zone), shown again
    error: str = ""
    status: int = 200


def hold_pressed_time(
    request: HtmxHttpRequest,
    options: PickerOptions,
    *,
    employees: list[Employee],
    employee_choice: str,
    now: datetime,
    moving: Meeting | None = None,
) -> HoldAttempt:
    """Hold the time posted from a picker and remember the hold in the session.

    Every attempt counts against the rate limit, a refused one too. `moving` is the
    meeting being rescheduled, if any: its own time is refused, and its slot does not
    block the move.
    """
    form = HoldForm(request.POST)
    start = form.cleaned_data["start"] if form.is_valid() else None
    day = start.astimezone(options.zone).date() if start is not None else None
    if not hold_attempt_allowed(request):
        return HoldAttempt(day=day, error=too_many_attempts_message(), status=429)
    if start is None:
        return HoldAttempt(error=str(form.errors["start"][0]), status=400)
    if moving is not None and moves_nowhere(moving, start, options):
        refusal = InvalidRequest("moves_nowhere", field="start")
        return HoldAttempt(day=day, error=refusal.message, status=refusal.status)
    try:
        slot = hold_time(request, options, start=start, employees=employees, now=now, moving=moving)
    except BookingError as e:
        return HoldAttempt(day=day, error=e.message, status=e.status)
    remember_hold(
        request,
        HoldInfo(
            slot_id=slot.pk,
            meeting_type=options.meeting_type,
            category_id=options.category.pk if options.category else None,
            location_id=options.location.pk if options.location else None,
            employee_choice=employee_choice,
            reschedule=moving.reference if moving is not None else "",
            profile_id=options.profile.profile_id if options.profile is not None else None,
            duration=options.duration,
            room_features=sorted(options.room_features),
        ),
    )
    return HoldAttempt(slot=slot, day=day)


def moves_nowhere(meeting: Meeting, start: datetime, options: PickerOptions) -> bool:
    """The meeting's own time, with its own (or any) employee: the move would change nothing."""
    return start == meeting.start and options.employee in (None, meeting.employee)


def too_many_attempts_message() -> str:
    return _(
        "You have tried to hold times too often in a short while. "
        "Please wait a few minutes and try again."
    )


def browser_actor(request: HtmxHttpRequest) -> Actor:
    """This browser as the services know it: its account when signed in, else its session."""
    return Actor.from_holder(holder_for(request))


def hold_time(
    request: HtmxHttpRequest,
    options: PickerOptions,
    *,
    start: datetime,
    employees: list[Employee],
    now: datetime,
    moving: Meeting | None = None,
) -> TimeSlot:
    """Hold the chosen time for this browser with the first employee still free then.

    Raises BookingErrors whose messages are written for the customer.
    """
    if start <= now:
        raise SlotUnavailable("time_passed", field="start")
    candidates = hold_candidates(options, start=start, now=now)
    if not candidates:
        raise SlotUnavailable("time_not_offered", field="start")
    by_id = {e.pk: e for e in employees}
    choices = [
        services.SlotRequest(
            start=candidate.start,
            end=candidate.end,
            employee=by_id.get(candidate.employee_id) if candidate.employee_id else None,
            topic=options.topic,
            meeting_type=options.meeting_type,
            room_features=options.room_features or None,
        )
        for candidate in candidates
    ]
    return services.time_slot_reserve_any(
        actor=browser_actor(request), choices=choices, moving=moving, now=now
    )
