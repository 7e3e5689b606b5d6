"""The OAuth2 endpoints API clients need, and nothing else of django-oauth-toolkit.

Mounted at /o/: token, revoke_token, introspect. oauth-toolkit's own URL list also
brings application registration, authorised-token pages, the authorization code
flow, device flow, OpenID Connect and metadata: any signed-in account could
register a client there. None of that is mounted; staff create clients in the
admin or with `manage.py create_api_client`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import IntrospectTokenView, RevokeTokenView, TokenView
from oauthlib.common import Request as OauthlibRequest

from booking.api.client_secrets import ALGORITHM
from booking.ratelimit import Window, client_address, hit


def token_attempt(request: HttpRequest) -> Window | None:
    """Count one attempt at the token endpoints; the exhausted window if over a limit.

    Every attempt counts, not only failures: a limit checked before the failures of
    parallel requests are recorded would let a burst through. Legitimate clients
    fetch one token an hour, so the defaults leave them far from the limit.
    """
    window = settings.BOOKME_TOKEN_ATTEMPT_WINDOW
    keys = [(f"oauth:addr:{client_address(request)}", settings.BOOKME_TOKEN_ATTEMPTS_PER_ADDRESS)]
    client_id = requested_client_id(request)
    if client_id:
        # Hashed: the id is attacker-chosen text and becomes part of a cache key.
        digest = hashlib.sha256(client_id.encode()).hexdigest()[:32]
        keys.append((f"oauth:client:{digest}", settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT))
    # Count on every key (no short-circuit), so each limit sees every attempt.
    windows = [hit(key, limit=limit, window=window) for key, limit in keys]
    refused = [w for w in windows if not w.allowed]
    return max(refused, key=lambda w: w.reset_after) if refused else None


def requested_client_id(request: HttpRequest) -> str:
    """The client id a request names, from HTTP Basic or the form body (RFC 6749 2.3.1)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            return unquote_plus(decoded.split(":", 1)[0])
    return request.POST.get("client_id", "")


def too_many_requests(window: Window) -> JsonResponse:
    """429 in the OAuth2 error shape (RFC 6749 5.2), with Retry-After."""
    response = JsonResponse(
        {
            "error": "too_many_requests",
            "error_description": (
                f"Too many token requests; retry after {window.reset_after} seconds."
            ),
        },
        status=429,
    )
    response["Retry-After"] = str(window.reset_after)
    response["Cache-Control"] = "no-store"
    return response


def oauth_error(status: int, error: str, description: str) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


CLEANUP_KEY = "bookme:oauth:token-cleanup"


def purge_expired_tokens() -> int:
    """Delete expired access tokens, at most once per BOOKME_TOKEN_CLEANUP_SECONDS.

    There is no background worker yet, so the token endpoint calls this after issuing
    a token: cache.add() is atomic, so one request per interval does the deletion,
    across processes when the cache is shared. Tokens with a refresh token are left
    to oauth-toolkit's `cleartokens` (client credentials never issue one).
    """
    if not cache.add(CLEANUP_KEY, 1, timeout=settings.BOOKME_TOKEN_CLEANUP_SECONDS):
        return 0
    expired = get_access_token_model().objects.filter(
        expires__lt=timezone.now(), refresh_token__isnull=True
    )
    deleted, _ = expired.delete()
    return deleted


class BookMeOAuth2Validator(OAuth2Validator):
    """oauth-toolkit's validator, upgrading secrets stored with a slow hasher on use."""

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        valid = super()._check_secret(provided_secret, stored_secret)
        if valid and _slow_hash(stored_secret):
            # Clients made before the fast hasher pay the slow check once, then never again.
            get_application_model().objects.filter(client_secret=stored_secret).update(
                client_secret=make_password(provided_secret, hasher=ALGORITHM)
            )
        return valid


def _slow_hash(stored_secret: str) -> bool:
    try:
        return identify_hasher(stored_secret).algorithm != ALGORITHM
    except ValueError:  # stored in clear (hash_client_secret off): leave it as configured
        return False


@method_decorator(csrf_exempt, name="dispatch")
class ThrottledTokenView(TokenView):
    """POST /o/token/, limited per client id and per address; tidies expired tokens."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = token_attempt(request)
        if refused is not None:
            return too_many_requests(refused)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            purge_expired_tokens()
        return response


@method_decorator(csrf_exempt, name="dispatch")
class ThrottledRevokeTokenView(RevokeTokenView):
    """POST /o/revoke_token/ (RFC 7009): it checks client secrets too, so it shares the limit."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = token_attempt(request)
        if refused is not None:
            return too_many_requests(refused)
        return super().post(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class ResourceServerIntrospectView(IntrospectTokenView):
    """POST /o/introspect/ (RFC 7662), for the resource servers staff registered only.

    oauth-toolkit lets any authenticated client introspect any token: an ordinary API
    client could learn about other clients' tokens. Here the caller must authenticate
    as a client (HTTP Basic or the form body; not with a bearer token) whose client id
    is listed in BOOKME_INTROSPECTION_CLIENTS. POST only: a token in a GET query
    string ends up in logs.
    """

    http_method_names = ["post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return View.dispatch(self, request, *args, **kwargs)  # 405
        client_id = requested_client_id(request)
        if client_id and client_id not in settings.BOOKME_INTROSPECTION_CLIENTS:
            # Refused before its secret is checked: this endpoint is not throttled, so it
            # must not tell anyone whether a guessed secret of an API client is right.
            return oauth_error(
                403,
                "unauthorized_client",
                "This client is not a registered resource server and may not introspect.",
            )
        client = authenticated_client(request) if client_id else None
        if client is None or client.client_id != client_id:
            response = oauth_error(
                401,
                "invalid_client",
                "Authenticate with the resource server's client id and secret.",
            )
            response["WWW-Authenticate"] = 'Basic realm="bookme"'
            return response
        # Past oauth-toolkit's own client-or-token check: the one above is stricter.
        return View.dispatch(self, request, *args, **kwargs)


def authenticated_client(request: HttpRequest) -> Any | None:
    """The application whose client id and secret the request carries, or None."""
    core = get_oauthlib_core()
    # oauth-toolkit's own request translation, so Basic and body credentials parse alike.
    uri, http_method, body, headers = core._extract_params(request)
    oauth_request = OauthlibRequest(uri, http_method, body, headers)
    if core.server.request_validator.authenticate_client(oauth_request):
        return oauth_request.client
    return None


app_name = "oauth2_provider"  # oauth-toolkit reverses its URLs in this namespace
urlpatterns = [
    path("token/", ThrottledTokenView.as_view(), name="token"),
    path("revoke_token/", ThrottledRevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", ResourceServerIntrospectView.as_view(), name="introspect"),
]
