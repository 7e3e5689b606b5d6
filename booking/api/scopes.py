"""Scopes backend for django-oauth-toolkit: each client gets only what its ApiClient allows."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings

from booking.api.models import READ, ApiClient


def allowed_scopes(application: Any) -> list[str]:
    if application is None:
        return [READ]
    if application.authorization_grant_type == application.GRANT_AUTHORIZATION_CODE:
        # A partner app acting for a person only reads (booking/api/people.py), whatever
        # its ApiClient row says: a person is never asked to allow writes.
        return [READ]
    client = ApiClient.objects.filter(application_id=application.pk).first()
    return client.scopes if client is not None else [READ]


class ApiClientScopes(BaseScopes):
    """A token request without `scope` gets every scope the client is allowed."""

    def get_all_scopes(self) -> dict[str, str]:
        return oauth2_settings.SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return allowed_scopes(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return allowed_scopes(application)
