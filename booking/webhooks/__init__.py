"""Signed webhooks: API clients hear about booking events of their own meetings and slots.

A booking event (booking.effects) schedules one "webhook.deliver" effect per subscription
that asked for its type; the worker builds the envelope from the API's own JSON shapes,
signs it and POSTs it, recording every attempt (WebhookDelivery). Retries follow the
engine's backoff for WEBHOOK_RETRY_PERIOD; a retry or a resend sends the first attempt's
bytes again, so the event id and the body stay the same.

Here: the services clients use, events -> deliveries, and the delivery task. Beside it:
targets (https on public addresses only, checked on subscribing and again on every
delivery), payloads (the body and its signature) and transport (one POST, pinned to the
checked address, within a deadline). What callers use is importable from here.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model

from booking import effects, tasks
from booking.actors import Actor, ActorKind
from booking.api.models import (
    MAX_WEBHOOKS_PER_CLIENT,
    RESPONSE_SNIPPET_LENGTH,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from booking.models import BookingEvent, Meeting, TimeSlot
from booking.webhooks.payloads import (
    EVENT_ID_HEADER,
    EVENT_TYPES,
    SIGNATURE_HEADER,
    WebhookEventName,
    WebhookEventOut,
    envelope,
    sign,
)
from booking.webhooks.targets import (
    TargetRefused,
    allow_local,
    is_public_address,
    resolve,
    target_url_problem,
)
from booking.webhooks.transport import Answer, post

__all__ = [
    "DELIVER",
    "EVENT_ID_HEADER",
    "EVENT_TYPES",
    "SIGNATURE_HEADER",
    "USER_AGENT",
    "WEBHOOK_MAX_ATTEMPTS",
    "WEBHOOK_RETRY_PERIOD",
    "Answer",
    "DeliveryFailed",
    "TargetRefused",
    "WebhookEventName",
    "WebhookEventOut",
    "WebhookLimitReached",
    "allow_local",
    "deliver",
    "delivery_resend",
    "envelope",
    "is_public_address",
    "post",
    "resolve",
    "schedule_deliveries",
    "sign",
    "target_url_problem",
    "webhook_subscribe",
    "webhook_unsubscribe",
]

logger = logging.getLogger(__name__)

DELIVER = "webhook.deliver"
USER_AGENT = "BookMe-Webhooks/1.0"

# Retries with the engine's backoff (booking.tasks.retry_delay) until a day has passed.
WEBHOOK_RETRY_PERIOD = timedelta(hours=24)


def _attempts_covering(period: timedelta) -> int:
    """The fewest attempts whose waits between them add up to `period`."""
    attempts, waited = 1, timedelta(0)
    while waited < period:
        waited += tasks.retry_delay(attempts)
        attempts += 1
    return attempts


WEBHOOK_MAX_ATTEMPTS = _attempts_covering(WEBHOOK_RETRY_PERIOD)


class WebhookLimitReached(Exception):
    """The client has MAX_WEBHOOKS_PER_CLIENT subscriptions already."""


# --- what clients can do: services for the API and the admin ---------------------------


@transaction.atomic
def webhook_subscribe(*, application_id: int, url: str, events: list[str]) -> WebhookSubscription:
    """A new subscription for the client, with a new secret. ValidationError for a refused
    URL or events, WebhookLimitReached past MAX_WEBHOOKS_PER_CLIENT."""
    # Locks the client: two requests at once cannot both take the last free place.
    get_application_model().objects.select_for_update().get(pk=application_id)
    subscription = WebhookSubscription(application_id=application_id, url=url, events=events)
    subscription.full_clean()
    if WebhookSubscription.objects.filter(application_id=application_id).count() >= (
        MAX_WEBHOOKS_PER_CLIENT
    ):
        raise WebhookLimitReached
    subscription.save()
    return subscription


def webhook_unsubscribe(*, application_id: int, subscription_id: int) -> bool:
    """Delete the client's subscription (its delivery log goes with it); False if it has
    no such subscription. Deliveries still queued find it gone and send nothing."""
    deleted, _rows = WebhookSubscription.objects.filter(
        application_id=application_id, pk=subscription_id
    ).delete()
    return deleted > 0


def delivery_resend(delivery: WebhookDelivery) -> str:
    """Deliver the event to the subscription once more, with a new idempotency key (the
    first delivery's key has run). Returns the key."""
    if delivery.event_id is None:
        raise ValueError("The delivery's event no longer exists.")
    key = f"{delivery.event_id}:webhook:{delivery.subscription_id}:resend:{uuid.uuid4().hex}"
    tasks.schedule(
        DELIVER, key=key, event_id=delivery.event_id, subscription_id=delivery.subscription_id
    )
    return key


# --- events -> deliveries ----------------------------------------------------------------


def _client_of(holder: str | None) -> int | None:
    """The application id behind a holder string, if an API client holds it."""
    if not holder:
        return None
    try:
        actor = Actor.from_holder(holder)
    except ValueError:
        return None
    if actor.kind != ActorKind.API_CLIENT or not actor.id.isdigit():
        return None
    return int(actor.id)


def _holder(event: BookingEvent, event_type: WebhookEventType) -> str | None:
    # Filtered by the foreign key (null for a purged row: nothing found, nothing sent).
    if event_type == WebhookEventType.TIME_SLOT_EXPIRED:
        slots = TimeSlot.objects.filter(events=event)
        return slots.values_list("holder", flat=True).first()
    return Meeting.objects.filter(events=event).values_list("owner", flat=True).first()


@effects.on(*EVENT_TYPES)
def schedule_deliveries(event: BookingEvent) -> None:
    """One delivery per subscription of the meeting's or slot's client that wants it."""
    event_type = EVENT_TYPES[event.kind]
    application_id = _client_of(_holder(event, event_type))
    if application_id is None:
        return
    subscriptions = WebhookSubscription.objects.filter(
        application_id=application_id, active=True
    ).values_list("pk", "events")
    for subscription_id, wanted in subscriptions:
        if event_type in wanted:
            tasks.schedule(
                DELIVER,
                key=f"{event.pk}:webhook:{subscription_id}",
                event_id=event.pk,
                subscription_id=subscription_id,
            )


# --- the delivery ------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx: the engine tries again later."""


def _gave_up(key: str, kwargs: dict[str, Any], exc: BaseException) -> None:
    logger.warning("Webhook delivery %s given up after %s: %s", key, WEBHOOK_RETRY_PERIOD, exc)


@tasks.effect(DELIVER, max_attempts=WEBHOOK_MAX_ATTEMPTS, on_give_up=_gave_up)
def deliver(*, event_id: int, subscription_id: int) -> None:
    """POST the event to the subscription, signed; raise (to be retried) unless 2xx."""
    subscription = WebhookSubscription.objects.filter(pk=subscription_id, active=True).first()
    event = BookingEvent.objects.filter(pk=event_id).first()
    if subscription is None or event is None or event.kind not in EVENT_TYPES:
        return  # unsubscribed, paused or purged since: nothing to deliver
    earlier = WebhookDelivery.objects.filter(subscription=subscription, event=event)
    body = earlier.order_by("at", "pk").values_list("body", flat=True).first() or envelope(event)
    if body is None:
        return
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: str(event.pk),
        "BookMe-Event-Type": EVENT_TYPES[event.kind],
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    try:
        answer = post(subscription.url, body, headers)
    except TargetRefused as exc:
        # Not retried: the address will not become acceptable by waiting.
        answer = Answer(error=str(exc)[:500])
        _record(subscription, event, earlier.count() + 1, body, answer, started)
        return
    delivery = _record(subscription, event, earlier.count() + 1, body, answer, started)
    if not delivery.succeeded:
        raise DeliveryFailed(answer.error or f"HTTP {answer.status_code}")


def _record(
    subscription: WebhookSubscription,
    event: BookingEvent,
    attempt: int,
    body: str,
    answer: Answer,
    started: float,
) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        event_type=EVENT_TYPES[event.kind],
        attempt=attempt,
        body=body,
        status_code=answer.status_code,
        response_snippet=answer.snippet[:RESPONSE_SNIPPET_LENGTH],
        error=answer.error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
