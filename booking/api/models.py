"""What an API client may do (the scopes its OAuth2 application can be granted) and the
webhooks it subscribes to."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

READ, WRITE = "read", "write"


class ApiClient(models.Model):
    """The BookMe side of an OAuth2 application: which scopes it may ask for.

    An application without one may only read (least privilege for clients made
    elsewhere, e.g. in the admin before a row was added).
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="bookme_client",
        verbose_name=_("application"),
    )
    can_read = models.BooleanField(
        _("scope read"), default=True, help_text=_("Configuration and availability.")
    )
    can_write = models.BooleanField(
        _("scope write"), default=False, help_text=_("Reserve, book and cancel.")
    )

    class Meta:
        verbose_name = _("API client scopes")
        verbose_name_plural = _("API client scopes")
        constraints = [
            models.CheckConstraint(
                condition=Q(can_read=True) | Q(can_write=True),
                name="apiclient_has_a_scope",
                violation_error_message=_("Allow at least one scope: read or write."),
            ),
        ]

    def __str__(self) -> str:
        return " ".join(self.scopes)

    @property
    def scopes(self) -> list[str]:
        return [
            scope for scope, allowed in ((READ, self.can_read), (WRITE, self.can_write)) if allowed
        ]


class WebhookEventType(models.TextChoices):
    """What a subscription can ask to hear about: the API's names for booking events."""

    MEETING_CREATED = "meeting.created", _("meeting created")
    MEETING_RESCHEDULED = "meeting.rescheduled", _("meeting rescheduled")
    MEETING_CANCELLED = "meeting.cancelled", _("meeting cancelled")
    MEETING_NO_SHOW = "meeting.no_show", _("meeting: customer did not show up")
    TIME_SLOT_EXPIRED = "time_slot.expired", _("time slot expired")


# A URL is a line in a config file, not an essay; and the receiving side must log it.
WEBHOOK_URL_MAX_LENGTH = 500
# Per client: enough for one URL per environment and event, few enough that one event
# cannot fan out into a flood of deliveries.
MAX_WEBHOOKS_PER_CLIENT = 10
# Stored with each delivery: enough to see what the receiver said, no more.
RESPONSE_SNIPPET_LENGTH = 1000


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """An API client's URL, told about booking events of its own meetings and time slots."""

    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("application"),
    )
    url = models.URLField(_("URL"), max_length=WEBHOOK_URL_MAX_LENGTH)
    # A list of WebhookEventType values (JSON: the same on SQLite and PostgreSQL).
    events = models.JSONField(_("events"), default=list)
    # Kept readable: every delivery is signed with it (HMAC needs the secret itself).
    secret = models.CharField(
        _("signing secret"), max_length=100, default=new_webhook_secret, editable=False
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        from booking.webhooks import target_url_problem  # the one home of the URL rules

        errors: dict[str, str] = {}
        problem = target_url_problem(self.url) if self.url else None
        if problem:
            errors["url"] = problem
        known = set(WebhookEventType.values)
        if (
            not isinstance(self.events, list)
            or not self.events
            or not set(self.events) <= known
            or len(set(self.events)) != len(self.events)
        ):
            errors["events"] = str(_("Choose one or more events, each once."))
        if errors:
            raise ValidationError(errors)


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one subscription: the delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    # SET_NULL: the log outlives a deleted event (e.g. a wiped benchmark data set).
    event = models.ForeignKey(
        "booking.BookingEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
        verbose_name=_("event"),
    )
    event_type = models.CharField(_("event type"), max_length=30)
    attempt = models.PositiveIntegerField(_("attempt"))
    # The exact bytes sent (UTF-8): retries and resends send them again.
    body = models.TextField(_("body"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_snippet = models.TextField(_("response"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The body of a retry is the first attempt's: looked up by subscription and event.
            models.Index(fields=["subscription", "event", "at"], name="webhookdelivery_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.attempt} -> {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
