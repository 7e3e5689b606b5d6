"""Book for a customer (on the phone): staff walk the website's flow from their side.

The same search (booking.views.picker, booking.search), the same hold and confirm services
(time_slot_reserve_any, booking_confirm) with the staff member as the actor, so the meeting
is `bookedBy employee` and the customer gets the same emails and manage link. Staff may
pick topics customers cannot book themselves, and only their visible branches' employees.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from booking import services
from booking.actors import Actor
from booking.errors import BookingError, InvalidRequest, SlotUnavailable
from booking.forms import DetailsForm, HoldForm
from booking.ical import manage_url
from booking.models import BookedBy, Meeting, TimeSlot, TimeSlotStatus
from booking.roles import employee_of, visible_locations
from booking.staff.access import staff_required
from booking.views.access import slot_zone
from booking.views.flow import parse_week
from booking.views.picker import PickerOptions, build_week, hold_candidates, monday_of
from booking.views.rendering import SignedInHttpRequest, query_string, render_page
from config_data.models import CustomerCategory, Employee, Location, MeetingTopic, MeetingType

OPTION_KEYS = ("topic", "type", "location", "employee")


def staff_actor(request: SignedInHttpRequest) -> Actor:
    """The staff member booking: as their employee record, or as the (administrator) user."""
    return Actor.for_staff(request.user, employee_of(request.user))


def visible_employees(request: SignedInHttpRequest) -> QuerySet[Employee]:
    return Employee.objects.bookable().filter(location__in=visible_locations(request.user))


class PhoneOptionsForm(forms.Form):
    """Topic (customer-bookable or not), meeting type, branch and employee ("any")."""

    topic = forms.ModelChoiceField(
        queryset=MeetingTopic.objects.none(), label=_("Topic"), empty_label=_("Choose…")
    )
    type = forms.ChoiceField(label=_("Meeting type"), choices=MeetingType.choices)
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), label=_("Branch"), empty_label=None
    )
    employee = forms.ModelChoiceField(
        queryset=Employee.objects.none(),
        label=_("With whom?"),
        required=False,
        empty_label=_("Any available employee"),
    )

    def __init__(self, *args: Any, employees: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field("topic").queryset = (
            MeetingTopic.objects.active()
            .filter(employees__in=employees)
            .distinct()  # in the model's order: by the name as shown (translation.py)
        )
        self.field("location").queryset = Location.objects.filter(
            pk__in=employees.values("location")
        )
        self.field("employee").queryset = employees.select_related("location").order_by("name")

    def field(self, name: str) -> forms.ModelChoiceField:
        return cast(forms.ModelChoiceField, self.fields[name])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        topic, meeting_type = data.get("topic"), data.get("type")
        location, employee = data.get("location"), data.get("employee")
        if topic is not None and meeting_type and meeting_type not in topic.meeting_types:
            self.add_error("type", _("This topic is not held as this kind of meeting."))
        if employee is not None:
            if topic is not None and not topic.employees.filter(pk=employee.pk).exists():
                self.add_error(
                    "employee", _("%(name)s does not hold this topic.") % {"name": employee.name}
                )
            elif meeting_type and meeting_type not in employee.meeting_types:
                self.add_error(
                    "employee",
                    _("%(name)s does not offer this kind of meeting.") % {"name": employee.name},
                )
            elif location is not None and employee.location_id != location.pk:
                self.add_error(
                    "employee",
                    _("%(name)s works at the %(branch)s branch.")
                    % {"name": employee.name, "branch": employee.location.name},
                )
        return data

    def picker_options(self) -> PickerOptions:
        data = self.cleaned_data
        return PickerOptions(
            topic=data["topic"],
            meeting_type=data["type"],
            location=data["location"],
            employee=data.get("employee"),
        )


def _options_query(data: Mapping[str, Any], *, week: date | None = None) -> str:
    """`?topic=..&type=..&location=..&employee=..&week=..`: the picker's links keep the choices."""
    params: dict[str, object] = {k: data.get(k) for k in OPTION_KEYS}
    params["week"] = week.isoformat() if week is not None else None
    return query_string(params)


@require_http_methods(["GET", "POST"])
@staff_required
def book(request: SignedInHttpRequest) -> HttpResponse:
    """Choose the topic, type, branch and employee, then a free time; POST holds the time."""
    data = request.POST if request.method == "POST" else request.GET
    employees = visible_employees(request)
    chosen = "topic" in data
    form = PhoneOptionsForm(data if chosen else None, employees=employees)
    if not chosen:
        form.initial["location"] = Location.objects.filter(
            pk__in=employees.values("location")
        ).first()
    context: dict[str, Any] = {
        "step": "choose",
        "form": form,
        "staff_section": "phone_booking",
        "picker": None,
    }
    status = 200
    if chosen and form.is_valid():
        options = form.picker_options()
        now = timezone.now()
        week = parse_week(request.GET.get("week"))
        error = ""
        if request.method == "POST":
            try:
                slot = _hold(request, options, now=now)
            except BookingError as e:
                error, status = e.message, e.status
                week = week or _pressed_week(request, options)
            else:
                return redirect("staff:phone_booking_details", slot_id=slot.pk)
        picker = build_week(options, week=week, now=now)
        context.update(
            picker=picker,
            options=options,
            error=error,
            hold_url=reverse("staff:phone_booking"),
            previous_query=_options_query(data, week=picker.previous_week),
            next_query=_options_query(data, week=picker.next_week),
            next_free_query=_options_query(data, week=picker.next_free_week),
            hidden_options={k: data.get(k, "") for k in OPTION_KEYS},
        )
    elif chosen:
        status = 400 if request.method == "POST" else 200
        # Named by their labels in the picker's place too: an HTMX swap shows only that part.
        context["option_errors"] = [
            (form[name].label if name in form.fields else "", error)
            for name, errors in form.errors.items()
            for error in errors
        ]
    return render_page(request, "staff/book.html", context, partial="picker", status=status)


def _pressed_week(request: SignedInHttpRequest, options: PickerOptions) -> date | None:
    """The week of the time pressed, to show the picker there again after a refusal."""
    form = HoldForm(request.POST)
    return form.cleaned_data["start"].astimezone(options.zone).date() if form.is_valid() else None


def _hold(request: SignedInHttpRequest, options: PickerOptions, *, now: datetime) -> TimeSlot:
    """Hold the pressed time for this staff member, with the first employee free then."""
    form = HoldForm(request.POST)
    if not form.is_valid():
        raise SlotUnavailable("time_not_offered", field="start")
    start = form.cleaned_data["start"]
    if start <= now:
        raise SlotUnavailable("time_passed", field="start")
    candidates = hold_candidates(options, start=start, now=now)
    employees = {
        e.pk: e
        for e in visible_employees(request).filter(
            pk__in=[c.employee_id for c in candidates if c.employee_id is not None]
        )
    }
    choices = [
        services.SlotRequest(
            start=c.start,
            end=c.end,
            employee=employees[c.employee_id],
            topic=options.topic,
            meeting_type=options.meeting_type,
        )
        for c in candidates
        if c.employee_id in employees  # only the staff member's visible branches
    ]
    if not choices:
        raise SlotUnavailable("time_not_offered", field="start")
    return services.time_slot_reserve_any(actor=staff_actor(request), choices=choices, now=now)


class PhoneDetailsForm(DetailsForm):
    """The website's details form in staff's words, with the customer's category and language."""

    category = forms.ModelChoiceField(
        queryset=CustomerCategory.objects.none(), label=_("Customer category")
    )
    language = forms.ChoiceField(label=_("Language of the emails"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, topic: MeetingTopic, **kwargs: Any) -> None:
        super().__init__(*args, questions=list(topic.information_questions.all()), **kwargs)
        self.fields["name"].label = _("Customer's name")
        self.fields["email"].label = _("Customer's email")
        self.fields["email"].help_text = _(
            "The customer gets the confirmation and the link to manage the meeting here."
        )
        self.fields["phone"].label = _("Customer's phone (optional)")
        self.fields["description"].label = _("What is it about? (optional)")
        categories = topic.customer_categories.all()
        category = cast(forms.ModelChoiceField, self.fields["category"])
        if categories.exists():
            category.queryset = categories
        else:  # open to every category: nothing to choose
            del self.fields["category"]
        self.initial.setdefault("language", (get_language() or settings.LANGUAGE_CODE)[:2])


def _staff_hold_or_404(request: SignedInHttpRequest, slot_id: int) -> TimeSlot:
    """This staff member's own hold on a visible branch's employee; anything else is 404."""
    slot = get_object_or_404(
        TimeSlot.objects.select_related("topic", "employee__location", "room__location"),
        pk=slot_id,
        holder=staff_actor(request).holder,
        topic__isnull=False,
        employee__location__in=visible_locations(request.user),
    )
    return slot


@require_http_methods(["GET", "POST"])
@staff_required
def details(request: SignedInHttpRequest, slot_id: int) -> HttpResponse:
    """The customer's details and answers; POST books the time and creates the meeting."""
    slot = _staff_hold_or_404(request, slot_id)
    booked = Meeting.objects.filter(time_slot=slot).only("reference").first()
    if booked is not None:  # a second submit: show the first result
        _remember_done(request, booked.reference)
        return redirect("staff:phone_booking_done", reference=booked.reference)
    topic = slot.topic
    assert topic is not None  # _staff_hold_or_404 requires one
    error, status = "", 200
    if request.method == "POST":
        form = PhoneDetailsForm(request.POST, topic=topic)
        if form.is_valid():
            try:
                meeting = _confirm(request, slot, form)
            except InvalidRequest as e:
                field = (e.field or "").replace("answers.", "answer_")
                field = "category" if field == "customer_category" else field
                if field in form.fields:
                    form.add_error(field, e.message)
                else:
                    error, status = e.message, e.status
            except BookingError as e:
                error, status = e.message, e.status
            else:
                _remember_done(request, meeting.reference)
                url = reverse("staff:phone_booking_done", args=[meeting.reference])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if not error or (request.htmx and status == 400):
            status = 422 if request.htmx else 400  # htmx swaps a 422, never a 400
    else:
        form = PhoneDetailsForm(topic=topic)
    context = {
        "step": "details",
        "staff_section": "phone_booking",
        "slot": slot,
        "topic": topic,
        "form": form,
        "error": error,
        "zone": slot_zone(slot),
        "hold_live": slot.hold_is_live(timezone.now()),
        "meeting_type_label": MeetingType(slot.meeting_type).label if slot.meeting_type else "",
        "picker_url": _picker_url(slot),
    }
    return render_page(request, "staff/book.html", context, partial="details-form", status=status)


def _picker_url(slot: TimeSlot) -> str:
    week = monday_of(slot.start.astimezone(slot_zone(slot)).date())
    assert slot.employee is not None
    return reverse("staff:phone_booking") + _options_query(
        {"topic": slot.topic_id, "type": slot.meeting_type, "location": slot.employee.location_id},
        week=week,
    )


def _confirm(request: SignedInHttpRequest, slot: TimeSlot, form: PhoneDetailsForm) -> Meeting:
    data = form.cleaned_data
    return services.booking_confirm(
        actor=staff_actor(request),
        hold=slot,
        customer=services.CustomerDetails(
            name=data["name"], email=data["email"], phone=data["phone"]
        ),
        meeting_type=slot.meeting_type,
        customer_category=data.get("category"),
        description=data["description"],
        answers=form.answers(),
        language=data["language"],
        booked_by=BookedBy.EMPLOYEE,
    )


@require_POST
@staff_required
def release(request: SignedInHttpRequest, slot_id: int) -> HttpResponse:
    """Give the held time back and choose another."""
    slot = _staff_hold_or_404(request, slot_id)
    back = _picker_url(slot)
    if (
        slot.status == TimeSlotStatus.RESERVED
        and not Meeting.objects.filter(time_slot=slot).exists()
    ):
        services.time_slot_release(actor=staff_actor(request), time_slot_id=slot.pk)
    return redirect(back)


DONE_SESSION_KEY = "staff_phone_booked"
DONE_REMEMBERED = 10


def _remember_done(request: SignedInHttpRequest, reference: str) -> None:
    """Remember the just-booked meeting in this session: the done page shows the customer's
    manage link, which is as good as the customer's password."""
    remembered = [r for r in request.session.get(DONE_SESSION_KEY, []) if r != reference]
    request.session[DONE_SESSION_KEY] = [*remembered, reference][-DONE_REMEMBERED:]


@require_safe
@staff_required
def done(request: SignedInHttpRequest, reference: str) -> HttpResponse:
    """The booked meeting, as staff see it right after booking: only a meeting this staff
    user has just booked in this session; any other reference answers 404."""
    if reference not in request.session.get(DONE_SESSION_KEY, []):
        raise Http404("Not a meeting booked here just now.")
    meeting = (
        Meeting.objects.select_related("time_slot__employee", "topic", "customer")
        .filter(time_slot__employee__location__in=visible_locations(request.user))
        .filter(reference=reference, owner=staff_actor(request).holder)
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting at a visible branch.")
    context = {
        "step": "done",
        "staff_section": "phone_booking",
        "meeting": meeting,
        "zone": meeting.display_zone,
        "manage_url": manage_url(meeting),
    }
    return render_page(request, "staff/book.html", context)
