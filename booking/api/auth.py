"""Bearer tokens from django-oauth-toolkit, checked on every API call.

No token, an unknown or an expired one: 401 with a WWW-Authenticate challenge.
A valid token without the operation's scope: 403 (RFC 6750, insufficient_scope).
Each client has BOOKME_API_RATE_LIMIT requests per BOOKME_API_RATE_WINDOW seconds, counted
once its token is known (unauthenticated floods are the token endpoint's concern): every
answer says how many remain (RateLimit-* headers), past them 429 with Retry-After.

Two kinds of caller: a client acting for itself (client credentials) and a partner app
acting for a signed-in person (authorization code, booking/api/people.py). Each operation
says which it serves; a person's token is refused (403) wherever it is not named.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.base import SecuritySchema
from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_backends import get_oauthlib_core

from booking import ratelimit
from booking.api.errors import ApiError

# Where authentication leaves the client's rate window for rate_limit_headers.
RATE_WINDOW_ATTRIBUTE = "bookme_api_rate_window"


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling: the OAuth2 application behind the token, and the person it acts
    for when the token came from the authorization code flow (None: the client itself)."""

    application_id: int
    scopes: frozenset[str]
    user_id: int | None = None

    @property
    def is_person(self) -> bool:
        return self.user_id is not None

    @property
    def holder(self) -> str:
        """The holder string of time slots and meetings this client creates."""
        if self.user_id is not None:
            # Second guard behind the operations' own: a person's token never reaches
            # what the application holds for itself.
            raise ApiError(403, PERSON_REFUSED, code="person_token_refused")
        return f"client:{self.application_id}"


# Which callers an operation serves (see the module's docstring).
CLIENTS, CLIENTS_AND_PERSONS, PERSONS = "clients", "clients and persons", "persons"
PERSON_REFUSED = (
    "A token acting for a person reads only that person's meetings and schedule and the "
    "configuration; this operation is for a client's own token (client credentials)."
)
PERSON_REQUIRED = (
    "This operation needs a token acting for a signed-in person (authorization code flow), "
    "not a client's own token."
)
CLIENT_CREDENTIALS_SCHEME = "OAuth2ClientCredentials"
AUTHORIZATION_CODE_SCHEME = "OAuth2AuthorizationCode"
SCOPE_DESCRIPTIONS = {
    "read": "Read configuration, availability and your own time slots and meetings",
    "write": "Reserve, book, cancel and create meetings",
}


class ApiRequest(HttpRequest):
    """The request of an operation behind the bearer check, which sets `auth` to the caller."""

    auth: ApiCaller


def bearer_challenge(error: str = "", description: str = "", scope: str = "") -> str:
    params = {"realm": "bookme", "error": error, "error_description": description, "scope": scope}
    quoted = ", ".join(f'{key}="{value}"' for key, value in params.items() if value)
    return f"Bearer {quoted}"


class Unauthorized(ApiError):
    def __init__(self, message: str, *, error: str = "") -> None:
        super().__init__(
            401,
            message,
            code="unauthorized",
            headers={"WWW-Authenticate": bearer_challenge(error, message if error else "")},
        )


class OAuth2ClientCredentials(HttpBearer):
    """An OAuth2 access token from POST /o/token/ (client credentials grant) with `scope`."""

    openapi_type = "oauth2"
    openapi_description = (
        "OAuth2 client credentials: POST client_id and client_secret with "
        "grant_type=client_credentials to /o/token/, then send the access token as "
        "`Authorization: Bearer <token>`. Tokens last one hour."
    )
    openapi_flows = {"clientCredentials": {"tokenUrl": "/o/token/", "scopes": SCOPE_DESCRIPTIONS}}
    person_description = (
        "OAuth2 authorization code with PKCE (S256), for partner apps staff registered: "
        "the person signs in at /o/authorize/ and allows the app; the app exchanges the code "
        "with its code_verifier at /o/token/. The token reads that person's own meetings and "
        "schedule, and the configuration; nothing else."
    )
    person_flows = {
        "authorizationCode": {
            "authorizationUrl": "/o/authorize/",
            "tokenUrl": "/o/token/",
            "scopes": {"read": "Your own meetings and schedule, and the configuration"},
        }
    }

    def __init__(self, scope: str, *, callers: str = CLIENTS) -> None:
        super().__init__()
        self.scopes = [scope]
        self.callers = callers
        # Not HttpBearer's {"type": "http", "scheme": "bearer"}: an OAuth2 flow, with scopes.
        self.openapi_security_schema = SecuritySchema(
            type=self.openapi_type, description=self.openapi_description, flows=self.openapi_flows
        )
        person_schema = SecuritySchema(
            type=self.openapi_type, description=self.person_description, flows=self.person_flows
        )
        # The schemes this operation accepts, each an alternative (site.py documents them).
        self.openapi_schemes: list[tuple[str, SecuritySchema]] = []
        if callers != PERSONS:
            self.openapi_schemes.append((CLIENT_CREDENTIALS_SCHEME, self.openapi_security_schema))
        if callers != CLIENTS:
            self.openapi_schemes.append((AUTHORIZATION_CODE_SCHEME, person_schema))

    def __call__(self, request: HttpRequest) -> ApiCaller:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise Unauthorized("Authentication required: send Authorization: Bearer <token>.")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(
                "The Authorization header must be: Bearer <token>.", error="invalid_request"
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller:
        # Scopes are compared here, so that a missing one is a 403 rather than a 401.
        caller = token_caller(request, token)
        if caller is None:
            raise Unauthorized("The access token is unknown or expired.", error="invalid_token")
        _count_request(request, caller)
        # The kind of token before its scopes: a person's token asked to write learns why.
        if caller.is_person and self.callers == CLIENTS:
            raise ApiError(403, PERSON_REFUSED, code="person_token_refused")
        if not caller.is_person and self.callers == PERSONS:
            raise ApiError(403, PERSON_REQUIRED, code="person_token_required")
        granted = caller.scopes
        missing = [scope for scope in self.scopes if scope not in granted]
        if missing:
            raise ApiError(
                403,
                f"This token lacks the scope {' '.join(missing)!r}.",
                code="forbidden",
                headers={
                    "WWW-Authenticate": bearer_challenge(
                        "insufficient_scope", "The token lacks a required scope.", " ".join(missing)
                    )
                },
            )
        return caller


@dataclass(frozen=True)
class _Checked:
    caller: ApiCaller
    expires: datetime
    until: float  # time.monotonic() after which the database is asked again


_checked: dict[str, _Checked] = {}
_CHECKED_MAX = 10_000


def token_caller(request: HttpRequest, token: str) -> ApiCaller | None:
    """The client behind a bearer token: known, unexpired, not revoked; None otherwise.

    The answer is kept in this process for BOOKME_API_TOKEN_CACHE_SECONDS (never past the
    token's expiry): a client sends many requests with one token, and asking
    oauth-toolkit each time cost a sixth of a booking. A token revoked through this
    process is forgotten at once (forget_token); through another, within those seconds.
    """
    checksum = hashlib.sha256(token.encode()).hexdigest()
    now = timezone.now()
    checked = _checked.get(checksum)
    if checked is not None and checked.until > time.monotonic() and checked.expires > now:
        return checked.caller
    row = (
        AccessToken.objects.filter(token_checksum=checksum)
        .values_list("application_id", "scope", "expires", "resource", "user_id", "user__is_active")
        .first()
    )
    if row is None or row[0] is None or row[2] <= now:
        return None
    application_id, scope, expires, resource, user_id, user_is_active = row
    if user_id is not None and not user_is_active:
        return None  # a deactivated account's partner apps stop with it
    if resource:
        # RFC 8707 audience-restricted tokens: oauth-toolkit's own full check.
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        if not valid or getattr(oauth_request, "access_token", None) is None:
            return None
    caller = ApiCaller(
        application_id=application_id, scopes=frozenset(scope.split()), user_id=user_id
    )
    if len(_checked) >= _CHECKED_MAX:
        _checked.clear()
    seconds = settings.BOOKME_API_TOKEN_CACHE_SECONDS
    if seconds > 0:
        _checked[checksum] = _Checked(caller, expires, time.monotonic() + seconds)
    return caller


def forget_token(checksum: str) -> None:
    _checked.pop(checksum, None)


@receiver(post_delete, sender=AccessToken, dispatch_uid="bookme_forget_revoked_token")
def _token_deleted(sender: type[AccessToken], instance: AccessToken, **kwargs: object) -> None:
    forget_token(instance.token_checksum)


def _count_request(request: HttpRequest, caller: ApiCaller) -> None:
    # Per client, not per token: a client can fetch as many tokens as it likes. A partner
    # app's people each have their own window: one busy person does not stop the others.
    limit, seconds = settings.BOOKME_API_RATE_LIMIT, settings.BOOKME_API_RATE_WINDOW
    key = f"api:client:{caller.application_id}"
    if caller.user_id is not None:
        key += f":person:{caller.user_id}"
    window = ratelimit.hit(key, limit=limit, window=seconds)
    setattr(request, RATE_WINDOW_ATTRIBUTE, window)
    if not window.allowed:
        raise ApiError(
            429,
            f"Too many requests: at most {limit} per {seconds} seconds. "
            f"Retry after {window.reset_after} seconds.",
            code="rate_limited",
            headers={"Retry-After": str(window.reset_after)},
        )


def rate_limit_headers(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A ninja view decorator: the client's rate window on every answer once it is known,
    errors included (IETF httpapi-ratelimit-headers, draft style: seconds, not a date)."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = run(request, *args, **kwargs)
        window = getattr(request, RATE_WINDOW_ATTRIBUTE, None)
        if window is not None:
            response["RateLimit-Limit"] = str(window.limit)
            response["RateLimit-Remaining"] = str(window.remaining)
            response["RateLimit-Reset"] = str(window.reset_after)
            response["RateLimit-Policy"] = f"{window.limit};w={settings.BOOKME_API_RATE_WINDOW}"
        return response

    return wrapper


read = OAuth2ClientCredentials("read")
write = OAuth2ClientCredentials("write")
# Configuration and one's own meeting: a client's token, or a partner app's for a person.
read_or_person = OAuth2ClientCredentials("read", callers=CLIENTS_AND_PERSONS)
# A person's own meetings and schedule: only a token acting for a person.
person_read = OAuth2ClientCredentials("read", callers=PERSONS)
