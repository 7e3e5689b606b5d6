"""Beyond the flow: phone widths, the keyboard, no JavaScript, and the account pages."""

from __future__ import annotations

import re

import pytest

from booking.models import Meeting

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def open_the_picker(page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Private", exact=True).click()
    page.locator('[aria-current="true"]', has_text="Private").wait_for()
    page.get_by_role("link", name="Choose Mortgage advice").click()
    page.get_by_label("Online", exact=True).check()
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_url(re.compile(r"/times/"))
    if page.locator("#picker-times").get_by_role("button").count() == 0:
        page.locator("#month-next-free").click()
        page.locator("#picker-times").get_by_role("button").first.wait_for()


def overflows_horizontally(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )


def test_phone_width_pages_fit_the_screen_and_pass_axe(new_page, axe_check, bookable):
    """At 390 px nothing forces sideways scrolling: landing, picker and details."""
    page = new_page(**PHONE)
    page.goto("/")
    assert not overflows_horizontally(page)
    axe_check(page, label="landing (phone)")
    open_the_picker(page)
    assert not overflows_horizontally(page)
    axe_check(page, label="times (phone)")
    page.locator("#picker-times").get_by_role("button").first.click()
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    assert not overflows_horizontally(page)
    axe_check(page, label="details (phone)")


def test_a_time_can_be_chosen_with_the_keyboard_and_focus_is_visible(page, bookable):
    """Tab reaches the free times, the focused one is outlined, Enter holds it."""
    open_the_picker(page)
    first_time = page.locator("#picker-times").get_by_role("button").first
    page.locator("#picker a.month-day").last.focus()
    for _ in range(3):  # past the calendar's last day to the first time of the chosen day
        if first_time.evaluate("button => button === document.activeElement"):
            break
        page.keyboard.press("Tab")
    assert first_time.evaluate("button => button === document.activeElement")
    outline = first_time.evaluate(
        "button => { const s = getComputedStyle(button);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    assert outline[0] != "none" or outline[2] != "none", outline
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    assert page.get_by_role("heading", name="Your details").is_visible()


def test_the_core_path_works_without_javascript(new_page, bookable):
    """Plain links and forms: category, topic, options, time, details, confirmation."""
    page = new_page(javascript=False)
    page.goto("/")
    page.get_by_role("link", name="Private", exact=True).click()  # a plain link
    page.wait_for_url(re.compile(r"\?category=\d+$"))
    page.get_by_role("link", name="Choose Mortgage advice").click()
    page.get_by_label("Online", exact=True).check()
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_url(re.compile(r"/times/"))
    if page.locator("#picker-times").get_by_role("button").count() == 0:
        page.locator("#month-next-free").click()
    page.locator("#picker-times").get_by_role("button").first.click()
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    page.get_by_role("textbox", name="Your name", exact=True).fill("Nils No-Script")
    page.get_by_role("textbox", name="Email", exact=True).fill("nils@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/m/[\w-]+/booked/"))
    assert page.get_by_role("heading", name="Your meeting is booked").is_visible()
    assert Meeting.objects.get().customer.email == "nils@example.com"


def test_account_pages_pass_axe_including_errors(page, axe_check, transactional_db):
    """Sign in, sign up (also with errors shown) and password reset in the site's layout."""
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page.goto(path)
        assert page.locator("header.site-header").is_visible()
        axe_check(page, label=path)
    page.goto("/accounts/signup/")
    page.get_by_role("textbox", name="Email").fill("nora@example.com")
    page.get_by_label(re.compile(r"^Password\W*$")).fill("short")
    page.get_by_label(re.compile(r"^Password \(again\)")).fill("other")
    page.get_by_role("button", name="Create an account").click()
    page.locator(".field-error").first.wait_for()
    axe_check(page, label="signup with errors")


def test_the_api_documentation_passes_axe(page, axe_check, transactional_db):
    """/api/docs (Swagger UI) with its operations listed, and with one opened."""
    page.goto("/api/docs")
    operations = page.locator(".opblock")
    operations.first.wait_for()
    axe_check(page, label="/api/docs")
    operations.first.locator(".opblock-summary-control").click()
    page.locator(".opblock-body").first.wait_for()
    axe_check(page, label="/api/docs (an operation opened)")
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").first.wait_for()
    axe_check(page, label="/api/docs (trying an operation)")
    page.locator(".auth-wrapper .authorize").click()
    page.locator(".modal-ux").wait_for()
    axe_check(page, label="/api/docs (the authorization dialog)")
