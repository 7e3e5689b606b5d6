"""API clients in the admin: oauth-toolkit's application page, with the client's scopes and
webhook subscriptions inline; the webhook delivery log, with a resend action.

All of it (and oauth-toolkit's tokens and grants) is for administrators only: a branch
manager's permissions never reach it, and the pages check the role too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oauth2_provider.admin import ApplicationAdmin
from oauth2_provider.forms import ApplicationForm
from oauth2_provider.models import get_application_model

from booking.api.client_secrets import MIN_SECRET_LENGTH
from booking.api.models import (
    WEBHOOK_URL_MAX_LENGTH,
    ApiClient,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from booking.roles import is_administrator
from booking.webhooks import delivery_resend
from config_data.admin import LOCAL_WIDGETS

Application = get_application_model()


class AdministratorsOnly(admin.ModelAdmin):
    """Out of sight (and reach) for everyone but administrators, whatever their permissions."""

    formfield_overrides = LOCAL_WIDGETS  # plain date/time inputs (no "hours behind" notes)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_administrator(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user) and super().has_delete_permission(request, obj)


# The grants BookMe serves: a client acting for itself, or a partner app acting for a
# person. No implicit, password, device or OpenID Connect grant.
ALLOWED_GRANTS = (
    (Application.GRANT_CLIENT_CREDENTIALS, _("Client credentials: a service acting for itself")),
    (
        Application.GRANT_AUTHORIZATION_CODE,
        _("Authorization code: a partner app acting for a signed-in person"),
    ),
)
PARTNER_APP_HELP = _(
    "A partner app (authorization code) acts for one person, after that person signs in "
    "and allows it on the consent page. Its token reads only that person's own meetings "
    "(as a customer) and schedule (as an employee), and the configuration: it cannot book, "
    "change or cancel, and gets the read scope only. It must send PKCE with S256. "
    "Confidential: a server keeps its secret; public: an app in a browser or on a phone, "
    "without a secret. A client credentials client acts for itself with its own scopes."
)


class ApiApplicationForm(ApplicationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grant = self.fields.get("authorization_grant_type")
        if grant is not None:
            grant.choices = ALLOWED_GRANTS
            grant.help_text = PARTNER_APP_HELP
        if "redirect_uris" in self.fields:
            self.fields["redirect_uris"].help_text = _(
                "Partner apps only: the exact https addresses the person is sent back to, "
                "one per line."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("authorization_grant_type") == Application.GRANT_AUTHORIZATION_CODE:
            # The person always sees who asks and for what: no silent consent, no OIDC.
            if cleaned.get("skip_authorization"):
                self.add_error(
                    "skip_authorization",
                    _("A partner app must always ask the person: leave this off."),
                )
            if cleaned.get("algorithm"):
                self.add_error(
                    "algorithm", _("OpenID Connect is not offered: choose no algorithm.")
                )
        return cleaned

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


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=WEBHOOK_URL_MAX_LENGTH, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "active"]


class WebhookSubscriptionInline(admin.TabularInline):
    model = WebhookSubscription
    form = WebhookSubscriptionForm
    fields = ["url", "events", "active", "created_at", "delivery_log"]
    readonly_fields = ["created_at", "delivery_log"]
    extra = 0

    @admin.display(description=_("deliveries"))
    def delivery_log(self, subscription: WebhookSubscription) -> str:
        if subscription.pk is None:
            return ""
        url = reverse("admin:bookme_api_webhookdelivery_changelist")
        return format_html(
            '<a href="{}?subscription__id__exact={}">{}</a>', url, subscription.pk, _("log")
        )


class ApiApplicationAdmin(AdministratorsOnly, ApplicationAdmin):
    """Set as OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"]; oauth-toolkit registers it."""

    form = ApiApplicationForm
    inlines = [ApiClientInline, WebhookSubscriptionInline]

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        # The signing secret is shown once, when it is made: pass it on to the client.
        for subscription in getattr(formset, "new_objects", []):
            if isinstance(subscription, WebhookSubscription):
                messages.warning(
                    request,
                    _("Signing secret of %(url)s (shown only now): %(secret)s")
                    % {"url": subscription.url, "secret": subscription.secret},
                )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AdministratorsOnly):
    """The delivery log: every attempt, as it went. Read-only, but for resending."""

    list_display = [
        "at",
        "event_type",
        "subscription",
        "event",
        "attempt",
        "status_code",
        "error",
        "duration_ms",
    ]
    list_filter = ["event_type", "status_code", ("at", admin.DateFieldListFilter)]
    list_select_related = ["subscription", "event"]
    search_fields = ["subscription__url"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookme_api.change_webhooksubscription")

    @admin.action(description=_("Resend the event"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        # Several attempts of one event to one subscription: resent once.
        pairs = {
            (delivery.subscription_id, delivery.event_id): delivery
            for delivery in queryset.filter(event__isnull=False)
        }
        for delivery in pairs.values():
            delivery_resend(delivery)
        self.message_user(
            request,
            ngettext("%(count)d delivery scheduled.", "%(count)d deliveries scheduled.", len(pairs))
            % {"count": len(pairs)},
        )
