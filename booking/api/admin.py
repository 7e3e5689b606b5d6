"""API clients in the admin: oauth-toolkit's application page, with the client's scopes inline."""

from __future__ import annotations

from django.contrib import admin
from oauth2_provider.admin import ApplicationAdmin

from booking.api.models import ApiClient


class ApiClientInline(admin.StackedInline):
    model = ApiClient
    can_delete = False
    min_num = 1
    max_num = 1


class ApiApplicationAdmin(ApplicationAdmin):
    """Set as OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"]; oauth-toolkit registers it."""

    inlines = [ApiClientInline]
