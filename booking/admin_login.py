"""/admin/login/ with a limit on attempts, per username and per address (as allauth's login).

Django's admin login tries every password it is sent. Here failed logins count against
the username they name (from the address they come from), and every POST counts against
its address; over either limit the form answers 429 with a clear error and Retry-After,
without checking the password.
"""

from __future__ import annotations

import copy
import hashlib
import unicodedata

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from booking.ratelimit import Window, client_address, hit, release


class RefusedLoginForm(AdminAuthenticationForm):
    """The admin login form for a throttled request: refuses before any password check."""

    def clean(self) -> dict:
        raise ValidationError(
            _("Too many login attempts. Please wait a few minutes and try again."),
            code="too_many_attempts",
        )


def username_key(request: HttpRequest) -> str:
    """The failure counter of the username a login POST names, from the address it comes from.

    Normalised as Django's UsernameField does (strip, NFKC: a fullwidth boss logs in as boss) and
    casefolded, so no spelling of a name gets a fresh count. Per address too: counting
    everyone's failures against a name would let anyone lock its administrator out.
    """
    username = unicodedata.normalize("NFKC", request.POST.get("username", "").strip()).casefold()
    # Hashed: the username is whatever the client typed and becomes part of a cache key.
    digest = hashlib.sha256(username.encode()).hexdigest()[:32]
    return f"admin-login:failures:{digest}:{client_address(request)}"


def admin_login_attempt(request: HttpRequest) -> Window | None:
    """Count one login attempt; the exhausted window if a limit is passed, else None.

    Per address every attempt counts, successful or not: each costs a password hash,
    and one administrator behind an address logs in a few times a day. Per username
    a failure is counted before the password is checked (so a burst of parallel guesses
    is counted before any is answered) and given back after a successful login.
    """
    window = settings.BOOKME_ADMIN_LOGIN_WINDOW
    per_address = hit(
        f"admin-login:addr:{client_address(request)}",
        limit=settings.BOOKME_ADMIN_LOGIN_ATTEMPTS_PER_ADDRESS,
        window=window,
    )
    if not per_address.allowed:
        return per_address
    failures = hit(username_key(request), limit=settings.BOOKME_ADMIN_LOGIN_ATTEMPTS, window=window)
    return None if failures.allowed else failures


@login_not_required
@require_http_methods(["GET", "POST"])  # Django's LoginView would take PUT as a POST
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login view, behind the attempt limit."""
    if request.method == "POST":
        refused = admin_login_attempt(request)
        if refused is not None:
            # A copy of the site whose login form refuses: same page, same context.
            site = copy.copy(admin.site)
            site.login_form = RefusedLoginForm
            response = site.login(request)
            response.status_code = 429
            response["Retry-After"] = str(refused.reset_after)
            return response
        response = admin.site.login(request)
        if response.status_code == 302:  # logged in: this attempt was no failure
            release(username_key(request), window=settings.BOOKME_ADMIN_LOGIN_WINDOW)
        return response
    return admin.site.login(request)
