"""The consent page of partner apps (/o/authorize/): sign-in first, the app and what it may
do in plain words, Allow and Deny as a plain form with CSRF, in the person's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.api.partner_flow import (
    authorize_params,
    consent_form,
    partner_app,
    pkce,
    query_of,
)

PASSWORD = "a-long-enough-password"


@pytest.fixture
def person(db, django_user_model) -> User:
    """A customer account with a verified email, as allauth leaves it after sign-up."""
    user = django_user_model.objects.create_user("carla", "carla@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def app(db) -> Any:
    return partner_app(name="Budget Planner")


@pytest.fixture
def params(app) -> dict[str, str]:
    return authorize_params(app, pkce()[1])


def test_an_anonymous_visitor_signs_in_first_and_comes_back(app, person, params):
    """Anonymous: to the site's sign-in with `next`; after signing in, back to the consent."""
    http = Client()
    page = "/o/authorize/?" + urlencode(params)
    response = http.get(page)
    assert response.status_code == 302
    login = reverse("account_login")
    assert response["Location"].startswith(login + "?next=")
    signed_in = http.post(
        response["Location"], {"login": person.email, "password": PASSWORD}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == page
    assert signed_in.status_code == 200
    assert "Budget Planner" in signed_in.content.decode()


def test_the_page_names_the_app_and_what_it_may_do(app, person, params):
    """The app's name, the plain-words scope, what it can never do, where the answer goes,
    Allow and Deny buttons in a POST form with a CSRF token; the site's layout around it."""
    http = Client()
    http.force_login(person)
    response = http.get("/o/authorize/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Allow Budget Planner to see your meetings?" in html
    assert "See your own meetings and, if you work here, your schedule" in html
    assert "It cannot book, change or cancel meetings" in html
    assert "you go back to partner.example" in html
    assert "carla@example.com" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<button type="submit" name="allow" value="on"' in html
    assert ">Deny</button>" in html
    assert 'class="site-header"' in html  # base.html
    assert 'method="post" action="/o/authorize/"' in html
    # The form may lead to the app's redirect URI (CSP form-action), and nowhere else.
    directives = {
        d.strip().split(" ", 1)[0]: d.strip()
        for d in response["Content-Security-Policy"].split(";")
    }
    assert directives["form-action"] == "form-action 'self' https://partner.example"
    # Never framed (clickjacking a consent), never cached.
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", ["Darf Budget Planner Ihre Termine sehen?", "Erlauben", "Ablehnen"]),
        ("da", ["Må Budget Planner se dine møder?", "Tillad", "Afvis"]),
    ],
)
def test_the_page_speaks_the_persons_language(person, params, language, expected):
    """German and Danish, as the rest of the site."""
    http = Client(headers={"Accept-Language": language})
    http.force_login(person)
    html = http.get("/o/authorize/", params).content.decode()
    for text in expected:
        assert text in html


def test_deny_returns_access_denied_to_the_redirect_uri(app, person, params):
    """Deny: back to the app with error=access_denied and its state; no code is made."""
    http = Client()
    http.force_login(person)
    assert http.get("/o/authorize/", params).status_code == 200
    response = http.post("/o/authorize/", consent_form(params, allow=False))
    assert response.status_code == 302
    answer = query_of(response)
    assert answer["error"] == "access_denied"
    assert answer["state"] == "st-123"
    assert "code" not in answer
    assert not app.grant_set.exists()


def test_allow_returns_a_code_to_the_redirect_uri(app, person, params):
    """Allow: back to the app with a code, its state and the issuer (RFC 9207)."""
    http = Client()
    http.force_login(person)
    response = http.post("/o/authorize/", consent_form(params, allow=True))
    answer = query_of(response)
    assert answer["code"]
    assert answer["state"] == "st-123"
    assert "iss" in answer
    assert app.grant_set.get().user == person


def test_the_consent_post_needs_its_csrf_token(app, person, params):
    """A forged Allow from another site (no CSRF token): 403, no code."""
    http = Client(enforce_csrf_checks=True)
    http.force_login(person)
    response = http.post("/o/authorize/", consent_form(params, allow=True))
    assert response.status_code == 403
    assert not app.grant_set.exists()


def test_an_anonymous_post_makes_no_code(app, params):
    """POST without signing in: to the sign-in page, nothing made."""
    response = Client().post("/o/authorize/", consent_form(params, allow=True))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not app.grant_set.exists()


def test_an_incomplete_post_says_so_and_is_not_a_500(person):
    """A POST missing the form's hidden fields: the page says the request is incomplete."""
    http = Client()
    http.force_login(person)
    response = http.post("/o/authorize/", {"allow": "on"})
    assert response.status_code == 200
    assert "The request is incomplete" in response.content.decode()
    assert "Location" not in response
