"""Connected apps (/me/apps/) in a real browser: phone and desktop, English and German, with
and without JavaScript; Revoke works either way; axe-core with JavaScript on."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from tests.api.partner_flow import partner_app, person_token

pytestmark = pytest.mark.browser

PASSWORD = "pw-Carla-0123456789"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
WORDS = {
    "en": {
        "heading": "Connected apps",
        "revoke": "Revoke",
        "gone": "Budget Planner can no longer see your meetings.",
        "none": "You have not allowed any partner app to see your meetings.",
    },
    "de": {
        "heading": "Verbundene Apps",
        "revoke": "Zugriff entziehen",
        "gone": "Budget Planner kann Ihre Termine nicht mehr sehen.",
        "none": "Sie haben keiner Partner-App erlaubt, Ihre Termine zu sehen.",
    },
}


@pytest.fixture
def person(transactional_db, django_user_model) -> User:
    user = django_user_model.objects.create_user("carla", "carla@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def app(transactional_db, person) -> Any:
    """Budget Planner, allowed by the person through the whole code flow."""
    application = partner_app(name="Budget Planner")
    person_token(application, person)
    return application


def signed_in_page(new_page: Any, live_server: Any, user: User, **options: Any) -> Any:
    """A page whose browser carries the session of `user` (signed in without the form)."""
    http = Client()
    http.force_login(user)
    page = new_page(**options)
    page.context.add_cookies(
        [{"name": "sessionid", "value": http.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.fixture
def signed_in(new_page: Any, live_server: Any, person: User) -> Any:
    """Opens a page signed in as the person: signed_in(language=..., width=..., ...)."""
    return lambda **options: signed_in_page(new_page, live_server, person, **options)


def tokens_left(user: User) -> int:
    return sum(
        model.objects.filter(user=user).count() for model in (AccessToken, RefreshToken, Grant)
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_page_lists_the_app_and_revoke_takes_it_away(
    signed_in, app, person, axe_check, language, width, javascript
):
    """The app, its Revoke button, nothing wider than the screen, no serious accessibility
    problem (with scripts on); Revoke leaves the page with a message, no app and no token."""
    words = WORDS[language]
    page = signed_in(language=language, width=width, javascript=javascript)
    page.goto("/me/apps/")
    assert page.get_by_role("heading", level=1).inner_text() == words["heading"]
    assert page.get_by_role("heading", level=2, name="Budget Planner").is_visible()
    revoke = page.get_by_role("button", name=re.compile("^" + re.escape(words["revoke"])))
    assert revoke.is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    if javascript:
        axe_check(page, label=f"connected apps at {width}px in {language}")
    revoke.click()
    page.get_by_text(words["gone"]).wait_for()
    assert urlsplit(page.url).path == "/me/apps/"
    assert page.get_by_text(words["none"]).is_visible()
    assert page.get_by_role("heading", level=2, name="Budget Planner").count() == 0
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    if javascript:
        axe_check(page, label=f"connected apps after revoking, {width}px, {language}")
    assert tokens_left(person) == 0


def test_sign_in_leads_back_to_the_page_without_javascript(new_page, app, person):
    """Scripts off, not signed in: My meetings' link target asks for the sign-in first and
    comes back to the list after it."""
    page = new_page(javascript=False)
    page.goto("/me/apps/")
    assert urlsplit(page.url).path == "/accounts/login/"
    page.get_by_role("textbox", name=re.compile("Email", re.IGNORECASE)).fill(person.email)
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", level=1, name="Connected apps").wait_for()
    assert urlsplit(page.url).path == "/me/apps/"
    assert page.get_by_role("heading", level=2, name="Budget Planner").is_visible()
    assert tokens_left(person) == 2  # reading the list revokes nothing


def test_my_meetings_links_to_the_page(signed_in, app):
    """The small line on My meetings leads to Connected apps."""
    page = signed_in()
    page.goto("/me/meetings/")
    page.get_by_role("link", name="Apps you allowed to see your meetings").click()
    page.get_by_role("heading", level=1, name="Connected apps").wait_for()
    assert urlsplit(page.url).path == "/me/apps/"
