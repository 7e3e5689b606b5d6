"""Staff book for a customer on the phone, in a real browser at desktop width, with axe-core
on each step (booking.staff.phone)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client

from booking.models import BookedBy, Meeting
from booking.roles import ADVISER
from tests.background import run_tasks
from tests.browser.test_csp import REPORT_VIOLATIONS

pytestmark = pytest.mark.browser


def signed_in_page(new_page, live_server, employee, *, role: str = ADVISER):
    """A desktop page signed in as the employee's staff account (the session cookie of a
    test client's sign-in, handed to the browser)."""
    user = User.objects.create_user(username=f"staff-{employee.pk}", password="x")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    employee.user = user
    employee.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    page = new_page(width=1280)
    # CSP violations are reported to the console (tests/browser/test_csp.py): collect them.
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.violations = []
    page.on(
        "console",
        lambda message: (
            page.violations.append(f"{page.url}: {message.text}")
            if "CSP violation" in message.text or "Content Security Policy" in message.text
            else None
        ),
    )
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def test_a_phone_booking(new_page, live_server, bookable, axe_check):
    """Topic customers cannot book, type, a free time, the customer's details and answer:
    the meeting is booked by an employee and the customer gets the confirmation."""
    topic = bookable.topic
    topic.customer_bookable = False
    topic.save(update_fields=["customer_bookable"])
    topic.information_questions.create(text="What is the purpose?", required=True)
    page = signed_in_page(new_page, live_server, bookable.employee)

    page.goto("/staff/book/")
    axe_check(page, label="phone booking: options")
    page.get_by_label("Topic").select_option(label="Mortgage advice")
    page.get_by_label("Meeting type").select_option("online")
    page.get_by_role("button", name="Show free times").click()
    times = page.locator("#picker table").get_by_role("button")
    page.locator("#picker table, #week-next-free").first.wait_for()
    if times.count() == 0:
        page.locator("#week-next-free").click()
        times.first.wait_for()
    assert "topic=" in page.url  # HTMX pushed the options into the address
    axe_check(page, label="phone booking: times")

    times.first.click()
    page.wait_for_url(re.compile(r"/staff/book/\d+/$"))
    axe_check(page, label="phone booking: details")
    page.get_by_role("button", name="Book for the customer").click()
    page.locator(".field-error").first.wait_for()  # HTMX re-renders the form with errors
    axe_check(page, label="phone booking: details with errors")

    page.get_by_role("textbox", name="Customer's name").fill("Carla Customer")
    page.get_by_role("textbox", name="Customer's email").fill("carla@example.com")
    page.get_by_role("textbox", name="What is the purpose?").fill("A new house")
    page.get_by_role("button", name="Book for the customer").click()
    page.wait_for_url(re.compile(r"/staff/book/done/[\w-]+/$"))
    assert page.get_by_role("heading", name="Booked for the customer").is_visible()
    axe_check(page, label="phone booking: done")

    meeting = Meeting.objects.get()
    assert meeting.booked_by == BookedBy.EMPLOYEE
    assert meeting.owner == f"employee:{bookable.employee.pk}"
    assert meeting.answers.get().answer == "A new house"
    run_tasks()
    confirmations = [m for m in mail.outbox if m.to == ["carla@example.com"]]
    assert len(confirmations) == 1
    assert f"/m/{meeting.reference}/" in confirmations[0].body
    assert page.violations == []
