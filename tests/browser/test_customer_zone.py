"""Issue 13, point 4 in a real browser: online meetings in the customer's own time zone.

With JavaScript the browser's zone (the context's timezone_id) is detected; without it the
customer picks the zone in a plain select. The held time, the confirmation and the stored
meeting all use that zone; an in-person meeting keeps the branch's. At phone and desktop
width, in English and German; axe-core checks the pages where scripts run.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from booking.models import Meeting
from tests.browser.variants import VARIANTS

pytestmark = pytest.mark.browser

NEW_YORK = "America/New_York"


def gettext_in(language: str):
    """The site's own translation of a UI string, so the test reads what a user would."""

    def t(message: str, **params: str) -> str:
        with translation.override(language):
            return translation.gettext(message) % params if params else translation.gettext(message)

    return t


def times_path(bookable, meeting_type: str) -> str:
    query = f"type={meeting_type}&employee=any"
    if meeting_type == "physical":
        query += f"&location={bookable.location.pk}"
    return f"/book/{bookable.topic.pk}/times/?{query}"


def hold_first_time(page) -> datetime:
    """Presses the first free time shown; returns its instant (the button's value)."""
    button = page.locator("button[name='start']").first
    button.wait_for()
    start = datetime.fromisoformat(button.get_attribute("value") or "")
    button.click()
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    return start


def confirm_details(page, t) -> Meeting:
    page.get_by_role("textbox", name=t("Your name"), exact=True).fill("Carla Customer")
    page.get_by_role("textbox", name=t("Email"), exact=True).fill("carla@example.com")
    page.get_by_role("button", name=t("Confirm booking")).click()
    page.wait_for_url(re.compile(r"/m/[\w-]+/booked/"))
    return Meeting.objects.with_details().get()


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_online_booking_in_the_customers_zone(
    new_page, axe_check, bookable, language, width, javascript
):
    """Detected with JavaScript, chosen in the select without it; the held time and the
    confirmation show New York times and say so; the meeting stores the zone."""
    t = gettext_in(language)
    page = new_page(language=language, width=width, javascript=javascript, timezone_id=NEW_YORK)
    page.goto(times_path(bookable, "online"))
    select = page.get_by_label(t("Your time zone"))
    if javascript:
        # The script reported the browser's zone (not a choice) and the picker was shown
        # again in it.
        page.wait_for_url(re.compile(r"tz_detected=America%2FNew_York"))
    else:
        assert select.input_value() == "Europe/Copenhagen"  # nothing detected: the branch's
        select.select_option(NEW_YORK)
        page.get_by_role("button", name=t("Show times in this zone")).click()
        page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
    assert page.get_by_label(t("Your time zone")).input_value() == NEW_YORK
    if javascript:
        axe_check(page, label=f"times in zone {language} {width}")

    start = hold_first_time(page)
    local = start.astimezone(ZoneInfo(NEW_YORK)).strftime("%H:%M")
    note = page.locator("#zone-note")
    assert note.inner_text().strip() == t("Times are in your time zone, %(zone)s.", zone=NEW_YORK)
    assert local in page.locator(".summary-card").inner_text()

    meeting = confirm_details(page, t)
    assert meeting.customer_timezone == NEW_YORK
    assert meeting.start == start
    summary = page.locator("#zone-note").inner_text().strip()
    assert summary == t("Times are in your time zone, %(zone)s.", zone=NEW_YORK)
    assert f"{local}–" in page.locator(".facts").first.inner_text()
    assert NEW_YORK in page.locator("#change-deadline").inner_text()
    if javascript:
        axe_check(page, label=f"confirmed in zone {language} {width}")


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_in_person_booking_keeps_the_branch_zone(new_page, bookable, language, width, javascript):
    """In person: no zone select, and the branch's zone however the browser is set."""
    t = gettext_in(language)
    page = new_page(language=language, width=width, javascript=javascript, timezone_id=NEW_YORK)
    page.goto(times_path(bookable, "physical"))
    page.locator("button[name='start']").first.wait_for()
    assert page.locator("select[name='tz']").count() == 0
    assert "tz=" not in page.url
    start = hold_first_time(page)
    local = start.astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%H:%M")
    assert local in page.locator(".summary-card").inner_text()
    meeting = confirm_details(page, t)
    note = page.locator("#zone-note").inner_text().strip()
    assert note == t("Times are in the %(zone)s time zone.", zone="Europe/Copenhagen")
    assert meeting.customer_zone == ZoneInfo("Europe/Copenhagen")


def test_invalid_zone_is_refused_on_the_page(new_page, bookable):
    """A made-up zone in the address: a notice naming it, the picker still works."""
    page = new_page(javascript=False)
    page.goto(times_path(bookable, "online") + "&tz=Mars%2FOlympus")
    notice = page.locator("#zone-rejected")
    assert "Mars/Olympus" in notice.inner_text()
    assert page.get_by_label("Your time zone").input_value() == "Europe/Copenhagen"
    assert page.locator("button[name='start']").count() > 0


def test_a_zone_is_chosen_with_the_keyboard_without_a_reload_on_each_key(new_page, bookable):
    """Arrow keys in the select move through ~600 zones without sending the form (each
    key fires "change"; WCAG 3.2.2); Tab reaches the button, Enter shows the chosen zone."""
    page = new_page()
    page.goto(times_path(bookable, "online"))
    select = page.get_by_label("Your time zone")
    assert select.input_value() == "Europe/Copenhagen"  # the browser's: nothing to send
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    select.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    chosen = select.input_value()
    assert chosen != "Europe/Copenhagen"
    page.wait_for_timeout(500)
    assert loads == []
    assert "tz=" not in page.url
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Show times in this zone")
    assert button.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("tz=" + re.escape(quote(chosen, safe=""))))
    assert page.get_by_label("Your time zone").input_value() == chosen
    zone_text = page.locator("#picker .zone").inner_text()
    assert zone_text == f"Times are in the {chosen} time zone."
