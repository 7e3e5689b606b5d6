"""Connected apps (/me/apps/): the partner apps a signed-in person allowed, and Revoke,
which takes this person's tokens and codes of that app away at once, and no one else's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.signals import post_delete
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from booking.api import auth as api_auth
from tests.api.partner_flow import (
    authorization_code,
    authorize_params,
    bearer,
    exchange,
    partner_app,
    pkce,
    refresh,
)
from tests.conftest import NOW

URL = "/me/apps/"
MY_MEETINGS_API = "/api/bookme/me/meetings"
FORGET_RECEIVER = "bookme_forget_revoked_token"  # booking.api.auth's post_delete receiver


@pytest.fixture
def carla(db, django_user_model) -> User:
    return django_user_model.objects.create_user("carla", "carla@example.com", "pw")


@pytest.fixture
def dave(db, django_user_model) -> User:
    return django_user_model.objects.create_user("dave", "dave@example.com", "pw")


@pytest.fixture
def planner(db) -> Any:
    return partner_app(name="Budget Planner")


@pytest.fixture
def diary(db) -> Any:
    return partner_app(name="Diary Sync")


@pytest.fixture
def token_cache(settings) -> None:
    """The API keeps checked tokens in the process: a revocation must not wait for it."""
    settings.BOOKME_API_TOKEN_CACHE_SECONDS = 300


def browser(user: User, **kwargs: Any) -> Client:
    http = Client(**kwargs)
    http.force_login(user)
    return http


def allow(user: User, application: Any) -> dict[str, str]:
    """The person consents and the app exchanges the code: its access and refresh token."""
    verifier, challenge = pkce()
    code = authorization_code(browser(user), application, challenge)
    response = exchange(application, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def rows_of(user: User, application: Any) -> tuple[int, int, int]:
    """How many access tokens, refresh tokens and codes `user` has for `application`."""
    scope = {"user": user, "application": application}
    return (
        AccessToken.objects.filter(**scope).count(),
        RefreshToken.objects.filter(**scope).count(),
        Grant.objects.filter(**scope).count(),
    )


# --- who may see the page ----------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(planner, carla):
    """GET and POST without a session: to the sign-in with `next`, and nothing revoked."""
    allow(carla, planner)
    for response in (Client().get(URL), Client().post(URL, {"application": planner.pk})):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={URL}"
    assert rows_of(carla, planner) == (1, 1, 0)


def test_the_list_shows_only_the_persons_own_apps(planner, diary, carla, dave):
    """Carla sees the app she allowed, when, and what it may do in the consent page's words;
    not the app only Dave allowed."""
    allow(carla, planner)
    allow(dave, diary)
    response = browser(carla).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Connected apps</h1>" in html
    assert "Budget Planner" in html
    assert "Diary Sync" not in html
    allowed = formats.date_format(timezone.localtime(NOW), "DATE_FORMAT")
    assert f"Allowed on {allowed}" in html
    assert "See your own meetings and, if you work here, your schedule" in html
    assert "It cannot book, change or cancel meetings" in html
    assert f'<input type="hidden" name="application" value="{planner.pk}">' in html
    assert f'value="{diary.pk}"' not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_person_without_apps_is_told_so(carla, dave, planner):
    """No app of one's own: a plain sentence and no Revoke button, even if others have some."""
    allow(dave, planner)
    html = browser(carla).get(URL).content.decode()
    assert "You have not allowed any partner app to see your meetings." in html
    assert "Budget Planner" not in html
    assert ">Revoke<" not in html


def test_an_app_that_can_no_longer_act_is_not_listed(planner, carla, frozen_clock):
    """Expired access token, revoked refresh token: nothing live, so nothing to revoke."""
    allow(carla, planner)
    RefreshToken.objects.filter(user=carla).update(revoked=NOW)
    frozen_clock.shift(timedelta(hours=2))  # past the access token's hour
    html = browser(carla).get(URL).content.decode()
    assert "Budget Planner" not in html


def test_a_live_refresh_token_alone_keeps_the_app_listed(planner, carla, frozen_clock):
    """The access token expired, but the app can refresh it: still connected."""
    allow(carla, planner)
    frozen_clock.shift(timedelta(hours=2))
    assert "Budget Planner" in browser(carla).get(URL).content.decode()


def test_an_unspent_code_is_listed_and_revoked(planner, carla):
    """Allowed, but the app has not exchanged its code yet: listed; Revoke deletes the code,
    so the exchange that follows is refused."""
    verifier, challenge = pkce()
    code = authorization_code(browser(carla), planner, challenge)
    http = browser(carla)
    assert "Budget Planner" in http.get(URL).content.decode()
    assert http.post(URL, {"application": planner.pk}).status_code == 302
    assert rows_of(carla, planner) == (0, 0, 0)
    assert exchange(planner, code, verifier).json()["error"] == "invalid_grant"


def test_the_list_costs_the_same_queries_for_one_app_or_three(carla, planner, diary):
    """The tokens, refresh tokens, codes and app names are each one query, however many."""
    allow(carla, planner)
    http = browser(carla)
    http.get(URL)  # the session and the like warm up
    with CaptureQueriesContext(connection) as one:
        http.get(URL)
    allow(carla, diary)
    allow(carla, partner_app(name="Third App"))
    with CaptureQueriesContext(connection) as three:
        html = http.get(URL).content.decode()
    assert all(name in html for name in ("Budget Planner", "Diary Sync", "Third App"))
    assert len(three) == len(one)


# --- revoking ----------------------------------------------------------------------------


def test_revoke_ends_the_token_at_once_and_only_this_persons(planner, carla, dave, token_cache):
    """The API answered the token a moment ago (and keeps that answer); after Revoke the
    same token is a 401 at the next request, its refresh token is refused, and Dave's
    tokens for the same app go on working."""
    mine, his = allow(carla, planner), allow(dave, planner)
    api = Client()
    assert api.get(MY_MEETINGS_API, headers=bearer(mine["access_token"])).status_code == 200
    http = browser(carla)
    response = http.post(URL, {"application": planner.pk})
    assert response.status_code == 302
    assert response["Location"] == URL
    assert rows_of(carla, planner) == (0, 0, 0)
    assert rows_of(dave, planner) == (1, 1, 0)
    revoked = api.get(MY_MEETINGS_API, headers=bearer(mine["access_token"]))
    assert revoked.status_code == 401
    assert "invalid_token" in revoked["WWW-Authenticate"]
    assert refresh(planner, mine["refresh_token"]).json()["error"] == "invalid_grant"
    assert api.get(MY_MEETINGS_API, headers=bearer(his["access_token"])).status_code == 200
    page = http.get(URL).content.decode()
    assert "Budget Planner can no longer see your meetings." in page
    assert f'value="{planner.pk}"' not in page


def test_revoke_leaves_the_persons_other_apps_alone(planner, diary, carla):
    """Revoking one app keeps another app of the same person connected."""
    allow(carla, planner)
    allow(carla, diary)
    browser(carla).post(URL, {"application": planner.pk})
    assert rows_of(carla, planner) == (0, 0, 0)
    assert rows_of(carla, diary) == (1, 1, 0)


def test_every_refreshed_token_goes_too(planner, carla, token_cache):
    """After a refresh the person has the old (revoked) and the new refresh token and a new
    access token: all are deleted, and the new access token is refused at once."""
    tokens = allow(carla, planner)
    renewed = refresh(planner, tokens["refresh_token"]).json()
    api = Client()
    assert api.get(MY_MEETINGS_API, headers=bearer(renewed["access_token"])).status_code == 200
    assert RefreshToken.objects.filter(user=carla).count() == 2
    browser(carla).post(URL, {"application": planner.pk})
    assert rows_of(carla, planner) == (0, 0, 0)
    assert api.get(MY_MEETINGS_API, headers=bearer(renewed["access_token"])).status_code == 401


def test_another_persons_app_answers_404(planner, diary, carla, dave):
    """An app only Dave allowed, or no app at all: 404, and Dave keeps his tokens."""
    allow(dave, diary)
    allow(carla, planner)
    http = browser(carla)
    assert http.post(URL, {"application": diary.pk}).status_code == 404
    assert http.post(URL, {"application": 999_999}).status_code == 404
    assert rows_of(dave, diary) == (1, 1, 0)
    assert rows_of(carla, planner) == (1, 1, 0)


@pytest.mark.parametrize("value", [None, "", "abc", "0", "-3", "1.5"])
def test_a_bad_app_id_is_a_400_naming_the_field(planner, carla, value):
    """No id, or one that is not a positive whole number: the page again with an error on
    the App field, status 400, and nothing deleted."""
    allow(carla, planner)
    data = {} if value is None else {"application": value}
    response = browser(carla).post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "<p>App: " in html
    assert "Budget Planner" in html  # the list is still there
    assert rows_of(carla, planner) == (1, 1, 0)


def test_revoke_needs_the_csrf_token(planner, carla):
    """A POST without the form's CSRF token is refused (403) and revokes nothing; the same
    POST with the token the page gave works."""
    allow(carla, planner)
    http = browser(carla, enforce_csrf_checks=True)
    assert http.post(URL, {"application": planner.pk}).status_code == 403
    assert rows_of(carla, planner) == (1, 1, 0)
    http.get(URL)
    token = http.cookies["csrftoken"].value
    response = http.post(URL, {"application": planner.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert rows_of(carla, planner) == (0, 0, 0)


def test_reading_the_list_changes_nothing_and_other_methods_are_refused(planner, carla):
    """GET and HEAD only read, even with an app id in the query; PUT and DELETE are 405
    naming GET, HEAD and POST."""
    allow(carla, planner)
    http = browser(carla)
    assert http.get(URL, {"application": planner.pk}).status_code == 200
    head = http.head(URL)
    assert head.status_code == 200
    assert head.content == b""
    for method in (http.put, http.delete, http.patch):
        response = method(URL)
        assert response.status_code == 405
        assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
    assert rows_of(carla, planner) == (1, 1, 0)


def test_a_bulk_delete_of_tokens_also_empties_the_token_cache(planner, carla, token_cache):
    """The cache's post_delete receiver also hears a queryset's delete (Django sends the
    signal per row when a receiver exists), so no way of deleting tokens leaves one alive."""
    tokens = allow(carla, planner)
    api = Client()
    assert api.get(MY_MEETINGS_API, headers=bearer(tokens["access_token"])).status_code == 200
    assert api_auth._checked  # the answer is kept in the process
    AccessToken.objects.filter(user=carla).delete()
    assert api.get(MY_MEETINGS_API, headers=bearer(tokens["access_token"])).status_code == 401


# --- links and languages -----------------------------------------------------------------


def test_my_meetings_and_the_consent_page_link_here(planner, carla):
    """A small link from My meetings, and a line on the consent page saying where to revoke."""
    http = browser(carla)
    assert f'href="{URL}"' in http.get(reverse("booking:my_meetings")).content.decode()
    _, challenge = pkce()
    consent = http.get("/o/authorize/", authorize_params(planner, challenge))
    assert consent.status_code == 200
    assert f'under <a href="{URL}">Connected apps</a>' in consent.content.decode()


@pytest.mark.parametrize(
    ("language", "heading", "button", "gone"),
    [
        ("de", "Verbundene Apps", "Zugriff entziehen", "kann Ihre Termine nicht mehr sehen"),
        ("da", "Forbundne apps", "Tilbagekald", "kan ikke længere se dine møder"),
    ],
)
def test_the_page_speaks_german_and_danish(planner, carla, language, heading, button, gone):
    """The heading, the scope's words, the button and the message in the person's language."""
    allow(carla, planner)
    http = browser(carla, headers={"Accept-Language": language})
    html = http.get(URL).content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert f">{button}<span" in html
    assert "Connected apps" not in html
    response = http.post(URL, {"application": planner.pk}, follow=True)
    assert f"Budget Planner {gone}." in response.content.decode()


def test_revoke_forgets_the_tokens_after_commit_even_without_the_signal(
    planner, carla, token_cache, django_capture_on_commit_callbacks
):
    """The service forgets the revoked tokens itself once the deletion is committed, so a
    request answered between the delete and the commit cannot keep the token alive."""
    tokens = allow(carla, planner)
    api = Client()
    assert api.get(MY_MEETINGS_API, headers=bearer(tokens["access_token"])).status_code == 200
    assert post_delete.disconnect(sender=AccessToken, dispatch_uid=FORGET_RECEIVER)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            browser(carla).post(URL, {"application": planner.pk})
    finally:
        post_delete.connect(
            api_auth._token_deleted, sender=AccessToken, dispatch_uid=FORGET_RECEIVER
        )
    assert callbacks  # the forgetting waits for the commit
    assert api.get(MY_MEETINGS_API, headers=bearer(tokens["access_token"])).status_code == 401
