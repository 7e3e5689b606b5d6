"""Bearer tokens: 401 without a valid one, 403 without the scope, tokens from /o/token/."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client
from oauth2_provider.models import get_application_model
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from booking.api.scopes import allowed_scopes
from booking.models import TimeSlot
from tests.api.helpers import BOOKED, Caller, issue_token, make_application, reserve_body

READ_CALLS = [
    ("get", "/api/bookme/meeting-topics?isCustomer=true"),
    ("get", "/api/config/customer-types"),
    ("get", "/api/config/employees"),
    ("get", "/api/config/rooms"),
    ("get", "/api/bookme/time-slots/available?requireEmployeeParticipation=true"),
    ("get", "/api/bookme/time-slots/1"),
    ("get", "/api/bookme/meetings/1"),
    ("post", "/api/bookme/meetings/1/ical"),
]
WRITE_CALLS = [
    ("post", "/api/bookme/time-slots/reserve"),
    ("patch", "/api/bookme/time-slots/1"),
    ("post", "/api/bookme/meetings"),
    ("post", "/api/bookme/meetings/1/cancel"),
]


def send(client: Client, method: str, path: str, **headers: str):
    return getattr(client, method)(path, content_type="application/json", headers=headers)


@pytest.mark.parametrize(("method", "path"), READ_CALLS + WRITE_CALLS)
def test_every_endpoint_answers_401_without_a_token(db, method, path):
    """No Authorization header: 401, the error shape and a Bearer challenge, on every call."""
    response = send(Client(), method, path)
    assert response.status_code == 401
    assert response.json() == {
        "message": "Authentication required: send Authorization: Bearer <token>.",
        "parameter": None,
        "code": "unauthorized",
    }
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "token-without-scheme"]
)
def test_a_bad_or_malformed_token_is_401_with_a_challenge(db, header):
    """Unknown tokens and other schemes are refused with invalid_token / invalid_request."""
    response = send(Client(), "get", "/api/config/rooms", Authorization=header)
    assert response.status_code == 401
    assert response.json()["parameter"] is None
    assert response.json()["code"] == "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="bookme"')
    assert 'error="invalid_token"' in challenge or 'error="invalid_request"' in challenge


def test_an_expired_token_is_401(make_caller, frozen_clock):
    """A token past its expiry no longer opens anything."""
    caller = make_caller()
    frozen_clock.shift(timedelta(hours=1, seconds=1))
    response = caller.get("/api/config/rooms")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json()["message"] == "The access token is unknown or expired."


def test_a_token_in_the_query_string_is_not_accepted(caller):
    """Tokens travel in the Authorization header only (RFC 9700), never in URLs and logs."""
    response = Client().get(f"/api/config/rooms?access_token={caller.token}")
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), WRITE_CALLS)
def test_write_calls_need_the_write_scope(world, reader, method, path):
    """A read-only token gets 403 insufficient_scope on every call that changes data."""
    response = send(reader.http, method, path, **reader.headers)
    assert response.status_code == 403
    assert response.json() == {
        "message": "This token lacks the scope 'write'.",
        "parameter": None,
        "code": "forbidden",
    }
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="write"' in challenge


def test_read_calls_need_the_read_scope(make_caller, frozen_clock):
    """A write-only token may reserve but not read the configuration."""
    writer = make_caller("Writer", scopes="write")
    response = writer.get("/api/config/rooms")
    assert response.status_code == 403
    assert 'scope="read"' in response.headers["WWW-Authenticate"]


def test_a_read_only_token_reads(world, reader):
    """The read scope is enough for configuration and search."""
    assert reader.get("/api/config/employees").status_code == 200


def test_scope_is_checked_before_the_body(world, reader):
    """A 403 does not depend on the body: authorisation comes first, even for garbage."""
    response = reader.post("/api/bookme/time-slots/reserve", "{not json", content_type="text/plain")
    assert response.status_code == 403


def test_the_holder_is_the_application(world, caller):
    """A reservation is held by client:<application pk>, whatever token was used."""
    second_token = Caller(
        caller.application, issue_token(caller.application, "read write"), Client()
    )
    slot = second_token.post("/api/bookme/time-slots/reserve", reserve_body(world.alice)).json()
    assert TimeSlot.objects.get(pk=slot["id"]).holder == f"client:{caller.application.pk}"
    # The same application with its first token may book it: the holder is the client.
    assert caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED).status_code == 200


def test_clients_get_only_the_scopes_they_are_allowed(db):
    """The scopes backend: an ApiClient row decides; without one, read only."""
    reader = make_application("Reader", "read")
    both = make_application("Both", "read write")
    bare = get_application_model().objects.create(
        name="Bare", client_type="confidential", authorization_grant_type="client-credentials"
    )
    assert allowed_scopes(reader) == ["read"]
    assert allowed_scopes(both) == ["read", "write"]
    assert allowed_scopes(bare) == ["read"]
    assert allowed_scopes(None) == ["read"]


def token_from(client: Client, client_id: str, secret: str, **data: str):
    return client.post(
        "/o/token/",
        {"grant_type": "client_credentials", **data},
        headers={"Authorization": basic(client_id, secret)},
    )


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_the_token_endpoint_grants_the_clients_scopes(db):
    """Without `scope` a client gets all it may have; asking for more is invalid_scope."""
    reader = make_application("Reader", "read")
    response = token_from(Client(), reader.client_id, "test-secret")
    assert response.status_code == 200, response.content
    token = response.json()
    assert token["scope"] == "read"
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600

    refused = token_from(Client(), reader.client_id, "test-secret", scope="read write")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"


def test_a_wrong_secret_gets_no_token(db):
    """invalid_client for a wrong secret: no token, nothing to call the API with."""
    application = make_application("Partner", "read write")
    response = token_from(Client(), application.client_id, "wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.django_db(transaction=True)
def test_a_real_oauth2_client_library_gets_a_token_and_calls_the_api(
    live_server, settings, monkeypatch
):
    """requests-oauthlib's client credentials flow against a live server, then an API call."""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the live server speaks plain http
    application = make_application("Library client", "read write")
    session = OAuth2Session(client=BackendApplicationClient(client_id=application.client_id))
    token = session.fetch_token(
        token_url=f"{live_server.url}/o/token/",
        client_id=application.client_id,
        client_secret="test-secret",
        include_client_id=False,  # HTTP Basic, as RFC 6749 recommends
    )
    assert set(token["scope"]) == {"read", "write"}
    assert token["token_type"] == "Bearer"

    response = session.get(f"{live_server.url}/api/config/customer-types")
    assert response.status_code == 200
    assert response.json() == []


def access_token_queries(caller) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert caller.get("/api/config/rooms").status_code == 200
    return sum("oauth2_provider_accesstoken" in q["sql"] for q in queries.captured_queries)


def test_a_checked_token_is_kept_briefly_and_not_looked_up_again(make_caller, frozen_clock):
    """The process keeps a valid token for BOOKME_API_TOKEN_CACHE_SECONDS: its next request
    does not ask the database (docs/performance.md)."""
    caller = make_caller()
    assert access_token_queries(caller) == 1
    assert access_token_queries(caller) == 0


def test_without_the_token_cache_every_request_checks_the_token(make_caller, settings):
    """BOOKME_API_TOKEN_CACHE_SECONDS = 0 asks the database every time."""
    settings.BOOKME_API_TOKEN_CACHE_SECONDS = 0
    caller = make_caller()
    assert access_token_queries(caller) == 1
    assert access_token_queries(caller) == 1


def test_a_kept_token_revoked_through_this_process_stops_at_once(db):
    """A token in use (and so kept) that is revoked at /o/revoke_token/ is refused at once."""
    from tests.api.test_oauth_surface import basic, token_request

    application = make_application("Partner", "read write")
    token = token_request(application.client_id).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/config/rooms", headers=headers).status_code == 200
    revoked = Client().post(
        "/o/revoke_token/", {"token": token}, headers=basic(application.client_id, "test-secret")
    )
    assert revoked.status_code == 200
    assert Client().get("/api/config/rooms", headers=headers).status_code == 401


def test_a_kept_token_still_expires_on_time(make_caller, frozen_clock):
    """Keeping a token never stretches it past its own expiry."""
    caller = make_caller()
    assert access_token_queries(caller) == 1
    frozen_clock.shift(timedelta(hours=1, seconds=1))
    assert caller.get("/api/config/rooms").status_code == 401
