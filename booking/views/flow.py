"""The booking flow: landing, options, and the slot picker (with the hold)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from booking.forms import (
    ANY_EMPLOYEE,
    CategoryForm,
    HoldForm,
    OptionsForm,
    offered_types,
    topic_employees,
)
from booking.models import Meeting, TimeSlot
from booking.views import zones
from booking.views.holds import hold_pressed_time
from booking.views.picker import PickerOptions
from booking.views.picker_month import PickerMonth, build_month, month_param
from booking.views.profiles import profile_choice
from booking.views.remembered import (
    remember_branch,
    remember_category,
    remembered_branch,
    remembered_category,
)
from booking.views.rendering import HtmxHttpRequest, query_string, render_page, swaps_partial
from booking.views.session_holds import held_already, live_holds
from config_data.models import CustomerCategory, Employee, MeetingTopic, MeetingType


@require_safe
def landing(request: HtmxHttpRequest) -> HttpResponse:
    """The topics at once, for the customer category shown in a switch above them.

    A `?category=` link chooses (and the session remembers it); without one the page
    shows the remembered category, else the first. A bad value is a field error, and
    the topics stay those of the category the switch shows.
    """
    categories = list(CustomerCategory.objects.all())
    form = CategoryForm(request.GET if "category" in request.GET else None)
    category: CustomerCategory | None
    if form.is_bound and form.is_valid():
        category = form.cleaned_data["category"]
        remember_category(request, category)
    else:
        category = remembered_category(request, categories) or next(iter(categories), None)
    context = {
        "form": form,
        "categories": categories,
        "category": category,
        "topics": topic_cards(category),
    }
    return render_page(request, "booking/landing.html", context, partial="topics")


@dataclass(frozen=True)
class TopicCard:
    """A topic as the landing lists it, with where its "Choose" link leads."""

    topic: MeetingTopic
    type_labels: list[str]
    summary: str
    shortened: bool  # the summary leaves text out: the options page shows all of it
    options_url: str
    choose_url: str  # the picker when there is nothing to choose, else the options


def topic_cards(category: CustomerCategory | None) -> list[TopicCard]:
    """The topics open to `category` (two queries, however many topics)."""
    topics = (
        MeetingTopic.objects.customer_bookable()
        .for_category(category)  # in the model's order: by the name as shown (translation.py)
        .prefetch_related(
            Prefetch(
                "employees",
                queryset=Employee.objects.bookable().order_by("name", "pk"),
                to_attr="bookable_employees",
            )
        )
    )
    category_pk = category.pk if category else None
    cards = []
    for topic in topics:
        options_url = reverse("booking:options", args=[topic.pk]) + query_string(
            {"category": category_pk}
        )
        only = only_choice(topic, topic.bookable_employees)
        summary, shortened = one_line(topic.description)
        cards.append(
            TopicCard(
                topic=topic,
                type_labels=[str(MeetingType(t).label) for t in sorted_types(topic.meeting_types)],
                summary=summary,
                shortened=shortened,
                options_url=options_url,
                choose_url=options_url
                if only is None
                else reverse("booking:times", args=[topic.pk])
                + options_query({"category": category_pk, **only}),
            )
        )
    return cards


def only_choice(topic: MeetingTopic, employees: list[Employee]) -> dict[str, object] | None:
    """What the options form would submit when it offers nothing to choose: one meeting
    type, at most one branch and at most one employee for it. None when there is a choice
    (or nobody to book: the options page says so)."""
    types = offered_types(topic, employees)
    if len(types) != 1:
        return None
    meeting_type = types[0]
    fitting = [e for e in employees if meeting_type in e.meeting_types]
    if len(fitting) != 1:
        return None
    in_person = meeting_type == MeetingType.PHYSICAL
    return {
        "type": meeting_type,
        "location": fitting[0].location_id if in_person else None,
        "employee": ANY_EMPLOYEE,
    }


SUMMARY_MAX_LENGTH = 140
SENTENCE_END = re.compile(r"[.!?](?=\s)")


def one_line(text: str) -> tuple[str, bool]:
    """The first line or sentence of a description, cut at a word boundary when still
    long; and whether anything was left out."""
    full = text.strip()
    line = full.splitlines()[0].strip() if full else ""
    end = SENTENCE_END.search(line)
    if end:
        line = line[: end.end()]
    if len(line) > SUMMARY_MAX_LENGTH:
        cut = line[: SUMMARY_MAX_LENGTH - 1]
        line = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:-") + "…"
    return line, line != full


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


def options_query(
    data: dict,
    *,
    week: date | str | None = None,
    day: date | None = None,
    month: date | None = None,
) -> str:
    """The customer's choices as a query; `day` and `month` point the picker somewhere
    (`week`, from older links, is read as a day)."""
    return query_string(
        {
            **options_params(data),
            "week": week.isoformat() if isinstance(week, date) else week,
            "day": day.isoformat() if day else None,
            "month": month_param(month),
        }
    )


def options_params(data: Mapping[str, Any]) -> dict[str, object]:
    """The customer's choices that every link of the flow keeps."""
    return {
        "category": data.get("category"),
        "type": data.get("type"),
        "location": data.get("location"),
        "employee": data.get("employee"),
        "profile": data.get("profile"),
        "duration": data.get("duration"),
        "features": features_value(data),
    }


def features_value(data: Mapping[str, Any]) -> str | None:
    """The room features asked for as one value, "1,2", for links and hidden fields: the
    checkboxes send `features` once per box, a link once with commas (OptionsForm reads both)."""
    values = data.getlist("features") if isinstance(data, QueryDict) else [data.get("features")]
    flat = [v for value in values for v in (value if isinstance(value, list | tuple) else [value])]
    parts = [part.strip() for value in flat if value for part in str(value).split(",")]
    return ",".join(part for part in parts if part) or None


@require_safe
def options(request: HtmxHttpRequest, topic_id: int) -> HttpResponse:
    """Meeting type, branch and employee. Submitting goes to the slot picker (GET)."""
    topic, category = bookable_topic_or_404(topic_id, request.GET.get("category"))
    through = profile_choice(request.GET, topic)
    employees = topic_employees(topic)
    if through is not None:
        employees = through.narrow(employees)
    initial: dict[str, object] = {"employee": last_adviser_choice(request, employees)}
    refresh = swaps_partial(request)
    if refresh or "type" not in request.GET:
        # Fresh page, or HTMX refreshing the choices after a change: no errors yet.
        initial.update({k: request.GET[k] for k in ("type", "location") if k in request.GET})
        features = features_value(request.GET)
        if features:
            initial["features"] = features.split(",")
        if refresh and request.GET.get("employee"):
            initial["employee"] = request.GET["employee"]
        # A copy: the form's initial is the very dict given, and `initial` says what was chosen.
        form = OptionsForm(initial=dict(initial), topic=topic, employees=employees)
        if "location" in form.fields and not initial.get("location"):
            # Shown, not chosen: a page without JavaScript still lists every employee.
            branch = _default_branch(request, form, str(form.initial["employee"]))
            if branch is not None:
                form.initial["location"] = branch
        form = _narrowed(form, topic, employees, initial, default_location=refresh)
    else:
        query, features = request.GET.copy(), features_value(request.GET)
        if features:  # one box ticked per feature, whether sent "1,2" or twice
            query.setlist("features", features.split(","))
        form = OptionsForm(query, topic=topic, employees=employees)
        form.is_valid()
    context = {"topic": topic, "category": category, "form": form, "profile_choice": through}
    return render_page(request, "booking/options.html", context, partial="options-form")


def _default_branch(request: HtmxHttpRequest, form: OptionsForm, employee: str) -> int | None:
    """The branch the select shows first: the preselected adviser's (so that the defaults
    never contradict each other), else the one the customer used last."""
    adviser = form.employees.get(int(employee)) if employee.isdigit() else None
    branches = form.branches
    if (
        adviser is not None
        and adviser.physical
        and branches.filter(pk=adviser.location_id).exists()
    ):
        return adviser.location_id
    remembered = remembered_branch(request, branches)
    return remembered.pk if remembered is not None else None


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
        # What the select shows: the remembered branch, else the first.
        shown = form.initial.get("location") or getattr(form.branches.first(), "pk", "")
        location = str(shown)
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
    form: OptionsForm,
    topic: MeetingTopic,
    category: CustomerCategory | None,
    *,
    viewer_zone: ZoneInfo | None = None,
) -> PickerOptions:
    """`viewer_zone`: the customer's own zone (booking.views.zones), for online and phone."""
    data = form.cleaned_data
    return PickerOptions(
        topic=topic,
        meeting_type=data["type"],
        category=category,
        location=data.get("location"),
        employee=data.get("employee_obj"),
        viewer_zone=viewer_zone,
        room_features=frozenset(f.pk for f in data.get("features", [])),
    )


def parse_week(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class PickerDates:
    """Where the month picker should open, as the link asks; `error` names a bad value."""

    day: date | None = None
    month: date | None = None
    earliest: bool = False  # asked for the first free time, wherever the picker opens else
    error: str = ""


def parse_picker_dates(query: QueryDict) -> PickerDates:
    """`?day=YYYY-MM-DD` (older links: `?week=`, read as that day), `?month=YYYY-MM` or
    `?earliest=1` (only "1": `earliest=0` asks for no earliest time). A value that is no
    date is named in a notice; the picker then opens as without it."""
    if query.get("earliest") == "1":
        return PickerDates(earliest=True)
    for field, fmt, shown in (
        ("day", "%Y-%m-%d", "YYYY-MM-DD"),
        ("week", "%Y-%m-%d", "YYYY-MM-DD"),
        ("month", "%Y-%m", "YYYY-MM"),
    ):
        value = query.get(field)
        if not value:
            continue
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            message = _('"%(field)s" in the address is not a date of the form %(form)s.')
            return PickerDates(error=message % {"field": field, "form": shown})
        return PickerDates(month=parsed) if field == "month" else PickerDates(day=parsed)
    return PickerDates()


def picker_context(
    options: PickerOptions,
    dates: PickerDates,
    data: dict,
    now: datetime,
) -> dict:
    """The month picker and the links it needs, each keeping the customer's choices."""
    # Earliest: the first free time, which is where the picker opens without a day or month.
    picker = build_month(
        options,
        month=None if dates.earliest else dates.month,
        day=None if dates.earliest else dates.day,
        now=now,
    )
    hidden = {
        k: data.get(k, "")
        for k in ("category", "type", "location", "employee", "profile", "duration")
    }
    features = features_value(data)
    if features:  # only when asked: the hold form's fields stay as they were without
        hidden["features"] = features
    return {
        "picker": picker,
        "options": options,
        "hidden_options": hidden,
        **picker_links(options_params(data), picker),
    }


def picker_links(params: Mapping[str, object], picker: PickerMonth) -> dict[str, str]:
    """The links of the month picker (booking/includes/picker_month.html), each keeping
    `params`: a day (the prefix its date is appended to), the earliest free time, and the
    months before and after. The flow and the reschedule page both use this one."""
    base = query_string(params)
    return {
        "day_query_prefix": f"{base}&day=" if base else "?day=",
        "earliest_query": query_string({**params, "earliest": 1}),
        "previous_query": query_string({**params, "month": month_param(picker.previous_month)}),
        "next_query": query_string({**params, "month": month_param(picker.next_month)}),
    }


# Not kept for the back button: back from the details page must show the hold just
# taken (with Continue and Release), not the stale week that still offered it.
@never_cache
@require_http_methods(["GET", "POST"])
def times(request: HtmxHttpRequest, topic_id: int) -> HttpResponse:
    """The slot picker: a month of days with free times and the chosen day's times.
    POST holds the chosen time."""
    data = request.POST if request.method == "POST" else request.GET
    topic, category = bookable_topic_or_404(topic_id, data.get("category"))
    through = profile_choice(data, topic)  # booked from a profile's page: kept inside it
    employees = topic_employees(topic)
    if through is not None:
        employees = through.narrow(employees)
    form = OptionsForm(data, topic=topic, employees=employees)
    if not form.is_valid():
        options_url = reverse("booking:options", args=[topic.pk])
        return redirect(options_url + options_query(data))
    choice = picker_options(form, topic, category, viewer_zone=zones.viewer_zone(request).zone)
    if through is not None:
        choice = replace(choice, profile=through.restriction, duration=through.duration)
    remember_branch(request, choice.location)  # the options step offers it next time
    now = timezone.now()
    dates = parse_picker_dates(request.GET)
    error, status = dates.error, 400 if dates.error else 200
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
        # The pressed time's day again, to choose another time beside it.
        dates = PickerDates(day=attempt.day) if attempt.day else dates
        error, status = attempt.error, attempt.status
    context = {
        "topic": topic,
        "category": category,
        "profile_choice": through,
        "error": error,
        "options_url": reverse("booking:options", args=[topic.pk]) + options_query(data),
        "hold_url": reverse("booking:times", args=[topic.pk]),
        "holding": live_holds(request, topic_id=topic.pk, now=now),
        **picker_context(choice, dates, data, now),
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
