"""The branch calendar and a meeting's details in a real browser: day and week views, HTMX
navigation with the address kept, the filters, the day sheet on paper, no CSP violation,
axe-core on each page (booking.staff.calendar, booking.staff.meetings)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from booking.models import Meeting, MeetingOutcome
from config_data.models import Employee
from tests import factories
from tests.browser.test_csp import REPORT_VIOLATIONS
from tests.staff.world import booked, signed_in, staff_user

pytestmark = pytest.mark.browser

CPH = ZoneInfo("Europe/Copenhagen")
PHONE = "+45 5555"


def signed_in_page(new_page, live_server, employee: Employee, *, javascript: bool = True):
    """A desktop page signed in as the employee's adviser account, collecting CSP
    violations in `.violations`."""
    client = signed_in(staff_user(employee))
    page = new_page(width=1280, javascript=javascript)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.violations = []

    def on_console(message) -> None:
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            page.violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return page


@pytest.fixture
def week_ahead(bookable):
    """A day a week ahead with Alice's meeting at 10:00 in the room and Bob's at 12:00,
    and Alice's meeting the day after at 11:00."""
    bob = factories.employee(location=bookable.location, name="Bob Banker")
    bookable.topic.employees.add(bob)
    day = timezone.now().astimezone(CPH).date() + timedelta(days=7)

    def at(hour: int, offset: int = 0) -> datetime:
        return datetime.combine(day + timedelta(days=offset), time(hour), tzinfo=CPH)

    topic, alice = bookable.topic, bookable.employee
    booked(
        topic=topic,
        employee=alice,
        start=at(10),
        customer="Dora Daring",
        phone=PHONE,
        room=bookable.room,
    )
    booked(topic=topic, employee=bob, start=at(12), customer="Egon Early", phone=PHONE)
    booked(topic=topic, employee=alice, start=at(11, 1), customer="Fiona Follows", phone=PHONE)
    return day, bob


def test_the_calendar_day_week_htmx_navigation_and_filters(
    new_page, live_server, bookable, week_ahead, axe_check
):
    """Day view with blocks, the next day swapped in by HTMX with the address pushed, the
    week table, a filter by employee; axe-clean and no CSP violation throughout."""
    day, bob = week_ahead
    page = signed_in_page(new_page, live_server, bookable.employee)
    page.goto("/staff/")
    page.wait_for_url(re.compile(r"/staff/calendar/$"))
    page.goto(f"/staff/calendar/?date={day.isoformat()}")
    dora = page.locator(".cal-meeting", has_text="Dora Daring")
    assert dora.count() == 2  # Alice's column and the room's
    assert dora.first.is_visible()
    assert page.locator(".cal-meeting", has_text="Egon Early").is_visible()
    axe_check(page, label="calendar: day")

    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.locator("#calendar-next").click()
    next_day = (day + timedelta(days=1)).isoformat()
    page.wait_for_url(re.compile(rf"date={next_day}"))
    page.locator(".cal-meeting", has_text="Fiona Follows").wait_for()
    assert page.evaluate("() => window.stillTheSamePage === true"), "not an HTMX swap"
    assert page.locator(".cal-meeting", has_text="Dora Daring").count() == 0

    page.locator("#calendar-view-week").click()
    page.wait_for_url(re.compile(r"view=week"))
    week = page.locator("table.cal-week")
    week.wait_for()
    for name in ("Dora Daring", "Egon Early", "Fiona Follows"):
        assert week.get_by_role("link", name=re.compile(name)).first.is_visible()
    axe_check(page, label="calendar: week")

    page.get_by_label("Employee", exact=True).select_option(label="Bob Banker")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"employee={bob.pk}"))
    week.get_by_role("link", name=re.compile("Egon Early")).first.wait_for()
    assert week.get_by_role("link", name=re.compile("Dora Daring")).count() == 0
    assert page.evaluate("() => window.stillTheSamePage === true")

    page.go_back()
    page.wait_for_url(lambda url: f"employee={bob.pk}" not in url)
    page.locator("table.cal-week").get_by_role(
        "link", name=re.compile("Dora Daring")
    ).first.wait_for()
    assert not page.violations, "\n".join(page.violations)


def test_the_calendar_works_without_javascript(new_page, live_server, bookable, week_ahead):
    """Plain links and the GET form do the same without scripts."""
    day, bob = week_ahead
    page = signed_in_page(new_page, live_server, bookable.employee, javascript=False)
    page.goto(f"/staff/calendar/?date={day.isoformat()}")
    page.locator("#calendar-next").click()
    page.wait_for_url(re.compile(rf"date={(day + timedelta(days=1)).isoformat()}"))
    assert page.locator(".cal-meeting", has_text="Fiona Follows").first.is_visible()
    page.locator("#calendar-previous").click()
    page.get_by_label("Employee", exact=True).select_option(label="Bob Banker")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"employee={bob.pk}"))
    assert page.locator(".cal-meeting", has_text="Egon Early").is_visible()
    assert page.locator(".cal-meeting", has_text="Dora Daring").count() == 0


def test_the_day_sheet_prints_without_the_site_around_it(
    new_page, live_server, bookable, week_ahead, axe_check
):
    """The day sheet lists the day's meetings with contacts; printed, the navigation, the
    filters and the site header are gone."""
    day, _bob = week_ahead
    page = signed_in_page(new_page, live_server, bookable.employee)
    page.goto(f"/staff/calendar/?date={day.isoformat()}&view=sheet")
    sheet = page.locator("table.day-sheet-table")
    assert sheet.get_by_text("Dora Daring").is_visible()
    assert sheet.get_by_text("+45 5555").first.is_visible()
    axe_check(page, label="calendar: day sheet")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".staff-nav", ".calendar-filters", ".calendar-nav"):
        assert not page.locator(hidden).is_visible(), hidden
    assert sheet.get_by_text("Egon Early").is_visible()
    assert not page.violations, "\n".join(page.violations)


def test_a_meeting_opens_to_its_details_and_takes_an_outcome(
    new_page, live_server, bookable, axe_check
):
    """From the calendar to a meeting that has begun: details, history, a no-show recorded
    with a note; axe-clean before and after."""
    now = timezone.now()
    begun = booked(
        topic=bookable.topic,
        employee=bookable.employee,
        start=now.replace(second=0, microsecond=0) - timedelta(minutes=10),
        customer="Gina Gone",
        phone=PHONE,
    )
    local_day = begun.start.astimezone(CPH).date()
    page = signed_in_page(new_page, live_server, bookable.employee)
    page.goto(f"/staff/calendar/?date={local_day.isoformat()}")
    page.get_by_role("link", name="Gina Gone").first.click()
    page.wait_for_url(re.compile(rf"/staff/meetings/{begun.pk}/"))
    assert page.get_by_role("heading", name="Meeting with Gina Gone").is_visible()
    assert page.get_by_text("gina@example.com").is_visible()
    axe_check(page, label="meeting details")

    page.get_by_label("No-show").check()
    page.get_by_label("Internal note").fill("Called, no answer.")
    page.get_by_role("button", name="Save outcome").click()
    page.get_by_text("The outcome has been saved.").wait_for()
    begun.refresh_from_db()
    assert begun.outcome == MeetingOutcome.NO_SHOW
    assert page.locator(".history").get_by_text("Marked no-show").is_visible()
    axe_check(page, label="meeting details after the outcome")
    assert not page.violations, "\n".join(page.violations)


def test_an_upcoming_meeting_can_be_cancelled_with_a_message(
    new_page, live_server, bookable, week_ahead, axe_check
):
    """A meeting next week offers cancelling with a message (no outcome yet); axe-clean."""
    meeting = Meeting.objects.get(customer__name="Dora Daring")
    page = signed_in_page(new_page, live_server, bookable.employee)
    page.goto(f"/staff/meetings/{meeting.pk}/")
    assert page.get_by_text("The outcome can be recorded once the meeting has begun.").is_visible()
    axe_check(page, label="upcoming meeting details")
    page.get_by_label("Message to the customer").fill("Please book again next week.")
    page.get_by_role("button", name="Cancel meeting").click()
    page.get_by_text("The meeting has been cancelled and the customer informed.").wait_for()
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    assert meeting.cancel_reason == "Please book again next week."
    axe_check(page, label="cancelled meeting details")
    assert not page.violations, "\n".join(page.violations)
