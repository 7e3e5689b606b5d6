"""A booked meeting: confirmation, the manage link, the invite, cancel and reschedule.

The unguessable Meeting.reference in the URL is the key: no account is needed. So every
page behind it is private (never cached nor indexed) and stops showing the meeting's
details some days after it is over (booking.privacy).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django.views.defaults import page_not_found

from booking import privacy, services
from booking.calendar_links import meeting_calendar_links
from booking.errors import BookingError
from booking.forms import ANY_EMPLOYEE, CancelForm, topic_employees
from booking.models import (
    Meeting,
    MeetingStatus,
    is_single_session,
)
from booking.services.meetings import requested_features
from booking.views import zones
from booking.views.access import held_slot_or_404, meeting_or_404, meeting_zone
from booking.views.flow import PickerDates, parse_picker_dates, picker_links
from booking.views.holds import browser_actor, hold_pressed_time
from booking.views.picker import PickerOptions, room_feature_names
from booking.views.picker_month import build_month
from booking.views.profiles import restriction_for
from booking.views.rendering import HtmxHttpRequest, query_string, render_page
from booking.views.session_holds import hold_info, mark_done
from booking.zones import customer_own_zone
from config_data.models import MeetingType


class LinkExpired(Exception):
    """The meeting behind the link is long over: its details are no longer shown."""


def linked_meeting(reference: str) -> Meeting:
    """The meeting behind a manage link, while the link may still show it."""
    meeting = meeting_or_404(reference)
    if privacy.link_expired(meeting, timezone.now()):
        raise LinkExpired
    return meeting


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a page reached through a meeting's reference: no cache keeps it, no crawler
    indexes it; a wrong reference is the 404 page and an expired link the "over" page
    (410), both private as well, whatever the method."""

    @wraps(view)
    def private_view(request: HtmxHttpRequest, reference: str, **kwargs: object) -> HttpResponse:
        try:
            response = view(request, reference, **kwargs)
        except Http404 as e:
            response = page_not_found(request, e)
        except LinkExpired:
            response = render_page(request, "booking/manage.html", {"expired": True}, status=410)
        privacy.mark_private(response)
        return response

    return private_view


def change_deadline(meeting: Meeting) -> datetime:
    return meeting.change_deadline  # the services check the same moment


def can_change(meeting: Meeting, now: datetime) -> bool:
    return meeting.can_change(now)


def meeting_context(request: HtmxHttpRequest, meeting: Meeting) -> dict:
    now = timezone.now()
    zone = meeting_zone(meeting)
    manage_path = reverse("booking:manage", args=[meeting.reference])
    is_cancelled = meeting.status == MeetingStatus.CANCELLED
    return {
        "meeting": meeting,
        "zone": zone,
        "zone_name": zone.key,
        "is_cancelled": is_cancelled,
        "is_past": meeting.end <= now,
        "can_change": can_change(meeting, now),
        "change_deadline": change_deadline(meeting),
        # A cancelled meeting is no event to put in a calendar (the .ics cancels it).
        "calendar_links": None
        if is_cancelled
        else meeting_calendar_links(meeting, with_manage_link=True),
        "manage_url": request.build_absolute_uri(manage_path),
        "answers": list(meeting.answers.all()),
        "room_features": room_feature_names(requested_features(meeting)),
    }


def too_late_message(meeting: Meeting) -> str:
    """Why the customer can no longer change the meeting, in the services' own words."""
    refusal = services.change_refusal(meeting, now=timezone.now())
    return refusal.message if refusal is not None else ""


@private_page
@require_safe
def confirmed(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Right after booking: everything about the meeting, the invite and the manage link."""
    meeting = linked_meeting(reference)
    return render_page(request, "booking/confirmed.html", meeting_context(request, meeting))


@private_page
@require_safe
def manage(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """The page behind the link in the email: details, cancel, reschedule."""
    meeting = linked_meeting(reference)
    return render_page(request, "booking/manage.html", meeting_context(request, meeting))


@private_page
@require_safe
def invite(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """The meeting as an .ics file (a cancelled meeting gives a cancellation)."""
    from booking.ical import meeting_calendar  # imported here: ical is its own module

    meeting = linked_meeting(reference)
    day = meeting.start.astimezone(meeting_zone(meeting)).date()
    response = HttpResponse(meeting_calendar(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{day.isoformat()}.ics"'
    return response


@private_page
@require_http_methods(["GET", "POST"])
def cancel(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Ask once, then cancel: frees the time; refused after the topic's cut-off."""
    meeting = linked_meeting(reference)
    error, status = "", 200
    if meeting.status == MeetingStatus.CANCELLED:
        return redirect("booking:manage", reference=reference)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            status = 400  # the reason is too long: the same page, the field's error
        else:
            try:
                services.meeting_cancel(
                    actor=browser_actor(request),
                    meeting_id=meeting.pk,
                    reason=form.cleaned_data["reason"],
                )
            except BookingError as e:
                error, status = e.message, e.status
            else:
                # No flash message: the manage page's own banner says it, once.
                return redirect("booking:manage", reference=reference)
    elif not can_change(meeting, timezone.now()):
        error, status = too_late_message(meeting), 409
    context = {**meeting_context(request, meeting), "error": error, "form": form}
    return render_page(request, "booking/cancel.html", context, status=status)


def reschedule_options(
    meeting: Meeting, employee_value: str | None, *, viewer_zone: ZoneInfo | None = None
) -> tuple[PickerOptions, str]:
    """The picker for moving a meeting: same topic, type and branch; the same employee
    unless the customer asks for any available one; online and phone in `viewer_zone`.

    The move keeps how the meeting was booked: a profile's hours, period and employees,
    the meeting's own length, and the room features the customer asked for."""
    employees = topic_employees(meeting.topic)
    current = meeting.employee
    physical = meeting.meeting_type == MeetingType.PHYSICAL
    location = current.location if current and physical else None
    restriction = restriction_for(meeting.profile) if meeting.profile is not None else None
    fitting = {
        str(e.pk): e
        for e in employees
        if meeting.meeting_type in e.meeting_types
        and (location is None or e.location_id == location.pk)
        and (restriction is None or e.pk in restriction.employee_ids)
    }
    if employee_value not in fitting and employee_value != ANY_EMPLOYEE:
        employee_value = str(current.pk) if current and str(current.pk) in fitting else ANY_EMPLOYEE
    slot = meeting.time_slot
    options = PickerOptions(
        topic=meeting.topic,
        meeting_type=meeting.meeting_type,
        category=meeting.customer_category,
        location=location,
        employee=fitting.get(employee_value),
        ignore_session_key=slot.session_key if is_single_session(slot.session_key) else "",
        viewer_zone=viewer_zone,
        profile=restriction,
        duration=own_minutes(meeting),
        room_features=requested_features(meeting) if physical else frozenset(),
    )
    return options, employee_value


def own_minutes(meeting: Meeting) -> int | None:
    """The meeting's own length when it is not simply its topic's (a profile's duration):
    None lets the picker take the topic's."""
    minutes = int((meeting.end - meeting.start) / timedelta(minutes=1))
    if meeting.profile_id is None and minutes == meeting.topic.duration:
        return None
    return minutes


def meeting_day(meeting: Meeting, options: PickerOptions) -> date:
    """The meeting's own day, in the zone the picker shows times in."""
    return meeting.start.astimezone(options.zone).date()


@private_page
@require_http_methods(["GET", "POST"])
def reschedule(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Pick a new time in the same picker; POST holds it for the move."""
    meeting = linked_meeting(reference)
    now = timezone.now()
    data = request.POST if request.method == "POST" else request.GET
    options, employee_value = reschedule_options(
        meeting,
        data.get("employee"),
        viewer_zone=zones.reschedule_zone(request, meeting.customer_timezone),
    )
    dates = parse_picker_dates(request.GET)
    if dates.day is None and dates.month is None and not dates.earliest:
        # Without a chosen day the picker opens on the meeting's own day, not the first free.
        dates = PickerDates(day=meeting_day(meeting, options), error=dates.error)
    error, status = dates.error, 400 if dates.error else 200
    if not can_change(meeting, now):
        error, status = too_late_message(meeting), 409
    elif request.method == "POST":
        attempt = hold_pressed_time(
            request,
            options,
            employees=topic_employees(meeting.topic),
            employee_choice=employee_value,
            now=now,
            moving=meeting,
        )
        if attempt.slot is not None:
            return redirect(
                "booking:reschedule_confirm", reference=reference, slot_id=attempt.slot.pk
            )
        dates = PickerDates(day=attempt.day) if attempt.day else dates
        error, status = attempt.error, attempt.status
    context = {
        **meeting_context(request, meeting),
        "error": error,
        "options": options,
        "hold_url": reverse("booking:reschedule", args=[reference]),
        "hidden_options": {"employee": employee_value},
        "employee_value": employee_value,
        "any_query": query_string({"employee": ANY_EMPLOYEE}),
        "same_query": query_string({"employee": meeting.employee.pk if meeting.employee else ""}),
    }
    if status != 409:  # past the cut-off there is nothing to pick
        picker = build_month(
            options,
            month=dates.month,
            day=dates.day,
            now=now,
            current_start=meeting.start,
            # A new time before this could no longer be changed online once booked.
            cutoff_before=now + meeting.change_cutoff,
        )
        context.update(picker=picker, **picker_links({"employee": employee_value}, picker))
    return render_page(request, "booking/reschedule.html", context, partial="picker", status=status)


@private_page
@require_http_methods(["GET", "POST"])
def reschedule_confirm(request: HtmxHttpRequest, reference: str, slot_id: int) -> HttpResponse:
    """Old time, new time, one button: the new time is booked before the old one is freed."""
    meeting = linked_meeting(reference)
    info = hold_info(request, slot_id)
    if info is not None and info.done == reference:  # submitted twice: already moved
        return redirect("booking:manage", reference=reference)
    new_slot, info = held_slot_or_404(request, slot_id)
    if info.reschedule != reference:
        return redirect("booking:manage", reference=reference)
    now = timezone.now()
    # The zone the picker showed the new time in (the same rule picks it): the move stores
    # it, so this page, the manage page and the emails all show what the customer picked.
    picked = zones.reschedule_zone(request, meeting.customer_timezone)
    zone_key = picked.key if picked is not None else meeting.customer_timezone
    error, status = "", 200
    if request.method == "POST":
        try:
            moved = services.meeting_move(
                actor=browser_actor(request),
                meeting=meeting,
                hold=new_slot,
                customer_timezone=zone_key,
            )
        except BookingError as e:
            error, status = e.message, e.status
        else:
            mark_done(request, slot_id, reference)
            when = formats.date_format(
                timezone.localtime(moved.start, meeting_zone(moved)), "DATETIME_FORMAT"
            )
            messages.success(
                request, _("Your meeting has been moved to %(when)s.") % {"when": when}
            )
            return redirect("booking:manage", reference=reference)
    elif not can_change(meeting, now):
        error, status = too_late_message(meeting), 409
    new_zone = meeting.customer_zone_for(new_slot, customer_timezone=zone_key)
    context = {
        **meeting_context(request, meeting),
        "error": error,
        "new_slot": new_slot,
        # Both times in the zone the meeting will be shown in once moved.
        "zone": new_zone,
        "zone_name": new_zone.key,
        "in_customer_zone": customer_own_zone(meeting.meeting_type, zone_key) is not None,
        "new_zone": new_zone,
        "hold_live": new_slot.hold_is_live(now),
        "picker_url": reverse("booking:reschedule", args=[reference])
        + query_string({"employee": info.employee_choice}),
    }
    return render_page(request, "booking/reschedule_confirm.html", context, status=status)
