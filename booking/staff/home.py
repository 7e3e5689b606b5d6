"""The workspace's front door: staff start their day on the branch calendar."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from booking.staff.access import staff_required


@require_safe
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """/staff/ goes to the calendar of the user's branch (today, day view)."""
    return redirect("staff:calendar")
