"""The waitlist pages: join from the picker, take an offered time, leave."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine
from django.urls import reverse

from booking import waitlist, waitlist_links
from booking.actors import Actor
from booking.models import TimeSlot, WaitlistEntry, WaitlistStatus
from tests.web.conftest import TUESDAY_TEN, times_url


def join_url(topic, **params):
    return times_url(topic, **params).replace("/times/", "/waitlist/")


def test_the_picker_links_to_the_waitlist(client, bank):
    """The time picker offers "Join the waitlist" with the options chosen."""
    response = client.get(times_url(bank.topic))
    assert reverse("booking:waitlist_join", args=[bank.topic.pk]) in response.text
    assert 'id="waitlist-join"' in response.text


def test_joining_without_javascript(client, bank):
    """A plain POST joins and answers with the confirmation and a leave link."""
    response = client.post(
        join_url(bank.topic),
        {
            "type": "online",
            "employee": "any",
            "from_date": "2026-06-02",
            "until_date": "2026-06-05",
            "email": "kim@example.com",
        },
    )
    assert response.status_code == 200
    entry = WaitlistEntry.objects.get()
    assert (entry.email, entry.meeting_type, entry.status) == (
        "kim@example.com",
        "online",
        "waiting",
    )
    assert waitlist_links.leave_url(entry).split("8000")[-1] in response.text


def test_a_bad_range_is_shown_on_the_field_and_nothing_joins(client, bank):
    """The last day before the first: the form comes back with the error on that field."""
    response = client.post(
        join_url(bank.topic),
        {
            "type": "online",
            "employee": "any",
            "from_date": "2026-06-05",
            "until_date": "2026-06-02",
            "email": "kim@example.com",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "field-error" in response.text
    assert not WaitlistEntry.objects.exists()


def post_range(client, topic, from_date, until_date):
    return client.post(
        join_url(topic),
        {
            "type": "online",
            "employee": "any",
            "from_date": from_date,
            "until_date": until_date,
            "email": "kim@example.com",
        },
        headers={"HX-Request": "true"},
    )


def test_an_until_date_past_the_horizon_is_a_field_error_not_a_crash(client, bank):
    """9999-12-31 (or a day past the horizon): the form names "Until" and the horizon."""
    horizon = bank.topic.booking_horizon
    last_day = date(2026, 6, 1) + timedelta(days=horizon)
    for until in ("9999-12-31", (last_day + timedelta(days=1)).isoformat()):
        response = post_range(client, bank.topic, "9999-12-30", until)
        assert response.status_code == 422
        assert "field-error" in response.text
        assert f"at most {horizon} days ahead" in response.text
    assert not WaitlistEntry.objects.exists()
    assert post_range(client, bank.topic, "2026-06-02", last_day.isoformat()).status_code == 200
    assert WaitlistEntry.objects.get().window_end <= TUESDAY_TEN + timedelta(days=horizon + 1)


def test_a_range_in_the_past_is_a_field_error(client, bank):
    """Days that are over cannot be waited for: the form says so; nothing joins."""
    response = post_range(client, bank.topic, "2026-05-01", "2026-05-31")
    assert response.status_code == 422
    assert "already passed" in response.text
    assert not WaitlistEntry.objects.exists()


def test_a_first_day_long_past_starts_the_range_today(client, bank):
    """From 0001-01-01 until Friday: no overflow; the entry waits from today."""
    response = post_range(client, bank.topic, "0001-01-01", "2026-06-05")
    assert response.status_code == 200
    entry = WaitlistEntry.objects.get()
    assert entry.window_start == datetime(2026, 5, 31, 22, 0, tzinfo=UTC)  # midnight, CEST


def test_the_offer_link_holds_the_time_for_this_browser_once(client, bank):
    """Taking an offer continues to the details page with the hold; a second use is refused."""
    waitlist.waitlist_join(
        actor=Actor.for_session("x"),
        wish=waitlist.Wish(
            topic=bank.topic,
            meeting_type="online",
            window_start=TUESDAY_TEN,
            window_end=TUESDAY_TEN + timedelta(hours=1),
        ),
        email="kim@example.com",
    )
    [offer] = waitlist.scan()
    url = reverse("booking:waitlist_offer", args=[waitlist_links.offer_token(offer)])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:details", args=[offer.time_slot_id])
    assert client.get(response["Location"]).status_code == 200
    second = client.post(url)
    assert second.status_code == 410
    assert "already been used" in second.text


def test_an_expired_offer_shows_a_clear_page(client, bank):
    """Opened after the hold ended: 410 and the reason, no button."""
    waitlist.waitlist_join(
        actor=Actor.for_session("x"),
        wish=waitlist.Wish(
            topic=bank.topic,
            meeting_type="online",
            window_start=TUESDAY_TEN,
            window_end=TUESDAY_TEN + timedelta(hours=1),
        ),
        email="kim@example.com",
    )
    [offer] = waitlist.scan()
    url = reverse("booking:waitlist_offer", args=[waitlist_links.offer_token(offer)])
    with time_machine.travel(offer.expires_at, tick=False):
        response = client.get(url)
    assert response.status_code == 410
    assert "expired" in response.text
    assert TimeSlot.objects.get(pk=offer.time_slot_id).holder.startswith("system:")


def test_an_unknown_offer_token_is_a_404(client, bank):
    """A made-up token names nothing."""
    assert client.get(reverse("booking:waitlist_offer", args=["nope"])).status_code == 404


def test_leaving_from_the_email_link(client, bank):
    """The leave page asks first; POST takes the entry off the list."""
    entry, _ = waitlist.waitlist_join(
        actor=Actor.for_session("x"),
        wish=waitlist.Wish(
            topic=bank.topic,
            meeting_type="online",
            window_start=TUESDAY_TEN,
            window_end=TUESDAY_TEN + timedelta(hours=1),
        ),
        email="kim@example.com",
    )
    url = reverse("booking:waitlist_leave", args=[waitlist_links.leave_token(entry)])
    assert client.get(url).status_code == 200
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING
    assert client.post(url).status_code == 200
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT
