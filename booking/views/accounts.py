"""Signed-in pages: a customer's meetings and an employee's schedule. Only one's own."""

from __future__ import annotations

from itertools import groupby
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from booking.models import Meeting
from booking.search import topic_allows_category
from booking.views.rendering import SignedInHttpRequest, query_string, render_page
from config_data.models import BookingProfile, Employee, MeetingTopic


@require_safe
@login_required
def my_meetings(request: SignedInHttpRequest) -> HttpResponse:
    """Upcoming and past meetings of the signed-in customer, with their manage links."""
    now = timezone.now()
    mine = Meeting.objects.with_details().filter(customer__user=request.user)
    upcoming, past = list(mine.upcoming(now)), list(mine.past(now)[:50])
    context = {"upcoming": upcoming, "past": past, "book_again": book_again_links(past + upcoming)}
    return render_page(request, "booking/my_meetings.html", context)


def book_again_links(meetings: list[Meeting]) -> list[tuple[MeetingTopic, str]]:
    """One "book again" link per topic the customer met about, most recent first: the
    topic's options step with the same customer category. Topics no longer open to the
    customer are left out. The adviser they met last is preselected there (flow.options).
    """
    links: dict[int, tuple[MeetingTopic, str]] = {}
    for meeting in sorted(meetings, key=lambda m: m.start, reverse=True):
        topic = meeting.topic  # selected with the meeting: no query per topic
        if topic.pk in links or not (topic.active and topic.customer_bookable):
            continue
        if not topic_allows_category(topic, meeting.customer_category_id):
            continue
        url = reverse("booking:options", args=[topic.pk]) + query_string(
            {"category": meeting.customer_category_id}
        )
        links[topic.pk] = (topic, url)
    return list(links.values())


@require_safe
@login_required
def my_schedule(request: SignedInHttpRequest) -> HttpResponse:
    """An employee's upcoming meetings, by day in the employee's own time zone."""
    employee = Employee.objects.select_related("location").filter(user=request.user).first()
    if employee is None:
        raise Http404("Not an employee.")
    zone = ZoneInfo(employee.effective_timezone)
    meetings = list(
        Meeting.objects.confirmed()
        .with_details()
        .prefetch_related("answers")
        .filter(time_slot__employee=employee)
        .upcoming(timezone.now())
    )
    days = [
        (day, list(group))
        for day, group in groupby(meetings, key=lambda m: m.start.astimezone(zone).date())
    ]
    context = {
        "employee": employee,
        "days": days,
        "zone_name": zone.key,
        "profile_links": profile_links(request, employee),
    }
    return render_page(request, "booking/my_schedule.html", context)


def profile_links(request: SignedInHttpRequest, employee: Employee) -> list[tuple[object, str]]:
    """The employee's booking profiles and their teams', each with its full address to share."""
    profiles = BookingProfile.objects.for_employee(employee).select_related("team")
    return [
        (profile, request.build_absolute_uri(reverse("booking:profile", args=[profile.slug])))
        for profile in profiles.order_by("title", "pk")
    ]
