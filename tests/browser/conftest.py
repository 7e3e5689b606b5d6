"""Browser tests: Playwright drives the system's chromium against pytest-django's live server.

Nothing is downloaded: chromium comes from the operating system (`make browser-deps`),
axe-core from tests/browser/node_modules (`npm ci --prefix tests/browser`). Without
either, every browser test skips with a message saying what to install; CI sets
BOOKME_REQUIRE_BROWSER=1, which turns such a skip into a failure (tests/conftest.py).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import pytest

from config_data.models import Employee, Location, MeetingTopic, Room
from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Playwright waits at most this long for a page or an element; a healthy page takes far less.
TIMEOUT_MS = 15_000
BLOCKING_IMPACTS = {"serious", "critical"}

AxeCheck = Callable[..., None]
_SCRIPTLESS: weakref.WeakSet = weakref.WeakSet()  # pages opened with javascript=False


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium per test module; each test gets its own context."""
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}: run `make browser-deps` (installs it as root)")
    if not AXE_SCRIPT.exists():
        pytest.skip("axe-core is not installed: run `npm ci --prefix tests/browser`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django refuses
    # ORM calls from a thread with a running loop. The test code is synchronous, so allow
    # them while the browser is up: module scope, so that the allowance never outlives
    # the browser tests, however pytest-django orders the tests around them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def site_settings(settings, live_server):
    """Production settings, but over plain HTTP: the live server has no TLS.
    Links in emails point at the live server."""
    settings.BOOKME_SITE_URL = live_server.url
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    return settings


@pytest.fixture
def new_page(chromium, live_server, site_settings):
    """Opens a page in a fresh browser context (own cookies), closed after the test.

    `language` sets the browser's Accept-Language; `width`/`height` the viewport;
    `javascript=False` turns scripts off (the core path must work without them);
    `timezone_id` sets the browser's time zone, which the site's script reports (online
    and phone times follow it); the demo branch's by default, so pages read as they did.
    Any uncaught JavaScript error in any page fails the test.
    """

    def new_page(
        *,
        language: str = "en",
        width: int = 1280,
        height: int = 900,
        javascript: bool = True,
        timezone_id: str = "Europe/Copenhagen",
    ):
        context = chromium.new_context(
            timezone_id=timezone_id,
            base_url=live_server.url,
            locale=language,
            viewport={"width": width, "height": height},
            accept_downloads=True,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if not javascript:
            _SCRIPTLESS.add(page)
        page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        return page

    contexts = []
    script_errors: list[str] = []
    yield new_page
    for context in contexts:
        context.close()
    assert not script_errors, "JavaScript errors in the pages:\n" + "\n".join(script_errors)


@pytest.fixture
def page(new_page):
    """A desktop-sized page in English."""
    return new_page()


def axe_violations(page) -> list[dict]:
    """Runs axe-core in the page and returns its serious and critical violations."""
    if page in _SCRIPTLESS:
        # axe is a script: in a page with scripts off the call would wait until the timeout.
        raise AssertionError("axe needs JavaScript: check this page in a context with it on")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the debugging protocol, which the page's Content-Security-Policy
        # does not govern; an injected <script> tag would be refused as inline script.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => await axe.run(document, {
            resultTypes: ["violations"],
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "best-practice"]},
        })"""
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.fixture
def axe_check() -> AxeCheck:
    """Asserts that the page as it is now has no serious or critical accessibility problem."""

    def check(page, *, label: str = "") -> None:
        violations = axe_violations(page)
        assert not violations, f"axe on {label or page.url}:\n{describe(violations)}"

    return check


@dataclass
class Bookable:
    """What the browser tests book: one branch, one adviser, a topic, two categories."""

    location: Location
    employee: Employee
    room: Room
    topic: MeetingTopic


@pytest.fixture
def bookable(transactional_db) -> Bookable:
    """An always-open branch whose adviser works every day 07-21, so that there are free
    times whenever the tests run; the first time is at least 3 hours away and changes
    close 1 hour before, so that the booked meeting can still be moved and cancelled.
    """
    factories.category("Private")
    factories.category("Business")
    location = factories.location(name="Copenhagen", opening=None, street="Harbour Street 1")
    employee = factories.employee(
        location=location,
        name="Alice Adviser",
        email="alice@bank.example",
        hours=[(day, time(7), time(21)) for day in range(7)],
        online_meeting_link="https://meet.example.com/alice",
    )
    room = factories.room(location=location, name="Meeting room 1")
    topic = factories.topic(
        name="Mortgage advice",
        description="Buying a home: what you can borrow and how.",
        employees=[employee],
        duration=30,
        slot_step=30,
        minimum_notice=180,
        change_cutoff=1,
        physical=True,
        online=True,
    )
    return Bookable(location, employee, room, topic)
