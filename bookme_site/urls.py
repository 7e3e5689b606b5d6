from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from booking.admin_login import admin_login
from booking.api.site import api

urlpatterns = [
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
