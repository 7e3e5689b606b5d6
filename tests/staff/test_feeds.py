"""Employees' calendar feeds: the settings page, the token's life, and the feed itself,
parsed by icalendar and by vobject (an independent parser)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import services
from booking.feeds import CalendarFeed, calendar_feed_create
from booking.roles import ADVISER
from config_data.models import Employee
from tests import factories
from tests.staff.conftest import staff_user

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC; the clock is Monday 08:00.
TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def alice_client(world) -> Client:
    client = Client()
    client.force_login(staff_user(world.alice))
    return client


def past_meeting(world, *, start: datetime, **kwargs):
    """A meeting booked back when its time was still ahead."""
    return factories.meeting(
        topic=world.topic, employee=world.alice, start=start, now=start - DAY, **kwargs
    )


def make_feed(employee: Employee, *, hide: bool) -> CalendarFeed:
    """The employee's feed; the employee gets a staff account first if they have none."""
    if employee.user_id is None:
        staff_user(employee)
    return calendar_feed_create(employee=employee, hide_customer_details=hide)


def feed_url(feed: CalendarFeed) -> str:
    return reverse("staff:feed_ics", kwargs={"token": feed.token})


def parse(body: bytes) -> tuple[icalendar.Calendar, vobject.base.Component]:
    return icalendar.Calendar.from_ical(body), vobject.readOne(body.decode("utf-8"))


# --- the settings page ---------------------------------------------------------------------


def test_signing_in_is_required(client, world):
    """An anonymous visitor is sent to sign in; nothing is made."""
    response = client.get(reverse("staff:feed"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    response = client.post(reverse("staff:feed_create"))
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_a_customer_account_gets_404(client, world):
    """A signed-in user without a staff role does not reach the page."""
    client.force_login(User.objects.create_user(username="carla", password="x"))
    assert client.get(reverse("staff:feed")).status_code == 404
    assert client.post(reverse("staff:feed_create")).status_code == 404


def test_an_administrator_without_employee_record_is_told_so(client, world):
    """A superuser sees the page but has no meetings, so no feed to make (404 on create)."""
    client.force_login(User.objects.create_superuser(username="root", password="x"))
    response = client.get(reverse("staff:feed"))
    assert response.status_code == 200
    assert b"no employee record" in response.content
    assert client.post(reverse("staff:feed_create")).status_code == 404


def test_the_page_offers_to_make_a_feed(alice_client):
    """Without a feed the page shows the form to make one, and no address."""
    response = alice_client.get(reverse("staff:feed"))
    assert response.status_code == 200
    assert reverse("staff:feed_create").encode() in response.content
    assert b"webcal://" not in response.content
    assert b"your meetings from 30 days ago onwards" in response.content
    assert "no-store" in response["Cache-Control"]


def test_making_a_feed_shows_both_addresses(alice_client, world, settings):
    """Create makes one feed with the option chosen; the page shows webcal and https links."""
    settings.BOOKME_SITE_URL = "https://book.example.com"
    response = alice_client.post(reverse("staff:feed_create"), {"hide_customer_details": "on"})
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(employee=world.alice)
    assert feed.hide_customer_details is True
    page = alice_client.get(reverse("staff:feed")).content.decode()
    token = re.search(r"webcal://book\.example\.com/staff/feed/([\w-]+)\.ics", page).group(1)
    assert len(token) >= 40
    assert f"https://book.example.com/staff/feed/{token}.ics" in page
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_the_address_is_shown_once_and_only_its_hash_is_stored(alice_client, client, world):
    """The database holds the token's SHA-256, not the token; the page shows the address
    right after it was made, and on the next visit says it cannot show it again."""
    alice_client.post(reverse("staff:feed_create"))
    first = alice_client.get(reverse("staff:feed")).content.decode()
    token = re.search(r"/staff/feed/([\w-]+)\.ics", first).group(1)
    feed = CalendarFeed.objects.get()
    assert token not in str(CalendarFeed.objects.values_list().get())
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    again = alice_client.get(reverse("staff:feed")).content.decode()
    assert token not in again
    assert "webcal://" not in again
    assert "The address was shown once" in again
    assert client.get(reverse("staff:feed_ics", kwargs={"token": token})).status_code == 200
    hashed_url = reverse("staff:feed_ics", kwargs={"token": feed.token_hash})
    assert client.get(hashed_url).status_code == 404


def test_making_it_twice_keeps_the_address(alice_client, world):
    """A second create (a double click) keeps the token and applies the new option."""
    alice_client.post(reverse("staff:feed_create"))
    token_hash = CalendarFeed.objects.get().token_hash
    alice_client.post(reverse("staff:feed_create"), {"hide_customer_details": "on"})
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == token_hash
    assert feed.hide_customer_details is True


def test_the_pages_refuse_get_for_writes(alice_client):
    """The write endpoints take POST only."""
    for name in (
        "staff:feed_create",
        "staff:feed_options",
        "staff:feed_rotate",
        "staff:feed_revoke",
    ):
        assert alice_client.get(reverse(name)).status_code == 405


def test_writes_need_the_csrf_token(world):
    """Every form of the page is CSRF protected."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(world.alice))
    assert client.post(reverse("staff:feed_create")).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_options_change_what_shows_not_the_address(alice_client, world):
    """Unticking hide customer details keeps the token."""
    feed = make_feed(world.alice, hide=True)
    response = alice_client.post(reverse("staff:feed_options"), {})
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.hide_customer_details is False


def test_rotating_gives_a_new_address_and_the_old_one_is_gone(alice_client, client, world):
    """After a rotation the old address answers 404 and the new one works."""
    feed = make_feed(world.alice, hide=False)
    old_url = feed_url(feed)
    assert client.get(old_url).status_code == 200
    alice_client.post(reverse("staff:feed_rotate"))
    feed.refresh_from_db()
    assert feed.rotated_at is not None
    page = alice_client.get(reverse("staff:feed")).content.decode()
    new_token = re.search(r"/staff/feed/([\w-]+)\.ics", page).group(1)
    assert new_token != feed.token
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("staff:feed_ics", kwargs={"token": new_token})).status_code == 200


def test_a_revoked_feed_answers_404(alice_client, client, world):
    """Turning the feed off deletes it: its address is not found any more."""
    feed = make_feed(world.alice, hide=False)
    assert client.get(feed_url(feed)).status_code == 200
    response = alice_client.post(reverse("staff:feed_revoke"))
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()
    assert client.get(feed_url(feed)).status_code == 404


def test_an_employee_only_ever_changes_their_own_feed(alice_client, client, world):
    """Bob's feed is untouched by Alice's rotate and revoke (there is no way to name it)."""
    bobs = make_feed(world.bob, hide=False)
    alice_client.post(reverse("staff:feed_rotate"))
    alice_client.post(reverse("staff:feed_revoke"))
    bobs_now = CalendarFeed.objects.get(employee=world.bob)
    assert bobs_now.token_hash == bobs.token_hash
    assert client.get(feed_url(bobs)).status_code == 200


# --- the feed ------------------------------------------------------------------------------


@pytest.fixture
def meetings(world):
    """Alice's meetings: 40 days ago, 10 days ago, tomorrow, one cancelled; one of Bob's."""
    world.topic.information_questions.create(text="What is the purpose?", required=False)
    old = past_meeting(world, start=TUESDAY_TEN - 41 * DAY)
    recent = past_meeting(world, start=TUESDAY_TEN - 11 * DAY)
    ahead = factories.meeting(
        topic=world.topic,
        employee=world.alice,
        start=TUESDAY_TEN,
        customer_name="Carla Customer",
        customer_email="carla@example.com",
        description="About our flat, in Valby.",
        answers={world.topic.information_questions.get().pk: "A new kitchen"},
    )
    cancelled = factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN + DAY)
    services.meeting_cancel(actor=factories.FACTORY_ACTOR, meeting_id=cancelled.pk)
    bobs = factories.meeting(topic=world.topic, employee=world.bob, start=TUESDAY_TEN)
    return {"old": old, "recent": recent, "ahead": ahead, "cancelled": cancelled, "bobs": bobs}


def test_the_feed_is_a_calendar_both_parsers_read_alike(client, world, meetings):
    """text/calendar, a name, a refresh interval, and the right events with stable UIDs."""
    feed = make_feed(world.alice, hide=False)
    response = client.get(feed_url(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    cal, vcal = parse(response.content)

    assert str(cal["METHOD"]) == "PUBLISH" == vcal.method.value
    assert str(cal["X-WR-CALNAME"]) == "BookMe: Alice" == vcal.contents["x-wr-calname"][0].value
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert cal.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert str(cal["X-PUBLISHED-TTL"].to_ical().decode()) == "PT1H"

    uids = [str(event["UID"]) for event in cal.events]
    # 30 days back onwards, cancelled left out, only Alice's, in time order.
    assert uids == [meetings["recent"].ical_uid, meetings["ahead"].ical_uid]
    assert [v.uid.value for v in vcal.contents["vevent"]] == uids


def test_event_times_are_utc_instants(client, world, meetings):
    """Start and end are exact UTC instants in both parsers: no floating local times."""
    feed = make_feed(world.alice, hide=False)
    cal, vcal = parse(client.get(feed_url(feed)).content)
    event = cal.events[1]
    assert event.decoded("DTSTART") == TUESDAY_TEN
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == TUESDAY_TEN + timedelta(hours=1)
    assert vcal.contents["vevent"][1].dtstart.value == TUESDAY_TEN
    assert b"DTSTART:20260602T080000Z" in client.get(feed_url(feed)).content


def test_customer_details_show_by_default(client, world, meetings):
    """Summary names the customer; the description has contact, description and answers."""
    feed = make_feed(world.alice, hide=False)
    cal, vcal = parse(client.get(feed_url(feed)).content)
    event = cal.events[1]
    assert str(event["SUMMARY"]) == "Mortgage: Carla Customer"
    description = str(event["DESCRIPTION"])
    assert "carla@example.com" in description
    assert "About our flat, in Valby." in description
    assert "What is the purpose?: A new kitchen" in description
    assert str(event["CLASS"]) == "PRIVATE"
    assert vcal.contents["vevent"][1].summary.value == "Mortgage: Carla Customer"
    assert "ATTENDEE" not in event  # a subscription is read-only: nothing to answer


def test_hidden_customer_details_leave_no_trace(client, world, meetings):
    """With the option on, neither name, email, description nor answers reach the feed."""
    feed = make_feed(world.alice, hide=True)
    body = client.get(feed_url(feed)).content
    cal, vcal = parse(body)
    assert [str(event["SUMMARY"]) for event in cal.events] == ["Mortgage", "Mortgage"]
    for secret in (b"Carla", b"carla@example.com", b"Valby", b"kitchen"):
        assert secret not in body
    assert all("DESCRIPTION" not in event for event in cal.events)
    assert vcal.contents["vevent"][0].summary.value == "Mortgage"


def test_a_moved_meeting_keeps_its_uid_and_raises_its_sequence(client, world, meetings):
    """Rescheduling updates the same event in subscribed calendars, not a second one."""
    feed = make_feed(world.alice, hide=False)
    ahead = meetings["ahead"]
    cal, _ = parse(client.get(feed_url(feed)).content)
    before = next(e for e in cal.events if str(e["UID"]) == ahead.ical_uid)["SEQUENCE"]
    factories.reschedule(ahead, start=TUESDAY_TEN + 2 * DAY)
    cal, _ = parse(client.get(feed_url(feed)).content)
    event = next(e for e in cal.events if str(e["UID"]) == ahead.ical_uid)
    assert event["SEQUENCE"] == before + 1
    assert event.decoded("DTSTART") == TUESDAY_TEN + 2 * DAY


def test_a_feed_stops_when_its_employee_leaves(client, world):
    """A deactivated account, or one without a staff role, gets 404 for its old feed."""
    user = staff_user(world.alice)
    feed = make_feed(world.alice, hide=False)
    assert client.get(feed_url(feed)).status_code == 200
    user.groups.clear()
    assert client.get(feed_url(feed)).status_code == 404
    user.groups.add(Group.objects.get(name=ADVISER))
    assert client.get(feed_url(feed)).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(feed_url(feed)).status_code == 404


def test_an_unknown_token_is_404(client, world):
    """A made-up address is not found."""
    response = client.get(reverse("staff:feed_ics", kwargs={"token": "not-a-token"}))
    assert response.status_code == 404


def test_the_feed_takes_get_only(client, world):
    """POST to a feed is refused."""
    feed = make_feed(world.alice, hide=False)
    assert client.post(feed_url(feed)).status_code == 405


def test_the_feed_is_rate_limited_per_feed(client, world, settings):
    """Past the hourly limit a feed answers 429 with Retry-After."""
    settings.BOOKME_FEED_REQUESTS_PER_TOKEN = 2
    feed = make_feed(world.alice, hide=False)
    assert client.get(feed_url(feed)).status_code == 200
    assert client.get(feed_url(feed)).status_code == 200
    response = client.get(feed_url(feed))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_guessing_tokens_is_rate_limited_per_address(client, world, settings):
    """Unknown tokens count against the client address, so guessing soon gets 429."""
    settings.BOOKME_FEED_REQUESTS_PER_ADDRESS = 3
    for n in range(3):
        assert (
            client.get(reverse("staff:feed_ics", kwargs={"token": f"guess{n}"})).status_code == 404
        )
    assert client.get(reverse("staff:feed_ics", kwargs={"token": "guess4"})).status_code == 429


def feed_queries(client: Client, feed: CalendarFeed) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(feed_url(feed)).status_code == 200
    return len(queries)


def test_the_feed_query_count_does_not_grow_with_meetings(client, world):
    """One meeting or six: the same number of queries (answers are prefetched)."""
    feed = make_feed(world.alice, hide=False)
    factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    one = feed_queries(client, feed)
    for n in range(1, 6):
        factories.meeting(
            topic=world.topic, employee=world.alice, start=TUESDAY_TEN + n * timedelta(hours=1)
        )
    assert feed_queries(client, feed) == one
    assert one <= 5
