"""The Content-Security-Policy holds in a real browser: no page of ours trips it.

An init script (injected by the browser's debugging protocol, so the policy does not
apply to it) reports every `securitypolicyviolation` event to the console; chromium
also logs "Refused to ..." for each blocked resource. Either fails the test.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " at " + event.sourceFile + ":" +
                event.lineNumber);
});
"""


@pytest.fixture
def csp_page(new_page):
    """A page whose CSP violations (and chromium's refusals) are collected in `.violations`."""
    page = new_page()
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.violations = []

    def on_console(message) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            page.violations.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return page


def settle(page) -> None:
    """Lets late scripts, styles and images load before the violations are read."""
    page.wait_for_load_state("networkidle")


def test_the_policy_is_sent_without_unsafe_inline_or_eval(csp_page, transactional_db):
    """The header the browser receives allows no inline script and no eval."""
    response = csp_page.goto("/")
    policy = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'self'" in script_src
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_the_booking_pages_trip_no_csp_violation(csp_page, bookable):
    """Landing, options and times (with HTMX swaps), details, confirmed, manage: nothing blocked."""
    page = csp_page
    page.goto("/")
    page.get_by_role("link", name="Private", exact=True).click()  # an HTMX swap
    page.locator('[aria-current="true"]', has_text="Private").wait_for()
    page.get_by_role("link", name="Choose Mortgage advice").click()
    page.wait_for_url(re.compile(r"/book/\d+/"))
    page.get_by_label("In person", exact=True).check()
    page.get_by_label("Branch").wait_for()  # HTMX adds the branch choice
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_url(re.compile(r"/times/"))
    times = page.locator("#picker-times").get_by_role("button")
    if times.count() == 0:
        page.locator("#month-next-free").click()  # HTMX again
        times.first.wait_for()
    times.first.click()
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    page.locator("[data-countdown]").wait_for()  # bookme.js ran
    page.get_by_role("textbox", name="Your name", exact=True).fill("Carla Customer")
    page.get_by_role("textbox", name="Email", exact=True).fill("carla@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/m/[\w-]+/booked/"))
    page.get_by_role("link", name="Manage your meeting").click()
    page.wait_for_url(re.compile(r"/m/[\w-]+/$"))
    page.get_by_role("link", name="Choose a new time").click()
    page.wait_for_url(re.compile(r"/reschedule/"))
    page.go_back()
    page.get_by_role("link", name="Cancel meeting").click()
    page.wait_for_url(re.compile(r"/cancel/"))
    settle(page)
    assert not page.violations, "\n".join(page.violations)


@pytest.mark.parametrize(
    "path", ["/api/docs", "/accounts/login/", "/accounts/signup/", "/admin/login/", "/me/meetings/"]
)
def test_other_pages_trip_no_csp_violation(csp_page, transactional_db, path):
    """The API documentation (Swagger UI), the account pages and the admin load cleanly."""
    response = csp_page.goto(path)
    assert response is not None
    assert response.status < 400
    settle(csp_page)
    assert not csp_page.violations, "\n".join(csp_page.violations)


def test_the_api_docs_render_their_operations(csp_page, transactional_db):
    """Swagger UI really starts under the policy: the operations are listed."""
    csp_page.goto("/api/docs")
    csp_page.locator(".opblock").first.wait_for()
    assert csp_page.locator(".opblock").count() >= 5


def test_a_violation_would_be_caught(csp_page, transactional_db):
    """The check is not vacuous: an inline script on a page of ours is reported."""
    csp_page.goto("/accounts/login/")
    csp_page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.ran = true"; document.body.append(s); }"""
    )
    settle(csp_page)
    assert not csp_page.evaluate("() => window.ran === true")
    assert csp_page.violations


def test_the_admin_trips_no_csp_violation(csp_page, bookable, django_user_model):
    """Staff pages: the index, a change list and change forms with inlines and widgets."""
    django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-Staff-123")
    page = csp_page
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("pw-Staff-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    for path in (
        "/admin/config_data/meetingtopic/",
        f"/admin/config_data/meetingtopic/{bookable.topic.pk}/change/",
        f"/admin/config_data/employee/{bookable.employee.pk}/change/",
        "/admin/config_data/location/add/",
    ):
        response = page.goto(path)
        assert response is not None, path
        assert response.status == 200, path
        settle(page)
    assert not page.violations, "\n".join(page.violations)
