"""Signed webhooks: API clients hear about booking events of their own meetings and slots.

A booking event (booking.effects) schedules one "webhook.deliver" effect per subscription
that asked for its type; the worker builds the envelope from the API's own JSON shapes,
signs it and POSTs it, recording every attempt (WebhookDelivery). Retries follow the
engine's backoff for WEBHOOK_RETRY_PERIOD; a retry or a resend sends the first attempt's
bytes again, so the event id and the body stay the same.

Targets: https only, on public addresses, checked when a subscription is made and again,
after resolving the name, on every delivery (a name may point somewhere else by then:
the connection goes to the address that was checked). BOOKME_WEBHOOKS_ALLOW_LOCAL lifts
both rules for development and tests.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import io
import ipaddress
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_application_model
from pydantic import Field

from booking import effects, tasks
from booking.actors import Actor, ActorKind
from booking.api.meetings import meeting_out
from booking.api.models import (
    MAX_WEBHOOKS_PER_CLIENT,
    RESPONSE_SNIPPET_LENGTH,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from booking.api.schemas import Instant, MeetingOut, OutSchema, TimeSlotOut
from booking.api.time_slots import time_slot_out
from booking.models import BookingEvent, BookingEventKind, Meeting, TimeSlot

logger = logging.getLogger(__name__)

DELIVER = "webhook.deliver"
SIGNATURE_HEADER = "BookMe-Signature"
EVENT_ID_HEADER = "BookMe-Event-Id"
USER_AGENT = "BookMe-Webhooks/1.0"

# The API's names (a test keeps them equal to WebhookEventType's values).
WebhookEventName = Literal[
    "meeting.created",
    "meeting.rescheduled",
    "meeting.cancelled",
    "meeting.no_show",
    "time_slot.expired",
]

# Booking event kind -> the webhook event type it is. "no_show" is recorded by staff
# marking a meeting (booking.services.outcomes); "completed" tells clients nothing.
EVENT_TYPES: dict[str, WebhookEventType] = {
    BookingEventKind.MEETING_CREATED: WebhookEventType.MEETING_CREATED,
    BookingEventKind.MOVED: WebhookEventType.MEETING_RESCHEDULED,
    BookingEventKind.CANCELLED: WebhookEventType.MEETING_CANCELLED,
    BookingEventKind.NO_SHOW: WebhookEventType.MEETING_NO_SHOW,
    BookingEventKind.EXPIRED: WebhookEventType.TIME_SLOT_EXPIRED,
}

# Seconds: a receiver should answer at once and do its work later.
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
# The whole exchange: connect, send, status line, headers and the start of the answer. A
# receiver dripping a byte just inside READ_TIMEOUT would otherwise hold a worker for days.
EXCHANGE_DEADLINE = 15.0

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


class TargetRefused(Exception):
    """The target's scheme or address is not one BookMe delivers to."""


# --- the target's rules ---------------------------------------------------------------


def allow_local() -> bool:
    return bool(settings.BOOKME_WEBHOOKS_ALLOW_LOCAL)


# IPv6 ranges whose last 32 bits are the IPv4 address a connection reaches.
_IPV4_IN_LAST_32_BITS = [
    ipaddress.IPv6Network("::ffff:0:0/96"),  # IPv4-mapped
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64, well-known prefix (DNS64 hands it out)
]
# IPv6 ranges leading to IPv4 in a way the address alone does not tell: refused.
_IPV4_UNKNOWABLE = [
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # NAT64, local use: the operator's layout
    ipaddress.IPv6Network("2001::/32"),  # Teredo: a tunnel to a host behind NAT
]


def is_public_address(address: str) -> bool:
    """Only addresses on the public internet: no loopback, private, link-local (cloud
    metadata), multicast or reserved ones, including IPv4 reached through IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _IPV4_UNKNOWABLE):
            return False
        if any(ip in network for network in _IPV4_IN_LAST_32_BITS):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    return ip.is_global and not ip.is_multicast


def target_url_problem(url: str) -> str | None:
    """Why BookMe will not deliver to `url` (a message for the person who typed it), or None.

    Checked without DNS (a slow resolver must not hold a request); the address a name
    resolves to is checked on every delivery instead.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("Enter a valid URL.")
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return _("Enter a valid URL.")
    if parts.username is not None or parts.password is not None:
        return _("The URL must not contain a user name or password.")
    if port == 0:
        return _("Enter a valid URL.")
    if allow_local():
        return None
    if parts.scheme != "https":
        return _("The URL must start with https://.")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return _("The URL must point to a public address.")
    try:
        if not is_public_address(host):
            return _("The URL must point to a public address.")
    except ValueError:
        pass  # a name, not an address: resolved and checked when delivering
    return None


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


class WebhookEventOut(OutSchema):
    """The body of every delivery."""

    id: str = Field(
        description="The event's id: the same in every retry and resend, so skip one you have "
        "handled already. Also in the BookMe-Event-Id header.",
        examples=["9876"],
    )
    type: WebhookEventName
    created_at: Instant = Field(description="When it happened.")
    data: MeetingOut | TimeSlotOut = Field(
        description="The meeting as GET /bookme/meetings/{meetingId} returns it, or for "
        "time_slot.expired the time slot as GET /bookme/time-slots/{timeSlotId} does."
    )


def envelope(event: BookingEvent) -> str | None:
    """The event as the client receives it, or None when its meeting or slot is gone."""
    event_type = EVENT_TYPES[event.kind]
    data: MeetingOut | TimeSlotOut
    if event_type == WebhookEventType.TIME_SLOT_EXPIRED:
        slot = TimeSlot.objects.filter(events=event).first()
        if slot is None:
            return None
        data = time_slot_out(slot)
    else:
        meetings = Meeting.objects.with_details().prefetch_related("answers")
        meeting = meetings.filter(events=event).first()
        if meeting is None:
            return None
        data = meeting_out(meeting)
    out = WebhookEventOut(
        id=str(event.pk),
        type=cast(WebhookEventName, event_type.value),
        created_at=event.created_at,
        data=data,
    )
    return out.model_dump_json(by_alias=True)


def sign(secret: str, timestamp: int, body: str) -> str:
    """The BookMe-Signature header: HMAC-SHA256 of "<timestamp>.<body>" with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Answer:
    status_code: int | None = None
    snippet: str = ""
    error: str = ""


class _Deadline:
    """EXCHANGE_DEADLINE from now; each socket operation waits at most what is left."""

    def __init__(self) -> None:
        self.seconds = EXCHANGE_DEADLINE
        self.at = time.monotonic() + self.seconds

    def timeout(self, limit: float) -> float:
        """`limit`, cut to the time left; TimeoutError once none is."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"timed out: no complete answer within {self.seconds:g} s")
        return min(limit, left)


class _DeadlineReader(io.RawIOBase):
    """The socket's reader, its timeout set before each read to what the deadline leaves."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self.raw, self.sock, self.deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self.sock.settimeout(self.deadline.timeout(READ_TIMEOUT))
        return self.raw.readinto(buffer)

    def close(self) -> None:
        self.raw.close()
        super().close()


def _response_class(deadline: _Deadline) -> type[http.client.HTTPResponse]:
    class DeadlineResponse(http.client.HTTPResponse):
        """Status line, headers and body all read under the exchange's deadline."""

        def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            # Nothing is read yet. The raw reader keeps its hold on the socket, so the
            # connection closing early (Connection: close) leaves it open until we are done.
            raw = self.fp.detach()
            self.fp = io.BufferedReader(_DeadlineReader(raw, sock, deadline))

    return DeadlineResponse


def _open(address: str, port: int, deadline: _Deadline) -> socket.socket:
    sock = socket.create_connection((address, port), deadline.timeout(CONNECT_TIMEOUT))
    # Also bounds the TLS handshake and the request's one sendall, each as a whole.
    sock.settimeout(deadline.timeout(READ_TIMEOUT))
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=READ_TIMEOUT)
        self.address, self.deadline = address, deadline
        self.response_class = _response_class(deadline)

    def connect(self) -> None:
        self.sock = _open(self.address, self.port, self.deadline)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=READ_TIMEOUT, context=ssl.create_default_context())
        self.address, self.deadline = address, deadline
        self.response_class = _response_class(deadline)

    def connect(self) -> None:
        sock = _open(self.address, self.port, self.deadline)
        # The certificate is checked against the name in the URL, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def resolve(host: str, port: int) -> str:
    """The address to connect to; TargetRefused if any address of the name is not public
    (a name that also points inside is refused rather than raced)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"Cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise TargetRefused(f"Cannot resolve {host}.")
    if not allow_local() and not all(is_public_address(a) for a in addresses):
        raise TargetRefused(f"{host} resolves to an address that is not public.")
    return addresses[0]


def post(url: str, body: str, headers: dict[str, str]) -> Answer:
    """POST once: no redirect followed, the answer read up to RESPONSE_SNIPPET_LENGTH, all
    within EXCHANGE_DEADLINE (past it, an error: the attempt failed)."""
    problem = target_url_problem(url)
    if problem:
        raise TargetRefused(problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve(host, port)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, deadline=_Deadline())
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        return Answer(status_code=response.status, snippet=_read_some(response))
    except (OSError, http.client.HTTPException) as exc:
        return Answer(error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()


def _read_some(response: http.client.HTTPResponse) -> str:
    chunks: list[bytes] = []
    size = 0
    while size < RESPONSE_SNIPPET_LENGTH:
        chunk = response.read1(RESPONSE_SNIPPET_LENGTH - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


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
