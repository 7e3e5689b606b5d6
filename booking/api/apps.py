from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "booking.api"
    label = "bookme_api"
    verbose_name = _("Public API")
    default_auto_field = "django.db.models.BigAutoField"
