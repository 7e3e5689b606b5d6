"""The create_api_client command: credentials printed once, usable at /o/token/."""

from __future__ import annotations

import json
import math
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from oauth2_provider.models import get_application_model

from booking.api.client_secrets import ALGORITHM
from booking.api.models import ApiClient


def create(*args: str) -> dict:
    out = StringIO()
    call_command("create_api_client", *args, stdout=out)
    return json.loads(out.getvalue())


def token_for(credentials: dict, **data: str):
    return Client().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
            **data,
        },
    )


def test_it_prints_credentials_that_get_a_token(db):
    """JSON with client_id and client_secret; the secret is stored hashed and works."""
    credentials = create("Partner portal")
    assert credentials["name"] == "Partner portal"
    assert credentials["scopes"] == ["read", "write"]
    application = get_application_model().objects.get(client_id=credentials["client_id"])
    assert application.client_secret != credentials["client_secret"]  # only the hash is kept
    assert application.authorization_grant_type == "client-credentials"

    response = token_for(credentials)
    assert response.status_code == 200, response.content
    assert sorted(response.json()["scope"].split()) == ["read", "write"]
    assert response.json()["expires_in"] == 3600


def test_scopes_limit_what_the_client_can_get(db):
    """--scopes read: the token has read only, and write cannot be asked for."""
    credentials = create("Dashboard", "--scopes", "read")
    assert credentials["scopes"] == ["read"]
    client = ApiClient.objects.get()
    assert (client.can_read, client.can_write) == (True, False)
    assert token_for(credentials).json()["scope"] == "read"
    assert token_for(credentials, scope="write").json()["error"] == "invalid_scope"


def test_an_unknown_scope_is_refused(db):
    """Only read and write exist."""
    with pytest.raises(CommandError):
        create("Partner", "--scopes", "admin")
    assert not get_application_model().objects.exists()


def test_a_second_client_with_the_same_name_is_refused(db):
    """Names say who a client is: no two alike."""
    create("Partner")
    with pytest.raises(CommandError, match="already exists"):
        create("Partner")
    assert get_application_model().objects.count() == 1


def test_the_secret_is_random_enough_for_a_fast_hash(db):
    """At least 256 bits of randomness, stored with the fast client secret hasher."""
    first, second = create("One"), create("Two")
    secret = first["client_secret"]
    assert re.fullmatch(r"[A-Za-z0-9]+", secret)
    assert len(secret) * math.log2(62) >= 256
    assert secret != second["client_secret"]
    stored = get_application_model().objects.get(client_id=first["client_id"]).client_secret
    assert stored.startswith(f"{ALGORITHM}$")
