"""A meeting for staff: customer, answers, its booking events as history, the outcome.

Only meetings of the user's visible locations; any other answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from booking.actors import Actor, ActorKind
from booking.errors import BookingError
from booking.models import BookingEvent, BookingEventKind, Meeting, MeetingOutcome, MeetingStatus
from booking.reports import branch_of
from booking.roles import employee_of, visible_locations
from booking.services.meetings import meeting_cancel
from booking.services.outcomes import (
    INTERNAL_NOTE_MAX_LENGTH,
    meeting_field_max_length,
    meeting_record_outcome,
)
from booking.staff.access import staff_required
from booking.views.rendering import SignedInHttpRequest, render_page
from config_data.models import Employee, Location

# The customer's no-shows listed on the page; the count covers all of them.
NO_SHOWS_LISTED = 20
CANCEL_REASON_MAX_LENGTH = meeting_field_max_length("cancel_reason")


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("What happened?"),
        choices=[
            (MeetingOutcome.COMPLETED.value, MeetingOutcome.COMPLETED.label),
            (MeetingOutcome.NO_SHOW.value, MeetingOutcome.NO_SHOW.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose completed or no-show.")},
    )
    internal_note = forms.CharField(
        label=gettext_lazy("Internal note"),
        help_text=gettext_lazy("Seen by staff only, never by the customer."),
        required=False,
        max_length=INTERNAL_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One booking event as staff read it: what, who, when (in the location's zone)."""

    kind: str
    label: str
    who: str
    at: datetime
    detail: str = ""


def meeting_location(meeting: Meeting) -> Location:
    """The branch a meeting belongs to: its room's, else its employee's (the reports'
    rule too: booking.reports.branch_of)."""
    employee, room = meeting.employee, meeting.room
    return branch_of(employee.location if employee else None, room.location if room else None)


def visible_meeting(request: SignedInHttpRequest, meeting_id: int) -> Meeting:
    """The meeting if it belongs to one of the user's locations; 404 otherwise."""
    meeting = (
        Meeting.objects.with_details()
        .prefetch_related("answers")
        .at_locations(visible_locations(request.user))
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting at this user's locations.")
    return meeting


def _who(events: list[BookingEvent]) -> dict[tuple[str, str], str]:
    """Names for the actors of these events: two queries at most, however many events."""
    ids: dict[str, set[int]] = {ActorKind.EMPLOYEE: set(), ActorKind.STAFF: set()}
    for event in events:
        if event.actor_kind in ids and event.actor_id.isdigit():
            ids[event.actor_kind].add(int(event.actor_id))
    names: dict[tuple[str, str], str] = {}
    if ids[ActorKind.EMPLOYEE]:
        for pk, name in Employee.objects.filter(pk__in=ids[ActorKind.EMPLOYEE]).values_list(
            "pk", "name"
        ):
            names[(ActorKind.EMPLOYEE, str(pk))] = name
    if ids[ActorKind.STAFF]:
        for user in get_user_model().objects.filter(pk__in=ids[ActorKind.STAFF]):
            names[(ActorKind.STAFF, str(user.pk))] = user.get_full_name() or user.get_username()
    return names


def _actor_label(event: BookingEvent, names: dict[tuple[str, str], str]) -> str:
    known = names.get((event.actor_kind, event.actor_id))
    if known:
        return known
    if event.actor_kind in (ActorKind.SESSION, ActorKind.USER):
        return _("The customer")
    if event.actor_kind == ActorKind.API_CLIENT:
        return _("API client %(id)s") % {"id": event.actor_id}
    if event.actor_kind == ActorKind.SYSTEM:
        return _("BookMe")
    return str(ActorKind(event.actor_kind).label) if event.actor_kind in ActorKind.values else "?"


def meeting_history(meeting: Meeting, zone: ZoneInfo) -> list[HistoryEntry]:
    """The meeting's booking events, and its time slots' from before they were the
    meeting's (held, booked), oldest first. One query."""
    # Every slot the meeting ever had (a move changes it): their holds and bookings too.
    its_slots = BookingEvent.objects.filter(meeting=meeting).values("time_slot_id")
    events = list(
        BookingEvent.objects.filter(
            Q(meeting=meeting)
            | Q(meeting__isnull=True, time_slot_id__in=its_slots)
            | Q(meeting__isnull=True, time_slot_id=meeting.time_slot_id)
        ).order_by("created_at", "pk")
    )
    names = _who(events)
    entries = []
    for event in events:
        detail = ""
        previous = (
            event.data.get("previous_start") if event.kind == BookingEventKind.MOVED else None
        )
        if previous:
            try:
                was = datetime.fromisoformat(previous).astimezone(zone)
                detail = _("from %(time)s") % {"time": was.strftime("%Y-%m-%d %H:%M")}
            except (TypeError, ValueError):
                detail = ""
        entries.append(
            HistoryEntry(
                kind=event.kind,
                label=str(event.get_kind_display()),
                who=_actor_label(event, names),
                at=event.created_at,
                detail=detail,
            )
        )
    return entries


def _no_shows(meeting: Meeting, visible: QuerySet[Location]) -> tuple[int, list[Meeting], int]:
    """The customer's other no-shows: how many in all, the latest few at the viewer's
    branches (newest first), and how many at other branches. Another branch's meetings stay
    a bare count: the viewer may not see their dates, topics or advisers.

    Guests get a new customer record with each booking, so the same email address counts
    as the same customer too."""
    same_customer = Q(customer=meeting.customer_id)
    if meeting.customer.email:
        same_customer |= Q(customer__email__iexact=meeting.customer.email)
    no_shows = Meeting.objects.filter(same_customer, outcome=MeetingOutcome.NO_SHOW).exclude(
        pk=meeting.pk
    )
    here = no_shows.at_locations(visible)
    listed = list(here.with_details().distinct().order_by("-time_slot__start")[:NO_SHOWS_LISTED])
    return no_shows.count(), listed, no_shows.exclude(pk__in=here.values("pk")).count()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Message to the customer"),
        help_text=gettext_lazy(
            "Optional: shown in the cancellation email, e.g. to invite a rebooking."
        ),
        required=False,
        max_length=CANCEL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _page(
    request: SignedInHttpRequest,
    found: Meeting,
    *,
    form: OutcomeForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    location = meeting_location(found)
    zone = ZoneInfo(location.timezone)
    now = timezone.now()
    confirmed = found.status == MeetingStatus.CONFIRMED
    no_show_count, no_shows, no_shows_elsewhere = _no_shows(found, visible_locations(request.user))
    context = {
        "staff_section": "calendar",
        "meeting": found,
        "location": location,
        "zone_name": zone.key,
        "history": meeting_history(found, zone),
        "no_show_count": no_show_count,
        "no_shows": no_shows,
        "no_shows_elsewhere": no_shows_elsewhere,
        "form": form
        or OutcomeForm(
            initial={"outcome": found.outcome or None, "internal_note": found.internal_note}
        ),
        "cancel_form": cancel_form or CancelForm(),
        "can_record": confirmed and now >= found.start,
        "can_cancel": confirmed and now < found.start,
        "calendar_query": f"?location={location.pk}&date={found.start.astimezone(zone).date()}",
    }
    return render_page(request, "staff/meeting.html", context, status=status)


def _actor(request: SignedInHttpRequest) -> Actor:
    return Actor.for_staff(request.user, employee_of(request.user))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def meeting(request: SignedInHttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting's details; POST records its outcome (completed / no-show) and note."""
    found = visible_meeting(request, meeting_id)
    if request.method != "POST":
        return _page(request, found)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _page(request, found, form=form, status=422)
    try:
        meeting_record_outcome(
            actor=_actor(request),
            meeting_id=found.pk,
            outcome=form.cleaned_data["outcome"],
            internal_note=form.cleaned_data["internal_note"],
        )
    except BookingError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, found, form=form, status=error.status)
    messages.success(request, _("The outcome has been saved."))
    return redirect("staff:meeting", meeting_id=found.pk)


@require_POST
@staff_required
def cancel(request: SignedInHttpRequest, meeting_id: int) -> HttpResponse:
    """Cancel the meeting for the customer, with an optional message for the email.

    Staff are not held to the topic's cut-off (the service decides that from the actor),
    but a meeting that has begun gets an outcome instead of a cancellation."""
    found = visible_meeting(request, meeting_id)
    cancel_form = CancelForm(request.POST)
    if not cancel_form.is_valid():
        return _page(request, found, cancel_form=cancel_form, status=422)
    if found.status != MeetingStatus.CONFIRMED:
        messages.info(request, _("This meeting was already cancelled."))
        return redirect("staff:meeting", meeting_id=found.pk)
    if timezone.now() >= found.start:
        cancel_form.add_error(None, _("This meeting has begun: record its outcome instead."))
        return _page(request, found, cancel_form=cancel_form, status=409)
    try:
        meeting_cancel(
            actor=_actor(request),
            meeting_id=found.pk,
            reason=cancel_form.cleaned_data["reason"],
        )
    except BookingError as error:
        cancel_form.add_error(None, error.message)
        return _page(request, found, cancel_form=cancel_form, status=error.status)
    messages.success(request, _("The meeting has been cancelled and the customer informed."))
    return redirect("staff:meeting", meeting_id=found.pk)
