"""POST/GET/DELETE /api/bookme/webhooks, the admin's subscriptions and delivery log."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.test import Client

from booking import webhooks
from booking.api.models import (
    MAX_WEBHOOKS_PER_CLIENT,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from booking.models import SideEffectRun
from tests.api.helpers import api_error, create_meeting
from tests.webhook_receiver import Receiver, serve

WEBHOOKS = "/api/bookme/webhooks"
PUBLIC_URL = "https://partner.example.com/bookme-events"


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A receiving server on 127.0.0.1, with local targets allowed (as in development)."""
    settings.BOOKME_WEBHOOKS_ALLOW_LOCAL = True
    yield from serve(Receiver())


def subscribe(caller, url: str = PUBLIC_URL, events: list[str] | None = None):
    return caller.post(WEBHOOKS, {"url": url, "events": events or ["meeting.created"]})


def test_the_event_names_are_the_models_choices():
    """The API's literal and the stored choices never drift apart."""
    assert list(typing.get_args(webhooks.WebhookEventName)) == list(WebhookEventType.values)


def test_a_client_subscribes_sees_the_secret_once_and_lists_and_deletes(caller):
    """201 with the secret; list and get without it; delete is 204 and it is gone."""
    response = subscribe(caller, events=["meeting.created", "meeting.cancelled"])
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["url"] == PUBLIC_URL
    assert created["events"] == ["meeting.created", "meeting.cancelled"]
    assert created["secret"].startswith("whsec_")
    assert created["createdAt"] == "2026-06-01T06:00:00Z"
    stored = WebhookSubscription.objects.get()
    assert created["secret"] == stored.secret
    assert stored.application_id == caller.application.pk

    listed = caller.get(WEBHOOKS).json()
    assert listed == [{k: v for k, v in created.items() if k != "secret"}]
    one = caller.get(f"{WEBHOOKS}/{created['id']}")
    assert one.status_code == 200
    assert "secret" not in one.json()

    deleted = caller.http.delete(f"{WEBHOOKS}/{created['id']}", headers=caller.headers)
    assert deleted.status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert caller.get(f"{WEBHOOKS}/{created['id']}").status_code == 404


def test_it_checks_ownership(caller, outsider):
    """Another client's subscription is a 404 to read or delete, and absent from its list."""
    created = subscribe(caller).json()
    assert outsider.get(WEBHOOKS).json() == []
    assert outsider.get(f"{WEBHOOKS}/{created['id']}").json() == api_error(
        f"Webhook {created['id']!r} not found.", "not_found", "webhookId"
    )
    deleted = outsider.http.delete(f"{WEBHOOKS}/{created['id']}", headers=outsider.headers)
    assert deleted.status_code == 404
    assert WebhookSubscription.objects.count() == 1


def test_a_read_only_client_may_list_but_not_subscribe(reader):
    """Subscribing changes data: the write scope."""
    assert reader.get(WEBHOOKS).status_code == 200
    assert subscribe(reader).status_code == 403
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("body", "parameter", "code"),
    [
        ({"url": "http://partner.example.com/hooks"}, "url", "webhook_url_refused"),
        ({"url": "https://127.0.0.1/hooks"}, "url", "webhook_url_refused"),
        ({"url": "not a url"}, "url", "webhook_url_refused"),
        ({"url": "https://x.example.com/" + "a" * 500}, "url", "invalid_input"),
        ({"url": "https://x.example.com/\x00"}, "url", "invalid_input"),
        ({"events": []}, "events", "invalid_input"),
        ({"events": ["meeting.exploded"]}, "events.0", "invalid_input"),
        ({"events": ["meeting.created", "meeting.created"]}, "events", "invalid_input"),
        ({"url": None}, "url", "invalid_input"),
    ],
)
def test_a_bad_subscription_is_a_400_naming_the_field_and_nothing_is_stored(
    caller, body, parameter, code
):
    """https on a public address, known events once each, bounded length: else 400."""
    response = caller.post(WEBHOOKS, {"url": PUBLIC_URL, "events": ["meeting.created"], **body})
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == parameter
    assert response.json()["code"] == code
    assert not WebhookSubscription.objects.exists()


def test_a_client_has_at_most_the_limit_of_subscriptions(caller, outsider):
    """Past MAX_WEBHOOKS_PER_CLIENT a 409 with its code; other clients are not affected."""
    for n in range(MAX_WEBHOOKS_PER_CLIENT):
        assert subscribe(caller, url=f"{PUBLIC_URL}/{n}").status_code == 201
    response = subscribe(caller)
    assert response.status_code == 409
    assert response.json()["code"] == "webhook_limit_reached"
    assert WebhookSubscription.objects.count() == MAX_WEBHOOKS_PER_CLIENT
    assert subscribe(outsider).status_code == 201


def test_the_openapi_document_describes_the_webhook_endpoints(client, db):
    """Scopes, camelCase fields, maxLength of the URL and the event enum are documented."""
    document = client.get("/api/openapi.json").json()
    post = document["paths"][WEBHOOKS]["post"]
    assert post["security"] == [{"OAuth2ClientCredentials": ["write"]}]
    assert {"201", "400", "409", "413"} <= set(post["responses"])
    delete = document["paths"][WEBHOOKS + "/{webhookId}"]["delete"]
    assert delete["security"] == [{"OAuth2ClientCredentials": ["write"]}]
    schema = document["components"]["schemas"]["WebhookIn"]
    assert schema["properties"]["url"]["maxLength"] == 500
    assert schema["properties"]["events"]["items"]["enum"] == list(WebhookEventType.values)
    assert "createdAt" in document["components"]["schemas"]["WebhookCreatedOut"]["properties"]
    assert "## Webhooks" in document["info"]["description"]


def test_a_subscription_made_through_the_api_receives_the_clients_new_meeting(
    caller, world, receiver, run_tasks, django_capture_on_commit_callbacks
):
    """End to end: subscribe over the API, book over the API, the worker delivers it with
    the same JSON as GET /bookme/meetings/{id}."""
    created = subscribe(caller, url=receiver.url).json()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = create_meeting(caller, world)
    run_tasks()
    [request] = receiver.received
    assert request.headers["BookMe-Event-Type"] == "meeting.created"
    body = json.loads(request.body)
    assert body["data"] == caller.get(f"/api/bookme/meetings/{meeting['id']}").json()
    assert WebhookDelivery.objects.get().subscription_id == int(created["id"])


@pytest.fixture
def staff_client(db) -> Client:
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    http = Client()
    http.force_login(admin)
    return http


def _new_subscription_form(staff_client: Client, caller) -> tuple[str, dict[str, typing.Any]]:
    """The application's admin page and a valid POST adding one subscription."""
    url = f"/admin/oauth2_provider/application/{caller.application.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(
        {
            "client_secret": form.instance.client_secret,
            "bookme_client-TOTAL_FORMS": "1",
            "bookme_client-INITIAL_FORMS": "1",
            "bookme_client-0-id": str(caller.application.bookme_client.pk),
            "bookme_client-0-application": str(caller.application.pk),
            "bookme_client-0-can_read": "on",
            "bookme_client-0-can_write": "on",
            "webhook_subscriptions-TOTAL_FORMS": "1",
            "webhook_subscriptions-INITIAL_FORMS": "0",
            "webhook_subscriptions-0-url": PUBLIC_URL,
            "webhook_subscriptions-0-events": ["meeting.created", "time_slot.expired"],
            "webhook_subscriptions-0-active": "on",
        }
    )
    return url, data


def test_staff_subscribe_a_client_in_the_admin_and_see_the_secret_once(staff_client, caller):
    """The application page has the subscriptions inline; saving a new one shows its secret."""
    url, data = _new_subscription_form(staff_client, caller)
    response = staff_client.post(url, data, follow=True)
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["meeting.created", "time_slot.expired"]
    shown = [str(m) for m in response.context["messages"]]
    assert any(subscription.secret in m for m in shown), shown


def test_the_shown_secret_never_travels_in_a_cookie(staff_client, caller):
    """The message carrying the signing secret stays on the server (session storage): no
    Set-Cookie of the save or of the page showing it holds the secret, even encoded."""
    url, data = _new_subscription_form(staff_client, caller)
    saved = staff_client.post(url, data)
    assert saved.status_code == 302
    shown = staff_client.get(saved["Location"])
    secret = WebhookSubscription.objects.get().secret
    assert secret in shown.content.decode()
    for response in (saved, shown):
        for cookie in response.cookies.values():
            decoded = CookieStorage(HttpRequest())._decode(cookie.value)
            assert secret not in cookie.value
            assert secret not in str(decoded)


def test_the_model_refuses_a_private_target_for_the_admin_too(caller):
    """The model's rule holds in the admin as in the API (a form error, nothing stored)."""
    subscription = WebhookSubscription(
        application=caller.application, url="https://10.0.0.8/hooks", events=["meeting.created"]
    )
    with pytest.raises(ValidationError, match="public address"):
        subscription.full_clean()


def test_the_delivery_log_resends_with_a_new_key(
    staff_client, caller, world, receiver, run_tasks, django_capture_on_commit_callbacks
):
    """The log lists each attempt; the resend action schedules the event once more."""
    subscribe(caller, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        create_meeting(caller, world)
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    log = staff_client.get("/admin/bookme_api/webhookdelivery/")
    assert log.status_code == 200
    assert "meeting.created" in log.content.decode()
    response = staff_client.post(
        "/admin/bookme_api/webhookdelivery/",
        {"action": "resend", "_selected_action": [str(delivery.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    keys = list(SideEffectRun.objects.filter(name=webhooks.DELIVER).values_list("key", flat=True))
    assert len(keys) == 2
    assert len(set(keys)) == 2
    run_tasks()
    assert len(receiver.received) == 2
    assert WebhookDelivery.objects.count() == 2
