"""Webhooks as an attack surface: SSRF through the target URL, forged or replayed signatures."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from booking import webhooks
from booking.api.models import WebhookDelivery, WebhookSubscription
from booking.models import SideEffectRun, SideEffectStatus
from tests import factories
from tests.api.helpers import Caller, issue_token, make_application
from tests.webhook_receiver import Receiver, serve

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def caller(db, frozen_clock) -> Caller:
    """An API client with read and write, in production settings (local targets refused)."""
    application = make_application("Partner", "read write")
    return Caller(application, issue_token(application, "read write"), Client())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A server on 127.0.0.1 that an attacker would like BookMe to reach (no relaxing)."""
    yield from serve(Receiver())


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example.com/hooks",
        "https://127.0.0.1/hooks",
        "https://127.1.2.3:8443/hooks",
        "https://10.0.0.8/hooks",
        "https://192.168.1.1/hooks",
        "https://172.16.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hooks",
        "https://0.0.0.0/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://[fd00::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "https://[::ffff:0:10.0.0.1]/hooks",
        "https://224.0.0.1/hooks",
        "https://localhost/hooks",
        "https://api.localhost/hooks",
        "https://metadata.google.internal/hooks",
        "https://user:pass@partner.example.com/hooks",
        "file:///etc/passwd",
        "gopher://partner.example.com/",
        "https:///nohost",
        "https://partner.example.com:99999/hooks",
    ],
)
def test_a_target_that_is_not_public_https_is_refused_when_subscribing(caller, url):
    """Production refuses plain http, loopback, private, link-local (cloud metadata),
    shared, multicast and unspecified addresses, IPv4 in IPv6, local names and credentials."""
    response = caller.post("/api/bookme/webhooks", {"url": url, "events": ["meeting.created"]})
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "url"
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1", True),
        # IPv4-mapped (::ffff:0:0/96): the IPv4 address inside decides.
        ("::ffff:10.0.0.1", False),
        ("::ffff:a9fe:a9fe", False),
        ("::ffff:93.184.215.14", True),
        # IPv4-translated (::ffff:0:0:0/96, SIIT).
        ("::ffff:0:10.0.0.1", False),
        ("::ffff:0:a00:1", False),
        ("::ffff:0:127.0.0.1", False),
        ("::ffff:0:93.184.215.14", True),
        # NAT64, well-known prefix (64:ff9b::/96): what DNS64 hands an IPv6-only host.
        ("64:ff9b::a00:1", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::c0a8:101", False),
        ("64:ff9b::5db8:d70e", True),
        # NAT64, local-use prefix (64:ff9b:1::/48): the layout is the operator's, refused.
        ("64:ff9b:1::a00:1", False),
        ("64:ff9b:1:a00:1::", False),
        ("64:ff9b:1::5db8:d70e", False),
        # 6to4 (2002::/16): the IPv4 address in bits 16-47.
        ("2002:a00:1::1", False),
        ("2002:a9fe:a9fe::1", False),
        # Teredo (2001::/32): a tunnel to a host behind NAT, refused.
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),
        ("2001:0:5db8:d70e::1", False),
        # IPv4-compatible (::/96, deprecated).
        ("::10.0.0.1", False),
        ("::93.184.215.14", False),
        ("::ffff:127.0.0.1%eth0", False),
    ],
)
def test_ipv4_inside_ipv6_is_judged_by_the_ipv4_address(address, public):
    """Mapped, translated, NAT64 and 6to4 addresses reach their embedded IPv4 address, so
    that address is checked; ranges whose IPv4 side cannot be read are refused."""
    assert webhooks.is_public_address(address) is public


def test_a_public_https_target_is_accepted(caller):
    """The rules refuse what they must, not everything."""
    body = {"url": "https://93.184.215.14:8443/hooks?x=1", "events": ["meeting.created"]}
    assert caller.post("/api/bookme/webhooks", body).status_code == 201


def _subscribed_meeting(world: Any, url: str, django_capture_on_commit_callbacks: Any) -> Any:
    partner = make_application("Partner", "read write")
    WebhookSubscription.objects.create(
        application=partner, url=url, events=["meeting.created"]
    )  # as if made when the name still pointed outside
    with django_capture_on_commit_callbacks(execute=True):
        return factories.meeting(
            topic=world.topic, employee=world.alice, start=TEN, holder=f"client:{partner.pk}"
        )


def test_a_name_that_resolves_inside_is_refused_at_delivery_and_not_retried(
    world, receiver, run_tasks, frozen_clock, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: a public-looking name now pointing at 127.0.0.1 gets no request; the
    refusal is logged and the effect ends (waiting will not make the address acceptable)."""
    real = socket.getaddrinfo

    def rebound(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "hooks.partner.example" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    url = f"https://hooks.partner.example:{receiver.port}/hooks"
    _subscribed_meeting(world, url, django_capture_on_commit_callbacks)
    run_tasks()
    assert receiver.received == []
    log = WebhookDelivery.objects.get()
    assert "not public" in log.error
    assert log.status_code is None
    assert SideEffectRun.objects.get(name=webhooks.DELIVER).status == SideEffectStatus.DONE


def test_the_connection_goes_to_the_address_that_was_checked(
    world,
    receiver,
    run_tasks,
    frozen_clock,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    """The name is resolved once, and that address is what is connected to, with the name
    kept in the Host header: a second lookup cannot swap the target after the check."""
    settings.BOOKME_WEBHOOKS_ALLOW_LOCAL = True
    real, lookups = socket.getaddrinfo, []

    def counted(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        return real("127.0.0.1" if host == "hooks.partner.example" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counted)
    url = f"http://hooks.partner.example:{receiver.port}/hooks"
    _subscribed_meeting(world, url, django_capture_on_commit_callbacks)
    run_tasks()
    [request] = receiver.received
    assert request.headers["Host"] == f"hooks.partner.example:{receiver.port}"
    assert lookups.count("hooks.partner.example") == 1


def test_a_redirect_to_an_internal_address_is_not_followed(
    world, receiver, run_tasks, frozen_clock, settings, django_capture_on_commit_callbacks
):
    """An open receiver answering 307 to 127.0.0.1 cannot make BookMe post there."""
    settings.BOOKME_WEBHOOKS_ALLOW_LOCAL = True
    inner = Receiver()
    inner_server = serve(inner)
    next(inner_server)
    try:
        receiver.statuses = [307]
        receiver.answer_headers = {"Location": inner.url}
        _subscribed_meeting(world, receiver.url, django_capture_on_commit_callbacks)
        run_tasks()
        assert len(receiver.received) == 1
        assert inner.received == []
    finally:
        inner_server.close()


def test_each_subscription_signs_with_its_own_secret_never_sent(
    world, receiver, run_tasks, frozen_clock, settings, django_capture_on_commit_callbacks
):
    """Two subscriptions, two secrets: neither travels in the delivery, and one's signature
    does not verify under the other's secret."""
    settings.BOOKME_WEBHOOKS_ALLOW_LOCAL = True
    partner = make_application("Partner", "read write")
    first, second = (
        webhooks.webhook_subscribe(
            application_id=partner.pk, url=receiver.url, events=["meeting.created"]
        )
        for _ in range(2)
    )
    assert first.secret != second.secret
    with django_capture_on_commit_callbacks(execute=True):
        factories.meeting(
            topic=world.topic, employee=world.alice, start=TEN, holder=f"client:{partner.pk}"
        )
    run_tasks()
    assert len(receiver.received) == 2
    for request in receiver.received:
        raw = request.body + json.dumps(request.headers).encode()
        assert first.secret.encode() not in raw
        assert second.secret.encode() not in raw
    signatures = {r.headers["BookMe-Signature"] for r in receiver.received}
    body, timestamp = receiver.received[0].body.decode(), int(timezone.now().timestamp())
    assert signatures == {
        webhooks.sign(first.secret, timestamp, body),
        webhooks.sign(second.secret, timestamp, body),
    }
