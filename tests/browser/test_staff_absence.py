"""An adviser falls ill: a branch manager enters the absence, sees the booked meeting it
collides with at once (HTMX), saves it and moves the meeting to a free colleague; in a real
browser at desktop width, with axe-core on each step (booking.staff.absences)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.models import Meeting
from booking.roles import BRANCH_MANAGER
from config_data.models import Absence
from tests import factories
from tests.background import run_tasks
from tests.browser.test_staff_phone import signed_in_page

pytestmark = pytest.mark.browser


def test_an_absence_moves_a_meeting_to_a_colleague(new_page, live_server, bookable, axe_check):
    """Enter the absence, see the collision, save, move: the meeting is the colleague's and
    the customer gets the change email."""
    zone = bookable.location.zone
    tomorrow = timezone.now().astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(10), tzinfo=zone)
    bob = factories.employee(
        location=bookable.location,
        name="Bob Banker",
        hours=[(day, time(7), time(21)) for day in range(7)],
    )
    bookable.topic.employees.add(bob)
    meeting = factories.meeting(
        topic=bookable.topic, employee=bookable.employee, start=start, meeting_type="online"
    )
    manager = factories.employee(location=bookable.location, name="Mona Manager")
    page = signed_in_page(new_page, live_server, manager, role=BRANCH_MANAGER)

    page.goto("/staff/absences/")
    axe_check(page, label="absences")
    page.get_by_label("Employee").select_option(label="Alice Adviser")
    page.get_by_label("From").fill(f"{tomorrow.isoformat()}T08:00")
    page.get_by_label("Until").fill(f"{tomorrow.isoformat()}T18:00")
    collisions = page.locator("#collisions")
    collisions.get_by_text("Carla Customer").wait_for()  # shown at once, before saving
    axe_check(page, label="absences: collisions")

    page.get_by_role("button", name="Save the absence").click()
    page.wait_for_url(re.compile(r"/staff/absences/\d+/$"))
    assert Absence.objects.filter(employee=bookable.employee).exists()
    axe_check(page, label="absence")

    row = page.locator(f"#absence-meeting-{meeting.pk}")
    row.get_by_label("Move to a colleague free at this time").select_option(label="Bob Banker")
    row.get_by_role("button", name="Move").click()
    page.get_by_text("Carla Customer's meeting moved to Bob Banker").wait_for()
    axe_check(page, label="absence: moved")

    moved = Meeting.objects.get(pk=meeting.pk)
    assert moved.employee == bob
    assert moved.start == meeting.start
    run_tasks()
    changes = [m for m in mail.outbox if m.to == [meeting.customer.email] and "Bob" in m.body]
    assert changes, [m.subject for m in mail.outbox]
    assert page.violations == []  # no CSP violation on the way
