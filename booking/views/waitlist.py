"""The waitlist on the website: join when no time suits, take an offered time, leave."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.http import require_http_methods

from booking import waitlist, waitlist_links
from booking.errors import BookingError, HoldExpired, InvalidRequest, InvalidState
from booking.forms import ANY_EMPLOYEE, OptionsForm, topic_employees
from booking.models import (
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
    resolved_zone,
)
from booking.views.flow import bookable_topic_or_404, options_query, picker_options
from booking.views.holds import browser_actor
from booking.views.picker import PickerOptions, local_midnight
from booking.views.rendering import HtmxHttpRequest, render_page
from booking.views.session_holds import HoldInfo, remember_hold
from config_data.models import MeetingTopic

# What the range fields show first: from today, for two weeks.
DEFAULT_RANGE_DAYS = 14
# Domain fields -> this form's fields, for errors that name one.
FORM_FIELDS = {"start": "from_date", "end": "until_date", "email": "email", "name": "name"}


class WaitlistForm(forms.Form):
    from_date = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until_date = forms.DateField(
        label=gettext_lazy("Until"),
        help_text=gettext_lazy("The last day a time would suit you."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        help_text=gettext_lazy("We email you when a time becomes free."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(
        self, *args: Any, topic: MeetingTopic, now: datetime, zone: ZoneInfo, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.topic, self.today = topic, now.astimezone(zone).date()
        # The last day whose end (the next local midnight) the waitlist accepts.
        self.last_day = waitlist.latest_end(topic, now).astimezone(zone).date() - timedelta(days=1)
        # A hint for the date picker; clean() is what holds.
        self.fields["until_date"].widget.attrs.update(
            min=self.today.isoformat(), max=self.last_day.isoformat()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, until = data.get("from_date"), data.get("until_date")
        if until is None:
            return data
        # Checked here, before any date arithmetic: 9999-12-31 plus a day overflows.
        if until > self.last_day:
            error = InvalidRequest("waitlist_end_beyond_horizon", days=self.topic.booking_horizon)
            self.add_error("until_date", error.message)
        elif until < self.today:
            self.add_error("until_date", InvalidRequest("waitlist_range_past").message)
        elif start and until < start:
            self.add_error("until_date", gettext_lazy("The last day must not be before the first."))
        elif start and start < self.today:
            # Days already over add nothing (and year 1 overflows once in UTC).
            data["from_date"] = self.today
        return data


@require_http_methods(["GET", "POST"])
def join(request: HtmxHttpRequest, topic_id: int) -> HttpResponse:
    """The waitlist form for a topic and the options chosen in the picker. POST joins."""
    data = request.POST if request.method == "POST" else request.GET
    topic, category = bookable_topic_or_404(topic_id, data.get("category"))
    options_form = OptionsForm(data, topic=topic, employees=topic_employees(topic))
    if not options_form.is_valid():
        return redirect(reverse("booking:options", args=[topic.pk]) + options_query(data))
    choice = picker_options(options_form, topic, category)
    zone = choice.zone
    now = timezone.now()
    today = now.astimezone(zone).date()
    entry, error, status = None, "", 200
    if request.method == "POST":
        form = WaitlistForm(request.POST, topic=topic, now=now, zone=zone)
        if form.is_valid():
            try:
                entry = _join(request, form, choice, zone)
            except BookingError as e:
                field = FORM_FIELDS.get(e.field or "")
                if field and e.status == 400:
                    form.add_error(field, e.message)
                else:
                    error, status = e.message, e.status
        if entry is None and not error:
            status = 422 if request.htmx else 200
    else:
        form = WaitlistForm(topic=topic, now=now, zone=zone)
        form.initial = {
            "from_date": today,
            "until_date": min(today + timedelta(days=DEFAULT_RANGE_DAYS), form.last_day),
        }
    context = {
        "topic": topic,
        "options": choice,
        "form": form,
        "entry": entry,
        "leave_url": waitlist_links.leave_url(entry) if entry else "",
        "error": error,
        "join_url": reverse("booking:waitlist_join", args=[topic.pk]),
        "times_url": reverse("booking:times", args=[topic.pk]) + options_query(data),
        "hidden_options": {
            k: data.get(k, "") for k in ("category", "type", "location", "employee")
        },
    }
    return render_page(
        request, "booking/waitlist.html", context, partial="waitlist-form", status=status
    )


def _join(
    request: HtmxHttpRequest, form: WaitlistForm, choice: PickerOptions, zone: ZoneInfo
) -> WaitlistEntry:
    data = form.cleaned_data
    entry, _created = waitlist.waitlist_join(
        actor=browser_actor(request),
        wish=waitlist.Wish(
            topic=choice.topic,
            meeting_type=choice.meeting_type,
            window_start=local_midnight(data["from_date"], zone),
            window_end=local_midnight(data["until_date"] + timedelta(days=1), zone),
            location=choice.location,
            employee=choice.employee,
            customer_category=choice.category,
        ),
        email=data["email"],
        name=data["name"],
        language=get_language() or settings.LANGUAGE_CODE,
    )
    return entry


@require_http_methods(["GET", "POST"])
def offer(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """An offered time from the waitlist email. POST takes it: the hold becomes this
    browser's and the booking continues on the details page.

    Taking needs a press, not just opening the link: mail scanners open links, and the
    link works once."""
    found = waitlist_links.offer_for_token(token)
    if found is None:
        raise Http404("No such offer.")
    error, status = "", 200
    if request.method == "POST":
        try:
            claimed = waitlist.waitlist_offer_claim(offer_id=found.pk, actor=browser_actor(request))
        except BookingError as e:
            error, status = e.message, 410 if e.code != "waitlist_offer_not_found" else 404
        else:
            return _continue_booking(request, claimed)
    else:
        refusal = _refusal(found, timezone.now())
        if refusal:
            error, status = refusal, 410
    slot = found.time_slot
    context = {
        "offer": found,
        "entry": found.entry,
        "slot": slot,
        "zone": slot.display_zone,
        "error": error,
        "offer_url": reverse("booking:waitlist_offer", args=[token]),
    }
    return render_page(request, "booking/waitlist_offer.html", context, status=status)


def _refusal(found: WaitlistOffer, now: datetime) -> str:
    """Why the offer can no longer be taken, in the catalogue's words; "" if it can."""
    if found.status == OfferStatus.CLAIMED:
        return InvalidState("waitlist_offer_used").message
    if found.status != OfferStatus.PENDING or not found.time_slot.hold_is_live(now):
        return HoldExpired("waitlist_offer_expired").message
    return ""


def _continue_booking(request: HtmxHttpRequest, claimed: WaitlistOffer) -> HttpResponse:
    entry = claimed.entry
    remember_hold(
        request,
        HoldInfo(
            slot_id=claimed.time_slot_id,
            meeting_type=entry.meeting_type,
            category_id=entry.customer_category_id,
            location_id=entry.location_id,
            employee_choice=str(entry.employee_id) if entry.employee_id else ANY_EMPLOYEE,
        ),
    )
    return redirect("booking:details", slot_id=claimed.time_slot_id)


@require_http_methods(["GET", "POST"])
def leave(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Leave the waitlist, from the link in every waitlist email. POST leaves."""
    entry = waitlist_links.entry_for_leave_token(token)
    if entry is None:
        raise Http404("No such waitlist entry.")
    if request.method == "POST":
        entry = waitlist.waitlist_leave(entry_id=entry.pk)
    context = {
        "entry": entry,
        "waiting": entry.status == WaitlistStatus.WAITING,
        "left": entry.status == WaitlistStatus.LEFT,
        "zone": _entry_zone(entry),
        "leave_url": reverse("booking:waitlist_leave", args=[token]),
    }
    return render_page(request, "booking/waitlist_leave.html", context)


def _entry_zone(entry: WaitlistEntry) -> ZoneInfo:
    """The zone the entry's days were chosen in (as the picker shows them)."""
    if entry.location is not None:
        return entry.location.zone
    if entry.employee is not None:
        return resolved_zone(employee=entry.employee)
    return ZoneInfo(settings.TIME_ZONE)
