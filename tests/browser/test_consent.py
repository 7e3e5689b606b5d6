"""The partner apps' consent page in a real browser: phone and desktop, English and German,
axe-core with JavaScript on; sign-in and Allow without JavaScript; Deny with it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.test import Client

from tests.api.partner_flow import REDIRECT, authorize_params, partner_app, pkce

pytestmark = pytest.mark.browser

PASSWORD = "pw-Carla-0123456789"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
HEADINGS = {
    "en": "Allow Budget Planner to see your meetings?",
    "de": "Darf Budget Planner Ihre Termine sehen?",
}
BUTTONS = {"en": ("Allow", "Deny"), "de": ("Erlauben", "Ablehnen")}


@pytest.fixture
def person(transactional_db, django_user_model) -> User:
    user = django_user_model.objects.create_user("carla", "carla@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def app(transactional_db) -> Any:
    return partner_app(name="Budget Planner")


def consent_url(app: Any) -> str:
    return "/o/authorize/?" + urlencode(authorize_params(app, pkce()[1]))


def signed_in_page(new_page: Any, live_server: Any, user: User, **options: Any) -> Any:
    """A page whose browser carries the session of `user` (signed in without the form)."""
    http = Client()
    http.force_login(user)
    page = new_page(**options)
    page.context.add_cookies(
        [{"name": "sessionid", "value": http.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def answer_to_app(page: Any, button: str) -> dict[str, str]:
    """Press `button` and follow the browser to the app's redirect URI: its parameters.
    The browser itself must go there (the page's CSP form-action allows the app's origin);
    the app's host does not exist here, so the request is read, not its answer."""
    with page.expect_request(lambda r: r.url.startswith(REDIRECT + "?")) as sent:
        page.get_by_role("button", name=button, exact=True).click()
    query = urlsplit(sent.value.url).query
    return {key: values[0] for key, values in parse_qs(query).items()}


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_consent_page_reads_well_and_passes_axe(
    new_page, live_server, app, person, axe_check, language, width
):
    """The app's name as the heading, Allow and Deny, nothing wider than the screen, no
    serious accessibility problem, at phone and desktop width, in English and German."""
    page = signed_in_page(new_page, live_server, person, language=language, width=width)
    page.goto(consent_url(app))
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == HEADINGS[language]
    allow, deny = BUTTONS[language]
    assert page.get_by_role("button", name=allow, exact=True).is_visible()
    assert page.get_by_role("button", name=deny, exact=True).is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    axe_check(page, label=f"consent page at {width}px in {language}")


def test_sign_in_and_allow_work_without_javascript(new_page, app, person):
    """Scripts off: the consent link leads to the sign-in, back to the consent, and Allow
    sends the browser to the app with a code and the app's state."""
    page = new_page(javascript=False)
    page.goto(consent_url(app))
    assert urlsplit(page.url).path == "/accounts/login/"
    page.get_by_role("textbox", name=re.compile("Email", re.IGNORECASE)).fill(person.email)
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=HEADINGS["en"]).wait_for()
    answer = answer_to_app(page, "Allow")
    assert answer["code"]
    assert answer["state"] == "st-123"
    assert app.grant_set.get().user == person


def test_deny_tells_the_app_access_denied(new_page, live_server, app, person):
    """Deny (scripts on): the app hears access_denied with its state, and no code exists."""
    page = signed_in_page(new_page, live_server, person)
    page.goto(consent_url(app))
    answer = answer_to_app(page, "Deny")
    assert answer["error"] == "access_denied"
    assert answer["state"] == "st-123"
    assert not app.grant_set.exists()
