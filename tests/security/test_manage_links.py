"""Issue 8, point 9 over real HTTP: manage links are private, fade, and cannot be fished for.

An attacker with a proxy cache, a search engine, an old email, or a list of addresses
to try: none of them learns a customer's details from a meeting's secret link.
"""

from __future__ import annotations

import re
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.core import mail
from django.urls import reverse
from oauth2_provider.models import get_application_model

from booking import services
from booking.actors import Actor
from booking.models import Meeting
from tests import factories
from tests.background import run_tasks

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
LOST = reverse("booking:lost_links")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_ANY = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"x-csrftoken": "[^"]+"')


def tuesday_ten(*, weeks: int) -> datetime:
    """A Tuesday 10:00 in Copenhagen, `weeks` weeks from this one (negative: in the past)."""
    today = datetime.now(COPENHAGEN).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7 * weeks)
    return datetime(tuesday.year, tuesday.month, tuesday.day, 10, 0, tzinfo=COPENHAGEN)


@pytest.fixture
def booked(world, live_server):
    """Carla's meeting two weeks ahead, and one that ended six weeks ago (a stale link)."""

    def make(start: datetime, **kwargs) -> Meeting:
        meeting = factories.meeting(
            topic=world.topic,
            employee=world.alice,
            start=start,
            description="Buying a flat",
            now=start - timedelta(days=1),
            **{"customer_email": "carla@example.com", **kwargs},
        )
        return Meeting.objects.with_details().get(pk=meeting.pk)

    return make


def page(live_server, name: str, meeting_or_reference) -> str:
    reference = getattr(meeting_or_reference, "reference", meeting_or_reference)
    return live_server.url + reverse(f"booking:{name}", args=[reference])


def assert_private(response: requests.Response) -> None:
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control, response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("name", ["manage", "confirmed", "invite", "cancel", "reschedule"])
def test_pages_behind_a_reference_tell_caches_and_crawlers_to_keep_out(live_server, booked, name):
    """no-store, private and noindex on every page a reference opens."""
    meeting = booked(tuesday_ten(weeks=2))
    response = requests.get(page(live_server, name, meeting), timeout=10)
    assert response.status_code == 200
    assert_private(response)


def test_a_guessed_reference_is_a_private_404_offering_the_lost_link_page(live_server, db):
    """Guessing gives a 404, not cached nor indexed, pointing to "Lost your link?"."""
    response = requests.get(page(live_server, "manage", "a" * 32), timeout=10)
    assert response.status_code == 404
    assert_private(response)
    assert f'href="{LOST}"' in response.text


def test_the_apis_invite_is_private_too(live_client, world):
    """POST /bookme/meetings/{id}/ical answers no-store and noindex."""
    application = get_application_model().objects.get(client_id=live_client.client_id)
    start = tuesday_ten(weeks=2)
    meeting = factories.meeting(
        topic=world.topic, employee=world.alice, start=start, holder=f"client:{application.pk}"
    )
    response = live_client.call("POST", f"/api/bookme/meetings/{meeting.pk}/ical", json={})
    assert response.status_code == 200, response.text
    assert response.text.startswith("BEGIN:VCALENDAR")
    assert_private(response)


def test_a_stale_link_shows_nothing_personal(live_server, booked):
    """Six weeks after the meeting: the page says it is over; the .ics is gone (410)."""
    meeting = booked(tuesday_ten(weeks=-6), customer_name="Carla Customer")
    for name in ("manage", "confirmed", "invite", "cancel", "reschedule"):
        response = requests.get(page(live_server, name, meeting), timeout=10)
        assert response.status_code == 410, (name, response.status_code)
        assert_private(response)
        for secret in ("Carla Customer", "carla@example.com", "Buying a flat", "VCALENDAR"):
            assert secret not in response.text, (name, secret)
    response = requests.post(page(live_server, "cancel", meeting), timeout=10)
    assert response.status_code in (403, 410)  # no CSRF token: refused either way
    meeting.refresh_from_db()
    assert meeting.cancelled_at is None


def ask(session: requests.Session, base: str, email: str) -> requests.Response:
    """Fetch the form, then post it as a browser would (over plain HTTP the Secure CSRF
    cookie is not sent back by itself, so it is passed on explicitly)."""
    form = session.get(base + LOST, timeout=10)
    token = CSRF_FIELD.search(form.text)
    assert token, form.text
    cookie = form.cookies.get("csrftoken") or session.cookies.get("csrftoken")
    assert cookie, "no CSRF cookie"
    return session.post(
        base + LOST,
        data={"email": email, "csrfmiddlewaretoken": token.group(1)},
        cookies={"csrftoken": cookie},
        headers={"Referer": base + LOST},
        timeout=10,
    )


def test_lost_link_answers_the_same_for_known_and_unknown_addresses(live_server, booked):
    """Same status, same page, roughly the same time; only the known address gets mail."""
    meeting = booked(tuesday_ten(weeks=2))
    run_tasks()  # the booking's own emails first
    mail.outbox.clear()
    session = requests.Session()
    timings: dict[str, list[float]] = {"carla@example.com": [], "nobody@example.com": []}
    answers: dict[str, set[tuple[int, str]]] = {email: set() for email in timings}
    for _round in range(3):
        for email in timings:
            started = time.perf_counter()
            response = ask(session, live_server.url, email)
            timings[email].append(time.perf_counter() - started)
            answers[email].add((response.status_code, CSRF_ANY.sub("", response.text)))
    assert answers["carla@example.com"] == answers["nobody@example.com"]
    assert {status for status, _ in answers["nobody@example.com"]} == {200}
    known, unknown = (statistics.median(t) for t in timings.values())
    assert abs(known - unknown) < 0.25, timings
    run_tasks()  # the lookup and the email happen in the worker
    sent = [m for m in mail.outbox if meeting.reference in m.body]
    assert sent
    assert all(m.to == ["carla@example.com"] for m in sent)
    assert not any("nobody@example.com" in m.to for m in mail.outbox)


def test_lost_link_is_rate_limited_per_client_address(live_server, db, settings):
    """A script trying address after address meets a 429 with Retry-After."""
    settings.BOOKME_LOST_LINK_REQUESTS_PER_ADDRESS = 3
    session = requests.Session()
    statuses = [ask(session, live_server.url, f"guess{n}@example.com") for n in range(5)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0


def test_lost_link_does_not_flood_one_inbox(live_server, booked, settings):
    """One address asked for again and again gets a few emails, then none."""
    settings.BOOKME_LOST_LINK_REQUESTS_PER_EMAIL = 2
    booked(tuesday_ten(weeks=2))
    run_tasks()  # the booking's own emails first
    mail.outbox.clear()
    session = requests.Session()
    for _n in range(5):
        assert ask(session, live_server.url, "carla@example.com").status_code == 200
    run_tasks()
    assert len(mail.outbox) == 2


def test_lost_link_refuses_a_cross_site_post(live_server, booked):
    """Without the CSRF token the form is refused; no mail is sent."""
    booked(tuesday_ten(weeks=2))
    run_tasks()  # the booking's own emails first
    mail.outbox.clear()
    response = requests.post(
        live_server.url + LOST, data={"email": "carla@example.com"}, timeout=10
    )
    assert response.status_code == 403
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["carla\x00@example.com", "x" * 5000, "<script>@x.org"])
def test_lost_link_hostile_input_is_a_form_error(live_server, db, email):
    """NUL bytes, huge values and markup come back as a field error, never a 500."""
    response = ask(requests.Session(), live_server.url, email)
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.text
    assert "<script>@x.org" not in response.text


def test_cancelling_after_the_end_keeps_the_link_for_the_full_time(live_server, booked):
    """A meeting cancelled long after its end keeps its page until 30 days after that."""
    meeting = booked(tuesday_ten(weeks=-6))
    services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
    response = requests.get(page(live_server, "manage", meeting), timeout=10)
    assert response.status_code == 200
    assert "This meeting has been cancelled." in response.text
