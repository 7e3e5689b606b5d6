"""The hostile-client suite: every attack of issue 8 replayed over real HTTP.

Each test talks to `live_server` (a real socket, a real request cycle: middleware,
OAuth2, the JSON error shape) with `requests`, as an attacker's script would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from oauth2_provider.models import get_application_model

from booking.api.models import ApiClient

Application = get_application_model()
SECRET = "security-suite-secret-0123456789abcdef0123456789abcdef"


@dataclass
class LiveClient:
    """An OAuth2 client of the live server: its credentials and a bearer token."""

    base: str
    client_id: str
    client_secret: str
    token: str
    session: requests.Session

    def url(self, path: str) -> str:
        return self.base + path

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url(path), headers=headers, **kwargs)


def fetch_token(base: str, client_id: str, secret: str, **extra: Any) -> requests.Response:
    return requests.post(
        base + "/o/token/",
        data={"grant_type": "client_credentials", "scope": "read write", **extra},
        auth=(client_id, secret),
        timeout=10,
    )


@pytest.fixture
def make_live_client(live_server, transactional_db) -> Callable[..., LiveClient]:
    """A new API client with read and write, holding a token fetched over HTTP."""

    def make(name: str = "Hostile") -> LiveClient:
        application = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=SECRET,
        )
        ApiClient.objects.create(application=application, can_read=True, can_write=True)
        response = fetch_token(live_server.url, application.client_id, SECRET)
        assert response.status_code == 200, response.text
        return LiveClient(
            live_server.url,
            application.client_id,
            SECRET,
            response.json()["access_token"],
            requests.Session(),
        )

    return make


@pytest.fixture
def live_client(make_live_client) -> LiveClient:
    return make_live_client()
