"""A slow or dead mail server no longer slows a booking: the emails wait for the worker."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse

from booking.models import Meeting, SideEffectRun, SideEffectStatus
from tests import background
from tests.web.conftest import answers_for, book, details_data, held_slot_id, hold

EMAIL_TIMEOUT = 2


@pytest.fixture
def dead_smtp_server():
    """An SMTP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()
    server.close()


def test_a_dead_mail_server_does_not_slow_a_booking(
    client,
    bank,
    settings,
    dead_smtp_server,
    django_capture_on_commit_callbacks,
    run_tasks,
    frozen_clock,
):
    """The booking answers at once with its emails pending; the worker's attempt times out
    after EMAIL_TIMEOUT and is retried later, the booking untouched."""
    port, accepted = dead_smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = EMAIL_TIMEOUT
    slot_id = held_slot_id(hold(client, bank.topic))
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("booking:details", args=[slot_id]),
            {**details_data(), **answers_for(bank.topic)},
        )
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    assert elapsed < EMAIL_TIMEOUT / 2, elapsed
    assert accepted == []  # the request never even connected
    background.dispatch_queued()  # the worker's first step: the booking's emails are planned
    runs = SideEffectRun.objects.filter(name="email.meeting_confirmed")
    assert {r.status for r in runs} == {SideEffectStatus.PENDING}

    started = time.perf_counter()
    run_tasks()
    assert time.perf_counter() - started >= EMAIL_TIMEOUT  # the worker waited, not the customer
    assert accepted  # it did try the server
    assert mail.outbox == []
    for run in runs.all():
        assert (run.status, run.attempts) == (SideEffectStatus.PENDING, 1)
        assert "timed out" in run.last_error
    meeting = Meeting.objects.get(time_slot_id=slot_id)
    assert meeting.email_failed_at is None

    # The server is back: the retry a minute later sends both emails.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    frozen_clock.shift(timedelta(minutes=1))
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["carla@example.com", meeting.employee.email]
    )
    assert {r.status for r in runs.all()} == {SideEffectStatus.DONE}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "We are sending a confirmation to carla@example.com."),
        ("de", "Wir senden eine Bestätigung an carla@example.com."),
        ("da", "Vi sender en bekræftelse til carla@example.com."),
    ],
)
def test_the_confirmation_page_says_the_email_is_on_its_way_and_shows_the_link(
    client, bank, language, text
):
    """The page cannot know the email went out: it says "we are sending" and always shows
    the manage link, which works before the email arrives."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    meeting = book(client, bank)
    html = client.get(reverse("booking:confirmed", args=[meeting.reference])).content.decode()
    assert text in html
    assert "have sent" not in html
    assert reverse("booking:manage", args=[meeting.reference]) in html
