"""Webhook deliveries, run by the real worker against a local receiving server."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from booking import effects, services, tasks, webhooks
from booking.actors import Actor
from booking.api.guide import GUIDE
from booking.api.models import WebhookDelivery, WebhookEventType, WebhookSubscription
from booking.models import BookingEvent, SideEffectRun, SideEffectStatus
from booking.webhooks import transport
from tests import factories
from tests.api.helpers import make_application
from tests.webhook_receiver import Receiver, serve

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
ALL_EVENTS = list(WebhookEventType.values)


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A receiving server on 127.0.0.1, with local targets allowed (as in development)."""
    settings.BOOKME_WEBHOOKS_ALLOW_LOCAL = True
    yield from serve(Receiver())


def guide_verify() -> Callable[..., bool]:
    """The verification snippet of the API guide, exactly as a client would paste it."""
    snippet = re.search(r"```python\n(.*?)```", GUIDE, re.DOTALL)
    assert snippet is not None
    namespace: dict[str, Any] = {}
    exec(snippet.group(1), namespace)
    return namespace["verify"]


@pytest.fixture
def partner(db):
    return make_application("Partner", "read write")


@pytest.fixture
def subscribe(partner, receiver) -> Callable[..., WebhookSubscription]:
    def subscribe(events: list[str] | None = None, application: Any = None) -> WebhookSubscription:
        return webhooks.webhook_subscribe(
            application_id=(application or partner).pk,
            url=receiver.url,
            events=events or ALL_EVENTS,
        )

    return subscribe


@pytest.fixture
def book(world, frozen_clock, django_capture_on_commit_callbacks, partner):
    """A meeting booked by the partner (or `holder`), its after-commit handlers run."""

    def book(start: datetime = TEN, holder: str | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return factories.meeting(
                topic=world.topic,
                employee=world.alice,
                start=start,
                holder=holder or f"client:{partner.pk}",
            )

    return book


def deliveries(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.received]


def test_a_new_meeting_is_posted_signed_so_that_the_guides_snippet_verifies_it(
    subscribe, book, receiver, run_tasks
):
    """The envelope carries the event id, type, time and the meeting in the API's shape;
    the signature checks out exactly as the guide tells clients to check it."""
    subscription = subscribe()
    meeting = book()
    run_tasks()

    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.path == "/hooks"
    assert request.headers["Content-Type"] == "application/json"
    assert guide_verify()(subscription.secret, request.headers["BookMe-Signature"], request.body)
    body = json.loads(request.body)
    event = BookingEvent.objects.get(meeting=meeting, kind="meeting_created")
    assert body["id"] == request.headers["BookMe-Event-Id"] == str(event.pk)
    assert body["type"] == "meeting.created"
    assert body["createdAt"] == "2026-06-01T06:00:00Z"
    assert body["data"]["id"] == str(meeting.pk)
    assert body["data"]["startDate"] == "2026-06-02T08:00:00Z"
    assert body["data"]["status"] == "confirmed"
    log = WebhookDelivery.objects.get()
    assert (log.attempt, log.status_code, log.error, log.response_snippet) == (1, 200, "", "ok")
    assert log.body.encode() == request.body


def test_the_signature_fails_for_another_secret_a_changed_body_or_an_old_timestamp(
    subscribe, book, receiver, run_tasks, frozen_clock
):
    """What the snippet refuses: forged, tampered and replayed deliveries."""
    subscription = subscribe()
    book()
    run_tasks()
    verify, request = guide_verify(), receiver.received[0]
    header = request.headers["BookMe-Signature"]
    assert not verify("whsec_someone-else", header, request.body)
    assert not verify(subscription.secret, header, request.body.replace(b"confirmed", b"cancelled"))
    assert not verify(subscription.secret, header.replace("t=", "t=1"), request.body)
    frozen_clock.shift(timedelta(minutes=6))
    assert not verify(subscription.secret, header, request.body)


def test_only_the_clients_own_meetings_reach_its_subscriptions(
    subscribe, book, receiver, run_tasks, db
):
    """Another client's meeting and a website booking are not told to this client."""
    subscribe()
    other = make_application("Other", "read write")
    book(holder=f"client:{other.pk}")
    book(start=TEN + timedelta(hours=2), holder="session:abc")
    run_tasks()
    assert receiver.received == []


def test_a_subscription_gets_only_the_events_it_asked_for(
    subscribe, book, receiver, run_tasks, django_capture_on_commit_callbacks
):
    """Subscribed to cancellations only: a new meeting sends nothing, its cancellation does."""
    subscribe(["meeting.cancelled"])
    meeting = book()
    run_tasks()
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
    run_tasks()
    assert [d["type"] for d in deliveries(receiver)] == ["meeting.cancelled"]
    assert deliveries(receiver)[0]["data"]["status"] == "cancelled"


def test_reschedule_and_cancel_are_delivered_with_their_types(
    subscribe, book, receiver, run_tasks, django_capture_on_commit_callbacks, partner
):
    """meeting.rescheduled carries the new time; meeting.cancelled the cancelled meeting."""
    subscribe()
    meeting = book()
    actor = Actor.for_api_client(partner.pk)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = factories.reschedule(meeting, start=TEN + timedelta(hours=3), actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=actor, meeting_id=meeting.pk)
    run_tasks()
    by_type = {d["type"]: d for d in deliveries(receiver)}
    assert set(by_type) == {"meeting.created", "meeting.rescheduled", "meeting.cancelled"}
    assert by_type["meeting.rescheduled"]["data"]["startDate"] == "2026-06-02T11:00:00Z"
    assert by_type["meeting.cancelled"]["data"]["status"] == "cancelled"


def test_an_expired_hold_is_delivered_as_the_time_slot(
    subscribe, receiver, run_tasks, world, partner, frozen_clock, django_capture_on_commit_callbacks
):
    """time_slot.expired carries the slot as GET /bookme/time-slots/{id} shows it."""
    subscribe(["time_slot.expired"])
    actor = Actor.for_api_client(partner.pk)
    wanted = services.SlotRequest(start=TEN, end=TEN + timedelta(hours=1), employee=world.alice)
    slot, _ = services.time_slot_reserve(actor=actor, wanted=wanted)
    frozen_clock.shift(timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_stale_holds(now=timezone.now(), employee_id=world.alice.pk, room_id=None)
    run_tasks()
    [body] = deliveries(receiver)
    assert body["type"] == "time_slot.expired"
    assert body["data"]["id"] == str(slot.pk)
    assert body["data"]["status"] == "Expired"


def test_a_failing_receiver_is_retried_later_with_the_same_id_and_body(
    subscribe, book, receiver, run_tasks, frozen_clock
):
    """A 500 is logged and retried after the engine's backoff; the retry sends the first
    attempt's bytes again (same event id, same data), under a fresh signature."""
    subscription = subscribe(["meeting.created"])
    receiver.statuses = [500]
    book()
    run_tasks()
    assert len(receiver.received) == 1
    frozen_clock.shift(tasks.retry_delay(1) + timedelta(seconds=1))
    run_tasks()
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["BookMe-Event-Id"] == second.headers["BookMe-Event-Id"]
    assert guide_verify()(subscription.secret, second.headers["BookMe-Signature"], second.body)
    log = list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code"))
    assert log == [(1, 500), (2, 200)]
    assert SideEffectRun.objects.get(name=webhooks.DELIVER).status == SideEffectStatus.DONE


def test_retries_last_24_hours_and_no_longer():
    """The attempts' waits add up to a day; one attempt fewer would stop short of it."""
    waits = [tasks.retry_delay(n) for n in range(1, webhooks.WEBHOOK_MAX_ATTEMPTS)]
    assert sum(waits, timedelta()) >= timedelta(hours=24)
    assert sum(waits[:-1], timedelta()) < timedelta(hours=24)
    assert tasks.registered(webhooks.DELIVER).max_attempts == webhooks.WEBHOOK_MAX_ATTEMPTS


def test_a_dead_receiver_is_given_up_after_a_day_with_every_attempt_logged(
    subscribe, book, receiver, run_tasks, frozen_clock, settings
):
    """A receiver that always fails: retried across 24 hours, then given up for good."""
    subscribe(["meeting.created"])
    receiver.statuses = [503] * 100
    book()
    started = timezone.now()
    for _ in range(webhooks.WEBHOOK_MAX_ATTEMPTS + 2):
        run_tasks()
        frozen_clock.shift(timedelta(hours=1, seconds=1))
    run = SideEffectRun.objects.get(name=webhooks.DELIVER)
    assert run.status == SideEffectStatus.FAILED
    assert WebhookDelivery.objects.count() == webhooks.WEBHOOK_MAX_ATTEMPTS
    last = WebhookDelivery.objects.order_by("-attempt").first()
    assert last is not None
    assert last.at - started >= timedelta(hours=24)


def test_a_deleted_subscription_gets_no_more_retries(
    subscribe, book, receiver, run_tasks, frozen_clock, partner
):
    """Unsubscribing stops the retries of an earlier failure."""
    subscription = subscribe(["meeting.created"])
    receiver.statuses = [500]
    book()
    run_tasks()
    webhooks.webhook_unsubscribe(application_id=partner.pk, subscription_id=subscription.pk)
    frozen_clock.shift(timedelta(hours=2))
    run_tasks()
    assert len(receiver.received) == 1


def test_an_event_dispatched_twice_is_delivered_once(subscribe, book, receiver, run_tasks):
    """The key (event, subscription) makes a second scheduling of one event a no-op."""
    subscribe(["meeting.created"])
    meeting = book()
    effects.dispatch(BookingEvent.objects.get(meeting=meeting, kind="meeting_created"))
    run_tasks()
    run_tasks()
    assert len(receiver.received) == 1


def test_a_resend_delivers_the_same_event_again_under_a_new_key(
    subscribe, book, receiver, run_tasks
):
    """The admin's resend: a new delivery (attempt 2) of the same bytes."""
    subscribe(["meeting.created"])
    book()
    run_tasks()
    key = webhooks.delivery_resend(WebhookDelivery.objects.get())
    run_tasks()
    assert key != SideEffectRun.objects.order_by("created_at").filter(name="webhook.deliver")[0].key
    first, second = receiver.received
    assert first.body == second.body
    assert sorted(WebhookDelivery.objects.values_list("attempt", flat=True)) == [1, 2]


def test_a_receiver_that_never_answers_times_out_and_is_retried(
    subscribe, book, receiver, run_tasks, monkeypatch
):
    """A hanging receiver costs the worker READ_TIMEOUT, not forever; logged as an error."""
    monkeypatch.setattr(transport, "READ_TIMEOUT", 0.3)
    receiver.hang_seconds = 1.0
    subscribe(["meeting.created"])
    book()
    run_tasks()
    log = WebhookDelivery.objects.get()
    assert log.status_code is None
    assert "timed out" in log.error
    assert log.duration_ms is not None
    assert log.duration_ms < 1000
    assert SideEffectRun.objects.get(name=webhooks.DELIVER).status == SideEffectStatus.PENDING


def test_a_receiver_trickling_its_headers_is_cut_off_at_the_exchange_deadline(
    subscribe, book, receiver, run_tasks, monkeypatch
):
    """Bytes that each arrive within READ_TIMEOUT do not stretch the exchange past
    EXCHANGE_DEADLINE: a failed attempt, retried later."""
    monkeypatch.setattr(transport, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(transport, "EXCHANGE_DEADLINE", 1.0)
    receiver.trickle_seconds = 4.0
    subscribe(["meeting.created"])
    book()
    run_tasks()
    log = WebhookDelivery.objects.get()
    assert log.status_code is None
    assert "timed out" in log.error
    assert log.duration_ms is not None
    assert 900 <= log.duration_ms < 2000
    assert SideEffectRun.objects.get(name=webhooks.DELIVER).status == SideEffectStatus.PENDING


def test_a_redirect_is_not_followed_and_counts_as_a_failure(subscribe, book, receiver, run_tasks):
    """A 3xx is the receiver's answer, logged and retried; its Location is never visited."""
    receiver.statuses = [302]
    receiver.answer_headers = {"Location": "http://127.0.0.1:9/elsewhere"}
    subscribe(["meeting.created"])
    book()
    run_tasks()
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().status_code == 302
    assert SideEffectRun.objects.get(name=webhooks.DELIVER).status == SideEffectStatus.PENDING


def test_only_the_start_of_a_large_answer_is_read_and_kept(subscribe, book, receiver, run_tasks):
    """A receiver answering megabytes: the log keeps RESPONSE_SNIPPET_LENGTH characters."""
    receiver.answer_body = b"x" * 2_000_000
    subscribe(["meeting.created"])
    book()
    run_tasks()
    log = WebhookDelivery.objects.get()
    assert log.status_code == 200
    assert len(log.response_snippet) == 1000
