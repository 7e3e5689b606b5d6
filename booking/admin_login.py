"""/admin/login/ with a limit on attempts, per username and per address (as allauth's login).

Django's admin login tries every password it is sent. Here each POST counts against
the username it names and the address it comes from; over either limit the form
answers 429 with a clear error and Retry-After, without checking the password.
"""

from __future__ import annotations

import copy
import hashlib

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from booking.ratelimit import Window, client_address, hit


class RefusedLoginForm(AdminAuthenticationForm):
    """The admin login form for a throttled request: refuses before any password check."""

    def clean(self) -> dict:
        raise ValidationError(
            _("Too many login attempts. Please wait a few minutes and try again."),
            code="too_many_attempts",
        )


def admin_login_attempt(request: HttpRequest) -> Window | None:
    """Count one login attempt; the exhausted window if a limit is passed, else None.

    Every attempt counts, successful or not: checking failures only after they
    happened would let a burst of parallel guesses through before the first is
    recorded. The defaults leave room for an administrator's typos.
    """
    window = settings.BOOKME_ADMIN_LOGIN_WINDOW
    username = request.POST.get("username", "").strip().casefold()
    # Hashed: the username is whatever the client typed and becomes part of a cache key.
    digest = hashlib.sha256(username.encode()).hexdigest()[:32]
    windows = [
        hit(
            f"admin-login:user:{digest}", limit=settings.BOOKME_ADMIN_LOGIN_ATTEMPTS, window=window
        ),
        hit(
            f"admin-login:addr:{client_address(request)}",
            limit=settings.BOOKME_ADMIN_LOGIN_ATTEMPTS_PER_ADDRESS,
            window=window,
        ),
    ]
    refused = [w for w in windows if not w.allowed]
    return max(refused, key=lambda w: w.reset_after) if refused else None


@login_not_required
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
    return admin.site.login(request)
