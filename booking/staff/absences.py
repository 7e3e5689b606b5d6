"""Absences: enter one for an employee of a visible branch; then move or cancel the booked
meetings it collides with (booking.services.absences does the writing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from booking.errors import BookingError
from booking.models import Meeting, resolved_zone
from booking.roles import visible_locations
from booking.services.absences import (
    Resolution,
    absence_cancel_all,
    absence_create,
    absence_meeting_cancel,
    absence_meeting_move,
    absence_move_all,
    colliding_meetings,
    move_candidates,
)
from booking.staff.access import staff_required
from booking.staff.phone import staff_actor
from booking.views.rendering import SignedInHttpRequest, render_page
from config_data.models import Absence, Employee

WALL_CLOCK_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
MESSAGE_MAX_LENGTH = Meeting._meta.get_field("cancel_reason").max_length or 1000


def _wall_clock_input() -> forms.TextInput:
    return forms.TextInput(attrs={"type": "datetime-local"})


class AbsenceForm(forms.Form):
    """Who is away, from when to when (in the employee's own zone), and why."""

    employee = forms.ModelChoiceField(
        queryset=Employee.objects.none(), label=gettext_lazy("Employee"), empty_label=None
    )
    start = forms.CharField(label=gettext_lazy("From"), widget=_wall_clock_input())
    end = forms.CharField(label=gettext_lazy("Until"), widget=_wall_clock_input())
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=Absence._meta.get_field("reason").max_length,
    )

    def __init__(self, *args: Any, employees: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["employee"]).queryset = employees
        self.fields["start"].help_text = gettext_lazy("In the employee's time zone.")

    @staticmethod
    def _wall_clock(value: str) -> datetime:
        for pattern in WALL_CLOCK_FORMATS:
            try:
                parsed = datetime.strptime(value.strip(), pattern)
            except ValueError:
                continue
            # Far-off years would overflow when moved between zones.
            if 1900 < parsed.year < 9000:
                return parsed
        raise forms.ValidationError(gettext_lazy("Enter a date and time, e.g. 2026-06-01 09:00."))

    def clean_start(self) -> datetime:
        return self._wall_clock(self.cleaned_data["start"])

    def clean_end(self) -> datetime:
        return self._wall_clock(self.cleaned_data["end"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        employee, start, end = data.get("employee"), data.get("start"), data.get("end")
        if employee is None or start is None or end is None:
            return data
        zone = resolved_zone(employee=employee)
        data["start"] = self._in_utc(start, zone, "start")
        data["end"] = self._in_utc(end, zone, "end")
        if data["start"] is None or data["end"] is None:
            return data
        # Both are in UTC: same-zone aware datetimes would compare as wall clocks.
        if data["end"] <= data["start"]:
            self.add_error("end", gettext_lazy("The end must be after the start."))
        return data

    def _in_utc(self, wall: datetime, zone: tzinfo, name: str) -> datetime | None:
        """The wall-clock time in the employee's zone, as UTC; None (with a field error) for a
        time the clocks skip when they spring forward. A time the autumn change repeats is
        read as its first occurrence (fold=0, still summer time)."""
        aware = wall.replace(tzinfo=zone, fold=0)
        utc = aware.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) != wall:
            self.add_error(
                name,
                gettext_lazy(
                    "This time does not exist in the employee's time zone (the clocks move "
                    "forward then). Enter a time before or after the change."
                ),
            )
            return None
        return utc


def _add_model_errors(form: forms.Form, error: ValidationError) -> None:
    """Put the model's validation errors on the form's fields (others on the form itself)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _employees(request: SignedInHttpRequest) -> QuerySet[Employee]:
    return (
        Employee.objects.filter(location__in=visible_locations(request.user))
        .select_related("location")
        .order_by("name", "pk")
    )


@require_http_methods(["GET", "POST"])
@staff_required
def absences(request: SignedInHttpRequest) -> HttpResponse:
    """Enter an absence. While typing (HTMX, or a plain GET of the form's values) the booked
    meetings it would collide with show at once; POST saves it and opens its meetings."""
    employees = _employees(request)
    data = request.POST if request.method == "POST" else request.GET
    bound = request.method == "POST" or "employee" in request.GET
    form = AbsenceForm(data if bound else None, employees=employees)
    now = timezone.now()
    collisions: list[Meeting] | None = None
    status = 200
    if bound and form.is_valid() and request.method == "POST":
        cleaned = form.cleaned_data
        try:
            absence = absence_create(
                employee=cleaned["employee"],
                start=cleaned["start"],
                end=cleaned["end"],
                reason=cleaned["reason"],
            )
        except ValidationError as e:  # the model's own rules, shown on the form
            _add_model_errors(form, e)
        else:
            messages.success(request, _("The absence is saved."))
            return redirect("staff:absence", absence_id=absence.pk)
    if bound and form.is_valid():
        cleaned = form.cleaned_data
        collisions = list(
            colliding_meetings(
                employee_id=cleaned["employee"].pk,
                start=cleaned["start"],
                end=cleaned["end"],
                now=now,
            )
        )
    elif request.method == "POST":
        status = 422 if request.htmx else 400
    context = {
        "staff_section": "absences",
        "form": form,
        "collisions": collisions,
        "upcoming": Absence.objects.filter(employee__in=employees, end__gt=now)
        .select_related("employee__location")
        .order_by("start")[:50],
    }
    return render_page(request, "staff/absence.html", context, partial="collisions", status=status)


class ResolveForm(forms.Form):
    """One choice on the absence's meetings: move or cancel one, or all of them."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("move", "cancel", "move_all", "cancel_all")]
    )
    meeting = forms.IntegerField(required=False)
    colleague = forms.IntegerField(required=False)
    message = forms.CharField(
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={
            "max_length": gettext_lazy("The message can be at most %(limit_value)d characters.")
        },
    )


@dataclass
class MeetingRow:
    """A colliding meeting on the page, with who could take it and what went wrong."""

    meeting: Meeting
    candidates: list[Employee]
    error: str = ""
    message: str | None = None  # what was typed, kept after an error
    colleague: int | None = None
    zone_key: str = field(init=False)

    def __post_init__(self) -> None:
        self.zone_key = self.meeting.display_zone.key


def default_message() -> str:
    return _(
        "We are sorry: your adviser cannot attend this meeting. "
        "Please book a new time that suits you."
    )


@require_http_methods(["GET", "POST"])
@staff_required
def absence(request: SignedInHttpRequest, absence_id: int) -> HttpResponse:
    """An absence and the booked meetings it collides with: move each to a free colleague
    or cancel it with a message, one at a time or all at once."""
    absence = get_object_or_404(
        Absence.objects.select_related("employee__location"),
        pk=absence_id,
        employee__location__in=visible_locations(request.user),
    )
    now = timezone.now()
    status, error, results = 200, "", []
    failed: dict[int, tuple[str, str | None, int | None]] = {}
    if request.method == "POST":
        form = ResolveForm(request.POST)
        meetings = list(_collisions(absence, now))
        if not form.is_valid():
            error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
            target = form.data.get("meeting", "")
            if target.isdigit():
                failed[int(target)] = (error, form.data.get("message"), None)
                error = ""
            status = 422 if request.htmx else 400
        else:
            outcome = _resolve(request, absence, form.cleaned_data, meetings, now)
            if isinstance(outcome, list):
                results = outcome
                if not request.htmx:
                    for result in results:
                        _flash(request, result)
                    return redirect("staff:absence", absence_id=absence.pk)
            else:
                failed[form.cleaned_data["meeting"] or 0] = outcome
                status = 409
    rows = [
        MeetingRow(meeting, move_candidates(meeting, now=now))
        for meeting in _collisions(absence, now)
    ]
    for row in rows:
        if row.meeting.pk in failed:
            row.error, row.message, row.colleague = failed[row.meeting.pk]
    context = {
        "staff_section": "absences",
        "absence": absence,
        "zone_key": resolved_zone(employee=absence.employee).key,
        "rows": rows,
        "results": results,
        "error": error or (failed.get(0, ("",))[0]),
        "default_message": default_message(),
        "message_max_length": MESSAGE_MAX_LENGTH,
    }
    return render_page(request, "staff/absence.html", context, partial="meetings", status=status)


def _collisions(absence: Absence, now: datetime) -> QuerySet[Meeting]:
    return colliding_meetings(
        employee_id=absence.employee_id, start=absence.start, end=absence.end, now=now
    )


def _resolve(
    request: SignedInHttpRequest,
    absence: Absence,
    data: dict[str, Any],
    meetings: list[Meeting],
    now: datetime,
) -> list[Resolution] | tuple[str, str | None, int | None]:
    """Do what was chosen: the results, or (error, typed message, typed colleague)."""
    actor = staff_actor(request)
    action, message = data["action"], data["message"] or ""
    if action == "move_all":
        return absence_move_all(actor=actor, meetings=meetings, now=now)
    if action == "cancel_all":
        return absence_cancel_all(actor=actor, meetings=meetings, message=message, now=now)
    meeting = next((m for m in meetings if m.pk == data["meeting"]), None)
    if meeting is None:  # not one of this absence's meetings (or gone meanwhile)
        raise Http404("Not a meeting of this absence.")
    try:
        if action == "cancel":
            cancelled = absence_meeting_cancel(
                actor=actor, meeting_id=meeting.pk, message=message, now=now
            )
            return [Resolution(meeting=cancelled, cancelled=True)]
        colleague = Employee.objects.filter(
            pk=data["colleague"] or 0, location_id=absence.employee.location_id
        ).first()
        if colleague is None:
            return (_("Choose one of the colleagues listed."), message, None)
        moved = absence_meeting_move(
            actor=actor, meeting_id=meeting.pk, colleague=colleague, now=now
        )
        return [Resolution(meeting=moved, moved_to=colleague)]
    except BookingError as e:
        return (e.message, message, data["colleague"])


def _flash(request: SignedInHttpRequest, result: Resolution) -> None:
    customer = result.meeting.customer.display_name
    if result.moved_to is not None:
        messages.success(
            request,
            _("%(customer)s's meeting moved to %(name)s; the customer gets an email.")
            % {"customer": customer, "name": result.moved_to.name},
        )
    elif result.cancelled:
        messages.success(
            request,
            _("%(customer)s's meeting is cancelled; the customer gets an email to book again.")
            % {"customer": customer},
        )
    else:
        messages.error(
            request,
            _("%(customer)s's meeting is unchanged: %(error)s")
            % {"customer": customer, "error": result.error},
        )
