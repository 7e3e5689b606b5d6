"""Issue 13, point 7 in a real browser: back from the details page, the picker says which
time this browser holds, with Continue and Release; the same time pressed in a second tab
opens the same hold and says so. Phone and desktop, English and German, with and without
JavaScript; axe-core checks the picker with the notice."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from booking.models import TimeSlot, TimeSlotStatus
from tests.browser.variants import VARIANTS, gettext_in

pytestmark = pytest.mark.browser

HOLD_URL = re.compile(r"/hold/(\d+)/")


def times_path(bookable) -> str:
    return reverse("booking:times", args=[bookable.topic.pk]) + "?type=online&employee=any"


def first_free_time(page):
    """The first free time button of the day shown (or of the next month with one)."""
    times = page.locator("#picker-times").get_by_role("button")
    if times.count() == 0:
        page.locator("#month-next-free").click()
        times.first.wait_for()
    return times.first


def held_id(page) -> int:
    match = HOLD_URL.search(page.url)
    assert match, page.url
    return int(match.group(1))


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_back_to_the_picker_shows_the_hold_with_continue_and_release(
    new_page, axe_check, bookable, language, width, javascript
):
    """Hold, go back (browser back, then the page's link): the notice names the hold;
    Continue returns to its details; Release frees it and the notice goes."""
    t = gettext_in(language)
    page = new_page(language=language, width=width, javascript=javascript)
    page.goto(times_path(bookable))
    first_free_time(page).click()
    page.wait_for_url(HOLD_URL)
    slot_id = held_id(page)

    page.go_back()
    notice = page.locator(".held-times")
    notice.wait_for()
    assert t("Your held times") in notice.inner_text()
    if javascript:  # axe-core is a script: it cannot run in a page without JavaScript
        axe_check(page, label=f"picker with hold {language} {width}")

    notice.get_by_role("link", name=t("Continue")).click()
    page.wait_for_url(HOLD_URL)
    assert held_id(page) == slot_id

    page.get_by_role("link", name=t("Back to the times")).click()
    page.locator(".held-times").get_by_role("button", name=t("Release")).click()
    page.wait_for_url(re.compile(r"/times/"))
    assert page.locator(".held-times").count() == 0
    assert TimeSlot.objects.get(pk=slot_id).status == TimeSlotStatus.CANCELLED


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS[::3])
def test_the_same_time_pressed_in_a_second_tab_opens_the_same_hold(
    new_page, bookable, language, width, javascript
):
    """Two tabs show the same day; both press the same time: one hold, the second tab
    lands on it with a note, and no error."""
    t = gettext_in(language)
    first = new_page(language=language, width=width, javascript=javascript)
    second = first.context.new_page()
    for tab in (first, second):
        tab.goto(times_path(bookable))
    chosen = first_free_time(first)
    start = chosen.get_attribute("value")
    chosen.click()
    first.wait_for_url(HOLD_URL)
    again = first_free_time(second)  # loaded before the hold: the same time is still there
    assert again.get_attribute("value") == start
    again.click()
    second.wait_for_url(HOLD_URL)
    assert held_id(second) == held_id(first)
    note = t(
        "You are already holding this time (perhaps in another tab). "
        "It is the same hold: continue here."
    )
    assert note in second.locator("main").inner_text()
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 1
