"""The admin's meetings list, measured in a real browser: it fits a 1280 px screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from booking.models import Meeting
from tests import factories

pytestmark = pytest.mark.browser

# The widest rows we expect: long names everywhere and an email that could not be sent.
LONG_CUSTOMER = "Bartholomew Featherstonehaugh-Cholmondeley von Hohenzollern-Sigmaringen"
LONG_TOPIC = "Retirement planning and long-term care financing consultation"
LONG_EMPLOYEE = "Maximiliane Leutheusser-Schnarrenberger"


def test_the_meetings_changelist_fits_1280_pixels(page, transactional_db):
    """An administrator's meetings list with long names, every filter and a failed-email
    mark: the table's right edge and the page's width stay within 1280 px. (The page alone
    is not enough: the admin lets a wide table scroll inside its own box.)"""
    location = factories.location(name="Hauptfiliale Charlottenburg-Wilmersdorf")
    room = factories.room(location=location, name="Besprechungsraum Spree")
    employee = factories.employee(location=location, name=LONG_EMPLOYEE)
    topic = factories.topic(name=LONG_TOPIC, employees=[employee])
    day = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    day += timedelta(days=7 - day.weekday())  # next Monday, inside the working hours
    for n in range(3):
        meeting = factories.meeting(
            topic=topic,
            employee=employee,
            room=room,
            meeting_type="physical",
            start=day + timedelta(hours=n),
            customer_name=f"{LONG_CUSTOMER} {n}",
            customer_email=f"customer{n}@example.com",
        )
    Meeting.objects.filter(pk=meeting.pk).update(
        email_failed_at=day, email_failure="Mailbox unavailable: 550 5.1.1 user unknown"
    )
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-Boss-123")

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill("pw-Boss-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto("/admin/booking/meeting/")
    table = page.locator("#result_list")
    assert table.locator("tbody tr").count() == 3
    assert page.get_by_text("failed", exact=True).count() == 1

    right_edge = table.evaluate("(t) => t.getBoundingClientRect().right")
    assert right_edge <= 1280, f"the table ends at {right_edge} px"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    # Nothing inside the table is cut off or scrolls on its own either.
    assert table.evaluate("(t) => t.scrollWidth <= t.clientWidth")
