"""An employee's calendar feed: the settings page, and the feed that calendars subscribe to.

The settings page belongs to the signed-in employee only (there is no way to name another
employee's feed). The feed itself is public by necessity: Outlook, Google and Apple
Calendar fetch it without signing in, so the secret token in the address is the key.

Cancelled meetings are left out of the feed rather than sent as STATUS:CANCELLED: a
subscription is replaced as a whole on every refresh, and Google and Outlook drop events
that are no longer in it, while some clients keep showing a cancelled event (struck
through or not at all distinguished), which reads as a meeting that still happens.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from booking import privacy, ratelimit
from booking.feeds import (
    CalendarFeed,
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_rotate,
    calendar_feed_update,
    hash_feed_token,
)
from booking.ical import feed_calendar
from booking.models import Meeting
from booking.ratelimit import client_address
from booking.roles import employee_of, is_staff_member
from booking.staff.access import staff_required
from booking.views.rendering import SignedInHttpRequest, render_page
from config_data.models import Employee

# Meetings this long ago still show, so that the recent past stays in the calendar.
FEED_DAYS_BACK = 30
# What the feed asks clients to poll at (they may poll less often: Google every few hours).
FEED_REFRESH = timedelta(hours=1)
WINDOW_SECONDS = 3600


class FeedOptionsForm(forms.Form):
    hide_customer_details = forms.BooleanField(
        label=gettext_lazy("Hide customer details"),
        required=False,
        help_text=gettext_lazy(
            "Events show only the topic and place: no customer name, contact details or "
            "answers. Choose this if others can see your calendar."
        ),
    )


def _own_employee(request: SignedInHttpRequest) -> Employee:
    """The signed-in user's employee record: the feed is always one's own."""
    employee = employee_of(request.user)
    if employee is None:
        raise Http404("No employee record for this account.")
    return employee


# The plain token of a feed just made or given a new address, kept in the session only
# until the settings page has shown it once (the database holds its hash alone).
NEW_TOKEN_SESSION_KEY = "staff_feed_new_token"


def feed_urls(token: str) -> dict[str, str]:
    """The feed's https address and the same as webcal:// (which opens a calendar app)."""
    path = reverse("staff:feed_ics", kwargs={"token": token})
    https = settings.BOOKME_SITE_URL.rstrip("/") + path
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


@require_safe
@staff_required
def feed_settings(request: SignedInHttpRequest) -> HttpResponse:
    """The employee's feed: its addresses and options, or a button to make one."""
    employee = employee_of(request.user)
    feed = CalendarFeed.objects.filter(employee=employee).first() if employee else None
    # Shown once: popped, so a reload (or anyone later at this screen) sees no address.
    token = request.session.pop(NEW_TOKEN_SESSION_KEY, "")
    shown = feed is not None and bool(token) and hash_feed_token(token) == feed.token_hash
    context = {
        "staff_section": "feed",
        "employee": employee,
        "feed": feed,
        "urls": feed_urls(token) if shown else None,
        "form": FeedOptionsForm(
            initial={"hide_customer_details": feed.hide_customer_details if feed else False}
        ),
        "days_back": FEED_DAYS_BACK,
    }
    response = render_page(request, "staff/feeds.html", context)
    # The page shows the secret address: no cache keeps it.
    privacy.mark_private(response)
    return response


def _options(request: SignedInHttpRequest) -> bool:
    form = FeedOptionsForm(request.POST)
    form.is_valid()  # a checkbox: always valid, absent means False
    return bool(form.cleaned_data.get("hide_customer_details"))


@require_POST
@staff_required
def feed_create(request: SignedInHttpRequest) -> HttpResponse:
    """Make the employee's feed (or keep the one there is) with the chosen options."""
    feed = calendar_feed_create(
        employee=_own_employee(request), hide_customer_details=_options(request)
    )
    if feed.token:  # new: show its address once; an existing feed keeps its address
        request.session[NEW_TOKEN_SESSION_KEY] = feed.token
        messages.success(
            request, _("Your calendar feed is ready. Subscribe with the address below.")
        )
    return redirect("staff:feed")


@require_POST
@staff_required
def feed_options(request: SignedInHttpRequest) -> HttpResponse:
    """Change what the feed shows; the address stays the same."""
    if calendar_feed_update(
        employee=_own_employee(request), hide_customer_details=_options(request)
    ):
        messages.success(request, _("Your calendar feed's options are saved."))
    return redirect("staff:feed")


@require_POST
@staff_required
def feed_rotate(request: SignedInHttpRequest) -> HttpResponse:
    """A new secret address; calendars subscribed to the old one stop getting updates."""
    feed = calendar_feed_rotate(employee=_own_employee(request))
    if feed is not None:
        request.session[NEW_TOKEN_SESSION_KEY] = feed.token
        messages.success(
            request,
            _(
                "Your calendar feed has a new address. The old one no longer works: "
                "subscribe again."
            ),
        )
    return redirect("staff:feed")


@require_POST
@staff_required
def feed_revoke(request: SignedInHttpRequest) -> HttpResponse:
    """Turn the feed off: its address answers "not found" from now on."""
    if calendar_feed_revoke(employee=_own_employee(request)):
        messages.success(request, _("Your calendar feed is turned off."))
    return redirect("staff:feed")


def _too_many(window: ratelimit.Window) -> HttpResponse:
    response = HttpResponse(
        "Too many requests.", status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(window.reset_after)
    return response


@require_safe
def feed_ics(request: SignedInHttpRequest, token: str) -> HttpResponse:
    """The feed: the employee's meetings from 30 days back on, cancelled ones left out.

    A constant number of queries whatever the number of meetings: the feed with its
    employee and account, the account's roles, the meetings with what they show, and their
    answers (none when details are hidden).
    """
    # Counted before the lookup, so guessing tokens is limited as much as fetching one.
    per_address = ratelimit.hit(
        f"feed-ip:{client_address(request)}",
        limit=settings.BOOKME_FEED_REQUESTS_PER_ADDRESS,
        window=WINDOW_SECONDS,
    )
    if not per_address.allowed:
        return _too_many(per_address)
    feed = (
        CalendarFeed.objects.select_related("employee__user")
        .filter(token_hash=hash_feed_token(token))
        .first()
    )
    # Someone who left (account deactivated, or no staff role any more) stops receiving
    # customers' details at once, without anyone remembering to revoke the feed.
    user = feed.employee.user if feed is not None else None
    if feed is None or user is None or not user.is_active or not is_staff_member(user):
        raise Http404("No such feed.")
    per_feed = ratelimit.hit(
        f"feed:{feed.pk}", limit=settings.BOOKME_FEED_REQUESTS_PER_TOKEN, window=WINDOW_SECONDS
    )
    if not per_feed.allowed:
        return _too_many(per_feed)
    since = timezone.now() - timedelta(days=FEED_DAYS_BACK)
    meetings = (
        Meeting.objects.confirmed()
        .with_details()
        .filter(time_slot__employee=feed.employee, time_slot__end__gte=since)
        .order_by("time_slot__start", "pk")
    )
    if not feed.hide_customer_details:
        meetings = meetings.prefetch_related("answers")
    body = feed_calendar(
        name=_("BookMe: %(name)s") % {"name": feed.employee.name},
        meetings=meetings,
        hide_customer_details=feed.hide_customer_details,
        refresh=FEED_REFRESH,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bookme.ics"'
    # Personal data behind a secret address: no shared cache keeps it, no crawler indexes it.
    privacy.mark_private(response)
    return response
