"""Issue 8, points 6 and 7 over real HTTP: the OAuth2 surface and the login throttles."""

from __future__ import annotations

import statistics
import time

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from oauth2_provider.models import get_application_model

from tests.security.conftest import SECRET, fetch_token

Application = get_application_model()


@pytest.fixture
def signed_in_session(live_server, transactional_db) -> requests.Session:
    """A requests session carrying the cookie of an ordinary signed-up account."""
    user = get_user_model().objects.create_user("mallory", "mallory@example.com", "pw")
    django_client = Client()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    return session


@pytest.mark.parametrize(
    "path",
    [
        "/o/applications/",
        "/o/applications/register/",
        "/o/authorized_tokens/",
        "/o/authorize/?response_type=code&client_id=x",
        "/o/userinfo/",
        "/o/.well-known/openid-configuration",
    ],
)
def test_a_signed_in_account_cannot_reach_client_registration(live_server, signed_in_session, path):
    """The attack: sign up, open /o/applications/register/, make a client. Now: 404."""
    response = signed_in_session.get(live_server.url + path, timeout=10, allow_redirects=False)
    assert response.status_code == 404


def test_an_api_client_cannot_introspect_another_clients_token(make_live_client):
    """A client learns nothing about another client's token at /o/introspect/."""
    victim, snoop = make_live_client("Victim"), make_live_client("Snoop")
    response = requests.post(
        snoop.url("/o/introspect/"),
        data={"token": victim.token},
        auth=(snoop.client_id, snoop.client_secret),
        timeout=10,
    )
    assert response.status_code == 403
    assert response.json()["error"] == "unauthorized_client"
    assert victim.client_id not in response.text


def test_guessing_client_secrets_is_cut_off_with_429(live_client, settings):
    """A brute force of /o/token/ for one client id meets 429 with Retry-After."""
    statuses = [
        fetch_token(live_client.base, live_client.client_id, f"guess-{n}").status_code
        for n in range(settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT)
    ]
    assert 429 in statuses
    refused = fetch_token(live_client.base, live_client.client_id, SECRET)  # even the right one
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) >= 1


def test_a_token_request_costs_milliseconds_not_a_password_hash(live_client, settings):
    """With Django's real password hashers configured, a token costs a few ms, not ~0.25 s."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "booking.api.client_secrets.ClientSecretHasher",
    ]
    durations = []
    for _ in range(5):
        started = time.perf_counter()
        response = fetch_token(live_client.base, live_client.client_id, SECRET)
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200
    assert statistics.median(durations) < 0.1


def test_guessing_an_admin_password_is_cut_off_with_429(live_server, transactional_db, settings):
    """The admin login refuses after BOOKME_ADMIN_LOGIN_ATTEMPTS, even the right password."""
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right-password")
    session = requests.Session()
    login = live_server.url + "/admin/login/"
    session.get(login, timeout=10)
    csrf = session.cookies["csrftoken"]

    def attempt(password: str) -> requests.Response:
        return session.post(
            login,
            data={"username": "boss", "password": password, "csrfmiddlewaretoken": csrf},
            # The CSRF cookie is Secure (production settings); the live server is plain http.
            headers={"Referer": login, "Cookie": f"csrftoken={csrf}"},
            timeout=10,
            allow_redirects=False,
        )

    for n in range(settings.BOOKME_ADMIN_LOGIN_ATTEMPTS):
        assert attempt(f"guess-{n}").status_code == 200
    refused = attempt("right-password")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "sessionid" not in refused.cookies
