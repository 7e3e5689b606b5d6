"""Lost your link? One email with the manage links of an address's upcoming meetings."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from typing import cast

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cache import SessionStore
from django.core import mail
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from booking import services
from booking.actors import Actor
from booking.views import lost_links as lost_links_view
from booking.views.rendering import HtmxHttpRequest
from tests.background import run_tasks
from tests.web.conftest import TUESDAY_TEN, book, existing_meeting

LOST = reverse("booking:lost_links")
SAME_ANSWER = "If we have upcoming meetings for this address, we have sent their links to it"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"x-csrftoken": "[^"]+"')


@pytest.fixture
def meeting(client, bank):
    """Carla's meeting on Tuesday 10:00, booked through the pages."""
    return book(client, bank)


def ask(client: Client, email: str, *, address: str = "192.0.2.1", **headers):
    return client.post(LOST, {"email": email}, REMOTE_ADDR=address, headers=headers)


def manage_link(meeting) -> str:
    return "http://127.0.0.1:8000" + reverse("booking:manage", args=[meeting.reference])


def test_landing_page_links_to_the_lost_link_page(client, bank):
    """The landing page offers "Lost your link?"."""
    assert f'href="{LOST}"' in client.get(reverse("booking:landing")).content.decode()


def test_the_page_is_a_plain_form_enhanced_with_htmx(client, db):
    """An email field in a CSRF-protected POST form that also works without JavaScript."""
    response = client.get(LOST)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<form id="lost-links" class="card form" method="post" action="{LOST}"' in html
    assert f'hx-post="{LOST}"' in html
    assert 'type="email" name="email"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_known_address_gets_one_email_with_its_upcoming_links(client, bank, meeting):
    """One email listing every upcoming meeting of the address, with its manage link."""
    later = existing_meeting(
        bank,
        employee=bank.bob,
        start=TUESDAY_TEN + timedelta(days=1),
        customer_email="carla@example.com",
    )
    response = ask(client, " Carla@Example.COM ")
    assert response.status_code == 200
    assert SAME_ANSWER in response.content.decode()
    assert mail.outbox == []  # looked up and sent in the worker
    run_tasks()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carla@example.com"]
    assert message.subject == "Your meeting links"
    assert manage_link(meeting) in message.body
    assert manage_link(later) in message.body
    assert "2 June 2026, 10:00" in message.body
    assert "(Europe/Copenhagen)" in message.body
    assert message.body.index(manage_link(meeting)) < message.body.index(manage_link(later))
    assert message.attachments == []


def test_past_cancelled_and_other_peoples_meetings_are_not_listed(
    client, bank, meeting, frozen_clock
):
    """Only meetings not yet over and not cancelled, of that address only."""
    tomorrow = TUESDAY_TEN + timedelta(days=1)
    carla = {"customer_email": "carla@example.com"}
    upcoming = existing_meeting(bank, employee=bank.bob, start=tomorrow, **carla)
    later = tomorrow + timedelta(hours=4)  # one person has one meeting at a time
    cancelled = existing_meeting(bank, employee=bank.alice, start=later, **carla)
    services.meeting_cancel(actor=Actor.system(), meeting_id=cancelled.pk)
    other = existing_meeting(
        bank, employee=bank.alice, start=tomorrow + timedelta(hours=2), customer_email="dan@x.org"
    )
    frozen_clock.move_to(TUESDAY_TEN + timedelta(hours=1))  # the first meeting is over
    mail.outbox.clear()
    ask(client, "carla@example.com")
    run_tasks()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert manage_link(upcoming) in body
    for gone in (meeting, cancelled, other):
        assert manage_link(gone) not in body


def without_csrf(html: str) -> str:
    return CSRF.sub("", html)


@pytest.mark.parametrize("htmx", [False, True])
def test_an_unknown_address_gets_the_same_answer_and_no_email(client, meeting, htmx):
    """No enumeration: same status, same page, whether or not the address is known."""
    headers = {"HX-Request": "true"} if htmx else {}
    known = ask(client, "carla@example.com", **headers)
    unknown = ask(client, "nobody@example.com", **headers)
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.content.decode()) == without_csrf(unknown.content.decode())
    run_tasks()
    assert [m.to for m in mail.outbox] == [["carla@example.com"]]


def direct_post(email: str):
    # What the middleware would add; a bare RequestFactory request has none of it.
    request = cast(
        HtmxHttpRequest, RequestFactory().post(LOST, {"email": email}, REMOTE_ADDR="192.0.2.9")
    )
    request.htmx = HtmxDetails(request)
    request.user = AnonymousUser()
    request.session = SessionStore()
    # The test client's flag for "skip CSRF"; django-stubs does not declare it.
    request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
    return lost_links_view.lost_links(request)


def queries_of(email: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = direct_post(email)
    assert response.status_code == 200
    return [q["sql"] for q in queries]


def test_the_lookup_and_mail_run_in_the_worker_and_both_answers_cost_the_same(meeting):
    """Known or not, the answer does the same work: it queues the lookup, never makes it;
    the worker looks the address up and mails."""
    known, unknown = queries_of("carla@example.com"), queries_of("nobody@example.com")
    assert len(known) == len(unknown)
    assert not [q for q in known + unknown if "booking_customer" in q or "booking_meeting" in q]
    assert mail.outbox == []
    run_tasks()
    assert [m.to for m in mail.outbox] == [["carla@example.com"]]


class SlowBackend:
    """A mail server that takes its time (up to EMAIL_TIMEOUT in real life)."""

    release = threading.Event()

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        self.release.wait(timeout=10)
        mail.outbox.extend(messages)
        return len(messages)


def test_a_slow_mail_server_never_holds_the_response(meeting, settings):
    """The answer is complete while the mail server has not even been asked: the request's
    time tells nothing about the address, and no web worker waits for mail."""
    settings.EMAIL_BACKEND = "tests.web.test_lost_links.SlowBackend"
    SlowBackend.release.clear()
    started = time.monotonic()
    assert direct_post("carla@example.com").status_code == 200
    assert time.monotonic() - started < 2
    assert mail.outbox == []
    SlowBackend.release.set()
    run_tasks()
    assert [m.to for m in mail.outbox] == [["carla@example.com"]]


@pytest.mark.parametrize(
    ("language", "subject", "text"),
    [
        ("de", "Ihre Terminlinks", "Ihre kommenden Termine"),
        ("da", "Dine møde-links", "Dine kommende møder"),
    ],
)
def test_the_email_speaks_the_customers_language(client, meeting, language, subject, text):
    """Asked in German or Danish: page and email in that language."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    mail.outbox.clear()
    response = ask(client, "carla@example.com")
    assert SAME_ANSWER not in response.content.decode()
    run_tasks()
    message = mail.outbox[0]
    assert message.subject == subject
    assert text in message.body
    assert manage_link(meeting) in message.body


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("de", ["Link verloren?", "E-Mail-Adresse", "Meine Links senden"]),
        ("da", ["Mistet dit link?", "E-mailadresse", "Send mig mine links"]),
    ],
)
def test_the_page_is_translated(client, db, language, texts):
    """Every visible string of the page exists in German and Danish."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(LOST).content.decode()
    for text in texts:
        assert text in html, text


def test_one_address_is_mailed_a_few_times_only(client, meeting, settings):
    """Per email address: beyond the limit the same answer, but no more mail (no mail bombing)."""
    settings.BOOKME_LOST_LINK_REQUESTS_PER_EMAIL = 3
    mail.outbox.clear()
    for n in range(5):
        response = ask(client, "carla@example.com", address=f"192.0.2.{n + 10}")
        assert response.status_code == 200
        assert SAME_ANSWER in response.content.decode()
    run_tasks()
    assert len(mail.outbox) == 3


def test_one_client_address_is_limited(client, meeting, settings):
    """Per client address: beyond the limit a 429 with a message, and nothing is sent."""
    settings.BOOKME_LOST_LINK_REQUESTS_PER_ADDRESS = 2
    mail.outbox.clear()
    assert ask(client, "a@example.com").status_code == 200
    assert ask(client, "b@example.com").status_code == 200
    response = ask(client, "carla@example.com")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    run_tasks()
    assert mail.outbox == []
    assert ask(client, "carla@example.com", address="192.0.2.200").status_code == 200


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "This field is required."),
        ("not-an-email", "Enter a valid email address."),
        ("carla\x00@example.com", "Null characters are not allowed."),
        ("a" * 250 + "@example.com", "at most 254 characters"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_address_is_a_form_error_not_a_500(client, meeting, email, message, htmx):
    """The form comes back with the field's error; nothing is sent."""
    mail.outbox.clear()
    headers = {"HX-Request": "true"} if htmx else {}
    response = ask(client, email, **headers)
    assert response.status_code == (422 if htmx else 200)
    html = response.content.decode()
    assert message in html
    assert 'id="id_email_error"' in html
    assert SAME_ANSWER not in html
    run_tasks()
    assert mail.outbox == []


def test_htmx_swaps_only_the_form(client, meeting):
    """An HTMX post gets the form's partial, not the whole page."""
    response = ask(client, "carla@example.com", **{"HX-Request": "true"})
    html = response.content.decode().lstrip()
    assert html.startswith('<form id="lost-links"')
    assert "<html" not in html


def test_the_form_needs_the_csrf_token(meeting):
    """A cross-site post is refused with 403; nothing is sent."""
    mail.outbox.clear()
    response = Client(enforce_csrf_checks=True).post(LOST, {"email": "carla@example.com"})
    assert response.status_code == 403
    run_tasks()
    assert mail.outbox == []


def test_only_get_and_post(client, db):
    """Other methods are 405."""
    assert client.put(LOST).status_code == 405


def test_a_failing_mail_server_changes_nothing_visible(client, meeting, settings, caplog):
    """The mail server failing is logged; the customer sees the same answer, not a 500."""
    settings.EMAIL_BACKEND = "tests.web.test_lost_links.FailingBackend"
    response = ask(client, "carla@example.com")
    assert response.status_code == 200
    assert SAME_ANSWER in response.content.decode()
    run_tasks()
    assert "Could not send the lost-links email" in caplog.text


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")
