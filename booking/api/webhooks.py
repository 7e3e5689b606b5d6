"""Webhooks: a client subscribes URLs to the events of its own meetings and time slots."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from ninja import Path, Router, Status
from pydantic import AfterValidator, Field

from booking import webhooks
from booking.api.auth import ApiRequest, read, write
from booking.api.docs import described, responses
from booking.api.errors import ApiError
from booking.api.models import (
    MAX_WEBHOOKS_PER_CLIENT,
    WEBHOOK_URL_MAX_LENGTH,
    WebhookSubscription,
)
from booking.api.schemas import Id, InSchema, Instant, OutSchema, Text, to_pk
from booking.webhooks import WebhookEventName

router = Router(tags=["7. Webhooks"])

WEBHOOK_ID = Path(
    ..., alias="webhookId", description="The `id` from the subscribe response.", examples=["17"]
)
WEBHOOK_EXAMPLE = {
    "url": "https://partner.example.com/bookme-events",
    "events": ["meeting.created", "meeting.cancelled"],
}


def _unique(events: list[WebhookEventName]) -> list[WebhookEventName]:
    if len(set(events)) != len(events):
        raise ValueError("must name each event once")
    return events


class WebhookIn(InSchema):
    url: Text = Field(
        max_length=WEBHOOK_URL_MAX_LENGTH,
        description="Where to POST the events: https, on a public address.",
        examples=["https://partner.example.com/bookme-events"],
    )
    events: Annotated[
        list[WebhookEventName],
        Field(min_length=1, max_length=len(WebhookEventName.__args__)),
        AfterValidator(_unique),
    ] = Field(description="The events to receive.")


class WebhookOut(OutSchema):
    id: str = Field(examples=["17"])
    url: str
    events: list[WebhookEventName]
    created_at: Instant


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (the BookMe-Signature header). Shown only now: "
        "keep it; to replace it, subscribe again and delete this subscription."
    )


def webhook_out(subscription: WebhookSubscription) -> WebhookOut:
    return WebhookOut(
        id=str(subscription.pk),
        url=subscription.url,
        events=subscription.events,
        created_at=subscription.created_at,
    )


def _own(request: ApiRequest, webhook_id: str) -> WebhookSubscription:
    pk = to_pk(webhook_id)
    found = (
        WebhookSubscription.objects.filter(
            application_id=request.auth.application_id, pk=pk
        ).first()
        if pk is not None
        else None
    )
    if found is None:
        raise ApiError(404, f"Webhook {webhook_id!r} not found.", parameter="webhookId")
    return found


@router.post(
    "/bookme/webhooks",
    auth=write,
    by_alias=True,
    response=responses({201: WebhookCreatedOut}, 400, 409),
    openapi_extra=described(
        400,
        409,
        responses={
            201: {"description": "Subscribed. The answer carries the signing secret, once."},
            409: {
                "description": f"You have {MAX_WEBHOOKS_PER_CLIENT} subscriptions already "
                "(code webhook_limit_reached)."
            },
        },
        requestBody={"content": {"application/json": {"example": WEBHOOK_EXAMPLE}}},
    ),
    summary="Subscribe a URL to events",
)
def create_webhook(request: ApiRequest, payload: WebhookIn) -> Status[WebhookCreatedOut]:
    """From now on, each of the `events` about your own meetings and time slots is POSTed
    to `url`, signed with the `secret` of this answer (see *Webhooks* in the guide above).

    The URL must be https on a public address (400 `webhook_url_refused` otherwise; the
    name is resolved and checked again at each delivery). At most
    MAX_WEBHOOKS_PER_CLIENT (10) subscriptions per client.
    """
    try:
        with translation.override("en"):
            subscription = webhooks.webhook_subscribe(
                application_id=request.auth.application_id,
                url=payload.url,
                events=list(payload.events),
            )
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        code = "webhook_url_refused" if field == "url" else "invalid_input"
        raise ApiError(400, f"{field}: {messages[0]}", parameter=field, code=code) from exc
    except webhooks.WebhookLimitReached:
        raise ApiError(
            409,
            f"At most {MAX_WEBHOOKS_PER_CLIENT} webhook subscriptions per client: "
            "delete one first.",
            code="webhook_limit_reached",
        ) from None
    out = webhook_out(subscription)
    return Status(201, WebhookCreatedOut(**out.model_dump(), secret=subscription.secret))


@router.get(
    "/bookme/webhooks",
    auth=read,
    by_alias=True,
    response=responses({200: list[WebhookOut]}),
    openapi_extra=described(),
    summary="List your webhook subscriptions",
)
def list_webhooks(request: ApiRequest) -> list[WebhookOut]:
    """Your subscriptions, oldest first (without their secrets)."""
    subscriptions = WebhookSubscription.objects.filter(application_id=request.auth.application_id)
    return [webhook_out(subscription) for subscription in subscriptions]


@router.get(
    "/bookme/webhooks/{webhookId}",
    auth=read,
    by_alias=True,
    response=responses({200: WebhookOut}, 400, 404),
    openapi_extra=described(400, 404),
    summary="Get one of your webhook subscriptions",
)
def get_webhook(request: ApiRequest, webhook_id: Id = WEBHOOK_ID) -> WebhookOut:
    """A subscription of yours (another client's is a 404)."""
    return webhook_out(_own(request, webhook_id))


@router.delete(
    "/bookme/webhooks/{webhookId}",
    auth=write,
    by_alias=True,
    response=responses({204: None}, 400, 404),
    openapi_extra=described(400, 404, responses={204: {"description": "Unsubscribed."}}),
    summary="Delete one of your webhook subscriptions",
)
def delete_webhook(request: ApiRequest, webhook_id: Id = WEBHOOK_ID) -> Status[None]:
    """No more deliveries to it, retries of earlier ones included."""
    subscription = _own(request, webhook_id)
    webhooks.webhook_unsubscribe(
        application_id=request.auth.application_id, subscription_id=subscription.pk
    )
    return Status(204, None)
