"""HTMX behaviour the templates rely on: attributes inherited from the picker's container."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_accessibility import open_the_picker

pytestmark = pytest.mark.browser


def test_week_links_swap_the_picker_in_place_and_update_the_address(page, bookable):
    """Next week replaces the picker (target, swap and push-url set once on it), no page load."""
    open_the_picker(page)
    heading = page.locator("#picker-heading")
    first_week = heading.inner_text()
    next_week = re.search(r"week=[\d-]+", page.locator("#week-next").get_attribute("href"))
    assert next_week
    page.evaluate("() => { window.stillTheSamePage = true; }")

    page.locator("#week-next").click()
    page.wait_for_url(re.compile(re.escape(next_week.group(0)) + "$"))
    page.wait_for_function(
        "first => document.querySelector('#picker-heading').innerText !== first", arg=first_week
    )
    assert page.evaluate("() => window.stillTheSamePage === true")  # swapped, not loaded
    assert page.locator("#picker").count() == 1  # the section itself replaced, not nested
    assert page.locator("#week-previous").get_attribute("href")

    page.go_back()
    page.wait_for_function(
        "first => document.querySelector('#picker-heading').innerText === first", arg=first_week
    )
