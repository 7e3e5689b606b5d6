"""Partner apps acting for a person: the authorization code flow with PKCE (S256) through
/o/authorize/ and /o/token/, and what the person's token may read in the API."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from booking.api import auth as api_auth
from booking.api.oauth import purge_expired_tokens
from tests import factories
from tests.api.helpers import Caller, create_meeting, issue_token, make_application, reserve_body
from tests.api.partner_flow import (
    REDIRECT,
    SECRET,
    TEN,
    Application,
    authorization_code,
    authorize_params,
    bearer,
    consent_form,
    customer_meeting,
    exchange,
    partner_app,
    person_token,
    pkce,
    query_of,
    refresh,
)


@pytest.fixture
def person(db, django_user_model) -> User:
    return django_user_model.objects.create_user("carla", "carla@example.com", "pw")


@pytest.fixture
def app(db) -> Any:
    return partner_app()


@pytest.fixture
def signed_in(person) -> Client:
    http = Client()
    http.force_login(person)
    return http


# --- the code flow ----------------------------------------------------------------------


def test_the_full_code_flow_gives_a_token_tied_to_the_person(app, person, frozen_clock):
    """Consent, code, exchange with the verifier: a bearer token for that person, read only
    (the ApiClient row's write is not granted to a partner app), with a refresh token."""
    http = Client()
    http.force_login(person)
    verifier, challenge = pkce()
    code = authorization_code(http, app, challenge)
    response = exchange(app, code, verifier)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read"
    assert body["refresh_token"]
    token = AccessToken.objects.get(application=app)
    assert token.user_id == person.pk
    # The code is spent: a second exchange is refused.
    assert exchange(app, code, verifier).json()["error"] == "invalid_grant"


def test_a_public_client_exchanges_without_a_secret(person, frozen_clock):
    """A public client (a browser or phone app) has no secret: the verifier proves it."""
    application = partner_app(client_type=Application.CLIENT_PUBLIC)
    token = person_token(application, person)
    assert AccessToken.objects.get(application=application).user_id == person.pk
    assert Client().get("/api/bookme/me/meetings", headers=bearer(token)).status_code == 200


def test_the_exchange_needs_the_right_verifier(app, signed_in, frozen_clock):
    """No verifier, or another one: invalid_grant / invalid_request, and no token."""
    _, challenge = pkce()
    code = authorization_code(signed_in, app, challenge)
    missing = exchange(app, code, None)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    code = authorization_code(signed_in, app, challenge)
    wrong = exchange(app, code, pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_an_authorization_request_without_pkce_is_refused(app, signed_in):
    """No code_challenge: back to the app with invalid_request, no consent page."""
    params = authorize_params(app, "", code_challenge_method="")
    response = signed_in.get("/o/authorize/", params)
    assert response.status_code == 302
    answer = query_of(response)
    assert answer["error"] == "invalid_request"
    assert answer["state"] == "st-123"


@pytest.mark.parametrize("method", ["plain", ""])
def test_a_plain_challenge_is_refused(app, signed_in, method):
    """code_challenge_method plain (or none, which means plain): refused before consent."""
    verifier, _ = pkce()
    params = authorize_params(app, verifier, code_challenge_method=method)
    response = signed_in.get("/o/authorize/", params)
    assert response.status_code == 302
    answer = query_of(response)
    assert answer["error"] == "invalid_request"
    assert "S256" in answer["error_description"]


def test_a_tampered_plain_method_in_the_consent_post_is_refused(app, signed_in):
    """The form's hidden method changed to plain: oauth-toolkit refuses to make the code."""
    verifier, challenge = pkce()
    params = authorize_params(app, challenge)
    assert signed_in.get("/o/authorize/", params).status_code == 200
    tampered = {**params, "code_challenge": verifier, "code_challenge_method": "plain"}
    response = signed_in.post("/o/authorize/", consent_form(tampered, allow=True))
    assert response.status_code == 302
    assert query_of(response)["error"] == "invalid_request"
    assert not app.grant_set.exists()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        "https://partner.example/other",
        "http://partner.example/callback",
    ],
)
def test_a_redirect_uri_that_is_not_registered_is_refused(app, signed_in, redirect_uri):
    """An unregistered redirect URI: an error page here, never a redirect to it."""
    _, challenge = pkce()
    response = signed_in.get(
        "/o/authorize/", authorize_params(app, challenge, redirect_uri=redirect_uri)
    )
    assert response.status_code == 400
    assert "Location" not in response
    assert "cannot be answered" in response.content.decode()


def test_the_exchange_with_another_redirect_uri_is_refused(app, signed_in, frozen_clock):
    """The token request must name the redirect URI the code was made for."""
    app.redirect_uris = f"{REDIRECT} https://partner.example/second"
    app.save()
    verifier, challenge = pkce()
    code = authorization_code(signed_in, app, challenge)
    response = exchange(app, code, verifier, redirect_uri="https://partner.example/second")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_an_unknown_client_gets_an_error_page_not_a_redirect(signed_in):
    """client_id that names nothing: 400 on the page, nothing sent anywhere."""
    _, challenge = pkce()
    params = {**authorize_params(partner_app(), challenge), "client_id": "nobody"}
    response = signed_in.get("/o/authorize/", params)
    assert response.status_code == 400
    assert "Location" not in response


def test_implicit_and_client_credentials_apps_cannot_use_the_consent_page(signed_in):
    """response_type=token (implicit) and a client-credentials application: refused."""
    _, challenge = pkce()
    partner = partner_app()
    implicit = signed_in.get(
        "/o/authorize/", authorize_params(partner, challenge, response_type="token")
    )
    assert query_of(implicit)["error"] == "unauthorized_client"  # not registered for it
    service = partner_app(name="Service")
    service.authorization_grant_type = Application.GRANT_CLIENT_CREDENTIALS
    service.save()
    response = signed_in.get("/o/authorize/", authorize_params(service, challenge))
    assert query_of(response)["error"] == "unauthorized_client"


def test_a_partner_app_cannot_be_granted_write(app, signed_in):
    """Asking for write: invalid_scope, whatever the app's scopes row allows."""
    _, challenge = pkce()
    response = signed_in.get("/o/authorize/", authorize_params(app, challenge, scope="read write"))
    assert query_of(response)["error"] == "invalid_scope"


def test_the_password_grant_is_refused(app, person):
    """No resource owner password grant: a partner app never sees the person's password."""
    response = Client().post(
        "/o/token/",
        {
            "grant_type": "password",
            "username": "carla",
            "password": "pw",
            "client_id": app.client_id,
            "client_secret": SECRET,
        },
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("unsupported_grant_type", "unauthorized_client")
    assert not AccessToken.objects.exists()


def test_the_refresh_token_renews_for_the_same_person(app, signed_in, person, frozen_clock):
    """An hour later the app refreshes: a new token for the same person, read only."""
    verifier, challenge = pkce()
    body = exchange(app, authorization_code(signed_in, app, challenge), verifier).json()
    frozen_clock.shift(timedelta(hours=2))
    renewed = refresh(app, body["refresh_token"])
    assert renewed.status_code == 200, renewed.content
    assert renewed.json()["scope"] == "read"
    token = renewed.json()["access_token"]
    assert Client().get("/api/bookme/me/meetings", headers=bearer(token)).status_code == 200
    assert AccessToken.objects.get(expires__gt=timezone.now()).user_id == person.pk


def test_a_refresh_token_unused_past_its_lifetime_is_refused_and_swept(
    app, signed_in, frozen_clock
):
    """OAUTH_REFRESH_TOKEN_SECONDS (30 days) after its access token expired: invalid_grant,
    and the housekeeping sweep removes the token pair and unused authorization codes."""
    verifier, challenge = pkce()
    body = exchange(app, authorization_code(signed_in, app, challenge), verifier).json()
    authorization_code(signed_in, app, pkce()[1])  # a code never exchanged
    frozen_clock.shift(timedelta(hours=1, days=30, seconds=1))
    refused = refresh(app, body["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    purge_expired_tokens()
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.exists()
    assert not app.grant_set.exists()


# --- what a person's token reads -----------------------------------------------------------


@pytest.fixture
def person_caller(world, app, person, frozen_clock) -> Caller:
    """A partner app's token acting for the customer `person`."""
    return Caller(app, person_token(app, person), Client())


def test_a_person_token_sees_own_meetings_and_not_others(world, person, person_caller):
    """/me/meetings lists the person's meetings; another customer's meeting answers 404."""
    mine = customer_meeting(world, person)
    theirs = factories.meeting(topic=world.topic, employee=world.bob, start=TEN)
    response = person_caller.get("/api/bookme/me/meetings")
    assert response.status_code == 200, response.content
    assert [m["id"] for m in response.json()] == [str(mine.pk)]
    assert response.json()[0]["customer"]["id"] is None  # no client's reference
    assert person_caller.get(f"/api/bookme/meetings/{mine.pk}").json()["id"] == str(mine.pk)
    other = person_caller.get(f"/api/bookme/meetings/{theirs.pk}")
    assert other.status_code == 404
    assert other.json()["parameter"] == "meetingId"
    assert person_caller.post(f"/api/bookme/meetings/{theirs.pk}/ical").status_code == 404
    ical = person_caller.post(f"/api/bookme/meetings/{mine.pk}/ical")
    assert ical.status_code == 200
    assert b"BEGIN:VCALENDAR" in ical.content


def test_me_meetings_takes_a_period(world, person, person_caller):
    """startDate and endDate narrow the list; a reversed period is a 400 naming endDate."""
    first = customer_meeting(world, person)
    second = customer_meeting(world, person, start=TEN + timedelta(days=7))
    everything = person_caller.get("/api/bookme/me/meetings")
    assert [m["id"] for m in everything.json()] == [str(first.pk), str(second.pk)]
    later = person_caller.get(
        "/api/bookme/me/meetings", {"startDate": (TEN + timedelta(days=2)).isoformat()}
    )
    assert [m["id"] for m in later.json()] == [str(second.pk)]
    reversed_period = person_caller.get(
        "/api/bookme/me/meetings",
        {"startDate": TEN.isoformat(), "endDate": (TEN - timedelta(hours=1)).isoformat()},
    )
    assert reversed_period.status_code == 400
    assert reversed_period.json()["parameter"] == "endDate"
    broken = person_caller.get("/api/bookme/me/meetings", {"startDate": "soon"})
    assert broken.status_code == 400


def test_the_meeting_list_costs_the_same_for_one_meeting_or_many(
    world, person, person_caller, django_assert_num_queries, settings
):
    """Meetings, their details and answers are loaded together: no query per meeting."""
    settings.BOOKME_API_TOKEN_CACHE_SECONDS = 0  # the token is checked in both requests
    customer_meeting(world, person)
    with CaptureQueriesContext(connection) as one:
        assert len(person_caller.get("/api/bookme/me/meetings").json()) == 1
    for day in (1, 2):
        customer_meeting(world, person, start=TEN + timedelta(days=day))
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(person_caller.get("/api/bookme/me/meetings").json()) == 3


def test_an_employee_token_sees_the_schedule(world, app, django_user_model, frozen_clock):
    """An employee's token: their confirmed meetings, each readable; not the colleague's."""
    user = django_user_model.objects.create_user("alice", "alice@example.com", "pw")
    world.alice.user = user
    world.alice.save()
    held = factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    colleagues = factories.meeting(topic=world.topic, employee=world.bob, start=TEN)
    caller = Caller(app, person_token(app, user), Client())
    response = caller.get("/api/bookme/me/schedule")
    assert response.status_code == 200, response.content
    assert [m["id"] for m in response.json()] == [str(held.pk)]
    assert response.json()[0]["customer"]["name"] == "Carla Customer"
    assert caller.get(f"/api/bookme/meetings/{held.pk}").status_code == 200
    assert caller.get(f"/api/bookme/meetings/{colleagues.pk}").status_code == 404
    assert caller.get("/api/bookme/me/meetings").json() == []  # no meetings as a customer


def test_a_customer_has_no_schedule(person_caller):
    """/me/schedule for a person who is not an employee: 404 saying so."""
    response = person_caller.get("/api/bookme/me/schedule")
    assert response.status_code == 404
    assert "not an employee" in response.json()["message"]


def test_a_person_token_cannot_reach_what_the_app_holds_as_a_client(
    world, person, person_caller, frozen_clock
):
    """The same application's client-credentials meetings and slots stay out of reach."""
    application = person_caller.application
    client_side = Caller(application, issue_token(application, "read write"), Client())
    made = create_meeting(client_side, world)
    assert person_caller.get(f"/api/bookme/meetings/{made['id']}").status_code == 404
    refused = person_caller.get(f"/api/bookme/time-slots/{made['timeSlotId']}")
    assert refused.status_code == 403
    assert refused.json()["code"] == "person_token_refused"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/bookme/time-slots/reserve", "reserve"),
        ("get", "/api/bookme/time-slots/available", None),
        ("post", "/api/bookme/meetings", {}),
        ("post", "/api/bookme/meetings/1/cancel", None),
        ("get", "/api/bookme/webhooks", None),
        ("post", "/api/bookme/webhooks", {}),
        ("post", "/api/bookme/waitlist", {}),
        ("get", "/api/bookme/waitlist/1", None),
    ],
)
def test_everything_else_answers_403_naming_the_reason(world, person_caller, method, path, body):
    """Writes, availability, webhooks, waitlist: 403 with code person_token_refused."""
    if body == "reserve":
        body = reserve_body(world.alice)
    response = person_caller.get(path) if method == "get" else person_caller.post(path, body)
    assert response.status_code == 403, (path, response.content)
    assert response.json()["code"] == "person_token_refused"
    assert "person" in response.json()["message"]


def test_configuration_stays_readable(world, person_caller):
    """Topics, customer types, employees and rooms: readable with the person's token."""
    for path in (
        "/api/bookme/meeting-topics?isCustomer=true",
        "/api/config/customer-types",
        "/api/config/employees",
        "/api/config/rooms",
    ):
        assert person_caller.get(path).status_code == 200, path


def test_a_revoked_token_stops_working_at_once(world, app, person, person_caller, settings):
    """Revoked at /o/revoke_token/: 401 on the next call, even with the token cache on."""
    settings.BOOKME_API_TOKEN_CACHE_SECONDS = 300
    assert person_caller.get("/api/bookme/me/meetings").status_code == 200  # now cached
    response = Client().post(
        "/o/revoke_token/",
        {"token": person_caller.token, "client_id": app.client_id, "client_secret": SECRET},
    )
    assert response.status_code == 200
    after = person_caller.get("/api/bookme/me/meetings")
    assert after.status_code == 401
    assert after.json()["code"] == "unauthorized"


def test_a_deactivated_persons_token_stops_working(person, person_caller, settings):
    """The account is switched off: its partner apps' tokens answer 401 (cache off)."""
    settings.BOOKME_API_TOKEN_CACHE_SECONDS = 0
    assert person_caller.get("/api/bookme/me/meetings").status_code == 200
    person.is_active = False
    person.save()
    assert person_caller.get("/api/bookme/me/meetings").status_code == 401


def test_a_person_caller_has_no_holder():
    """The second guard: a person caller asked for the client's holder refuses with 403."""
    caller = api_auth.ApiCaller(application_id=1, scopes=frozenset({"read"}), user_id=5)
    with pytest.raises(api_auth.ApiError) as refused:
        _ = caller.holder
    assert refused.value.status == 403
    assert api_auth.ApiCaller(application_id=1, scopes=frozenset()).holder == "client:1"


def test_each_person_has_a_rate_window_of_their_own(
    app, person, person_caller, settings, django_user_model
):
    """One person's flood of requests does not stop the app for the others."""
    settings.BOOKME_API_RATE_LIMIT = 2
    for _ in range(2):
        assert person_caller.get("/api/bookme/me/meetings").status_code == 200
    assert person_caller.get("/api/bookme/me/meetings").status_code == 429
    other = django_user_model.objects.create_user("dora", "dora@example.com", "pw")
    assert (
        Client()
        .get("/api/bookme/me/meetings", headers=bearer(person_token(app, other)))
        .status_code
        == 200
    )


# --- client credentials stay as they were --------------------------------------------------


def test_client_credentials_callers_are_unchanged(world, caller):
    """A client's own token books as before and cannot use the person endpoints (403)."""
    made = create_meeting(caller, world)
    assert caller.get(f"/api/bookme/meetings/{made['id']}").json()["customer"]["id"] == "cust-1"
    for path in ("/api/bookme/me/meetings", "/api/bookme/me/schedule"):
        response = caller.get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "person_token_required"


def test_a_client_credentials_token_has_no_user(db, frozen_clock):
    """The client credentials grant still issues tokens tied to no person."""
    application = make_application("Service", "read write")
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        headers={
            "Authorization": "Basic "
            + base64.b64encode(f"{application.client_id}:test-secret".encode()).decode()
        },
    )
    assert response.status_code == 200, response.content
    token = AccessToken.objects.get(application=application)
    assert token.user_id is None
    assert token.expires > timezone.now()


def test_the_openapi_document_names_both_flows(db):
    """The person endpoints name the authorization code scheme; the meeting reads both."""
    document = Client().get("/api/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    flow = schemes["OAuth2AuthorizationCode"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "/o/authorize/"
    assert flow["tokenUrl"] == "/o/token/"
    paths = document["paths"]
    assert paths["/api/bookme/me/meetings"]["get"]["security"] == [
        {"OAuth2AuthorizationCode": ["read"]}
    ]
    assert paths["/api/bookme/meetings/{meetingId}"]["get"]["security"] == [
        {"OAuth2ClientCredentials": ["read"]},
        {"OAuth2AuthorizationCode": ["read"]},
    ]
    assert paths["/api/bookme/meetings"]["post"]["security"] == [
        {"OAuth2ClientCredentials": ["write"]}
    ]
