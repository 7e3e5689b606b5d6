from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib import admin
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from booking.admin_login import admin_login
from booking.api.site import api


@cache
def favicon_bytes() -> bytes:
    """The SVG icon among the static files, read once per process."""
    icon = finders.find("favicon.svg")
    if not isinstance(icon, str):
        raise ImproperlyConfigured("static/favicon.svg is missing.")
    return Path(icon).read_bytes()


@require_safe
@cache_control(max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: answer with the icon itself,
    not a redirect to its versioned static address, which a cached redirect would outlive."""
    return HttpResponse(favicon_bytes(), content_type="image/svg+xml")


urlpatterns = [
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin.site.urls: the admin's login, limited per username and per address.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Only token, revoke and introspect: no client registration for signed-in accounts.
    path("o/", include("booking.api.oauth", namespace="oauth2_provider")),
    path("api/", api.urls),  # the Public API; docs at /api/docs
    path("staff/", include("booking.staff.urls")),  # the staff workspace
    # The customer website, at the root; keep it last so the prefixes above win.
    path("", include("booking.urls")),
]
