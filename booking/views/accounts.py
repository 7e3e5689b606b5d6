"""Signed-in pages: a customer's meetings and an employee's schedule. Only one's own."""

from __future__ import annotations

from itertools import groupby
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from booking.models import Meeting
from booking.views.access import meeting_zone
from booking.views.rendering import HtmxHttpRequest, render_page
from config_data.models import Employee


def _with_zones(meetings: list[Meeting]) -> list[Meeting]:
    for meeting in meetings:
        meeting.zone_name = meeting_zone(meeting).key
    return meetings


@require_GET
@login_required
def my_meetings(request: HtmxHttpRequest) -> HttpResponse:
    """Upcoming and past meetings of the signed-in customer, with their manage links."""
    now = timezone.now()
    mine = Meeting.objects.with_details().filter(customer__user=request.user)
    context = {
        "upcoming": _with_zones(list(mine.upcoming(now))),
        "past": _with_zones(list(mine.past(now)[:50])),
    }
    return render_page(request, "booking/my_meetings.html", context)


@require_GET
@login_required
def my_schedule(request: HtmxHttpRequest) -> HttpResponse:
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
    context = {"employee": employee, "days": days, "zone_name": zone.key}
    return render_page(request, "booking/my_schedule.html", context)
