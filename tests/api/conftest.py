"""API clients for the tests: an OAuth2 application with a live access token each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.api.helpers import Caller, issue_token, make_application


@pytest.fixture
def make_caller(db) -> Callable[..., Caller]:
    def make(name: str = "Partner", scopes: str = "read write") -> Caller:
        application = make_application(name, scopes)
        return Caller(application, issue_token(application, scopes), Client())

    return make


@pytest.fixture
def caller(make_caller, frozen_clock) -> Caller:
    """A client with read and write, at the pinned test clock."""
    return make_caller("Partner")


@pytest.fixture
def outsider(make_caller, frozen_clock) -> Caller:
    """Another client: must never see the first one's time slots or meetings."""
    return make_caller("Outsider")


@pytest.fixture
def reader(make_caller, frozen_clock) -> Caller:
    """A client allowed to read only."""
    return make_caller("Reader", scopes="read")
