"""The site's chrome in a real browser (issue 13, point 11): the favicon, a compact header on
phones, steps on one line, and the language that applies on change with JavaScript (and with
its button without)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from tests.browser.test_embed import hold_in_frame, tomorrow_noon

pytestmark = pytest.mark.browser

PHONE = 390
# Brand, navigation and language in two short rows on a phone; one row on a desktop.
PHONE_HEADER_MAX_PX = 110
DESKTOP_HEADER_MAX_PX = 80

NAV_ON_ONE_LINE = """() => {
    const tops = [...document.querySelectorAll(".site-nav li")].map((li) => li.offsetTop);
    return new Set(tops).size === 1;
}"""
STEPS_ON_ONE_LINE = """() => {
    const steps = document.querySelector(".steps");
    const tops = [...steps.querySelectorAll("li")].map((li) => li.getBoundingClientRect().top);
    return new Set(tops).size === 1 && steps.scrollWidth <= steps.clientWidth;
}"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def header_height(page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


def test_the_favicon_is_linked_and_favicon_ico_finds_it(page, live_server, transactional_db):
    """The page's icon link and /favicon.ico both give the SVG icon."""
    page.goto("/")
    href = page.locator('link[rel="icon"]').get_attribute("href")
    icon = page.request.get(href)
    assert icon.status == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    legacy = page.request.get("/favicon.ico")
    assert legacy.status == 200
    assert legacy.body() == icon.body()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_header_is_compact_on_a_phone(new_page, bookable, axe_check, language, javascript):
    """At 390px brand, navigation and language fit in two short rows: the links on one line,
    nothing wider than the screen; signed in (more links) the header keeps its height."""
    page = new_page(width=PHONE, language=language, javascript=javascript)
    page.goto("/")
    assert header_height(page) <= PHONE_HEADER_MAX_PX
    assert page.evaluate(NAV_ON_ONE_LINE)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # The label is only visually hidden: the select keeps its name.
    label = "Sprache" if language == "de" else "Language"
    assert page.get_by_label(label).is_visible()
    if javascript:
        axe_check(page, label=f"header at {PHONE}px in {language}")


def test_the_header_of_a_signed_in_customer_stays_compact(new_page, bookable, django_user_model):
    """More links (My meetings, Sign out) scroll sideways inside the nav, not down the page."""
    user = django_user_model.objects.create_user("cora", "cora@example.com", "pw-Cora-0123456789")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page = new_page(width=PHONE, language="de")
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="E-Mail").fill("cora@example.com")
    page.get_by_label(re.compile(r"^Passwort\W*$")).fill("pw-Cora-0123456789")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Abmelden").wait_for()
    assert header_height(page) <= PHONE_HEADER_MAX_PX
    assert page.evaluate(NAV_ON_ONE_LINE)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_header_is_one_row_on_a_desktop(new_page, bookable, language):
    """At desktop width the header is a single row with the label shown."""
    page = new_page(language=language)
    page.goto("/")
    assert header_height(page) <= DESKTOP_HEADER_MAX_PX
    assert page.locator(".language-form label").is_visible()


@pytest.mark.parametrize("width", [PHONE, 1280], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_steps_stay_on_one_line(new_page, bookable, language, width):
    """Topic, options, time and details: the step indicator never wraps; the current step is
    named on screen, and every step's name is there for screen readers."""
    page = new_page(width=width, language=language)
    topic = bookable.topic.pk
    page.goto(f"/book/{topic}/")
    page.locator(".steps").wait_for()
    assert page.evaluate(STEPS_ON_ONE_LINE), f"options at {width}px"
    current = page.locator('.steps li[aria-current="step"]')
    assert current.inner_text().strip() == ("Optionen" if language == "de" else "Options")
    assert page.locator(".steps li").count() == 4
    page.goto(f"/book/{topic}/times/?type=online&employee=any")
    page.locator(".steps").wait_for()
    assert page.evaluate(STEPS_ON_ONE_LINE), f"times at {width}px"
    hold_in_frame(page.main_frame, bookable, tomorrow_noon(bookable))
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    assert page.evaluate(STEPS_ON_ONE_LINE), f"details at {width}px"
    assert current.inner_text().strip() == ("Ihre Angaben" if language == "de" else "Your details")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("width", [PHONE, 1280], ids=["phone", "desktop"])
def test_with_javascript_the_language_applies_on_change(new_page, transactional_db, width):
    """No button to press: choosing German reloads the same page in German."""
    page = new_page(width=width)
    page.goto("/accounts/login/")
    assert not page.get_by_role("button", name="Change").is_visible()
    page.get_by_label("Language").select_option("de")
    page.wait_for_function("() => document.documentElement.lang === 'de'")
    assert page.url.endswith("/accounts/login/")
    assert page.get_by_role("heading", name="Anmelden").is_visible()


@pytest.mark.parametrize("width", [PHONE, 1280], ids=["phone", "desktop"])
def test_without_javascript_the_button_applies_the_language(new_page, transactional_db, width):
    """Without scripts the select changes nothing by itself; the visible button applies it."""
    page = new_page(width=width, javascript=False)
    page.goto("/accounts/login/")
    page.get_by_label("Language").select_option("de")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.get_by_role("button", name="Change").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    assert page.locator("html").get_attribute("lang") == "de"
