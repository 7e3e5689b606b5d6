"""API clients in the admin: oauth-toolkit's application page, with the client's scopes inline."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oauth2_provider.admin import ApplicationAdmin
from oauth2_provider.forms import ApplicationForm

from booking.api.client_secrets import MIN_SECRET_LENGTH
from booking.api.models import ApiClient


class ApiApplicationForm(ApplicationForm):
    def clean_client_secret(self) -> str:
        # Secrets get a fast hash (booking/api/client_secrets.py): safe only when they are
        # long and random, so a short one typed by hand is refused.
        secret = self.cleaned_data.get("client_secret", "")
        try:
            identify_hasher(secret)  # the stored hash, unchanged
        except ValueError:
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValidationError(
                    _("Use a random secret of at least %(length)d characters."),
                    code="short_secret",
                    params={"length": MIN_SECRET_LENGTH},
                ) from None
        return secret


class ApiClientInline(admin.StackedInline):
    model = ApiClient
    can_delete = False
    min_num = 1
    max_num = 1


class ApiApplicationAdmin(ApplicationAdmin):
    """Set as OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"]; oauth-toolkit registers it."""

    form = ApiApplicationForm
    inlines = [ApiClientInline]
