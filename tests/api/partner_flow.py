"""The partner apps' authorization code flow as a test drives it: a registered app, PKCE,
the consent form, the code, the token exchange (tests/api/test_partner_apps.py, the consent
page's view and browser tests)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import get_application_model

from booking.api.models import ApiClient
from booking.models import Customer, Meeting
from tests import factories
from tests.conftest import NOW

Application = get_application_model()

REDIRECT = "https://partner.example/callback"
SECRET = "partner-secret-" + "x" * 40
TEN = NOW + timedelta(days=1, hours=2)  # Tuesday 2 June 2026, 10:00 in Copenhagen


def partner_app(
    *,
    client_type: str = Application.CLIENT_CONFIDENTIAL,
    redirect_uris: str = REDIRECT,
    name: str = "Budget Planner",
) -> Any:
    """A partner app as staff register it: authorization code, https redirect, a scopes row
    that would allow writing (a partner app still gets read only)."""
    application = Application.objects.create(
        name=name,
        client_type=client_type,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uris,
        client_secret=SECRET if client_type == Application.CLIENT_CONFIDENTIAL else "",
    )
    ApiClient.objects.create(application=application, can_read=True, can_write=True)
    return application


def pkce() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 4.1, 4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(application: Any, challenge: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "read",
        "state": "st-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value != ""}


def consent_form(params: dict[str, str], *, allow: bool) -> dict[str, str]:
    """What the consent page's form posts: its hidden fields, and Allow or Deny."""
    form = {key: params[key] for key in params}
    if allow:
        form["allow"] = "on"
    return form


def query_of(response: Any) -> dict[str, str]:
    """The parameters of a redirect to the partner's redirect URI."""
    location = response["Location"]
    assert location.startswith(REDIRECT + "?"), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def authorization_code(http: Client, application: Any, challenge: str) -> str:
    """A signed-in person opens the consent page and presses Allow: the code."""
    params = authorize_params(application, challenge)
    page = http.get("/o/authorize/", params)
    assert page.status_code == 200, page.content
    response = http.post("/o/authorize/", consent_form(params, allow=True))
    assert response.status_code == 302
    answer = query_of(response)
    assert answer["state"] == "st-123"
    return answer["code"]


def exchange(application: Any, code: str, verifier: str | None, **extra: str) -> Any:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": application.client_id,
        **extra,
    }
    if verifier is not None:
        body["code_verifier"] = verifier
    if application.client_type == Application.CLIENT_CONFIDENTIAL:
        body["client_secret"] = SECRET
    return Client().post("/o/token/", body)


def person_token(application: Any, user: User) -> str:
    """The whole flow for `user`: consent, code, token exchange with the verifier."""
    http = Client()
    http.force_login(user)
    verifier, challenge = pkce()
    code = authorization_code(http, application, challenge)
    response = exchange(application, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def customer_meeting(world: Any, user: User, *, start=TEN, **kwargs: Any) -> Meeting:
    """A meeting booked on the website by the signed-in customer `user`."""
    meeting = factories.meeting(
        topic=world.topic,
        employee=world.alice,
        start=start,
        holder=f"user:{user.pk}",
        customer_email=user.email,
        **kwargs,
    )
    # One customer record per account: the first meeting's, reused for the next ones.
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        meeting.customer.user = user
        meeting.customer.save(update_fields=["user"])
    else:
        meeting.customer = customer
        meeting.save(update_fields=["customer"])
    return meeting


def refresh(application: Any, refresh_token: str) -> Any:
    return Client().post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": application.client_id,
            "client_secret": SECRET,
        },
    )
