"""The OAuth2 endpoints API clients need, and nothing else of django-oauth-toolkit.

Mounted at /o/: token, revoke_token, introspect, and authorize (the consent page of the
authorization code flow, for partner apps acting for a person: PKCE with S256 only).
oauth-toolkit's own URL list also brings application registration, authorised-token
pages, device flow, OpenID Connect and metadata: any signed-in account could register a
client there. None of that is mounted; staff create clients in the admin or with
`manage.py create_api_client`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import clear_expired, get_access_token_model, get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import (
    AuthorizationView,
    IntrospectTokenView,
    RevokeTokenView,
    TokenView,
)
from oauthlib.common import Request as OauthlibRequest
from oauthlib.oauth2.rfc6749.errors import InvalidRequestError

from booking.api import people
from booking.api.client_secrets import ALGORITHM
from booking.ratelimit import Window, client_address, hit, release

logger = logging.getLogger(__name__)


def guard_client_authentication(
    request: HttpRequest, check: Callable[[], HttpResponse]
) -> HttpResponse:
    """Run `check` (an endpoint that checks a client secret) behind the attempt limits.

    Per address every attempt counts: floods from one place. Per client id only failed
    authentications count, and per address too: the client id is public, so counting
    everyone's attempts (or everyone's failures) against it would let anyone lock a
    partner out; the partner's own right secret is never refused for a stranger's guesses.
    A failure is counted before the secret is checked and given back on success, so a
    burst of parallel guesses gets at most the limit checked, not the limit plus the burst.
    Guesses spread over many addresses are bounded per address only: against 256-bit
    secrets (client_secrets.py) that is harmless, a lock-out of every partner is not.
    """
    window = settings.BOOKME_TOKEN_ATTEMPT_WINDOW
    address = client_address(request)
    per_address = hit(
        f"oauth:addr:{address}", limit=settings.BOOKME_TOKEN_ATTEMPTS_PER_ADDRESS, window=window
    )
    if not per_address.allowed:
        return too_many_requests(per_address)
    problem = credentials_problem(request)
    if problem:
        return oauth_error(400, "invalid_request", problem)
    client_id = checked_client_id(request)
    if not client_id:  # no secret is checked without a client id
        return check()
    # Hashed: the id is attacker-chosen text and becomes part of a cache key.
    key = f"oauth:failures:{hashlib.sha256(client_id.encode()).hexdigest()[:32]}:{address}"
    failures = hit(key, limit=settings.BOOKME_TOKEN_ATTEMPTS_PER_CLIENT, window=window)
    if not failures.allowed:
        return too_many_requests(failures)
    response = check()
    if response.status_code != 401:  # 401 is invalid_client: a wrong secret (RFC 6749 5.2)
        release(key, window=window)
    return response


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """The client id and secret of an HTTP Basic header, decoded as oauth-toolkit does.

    Exactly as its OAuth2Validator._authenticate_basic_auth (which has no reusable
    decoder): scheme `Basic` only, lenient base64 that skips characters outside its
    alphabet (`...=*` decodes like `...=`), UTF-8, then form-decoding of both parts.
    A stricter decoder here would count another client id than the one checked.
    """
    scheme, space, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme != "Basic" or not space or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded).decode("utf-8")
    except (TypeError, binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def oauth_param(request: HttpRequest, name: str) -> str | None:
    """A parameter as oauthlib reads it: the body's value over the query string's."""
    return request.POST.get(name, request.GET.get(name))


def checked_client_id(request: HttpRequest) -> str:
    """The client id whose secret the request makes oauth-toolkit check.

    HTTP Basic if the header decodes, else the body (RFC 6749 2.3.1); after
    credentials_problem() there is never a second client id or secret to try.
    """
    credentials = basic_credentials(request)
    if credentials is not None:
        return credentials[0]
    return oauth_param(request, "client_id") or ""


def credentials_problem(request: HttpRequest) -> str | None:
    """Why the request cannot be answered (invalid_request), or None.

    NUL: PostgreSQL refuses it in a query, and oauth-toolkit would let that error
    through as a 500. Two sets of credentials: oauth-toolkit tries the body's when
    HTTP Basic fails, which would check two secrets (or two clients) for one count.
    """
    for name, values in (*request.GET.lists(), *request.POST.lists()):
        if "\x00" in name:
            return "A parameter name contains a NUL byte."
        if any("\x00" in value for value in values):
            return f"{name} contains a NUL byte."
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    if any("\x00" in part for part in credentials):
        return "The credentials in the Authorization header contain a NUL byte."
    if oauth_param(request, "client_secret") is not None:
        return (
            "Send the client secret once: in the Authorization header or as client_secret, "
            "not both (RFC 6749 2.3)."
        )
    body_client_id = oauth_param(request, "client_id")
    if body_client_id is not None and body_client_id != credentials[0]:
        return "client_id differs from the client id in the Authorization header."
    return None


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

    There is no background worker yet, so every token request calls this: cache.add()
    is atomic, so one request per interval does the deletion (across processes when the
    cache is shared) and the others pay one cache call. The count is of access tokens
    without a refresh token (client credentials never issue one); then oauth-toolkit's own
    sweep removes what partner apps leave: spent or expired authorization codes, refresh
    tokens past REFRESH_TOKEN_EXPIRE_SECONDS and their access tokens.
    """
    try:
        due = cache.add(CLEANUP_KEY, 1, timeout=settings.BOOKME_TOKEN_CLEANUP_SECONDS)
    except Exception:  # the shared cache (Redis) is down: fail open, as the limits do
        # Skipped rather than run on every request: expired tokens are refused anyway.
        logger.warning("Expired token clean-up skipped: the cache is unreachable.", exc_info=True)
        return 0
    if not due:
        return 0
    expired = get_access_token_model().objects.filter(
        expires__lt=timezone.now(), refresh_token__isnull=True
    )
    deleted, _ = expired.delete()
    clear_expired()
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
        purge_expired_tokens()  # on any request: failed ones too, throttled ones too
        return guard_client_authentication(request, partial(super().post, request, *args, **kwargs))


@method_decorator(csrf_exempt, name="dispatch")
class ThrottledRevokeTokenView(RevokeTokenView):
    """POST /o/revoke_token/ (RFC 7009): it checks client secrets too, so it shares the limit."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return guard_client_authentication(request, partial(super().post, request, *args, **kwargs))


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

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST":
            return View.dispatch(self, request, *args, **kwargs)  # 405
        problem = credentials_problem(request)
        if problem:
            return oauth_error(400, "invalid_request", problem)
        client_id = checked_client_id(request)
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


S256_REQUIRED = 'PKCE is required with code_challenge_method "S256" (RFC 7636).'


@method_decorator(never_cache, name="dispatch")
class ConsentView(AuthorizationView):
    """GET /o/authorize/: the consent page of a partner app (templates/oauth2_provider/
    authorize.html); POST: the person's Allow or Deny, back to the app's redirect URI.

    oauth-toolkit signs anonymous visitors in first (the site's sign-in, then back here),
    checks the client, its registered redirect URI and the response type (code only: no
    implicit grant is allowed, COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT) and requires a code
    challenge (PKCE_REQUIRED). Here the challenge must also be S256: a "plain" one (or
    one without a method, which means plain) is refused before the page is shown, not
    only when the code is made (COMPLIANT_BCP_RFC9700_PKCE_METHOD).
    """

    # The page and the person's answer; oauth-toolkit's view would take PUT as a POST.
    http_method_names = ["get", "head", "post", "options"]

    def validate_authorization_request(self, request: HttpRequest) -> tuple[list[str], dict]:
        scopes, credentials = super().validate_authorization_request(request)
        if credentials.get("code_challenge_method") != "S256":
            error = InvalidRequestError(description=S256_REQUIRED, state=credentials.get("state"))
            raise OAuthToolkitError(error=error, redirect_uri=credentials["redirect_uri"])
        return scopes, credentials

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["scope_explanations"] = people.scope_explanations(context.get("scopes", []))
        context["never_allowed"] = people.NEVER_ALLOWED
        # Where Allow or Deny leads: the person sees whose site gets the answer.
        context["redirect_host"] = urlsplit(context.get("redirect_uri") or "").hostname or ""
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        redirect_uri = context.get("redirect_uri") if context.get("application") else None
        if redirect_uri:
            # The site's CSP lets forms post only to us, and browsers hold a form's redirect
            # to that too: Allow and Deny lead to the app's registered (checked) redirect URI.
            parts = urlsplit(redirect_uri)
            origin = f"{parts.scheme}://{parts.netloc}"
            response._csp_update = {"form-action": [origin]}
        return response


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
    path("authorize/", ConsentView.as_view(), name="authorize"),
]
