"""Issue 13, point 3 in a real browser: the time picker as a month calendar. Days with
free times are links named by their full date and how many times are free; the chosen
day's times sit beside the calendar on a desktop and below it on a phone; months and
"Earliest available" are one press away; the keyboard reaches a day, then a time. At
phone and desktop width, in English and German, with and without JavaScript; axe-core
checks the pages where scripts run."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import formats, translation

from tests.browser.variants import PHONE, VARIANTS

pytestmark = pytest.mark.browser

HOLD_URL = re.compile(r"/hold/\d+/")


def times_path(bookable) -> str:
    return reverse("booking:times", args=[bookable.topic.pk]) + "?type=online&employee=any"


def full_date(day: date, language: str) -> str:
    """A day as the picker names it: "Wednesday 3 June 2026", "Mittwoch 3. Juni 2026"."""
    with translation.override(language):
        return f"{formats.date_format(day, 'l')} {formats.date_format(day, 'DATE_FORMAT')}"


def month_name(day: date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(day, "YEAR_MONTH_FORMAT")


def free_times_name(day: date, count: int, language: str) -> str:
    """The accessible name of a day link, in the site's own words."""
    with translation.override(language):
        text = translation.ngettext("%(day)s: %(n)s free time", "%(day)s: %(n)s free times", count)
    return text % {"day": full_date(day, language), "n": count}


def day_of(link) -> date:
    """The date a day link points at (its address carries ?day=YYYY-MM-DD)."""
    match = re.search(r"day=(\d{4}-\d\d-\d\d)", link.get_attribute("href") or "")
    assert match, link.get_attribute("href")
    return date.fromisoformat(match.group(1))


def another_day(page):
    """A day link other than the chosen one, going to the next month if need be."""
    others = page.locator("#picker a.month-day:not([aria-current])")
    if others.count() == 0:
        page.locator("#month-next").click()
        page.locator("#picker a.month-day").first.wait_for()
    return others.first


def wait_for_heading(page, text: str) -> None:
    page.wait_for_function(
        "text => document.querySelector('#picker-times-heading')?.innerText.trim() === text",
        arg=text,
    )


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_choose_a_day_then_a_time(new_page, axe_check, bookable, language, width, javascript):
    """The calendar opens on the first free day, named and marked; another day shows its
    times (swapped in place with JavaScript, a plain page without); a time holds it."""
    page = new_page(language=language, width=width, javascript=javascript)
    page.goto(times_path(bookable))
    chosen = page.locator('#picker a.month-day[aria-current="true"]')
    first_day = day_of(chosen)
    table = page.get_by_role("table", name=month_name(first_day, language))
    assert table.is_visible()
    heading = page.locator("#picker-times-heading")
    assert heading.inner_text().strip() == full_date(first_day, language)
    times = page.locator("#picker-times").get_by_role("button")
    assert times.count() > 0
    assert (
        page.get_by_role("link", name=free_times_name(first_day, times.count(), language)).count()
        == 1
    )
    assert not page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )
    calendar_box = table.bounding_box()
    times_box = page.locator("#picker-times").bounding_box()
    assert calendar_box
    assert times_box
    if width == PHONE:  # below the calendar
        assert times_box["y"] >= calendar_box["y"] + calendar_box["height"] - 1
    else:  # beside it
        assert times_box["x"] >= calendar_box["x"] + calendar_box["width"] - 1
    if javascript:  # axe-core runs as a script: only where scripts run
        axe_check(page, label=f"month picker {language} {width}")

    page.evaluate("() => { window.stillTheSamePage = true; }")
    link = another_day(page)
    target = day_of(link)
    link.click()
    page.wait_for_url(re.compile(rf"day={target.isoformat()}"))
    wait_for_heading(page, full_date(target, language))
    assert page.locator('#picker a.month-day[aria-current="true"]').count() == 1
    assert day_of(page.locator('#picker a.month-day[aria-current="true"]')) == target
    if javascript:
        assert page.evaluate("() => window.stillTheSamePage === true")  # swapped, not loaded
        with translation.override(language):
            announced = formats.date_format(target, "DATE_FORMAT")
        # The live region says which day is shown now.
        page.wait_for_function(
            "text => document.querySelector('#picker-status').innerText.includes(text)",
            arg=announced,
        )
        axe_check(page, label=f"month picker, another day {language} {width}")
    else:
        assert page.evaluate("() => window.stillTheSamePage === undefined")

    page.locator("#picker-times").get_by_role("button").first.click()
    page.wait_for_url(HOLD_URL)


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_keyboard_tab_to_a_day_enter_then_tab_to_a_time(
    new_page, bookable, language, width, javascript
):
    """From "Earliest available", Tab reaches a day; Enter shows its times; the next Tab
    is on the first time (focus follows the swap, or the link's jump without scripts);
    Enter holds it."""
    page = new_page(language=language, width=width, javascript=javascript)
    page.goto(times_path(bookable))
    if page.locator("#picker a.month-day:not([aria-current])").count() == 0:
        # The first free day is the month's last: the next month has days to Tab to.
        page.locator("#month-next").click()
        page.wait_for_url(re.compile(r"month=\d{4}-\d\d"))
        page.locator("#picker a.month-day:not([aria-current])").first.wait_for()
    page.locator("#picker-earliest").focus()
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => document.activeElement.matches('#picker a.month-day:not([aria-current])')"
        ):
            break
    focused_href = page.evaluate("() => document.activeElement.getAttribute('href') || ''")
    match = re.search(r"day=(\d{4}-\d\d-\d\d)", focused_href)
    assert match, f"Tab did not reach a day: {focused_href!r}"
    target = date.fromisoformat(match.group(1))
    page.keyboard.press("Enter")
    wait_for_heading(page, full_date(target, language))
    if javascript:  # the swap replaced the focused link: focus moves to the times' heading
        page.wait_for_function("() => document.activeElement.id === 'picker-times-heading'")
    page.keyboard.press("Tab")
    first_time = page.locator("#picker-times").get_by_role("button").first
    assert first_time.evaluate("button => button === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_url(HOLD_URL)


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS[::3])
def test_months_and_earliest_available_are_one_press_away(
    new_page, axe_check, bookable, language, width, javascript
):
    """The next month opens on its first free day; back, and "Earliest available" returns
    to the first free day whatever is shown."""
    page = new_page(language=language, width=width, javascript=javascript)
    page.goto(times_path(bookable))
    first_day = day_of(page.locator('#picker a.month-day[aria-current="true"]'))
    page.locator("#month-next").click()
    page.wait_for_url(re.compile(r"month=\d{4}-\d\d"))
    later = re.search(r"month=(\d{4})-(\d\d)", page.url)
    assert later
    next_month = date(int(later.group(1)), int(later.group(2)), 1)
    page.get_by_role("table", name=month_name(next_month, language)).wait_for()
    assert day_of(page.locator('#picker a.month-day[aria-current="true"]')) == next_month
    assert page.locator("#picker-times").get_by_role("button").count() > 0
    if javascript:
        axe_check(page, label=f"next month {language} {width}")

    page.locator("#picker-earliest").click()
    page.get_by_role("table", name=month_name(first_day, language)).wait_for()
    wait_for_heading(page, full_date(first_day, language))
    assert page.locator("#month-previous").count() == 0  # nothing is free before
