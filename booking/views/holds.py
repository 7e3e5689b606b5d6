"""Holding a time for this browser: from a picker, and again after a hold ran out.

Not views: the booking flow and the reschedule page both hold the time pressed in their
picker; the details page and the move page both take a lapsed hold again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _

from booking import services
from booking.errors import BookingError, LimitReached, SlotUnavailable
from booking.forms import HoldForm
from booking.models import Meeting, TimeSlot, TimeSlotStatus
from booking.views.picker import PickerOptions, hold_candidates
from booking.web import HoldInfo, HtmxHttpRequest, hold_attempt_allowed, holder_for, remember_hold
from config_data.models import Employee, MeetingTopic


@dataclass(frozen=True)
class HoldAttempt:
    """What came of pressing a time: the held slot, or a message and a status saying why not."""

    slot: TimeSlot | None = None
    week: date | None = None  # the week of the pressed time, to show the picker there again
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
    week = start.astimezone(options.zone).date() if start is not None else None
    if not hold_attempt_allowed(request):
        return HoldAttempt(week=week, error=too_many_attempts_message(), status=429)
    if start is None:
        return HoldAttempt(error=form.errors["start"][0], status=400)
    if moving is not None and moves_nowhere(moving, start, options):
        message = _("This is the time your meeting already has.")
        return HoldAttempt(week=week, error=message, status=400)
    replacing = moving.time_slot if moving is not None else None
    try:
        slot = hold_time(
            request, options, start=start, employees=employees, now=now, replacing=replacing
        )
    except BookingError as e:
        return HoldAttempt(week=week, error=e.message, status=e.status)
    remember_hold(
        request,
        HoldInfo(
            slot_id=slot.pk,
            meeting_type=options.meeting_type,
            category_id=options.category.pk if options.category else None,
            location_id=options.location.pk if options.location else None,
            employee_choice=employee_choice,
            reschedule=moving.reference if moving is not None else "",
        ),
    )
    return HoldAttempt(slot=slot, week=week)


def moves_nowhere(meeting: Meeting, start: datetime, options: PickerOptions) -> bool:
    """The meeting's own time, with its own (or any) employee: the move would change nothing."""
    return start == meeting.start and options.employee in (None, meeting.employee)


def too_many_attempts_message() -> str:
    return _(
        "You have tried to hold times too often in a short while. "
        "Please wait a few minutes and try again."
    )


def hold_time(
    request: HtmxHttpRequest,
    options: PickerOptions,
    *,
    start: datetime,
    employees: list[Employee],
    now: datetime,
    replacing: TimeSlot | None = None,
) -> TimeSlot:
    """Hold the chosen time for this browser, trying each free employee in turn.

    Raises BookingErrors whose messages are written for the customer.
    """
    if start <= now:
        raise SlotUnavailable(_("This time has already passed. Please choose a later time."))
    candidates = hold_candidates(options, start=start, now=now)
    if not candidates:
        raise SlotUnavailable(
            _("This time is not available. Please choose one of the times shown.")
        )
    by_id = {e.pk: e for e in employees}
    for candidate in candidates:
        try:
            slot, _created = services.time_slot_reserve(
                holder=holder_for(request),
                start=candidate.start,
                end=candidate.end,
                employee=by_id.get(candidate.employee_id),
                topic=options.topic,
                meeting_type=options.meeting_type,
                max_active_holds=settings.BOOKME_MAX_ACTIVE_HOLDS,
                replacing=replacing,
                now=now,
            )
        except SlotUnavailable:
            continue  # someone was quicker; the next employee free at that time may do
        except LimitReached:
            raise LimitReached(
                _(
                    "You are already holding %(count)s times. Confirm or release one of them "
                    "before choosing another, or wait until they expire."
                )
                % {"count": settings.BOOKME_MAX_ACTIVE_HOLDS}
            ) from None
        except BookingError:
            raise SlotUnavailable(_("This time cannot be booked. Please choose another.")) from None
        return slot
    raise SlotUnavailable(_("Someone else has just taken this time. Please choose another one."))


def hold_was_released(slot: TimeSlot) -> bool:
    """Whether the held time was given back meanwhile (from another tab, say): like a hold
    that ran out, it may be held again."""
    slot.refresh_from_db()
    return slot.status == TimeSlotStatus.CANCELLED


def hold_again(
    request: HtmxHttpRequest,
    lapsed: TimeSlot,
    *,
    topic: MeetingTopic,
    meeting_type: str,
    replacing: TimeSlot | None = None,
) -> TimeSlot:
    """Hold the time of a hold that ran out (or was released) again for this browser.

    Raises the service's SlotUnavailable when the time is no longer free, and
    LimitReached when the browser already holds as many times as it may.
    """
    slot, _created = services.time_slot_reserve(
        holder=holder_for(request),
        start=lapsed.start,
        end=lapsed.end,
        employee=lapsed.employee,
        topic=topic,
        meeting_type=meeting_type,
        max_active_holds=settings.BOOKME_MAX_ACTIVE_HOLDS,
        replacing=replacing,
    )
    return slot
