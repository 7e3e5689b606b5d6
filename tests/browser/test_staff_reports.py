"""The reports page and the calendar feed page in a real browser: axe-core finds no serious
or critical problem, the charts trip no Content-Security-Policy rule, and the date form
works with HTMX (booking.staff.reports, booking.staff.feeds)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from booking.roles import ADVISER, BRANCH_MANAGER
from tests import factories

pytestmark = pytest.mark.browser


def signed_in_page(new_page, live_server, employee, *, role: str):
    """A desktop page signed in as the employee's staff account (a test client's session
    cookie handed to the browser), collecting CSP violations from the console."""
    user = User.objects.create_user(username=f"reports-{employee.pk}", password="x")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    employee.user = user
    employee.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    page = new_page(width=1280)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.csp_messages = []
    page.on(
        "console",
        lambda message: (
            page.csp_messages.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def test_the_reports_page_passes_axe_and_the_form_swaps(new_page, live_server, bookable, axe_check):
    """A branch manager's report with a meeting: charts, tables, no CSP violation; a new
    range through the HTMX form updates the report and the address."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1, hours=4)
    factories.meeting(topic=bookable.topic, employee=bookable.employee, start=start)
    page = signed_in_page(new_page, live_server, bookable.employee, role=BRANCH_MANAGER)

    page.goto("/staff/reports/")
    assert page.locator("svg[role=img]").count() == 6
    axe_check(page, label="reports")

    page.locator("#id_start").fill("2026-01-05")
    page.locator("#id_end").fill("2026-01-04")
    page.get_by_role("button", name="Show report").click()
    page.get_by_text("The end date must not be before the start date.").wait_for()
    axe_check(page, label="reports with a field error")

    page.locator("#id_end").fill("2026-03-01")
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url(re.compile(r"end=2026-03-01"))
    page.locator("svg[role=img]").first.wait_for()
    assert page.locator("#branch-table-caption").is_visible()
    assert not page.csp_messages, page.csp_messages


def test_the_feed_page_passes_axe(new_page, live_server, bookable, axe_check):
    """An adviser makes a feed: the page shows the webcal address once and passes axe;
    after a reload the address is gone (only its hash is stored) and the page passes too."""
    page = signed_in_page(new_page, live_server, bookable.employee, role=ADVISER)
    page.goto("/staff/feed/")
    axe_check(page, label="feed: none yet")
    page.get_by_label("Hide customer details").check()
    page.get_by_role("button", name="Make my calendar feed").click()
    page.get_by_label("Subscription address (webcal)").wait_for()
    assert page.get_by_label("Subscription address (webcal)").input_value().startswith("webcal://")
    assert page.get_by_label("Hide customer details").is_checked()
    axe_check(page, label="feed: made")
    page.reload()
    page.get_by_text("The address was shown once").wait_for()
    assert page.get_by_label("Subscription address (webcal)").count() == 0
    axe_check(page, label="feed: address shown before")
    assert not page.csp_messages, page.csp_messages
