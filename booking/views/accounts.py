"""Signed-in pages: a customer's meetings and an employee's schedule. Only one's own."""

from __future__ import annotations

from itertools import groupby
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from booking.models import Meeting
from booking.views.rendering import SignedInHttpRequest, render_page
from config_data.models import Employee


@require_safe
@login_required
def my_meetings(request: SignedInHttpRequest) -> HttpResponse:
    """Upcoming and past meetings of the signed-in customer, with their manage links."""
    now = timezone.now()
    mine = Meeting.objects.with_details().filter(customer__user=request.user)
    context = {
        "upcoming": list(mine.upcoming(now)),
        "past": list(mine.past(now)[:50]),
    }
    return render_page(request, "booking/my_meetings.html", context)


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
    context = {"employee": employee, "days": days, "zone_name": zone.key}
    return render_page(request, "booking/my_schedule.html", context)
