"""The peer's own URLs, so that its templates and reverse() calls resolve."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("appointment/", include("appointment.urls"))]
