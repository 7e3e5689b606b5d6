"""Demo staff work: an adviser off sick on a day of booked meetings (the absence to resolve
in the staff pages: move each meeting to a colleague, or cancel it)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.devdata.demo import DEMO_ACTOR
from booking.models import Meeting
from config_data.models import Absence, Employee

# The adviser who falls ill: an absence over a day of their booked meetings, to move or cancel.
ABSENT_ADVISER = "Sofie Hansen"
DEMO_ABSENCE_REASON = "Sick (demo)"


def load_demo_absence(*, now: datetime) -> tuple[Absence, int] | None:
    """The absent adviser is off for the whole (local) day of a demo meeting from tomorrow on,
    so the absence collides with that day's meetings: staff move them to a colleague or
    cancel them. Once per database; returns the absence and the number of meetings it hits."""
    employee = Employee.objects.filter(name=ABSENT_ADVISER).select_related("location").first()
    if employee is None:
        return None
    absence = Absence.objects.filter(employee=employee, reason=DEMO_ABSENCE_REASON).first()
    if absence is None:
        zone = ZoneInfo(employee.effective_timezone)
        starts = (
            Meeting.objects.confirmed()
            .upcoming(now)
            # From tomorrow: a whole day still ahead, every meeting on it still to move.
            .filter(
                owner=DEMO_ACTOR.holder,
                time_slot__employee=employee,
                time_slot__start__gte=now + timedelta(days=1),
            )
            .values_list("time_slot__start", flat=True)
        )
        per_day = Counter(start.astimezone(zone).date() for start in starts)
        if not per_day:
            return None
        # The busiest such day (the earliest of equals): the most meetings to resolve.
        day = min(per_day, key=lambda d: (-per_day[d], d))
        absence = Absence.objects.create(
            employee=employee,
            start=datetime.combine(day, time(0), zone),
            end=datetime.combine(day + timedelta(days=1), time(0), zone),
            reason=DEMO_ABSENCE_REASON,
        )
    colliding = (
        Meeting.objects.confirmed()
        .filter(time_slot__employee=employee)
        .during(absence.start, absence.end)
        .count()
    )
    return absence, colliding


def absence_lines(loaded: tuple[Absence, int] | None) -> list[str]:
    if loaded is None:
        return []
    absence, colliding = loaded
    return [
        f"Absent:    {absence.employee.name} ({absence.employee.email}) is off on "
        f"{absence.start.astimezone(ZoneInfo(absence.employee.effective_timezone)):%Y-%m-%d}, "
        f"colliding with {colliding} booked meeting(s): move or cancel them in the staff pages"
    ]
