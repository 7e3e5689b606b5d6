from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from booking.api.site import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/", api.urls),  # the Public API; docs at /api/docs
    # The customer website, at the root; keep it last so the prefixes above win.
    path("", include("booking.urls")),
]
