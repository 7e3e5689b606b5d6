"""/o/: only token, revoke and introspect; throttled, cheap to check, tidy."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauthlib.common import Request as OauthlibRequest

from booking.api.client_secrets import ALGORITHM
from booking.api.oauth import (
    CLEANUP_KEY,
    BookMeOAuth2Validator,
    basic_credentials,
    purge_expired_tokens,
)
from bookme_site.caches import cache_settings
from tests import factories
from tests.api.helpers import issue_token, make_application

Application = get_application_model()

# Every URL oauth-toolkit's urls.py mounted under /o/ before, except the four we keep
# (authorize: the consent page of partner apps, tests/api/test_partner_apps.py).
REMOVED = [
    "/o/applications/",
    "/o/applications/register/",
    "/o/applications/1/",
    "/o/applications/1/update/",
    "/o/applications/1/delete/",
    "/o/authorized_tokens/",
    "/o/authorized_tokens/1/delete/",
    "/o/device-authorization/",
    "/o/device/",
    "/o/device-confirm/client/CODE",
    "/o/device-grant-status/client/CODE",
    "/o/.well-known/oauth-authorization-server",
    "/o/.well-known/oauth-authorization-server/tenant",
    "/o/.well-known/oauth-protected-resource",
    "/o/.well-known/oauth-protected-resource/api",
    "/o/.well-known/openid-configuration",
    "/o/.well-known/openid-configuration/",
    "/o/.well-known/jwks.json",
    "/o/userinfo/",
    "/o/logout/",
    "/o/register/",
    "/o/register/client/",
]


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def token_request(client_id: str, secret: str = "test-secret", **environ: Any):
    return Client().post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        headers=basic(client_id, secret),
        **environ,
    )


@pytest.fixture
def signed_in_user(db, client, django_user_model):
    """An ordinary signed-up account, as allauth makes one."""
    client.force_login(django_user_model.objects.create_user("carla", "carla@example.com", "pw"))
    return client


@pytest.fixture
def employee_client(db, client, django_user_model):
    """An employee with an account and staff status (admin access without superuser)."""
    user = django_user_model.objects.create_user("erik", "erik@example.com", "pw", is_staff=True)
    location = factories.location()
    factories.employee(location=location, user=user)
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", REMOVED)
@pytest.mark.parametrize("who", ["signed_in_user", "employee_client", "client"])
def test_application_and_token_pages_are_gone(db, request, url, who):
    """Registration, authorised tokens, OIDC, device flow, metadata: 404 for everyone."""
    http = request.getfixturevalue(who)
    assert http.get(url).status_code == 404
    assert http.post(url, {"name": "Mine"}).status_code == 404
    assert not Application.objects.exists()


@pytest.mark.parametrize("who", ["signed_in_user", "employee_client"])
def test_the_consent_page_registers_nothing(db, request, who):
    """/o/authorize/ answers only for applications staff registered: an unknown client id
    gets an error page (no redirect), and no account can make an application there."""
    http = request.getfixturevalue(who)
    response = http.get("/o/authorize/", {"response_type": "code", "client_id": "mine"})
    assert response.status_code == 400
    assert "Location" not in response
    assert http.post("/o/authorize/", {"name": "Mine"}).status_code in (200, 400)
    assert not Application.objects.exists()


def test_the_token_endpoint_still_issues_tokens(db):
    """The client credentials grant works as before."""
    application = make_application("Partner", "read write")
    response = token_request(application.client_id)
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "Bearer"


def test_revoke_still_revokes_the_clients_own_token(db):
    """RFC 7009 revocation: the token stops working."""
    application = make_application("Partner", "read write")
    token = token_request(application.client_id).json()["access_token"]
    response = Client().post(
        "/o/revoke_token/", {"token": token}, headers=basic(application.client_id, "test-secret")
    )
    assert response.status_code == 200
    assert (
        Client().get("/api/config/rooms", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def introspect(token: str, **headers: str):
    return Client().post("/o/introspect/", {"token": token}, headers=headers)


@pytest.fixture
def resource_server(db, settings):
    """A resource server staff registered: its client id is in BOOKME_INTROSPECTION_CLIENTS."""
    server = make_application("Resource server", "read")
    settings.BOOKME_INTROSPECTION_CLIENTS = [server.client_id]
    return server


def test_a_registered_resource_server_introspects_any_token(resource_server):
    """Introspection works for the servers staff listed."""
    partner = make_application("Partner", "read write")
    token = issue_token(partner, "read write")
    response = introspect(token, **basic(resource_server.client_id, "test-secret"))
    assert response.status_code == 200
    assert response.json()["active"] is True
    assert response.json()["client_id"] == partner.client_id


def test_an_ordinary_client_cannot_introspect_another_clients_token(resource_server):
    """oauth-toolkit lets any client introspect; an API client is refused with 403."""
    partner = make_application("Partner", "read write")
    snoop = make_application("Snoop", "read write")
    token = issue_token(partner, "read write")
    response = introspect(token, **basic(snoop.client_id, "test-secret"))
    assert response.status_code == 403
    assert response.json()["error"] == "unauthorized_client"
    assert "client_id" not in response.json()
    # The same answer with a wrong secret: introspection is no oracle for guessing secrets.
    guessed = introspect(token, **basic(snoop.client_id, "guess"))
    assert (guessed.status_code, guessed.json()) == (403, response.json())


def test_introspection_needs_client_credentials_not_a_bearer_token(resource_server):
    """A bearer token (even the server's own) or a wrong secret: 401 invalid_client."""
    server_token = issue_token(resource_server, "read")
    assert introspect(server_token, Authorization=f"Bearer {server_token}").status_code == 401
    wrong = introspect(server_token, **basic(resource_server.client_id, "wrong"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert introspect(server_token).status_code == 401


def test_introspection_by_get_is_refused(resource_server):
    """A token in a query string ends up in logs: POST only."""
    token = issue_token(resource_server, "read")
    response = Client().get(
        f"/o/introspect/?token={token}", headers=basic(resource_server.client_id, "test-secret")
    )
    assert response.status_code == 405


def test_failed_token_requests_are_limited_per_client(db, settings):
    """Over BOOKME_TOKEN_ATTEMPTS_PER_CLIENT failures: 429, OAuth2 error JSON, Retry-After."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = 3
    application = make_application("Partner", "read write")
    for _ in range(3):
        assert token_request(application.client_id, "wrong").status_code == 401
    refused = token_request(application.client_id)  # even the right secret, from here
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert "retry after" in refused.json()["error_description"]
    assert 1 <= int(refused.headers["Retry-After"]) <= settings.BOOKME_TOKEN_ATTEMPT_WINDOW
    # Another client is not affected by the first one's limit.
    other = make_application("Other", "read")
    assert token_request(other.client_id).status_code == 200


def test_successful_token_requests_never_count_against_the_client(db, settings):
    """A partner fetching many tokens with the right secret is never refused."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = 2
    application = make_application("Partner", "read write")
    assert [token_request(application.client_id).status_code for _ in range(5)] == [200] * 5


def test_someone_elses_guesses_never_lock_a_partner_out(db, settings):
    """Guesses at a client id from one address lock that address out, not the partner."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = 3
    application = make_application("Partner", "read write")
    guesses = [token_request(application.client_id, f"guess-{n}").status_code for n in range(5)]
    assert guesses == [401, 401, 401, 429, 429]
    partner = token_request(application.client_id, REMOTE_ADDR="198.51.100.20")
    assert partner.status_code == 200


def test_the_client_id_in_the_body_counts_like_basic_auth(db, settings):
    """Failures with credentials in the form body count against the same client id."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = 1
    application = make_application("Partner", "read write")
    assert token_request(application.client_id, "wrong").status_code == 401
    response = Client().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": application.client_id,
            "client_secret": "test-secret",
        },
    )
    assert response.status_code == 429


def padded_basic(client_id: str, secret: str) -> dict[str, str]:
    """Basic credentials with a trailing `*`: a strict decoder fails, the toolkit's does not."""
    return {"Authorization": basic(client_id, secret)["Authorization"] + "*"}


def test_a_padded_basic_value_counts_against_the_same_client(db, settings):
    """Junk after the base64 is ignored by oauth-toolkit, so it must be by the counter too."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = 2
    application = make_application("Partner", "read write")
    guess = {"grant_type": "client_credentials"}
    for n in range(2):
        response = Client().post(
            "/o/token/", guess, headers=padded_basic(application.client_id, f"guess-{n}")
        )
        assert response.status_code == 401
    assert token_request(application.client_id).status_code == 429


def test_basic_credentials_with_another_client_id_in_the_body_are_refused(db, settings):
    """Two client ids in one request (the counter-dodging trick): 400, no secret checked."""
    application = make_application("Partner", "read write")
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "client_id": "random-id-42"},
        headers=padded_basic(application.client_id, "test-secret"),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "client_id" in response.json()["error_description"]
    assert not AccessToken.objects.exists()


def test_basic_credentials_and_a_secret_in_the_body_are_refused(db):
    """One authentication method per request (RFC 6749 2.3): two secrets would be two guesses."""
    application = make_application("Partner", "read write")
    response = Client().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": application.client_id,
            "client_secret": "guess",
        },
        headers=basic(application.client_id, "test-secret"),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "client_secret" in response.json()["error_description"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"partner:secret").decode(),
        "Basic " + base64.b64encode(b"partner:secret").decode() + "*",
        "Basic " + base64.b64encode(b"partner:secret").decode().rstrip("="),
        "Basic " + base64.b64encode(b"partner:secret").decode() + "====",
        "Basic " + base64.b64encode(b"part%6Eer+x:secret").decode(),
        "Basic " + base64.b64encode(b"partner").decode(),
        "Basic " + base64.b64encode("p\u00e4rtner:s".encode("latin-1")).decode(),
        "basic " + base64.b64encode(b"partner:secret").decode(),
        "Basic  " + base64.b64encode(b"partner:secret").decode(),
        "Basic",
        "Bearer abc",
    ],
)
def test_basic_credentials_are_decoded_exactly_as_oauth_toolkit_does(rf, authorization):
    """The counter sees the client id whose secret oauth-toolkit checks, whatever the header."""
    request = rf.post("/o/token/", {}, headers={"Authorization": authorization})
    seen: list[str] = []

    class Probe(BookMeOAuth2Validator):
        def _load_application(self, client_id, request):
            seen.append(client_id)
            return None

    core = get_oauthlib_core()
    Probe()._authenticate_basic_auth(OauthlibRequest(*core._extract_params(request)))
    credentials = basic_credentials(request)
    assert (credentials[0] if credentials else None) == (seen[0] if seen else None)


def test_a_burst_of_parallel_guesses_is_counted_before_any_is_answered(db, settings):
    """A guess arriving while another is being checked sees it counted: no burst gets past."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = 1
    application = make_application("Partner", "read write")
    during_check: list[int] = []
    check = BookMeOAuth2Validator._check_secret

    def slow_check(validator, provided, stored):
        if not during_check:  # the parallel guess lands while this one is being checked
            during_check.append(token_request(application.client_id, "parallel").status_code)
        return check(validator, provided, stored)

    with mock.patch.object(BookMeOAuth2Validator, "_check_secret", slow_check):
        assert token_request(application.client_id, "first").status_code == 401
    assert during_check == [429]


def test_token_requests_are_limited_per_address(db, settings):
    """Guessing across many client ids from one address hits the per-address limit."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_ADDRESS = 3
    for n in range(3):
        assert token_request(f"guess-{n}", "x").status_code == 401
    application = make_application("Partner", "read write")
    assert token_request(application.client_id).status_code == 429
    other_address = token_request(application.client_id, REMOTE_ADDR="203.0.113.9")
    assert other_address.status_code == 200


def test_revocation_shares_the_token_limit(db, settings):
    """Revocation checks secrets too: it cannot be used to guess past the limit."""
    settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = 2
    application = make_application("Partner", "read write")
    for _ in range(2):
        Client().post(
            "/o/revoke_token/", {"token": "x"}, headers=basic(application.client_id, "no")
        )
    response = Client().post(
        "/o/revoke_token/", {"token": "x"}, headers=basic(application.client_id, "test-secret")
    )
    assert response.status_code == 429
    assert token_request(application.client_id).status_code == 429


def test_client_secrets_are_stored_with_the_fast_hasher(db):
    """New secrets: one salted SHA-256, recognised by Django's check_password."""
    application = make_application("Partner", "read write")
    assert application.client_secret.startswith(f"{ALGORITHM}$")
    assert check_password("test-secret", application.client_secret)
    assert not check_password("test-secret ", application.client_secret)


def test_a_secret_under_a_slow_hash_still_works_and_is_upgraded(db, settings):
    """A PBKDF2-hashed secret from before is accepted once, then re-stored fast."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "booking.api.client_secrets.ClientSecretHasher",
    ]
    application = make_application("Old partner", "read write")
    slow = make_password("old-secret", hasher="pbkdf2_sha256")
    Application.objects.filter(pk=application.pk).update(client_secret=slow)
    assert token_request(application.client_id, "old-secret").status_code == 200
    application.refresh_from_db()
    assert application.client_secret.startswith(f"{ALGORITHM}$")
    assert token_request(application.client_id, "old-secret").status_code == 200
    assert token_request(application.client_id, "wrong").status_code == 401


def test_a_wrong_secret_does_not_upgrade_anything(db, settings):
    """Only a successful check re-hashes; a failed one leaves the stored value alone."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "booking.api.client_secrets.ClientSecretHasher",
    ]
    application = make_application("Old partner", "read write")
    slow = make_password("old-secret", hasher="pbkdf2_sha256")
    Application.objects.filter(pk=application.pk).update(client_secret=slow)
    assert token_request(application.client_id, "guess").status_code == 401
    application.refresh_from_db()
    assert application.client_secret == slow


def test_the_token_endpoint_deletes_expired_tokens(db, frozen_clock):
    """Issuing a token removes expired ones (at most once per interval), keeps live ones."""
    application = make_application("Partner", "read write")
    issue_token(application, "read", lifetime=timedelta(seconds=-1))
    issue_token(application, "read")
    assert token_request(application.client_id).status_code == 200
    assert not AccessToken.objects.filter(expires__lt=timezone.now()).exists()
    assert AccessToken.objects.count() == 2  # the live one and the one just issued

    # Within the interval nothing is deleted: the clean-up costs one cache call per token.
    issue_token(application, "read", lifetime=timedelta(seconds=-1))
    assert purge_expired_tokens() == 0
    assert AccessToken.objects.filter(expires__lt=timezone.now()).count() == 1


def test_the_clean_up_runs_again_after_its_interval(db, settings, frozen_clock):
    """Once the interval has passed, the next token request deletes again."""
    settings.BOOKME_TOKEN_CLEANUP_SECONDS = 60
    application = make_application("Partner", "read write")
    assert purge_expired_tokens() == 0  # nothing expired yet; the interval starts
    issue_token(application, "read", lifetime=timedelta(seconds=-1))
    assert purge_expired_tokens() == 0
    cache.delete(CLEANUP_KEY)  # what the end of the interval does (the key's timeout)
    assert purge_expired_tokens() == 1


def test_a_failed_token_request_deletes_expired_tokens_too(db):
    """The clean-up does not wait for a successful request: any token request may run it."""
    application = make_application("Partner", "read write")
    issue_token(application, "read", lifetime=timedelta(seconds=-1))
    assert token_request(application.client_id, "wrong").status_code == 401
    assert not AccessToken.objects.exists()


def test_a_token_is_issued_while_the_shared_cache_is_down(db, settings, caplog):
    """Redis unreachable: limits and clean-up fail open with a warning, never a 500."""
    application = make_application("Partner", "read write")
    settings.CACHES = cache_settings("redis://127.0.0.1:9/0")  # nothing listens on port 9
    with caplog.at_level(logging.WARNING):
        response = token_request(application.client_id)
        failed = token_request(application.client_id, "wrong")
    assert response.status_code == 200, response.content
    assert failed.status_code == 401
    assert any("clean-up" in record.getMessage() for record in caplog.records)


NUL_BODIES = [
    ("/o/token/", {"grant_type": "client_credentials", "client_id": "x\x00"}, "client_id"),
    ("/o/token/", {"grant_type": "client_credentials", "scope": "read\x00"}, "scope"),
    ("/o/revoke_token/", {"token": "abc\x00"}, "token"),
    ("/o/introspect/", {"token": "abc\x00"}, "token"),
]


@pytest.mark.parametrize(("url", "body", "parameter"), NUL_BODIES)
def test_a_nul_byte_in_a_form_value_is_a_400(db, url, body, parameter):
    """PostgreSQL cannot store NUL: refused with invalid_request naming the field, never a 500."""
    application = make_application("Partner", "read write")
    response = Client().post(url, body, headers=basic(application.client_id, "test-secret"))
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    assert parameter in response.json()["error_description"]


@pytest.mark.parametrize("url", ["/o/token/", "/o/revoke_token/", "/o/introspect/"])
@pytest.mark.parametrize(("client_id", "secret"), [("partner\x00", "s"), ("partner", "s\x00")])
def test_a_nul_byte_in_basic_credentials_is_a_400(db, url, client_id, secret):
    """NUL inside the base64 of the Authorization header: 400, the database never asked."""
    body = {"grant_type": "client_credentials", "token": "abc"}
    response = Client().post(url, body, headers=basic(client_id, secret))
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    assert "Authorization" in response.json()["error_description"]


def test_staff_cannot_set_a_short_secret_in_the_admin(db, client, django_user_model):
    """The fast hash is only safe for long random secrets: short ones are refused."""
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    form = {
        "client_id": "partner-id",
        "client_secret": "guessable",
        "hash_client_secret": "on",
        "client_type": "confidential",
        "authorization_grant_type": "client-credentials",
        "name": "Partner",
        "redirect_uris": "",
        "post_logout_redirect_uris": "",
        "allowed_origins": "",
        "algorithm": "",
        "bookme_client-TOTAL_FORMS": "1",
        "bookme_client-INITIAL_FORMS": "0",
        "bookme_client-MIN_NUM_FORMS": "1",
        "bookme_client-MAX_NUM_FORMS": "1",
        "bookme_client-0-can_read": "on",
    }
    response = client.post("/admin/oauth2_provider/application/add/", form)
    assert response.status_code == 200
    assert "at least 43 characters" in response.content.decode()
    assert not Application.objects.exists()
