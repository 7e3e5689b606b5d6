"""The booking flow: landing, options, and the slot picker (with the hold)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from booking.forms import ANY_EMPLOYEE, CategoryForm, HoldForm, OptionsForm, topic_employees
from booking.models import Meeting, TimeSlot
from booking.views.holds import hold_pressed_time
from booking.views.picker import PickerOptions, build_week
from booking.views.rendering import HtmxHttpRequest, query_string, render_page, swaps_partial
from booking.views.session_holds import held_already, live_holds
from config_data.models import CustomerCategory, Employee, MeetingTopic, MeetingType


@require_safe
def landing(request: HtmxHttpRequest) -> HttpResponse:
    """Who are you? Then the topics open to that customer category."""
    categories = list(CustomerCategory.objects.all())
    form = CategoryForm(request.GET if "category" in request.GET else None)
    category: CustomerCategory | None = None
    chosen = False
    if form.is_bound and form.is_valid():
        category, chosen = form.cleaned_data["category"], True
    elif not form.is_bound and len(categories) <= 1:
        # Nothing to choose: one category (or none at all) decides the topics.
        category, chosen = (categories[0] if categories else None), True
        form = CategoryForm(initial={"category": category})
    # Each topic with the labels of the meeting types it allows, in the usual order.
    topics: list[tuple[MeetingTopic, list[str]]] = []
    if chosen:
        topics = [
            (topic, [str(MeetingType(t).label) for t in sorted_types(topic.meeting_types)])
            for topic in MeetingTopic.objects.customer_bookable()
            .for_category(category)
            .order_by("name")
        ]
    context = {
        "form": form,
        "categories": categories,
        "category": category,
        "chosen": chosen,
        "topics": topics,
        "category_query": query_string({"category": category.pk if category else None}),
    }
    return render_page(request, "booking/landing.html", context, partial="topics")


def sorted_types(types: frozenset[str]) -> list[str]:
    return [t for t in MeetingType.values if t in types]


def bookable_topic_or_404(topic_id: int, category_value: str | None) -> tuple:
    """The topic and the customer category from a link; a topic not open to it is a 404."""
    category = None
    if category_value:
        # isdigit() alone lets "²" through, which int() refuses.
        if not (category_value.isascii() and category_value.isdigit()):
            raise Http404("Unknown customer category.")
        category = get_object_or_404(CustomerCategory, pk=int(category_value))
    topic = get_object_or_404(
        MeetingTopic.objects.customer_bookable().for_category(category), pk=topic_id
    )
    return topic, category


def options_query(data: dict, *, week: date | str | None = None) -> str:
    return query_string(
        {
            "category": data.get("category"),
            "type": data.get("type"),
            "location": data.get("location"),
            "employee": data.get("employee"),
            "week": week.isoformat() if isinstance(week, date) else week,
        }
    )


@require_safe
def options(request: HtmxHttpRequest, topic_id: int) -> HttpResponse:
    """Meeting type, branch and employee. Submitting goes to the slot picker (GET)."""
    topic, category = bookable_topic_or_404(topic_id, request.GET.get("category"))
    employees = topic_employees(topic)
    initial = {"employee": last_adviser_choice(request, employees)}
    refresh = swaps_partial(request)
    if refresh or "type" not in request.GET:
        # Fresh page, or HTMX refreshing the choices after a change: no errors yet.
        initial.update({k: request.GET[k] for k in ("type", "location") if k in request.GET})
        if refresh and request.GET.get("employee"):
            initial["employee"] = request.GET["employee"]
        form = OptionsForm(initial=initial, topic=topic, employees=employees)
        form = _narrowed(form, topic, employees, initial, default_location=refresh)
    else:
        form = OptionsForm(request.GET, topic=topic, employees=employees)
        form.is_valid()
    context = {"topic": topic, "category": category, "form": form}
    return render_page(request, "booking/options.html", context, partial="options-form")


def _narrowed(
    form: OptionsForm,
    topic: MeetingTopic,
    employees: list[Employee],
    initial: dict,
    *,
    default_location: bool,
) -> OptionsForm:
    """Offer only the employees who fit the chosen type and branch (HTMX refreshes this).

    Without JavaScript nothing refreshes the list when the branch changes, so a full
    page narrows to a branch only when one was chosen.
    """
    meeting_type = initial.get("type") or form.initial.get("type")
    location = str(initial.get("location") or "")
    if (
        default_location
        and meeting_type == "physical"
        and not location
        and "location" in form.fields
    ):
        shown = form.branches.first()  # what the select shows first
        location = str(shown.pk) if shown else ""
    fitting = [
        e
        for e in employees
        if meeting_type in e.meeting_types
        and (meeting_type != "physical" or not location or str(e.location_id) == location)
    ]
    if fitting and len(fitting) < len(employees):
        narrowed = OptionsForm(initial=form.initial, topic=topic, employees=fitting)
        narrowed.type_field.choices = form.type_field.choices
        if "location" in form.fields:
            narrowed.location_field.queryset = form.branches
        return narrowed
    return form


def picker_options(
    form: OptionsForm, topic: MeetingTopic, category: CustomerCategory | None
) -> PickerOptions:
    data = form.cleaned_data
    return PickerOptions(
        topic=topic,
        meeting_type=data["type"],
        category=category,
        location=data.get("location"),
        employee=data.get("employee_obj"),
    )


def parse_week(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def picker_context(options: PickerOptions, week: date | None, data: dict, now: datetime) -> dict:
    picker = build_week(options, week=week, now=now)
    return {
        "picker": picker,
        "options": options,
        "previous_query": options_query(data, week=picker.previous_week),
        "next_query": options_query(data, week=picker.next_week),
        "next_free_query": options_query(data, week=picker.next_free_week),
        "hidden_options": {
            k: data.get(k, "") for k in ("category", "type", "location", "employee")
        },
    }


# Not kept for the back button: back from the details page must show the hold just
# taken (with Continue and Release), not the stale week that still offered it.
@never_cache
@require_http_methods(["GET", "POST"])
def times(request: HtmxHttpRequest, topic_id: int) -> HttpResponse:
    """The slot picker: a week of free times. POST holds the chosen time."""
    data = request.POST if request.method == "POST" else request.GET
    topic, category = bookable_topic_or_404(topic_id, data.get("category"))
    employees = topic_employees(topic)
    form = OptionsForm(data, topic=topic, employees=employees)
    if not form.is_valid():
        options_url = reverse("booking:options", args=[topic.pk])
        return redirect(options_url + options_query(data))
    choice = picker_options(form, topic, category)
    now = timezone.now()
    week = parse_week(request.GET.get("week"))
    error, status = "", 200
    if request.method == "POST":
        again = same_time_held(request, choice, data, now)
        if again is not None:  # pressed in a second tab: the one hold, said so, not a second
            return redirect(reverse("booking:details", args=[again.pk]) + "?again=1")
        attempt = hold_pressed_time(
            request,
            choice,
            employees=employees,
            employee_choice=data.get("employee") or ANY_EMPLOYEE,
            now=now,
        )
        if attempt.slot is not None:
            return redirect("booking:details", slot_id=attempt.slot.pk)
        week, error, status = attempt.week or week, attempt.error, attempt.status
    context = {
        "topic": topic,
        "category": category,
        "error": error,
        "options_url": reverse("booking:options", args=[topic.pk]) + options_query(data),
        "hold_url": reverse("booking:times", args=[topic.pk]),
        "holding": live_holds(request, topic_id=topic.pk, now=now),
        **picker_context(choice, week, data, now),
    }
    return render_page(request, "booking/times.html", context, partial="picker", status=status)


def same_time_held(
    request: HtmxHttpRequest, choice: PickerOptions, data: dict, now: datetime
) -> TimeSlot | None:
    """This browser's running hold of the pressed time (same type, and the same employee
    if one was chosen), so that a second press does not hold a second employee for it."""
    form = HoldForm(data)
    if not form.is_valid():
        return None
    slot = held_already(
        request,
        topic_id=choice.topic.pk,
        start=form.cleaned_data["start"],
        meeting_type=choice.meeting_type,
        now=now,
    )
    if slot is None or (choice.employee is not None and slot.employee_id != choice.employee.pk):
        return None
    return slot


def last_adviser_choice(request: HtmxHttpRequest, employees: list[Employee]) -> str:
    """The employee a signed-in customer met last, if they hold this topic, as the
    preselected choice; anyone else (or an adviser who has left) gets "any available"."""
    if not request.user.is_authenticated or not employees:
        return ANY_EMPLOYEE
    last = (
        Meeting.objects.confirmed()
        .filter(
            customer__user=request.user,
            time_slot__employee__in=[e.pk for e in employees],
            time_slot__start__lte=timezone.now(),
        )
        .order_by("-time_slot__start")
        .values_list("time_slot__employee_id", flat=True)
        .first()
    )
    return str(last) if last is not None else ANY_EMPLOYEE
