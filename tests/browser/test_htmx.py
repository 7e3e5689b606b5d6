"""HTMX behaviour the templates rely on: attributes inherited from the picker's container."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_accessibility import open_the_picker

pytestmark = pytest.mark.browser


def test_month_links_swap_the_picker_in_place_and_update_the_address(page, bookable):
    """Next month replaces the picker (target, swap and push-url set once on it), no page
    load; back returns to the first month."""
    open_the_picker(page)
    caption = page.locator("#month-caption")
    first_month = caption.inner_text()
    next_month = re.search(r"month=[\d-]+", page.locator("#month-next").get_attribute("href"))
    assert next_month
    page.evaluate("() => { window.stillTheSamePage = true; }")

    page.locator("#month-next").click()
    page.wait_for_url(re.compile(re.escape(next_month.group(0)) + "$"))
    page.wait_for_function(
        "first => document.querySelector('#month-caption').innerText !== first", arg=first_month
    )
    assert page.evaluate("() => window.stillTheSamePage === true")  # swapped, not loaded
    assert page.locator("#picker").count() == 1  # the section itself replaced, not nested
    assert page.locator("#month-previous").get_attribute("href")

    page.go_back()
    page.wait_for_function(
        "first => document.querySelector('#month-caption').innerText === first", arg=first_month
    )
