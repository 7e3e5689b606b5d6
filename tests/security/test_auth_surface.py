"""Issue 8, points 6 and 7 over real HTTP: the OAuth2 surface and the login throttles."""

from __future__ import annotations

import base64
import statistics
import time
from collections.abc import Callable

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
        "/o/userinfo/",
        "/o/.well-known/openid-configuration",
    ],
)
def test_a_signed_in_account_cannot_reach_client_registration(live_server, signed_in_session, path):
    """The attack: sign up, open /o/applications/register/, make a client. Now: 404."""
    response = signed_in_session.get(live_server.url + path, timeout=10, allow_redirects=False)
    assert response.status_code == 404


def test_the_consent_page_knows_only_registered_partner_apps(live_server, signed_in_session):
    """/o/authorize/ is the partner apps' consent page: an unknown client gets an error page,
    never a redirect, and nothing is registered."""
    response = signed_in_session.get(
        live_server.url + "/o/authorize/?response_type=code&client_id=x",
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert not Application.objects.exists()


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
    assert set(statuses) == {401}
    refused = fetch_token(live_client.base, live_client.client_id, SECRET)  # even the right one
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) >= 1


def from_address(address: str) -> dict[str, str]:
    """The header our one trusted proxy writes: the live server sees every request as local."""
    return {"X-Forwarded-For": address}


def test_a_strangers_guesses_do_not_lock_the_partner_out(live_client, settings):
    """The lock-out attack: guess at a public client id; the partner elsewhere still gets tokens."""
    settings.BOOKME_TRUSTED_PROXIES = 1
    for n in range(settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT + 2):
        requests.post(
            live_client.url("/o/token/"),
            data={"grant_type": "client_credentials"},
            auth=(live_client.client_id, f"guess-{n}"),
            headers=from_address("203.0.113.66"),
            timeout=10,
        )
    partner = requests.post(
        live_client.url("/o/token/"),
        data={"grant_type": "client_credentials", "scope": "read write"},
        auth=(live_client.client_id, SECRET),
        headers=from_address("198.51.100.10"),
        timeout=10,
    )
    assert partner.status_code == 200, partner.text


def padded_basic(client_id: str, secret: str) -> str:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return f"Basic {encoded}*"  # oauth-toolkit's lenient base64 ignores the `*`


def test_a_padded_basic_header_with_a_random_body_client_id_is_refused(live_client):
    """The counter-dodging trick (`*` after the base64, another client_id in the body): 400."""
    response = requests.post(
        live_client.url("/o/token/"),
        data={"grant_type": "client_credentials", "client_id": "random-7f3a"},
        headers={"Authorization": padded_basic(live_client.client_id, SECRET)},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_padded_guesses_are_counted_against_the_client(live_client, settings):
    """Guesses with a padded Basic header still meet the per-client limit."""
    for n in range(settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT):
        response = requests.post(
            live_client.url("/o/token/"),
            data={"grant_type": "client_credentials"},
            headers={"Authorization": padded_basic(live_client.client_id, f"guess-{n}")},
            timeout=10,
        )
        assert response.status_code == 401
    assert fetch_token(live_client.base, live_client.client_id, SECRET).status_code == 429


@pytest.mark.parametrize("path", ["/o/token/", "/o/revoke_token/", "/o/introspect/"])
def test_nul_bytes_at_the_oauth_endpoints_are_a_400(live_client, path):
    """NUL in a form value or inside the Basic credentials: 400 invalid_request, never a 500."""
    in_body = requests.post(
        live_client.url(path),
        data={"grant_type": "client_credentials", "token": "abc\x00"},
        auth=(live_client.client_id, SECRET),
        timeout=10,
    )
    in_basic = requests.post(
        live_client.url(path),
        data={"grant_type": "client_credentials", "token": "abc"},
        auth=(live_client.client_id + "\x00", SECRET),
        timeout=10,
    )
    for response in (in_body, in_basic):
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request"


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


def admin_login_attempts(live_server) -> Callable[..., requests.Response]:
    """Posts to the live admin login form, as a script with a CSRF token would."""
    session = requests.Session()
    login = live_server.url + "/admin/login/"
    session.get(login, timeout=10)
    csrf = session.cookies["csrftoken"]

    def attempt(username: str, password: str, **headers: str) -> requests.Response:
        return session.post(
            login,
            data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
            # The CSRF cookie is Secure (production settings); the live server is plain http.
            headers={"Referer": login, "Cookie": f"csrftoken={csrf}", **headers},
            timeout=10,
            allow_redirects=False,
        )

    return attempt


def test_guessing_an_admin_password_is_cut_off_with_429(live_server, transactional_db, settings):
    """The admin login refuses after BOOKME_ADMIN_LOGIN_ATTEMPTS, even the right password."""
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right-password")
    attempt = admin_login_attempts(live_server)
    for n in range(settings.BOOKME_ADMIN_LOGIN_ATTEMPTS):
        assert attempt("boss", f"guess-{n}").status_code == 200
    refused = attempt("boss", "right-password")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "sessionid" not in refused.cookies


def test_fullwidth_usernames_do_not_reset_the_admin_count(live_server, transactional_db, settings):
    """Each NFKC spelling of a name (fullwidth letters) counts as that name."""
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right-password")
    attempt = admin_login_attempts(live_server)
    fullwidth = "".join(chr(ord(letter) + 0xFEE0) for letter in "boss")
    spellings = [fullwidth, fullwidth.upper(), "bo" + fullwidth[2:], "Bo" + fullwidth[2:]]
    for n in range(settings.BOOKME_ADMIN_LOGIN_ATTEMPTS):
        assert attempt(spellings[n % len(spellings)], f"guess-{n}").status_code == 200
    assert attempt("boss", "right-password").status_code == 429


def test_a_strangers_guesses_do_not_lock_the_admin_out(live_server, transactional_db, settings):
    """The lock-out attack on /admin/login/: the administrator elsewhere still logs in."""
    settings.BOOKME_TRUSTED_PROXIES = 1
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right-password")
    stranger = admin_login_attempts(live_server)
    for n in range(settings.BOOKME_ADMIN_LOGIN_ATTEMPTS + 2):
        stranger("boss", f"guess-{n}", **from_address("203.0.113.66"))
    admin = admin_login_attempts(live_server)
    assert admin("boss", "right-password", **from_address("198.51.100.10")).status_code == 302
