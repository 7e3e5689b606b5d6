"""The waitlist: freed times offered in turn with a hold, run by the real worker; races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from booking import services, waitlist, waitlist_links
from booking.actors import Actor
from booking.errors import HoldExpired, InvalidRequest, InvalidState, LimitReached
from booking.models import (
    OfferStatus,
    TimeSlot,
    TimeSlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from config_data.models import Absence
from tests import factories
from tests.concurrency import race

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 Copenhagen
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Copenhagen
HOUR = timedelta(hours=1)
STAFF = Actor.system("test")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def topic(world):
    """Online meetings with Alice only, so a waiter's times are hers alone."""
    return factories.topic(name="Pension", employees=[world.alice], physical=False)


def join(topic, email, *, start=TEN, end=TEN + HOUR, employee=None, actor=None):
    entry, _created = waitlist.waitlist_join(
        actor=actor or Actor.for_session(email),
        wish=waitlist.Wish(
            topic=topic,
            meeting_type="online",
            window_start=start,
            window_end=end,
            employee=employee,
        ),
        email=email,
    )
    return entry


def offers_to(address):
    return [m for m in mail.outbox if m.to == [address] and "free" in m.subject]


def booked(topic, world, start=TEN):
    return factories.meeting(topic=topic, employee=world.alice, start=start)


# --- joining --------------------------------------------------------------------------------


def test_join_refuses_a_range_that_is_over_or_reversed(topic, clock):
    """A range ending in the past, or ending before it starts, names the field at fault."""
    with pytest.raises(InvalidRequest) as past:
        join(topic, "a@example.com", start=NOW - 2 * HOUR, end=NOW - HOUR)
    assert (past.value.code, past.value.field) == ("waitlist_range_past", "end")
    with pytest.raises(InvalidRequest) as reversed_:
        join(topic, "a@example.com", start=TEN, end=TEN - HOUR)
    assert (reversed_.value.code, reversed_.value.field) == ("end_before_start", "end")
    assert not WaitlistEntry.objects.exists()


def test_join_refuses_an_end_past_the_booking_horizon(topic, clock):
    """The range may end at most a day past the topic's horizon (its last day, whole)."""
    last = NOW + timedelta(days=topic.booking_horizon + 1)
    with pytest.raises(InvalidRequest) as far:
        join(topic, "a@example.com", end=last + timedelta(seconds=1))
    assert (far.value.code, far.value.field) == ("waitlist_end_beyond_horizon", "end")
    assert str(topic.booking_horizon) in far.value.message
    assert not WaitlistEntry.objects.exists()
    assert join(topic, "a@example.com", end=last).window_end == last


def test_join_refuses_a_meeting_type_or_employee_the_topic_lacks(topic, world, clock):
    """In person for an online-only topic, or Bob (who does not hold it): 400s, nothing saved."""
    with pytest.raises(InvalidRequest) as wrong_type:
        waitlist.waitlist_join(
            actor=Actor.for_session("s"),
            wish=waitlist.Wish(
                topic=topic, meeting_type="physical", window_start=TEN, window_end=TEN + HOUR
            ),
            email="a@example.com",
        )
    assert wrong_type.value.field == "meeting_type"
    with pytest.raises(InvalidRequest) as wrong_employee:
        join(topic, "a@example.com", employee=world.bob)
    assert wrong_employee.value.code == "employee_lacks_topic"
    assert not WaitlistEntry.objects.exists()


def test_joining_twice_returns_the_same_entry_and_the_cap_holds(topic, clock):
    """The same wish again is the same entry; past the cap a customer must leave one first."""
    actor = Actor.for_session("s")
    first = join(topic, "a@example.com", actor=actor)
    assert join(topic, "a@example.com", actor=actor) == first
    for n in range(1, waitlist.MAX_WAITING_PER_CUSTOMER):
        join(topic, "a@example.com", actor=actor, end=TEN + HOUR * (n + 1))
    with pytest.raises(LimitReached):
        join(topic, "a@example.com", actor=actor, end=TEN + 10 * HOUR)


@pytest.fixture
def searches(monkeypatch):
    """The windows booking.waitlist searched, in order."""
    seen = []
    real = waitlist.find_slots

    def spy(search, **kwargs):
        seen.append((search.start, search.end))
        return real(search, **kwargs)

    monkeypatch.setattr(waitlist, "find_slots", spy)
    return seen


def test_the_scan_never_searches_past_the_booking_horizon(world, topic, clock, searches):
    """An entry ending years ahead (joined before a shorter horizon) is searched only as far
    as times are bookable, not month by month to its end."""
    topic.booking_horizon = 10
    topic.save()
    Absence.objects.create(employee=world.alice, start=NOW, end=NOW + timedelta(days=400))
    WaitlistEntry.objects.create(
        topic=topic,
        meeting_type="online",
        window_start=NOW,
        window_end=NOW + timedelta(days=365),
        email="a@example.com",
        owner="session:a",
        created_at=NOW,
    )
    assert waitlist.scan() == []
    assert searches == [(NOW, NOW + timedelta(days=10))]


def test_a_freed_time_taken_by_the_first_waiter_stops_the_run(world, topic, clock, searches):
    """Once the first waiter's hold covers the freed time, the others run no search."""
    meeting = booked(topic, world)
    first = join(topic, "first@example.com")
    for n in range(4):
        join(topic, f"w{n}@example.com")
    services.meeting_cancel(actor=STAFF, meeting_id=meeting.pk)
    searches.clear()
    [offer] = waitlist.offer_freed_time(time_slot_id=meeting.time_slot_id)
    assert (offer.entry, offer.time_slot.start) == (first, TEN)
    assert len(searches) == 1


def test_a_freed_time_partly_taken_still_goes_on_to_the_next_waiter(world, clock, searches):
    """A freed two-hour meeting: the first waiter's hour leaves an hour for the second."""
    long_topic = factories.topic(name="Long", employees=[world.alice], physical=False, duration=120)
    short_topic = factories.topic(name="Short", employees=[world.alice], physical=False)
    meeting = factories.meeting(topic=long_topic, employee=world.alice, start=TEN)
    first = join(short_topic, "first@example.com", end=TEN + 2 * HOUR)
    second = join(short_topic, "second@example.com", end=TEN + 2 * HOUR)
    join(short_topic, "third@example.com", end=TEN + 2 * HOUR)
    services.meeting_cancel(actor=STAFF, meeting_id=meeting.pk)
    searches.clear()
    offers = waitlist.offer_freed_time(time_slot_id=meeting.time_slot_id)
    assert [(o.entry, o.time_slot.start) for o in offers] == [(first, TEN), (second, TEN + HOUR)]
    assert len(searches) == 2


# --- offers, end to end with the worker ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_time_is_offered_to_the_first_waiter_with_a_hold(
    world, topic, clock, run_tasks
):
    """Cancelling frees 10:00: the first waiter gets it held and an email with the link."""
    meeting = booked(topic, world)
    first = join(topic, "first@example.com")
    join(topic, "second@example.com")
    services.meeting_cancel(actor=STAFF, meeting_id=meeting.pk)
    run_tasks()
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.status) == (first, OfferStatus.PENDING)
    slot = offer.time_slot
    assert (slot.start, slot.status, slot.holder) == (
        TEN,
        TimeSlotStatus.RESERVED,
        f"system:waitlist:{first.pk}",
    )
    assert slot.expires_at == NOW + timedelta(minutes=15)
    [email] = offers_to("first@example.com")
    assert waitlist_links.offer_url(offer) in email.body
    assert waitlist_links.leave_url(first) in email.body
    assert offers_to("second@example.com") == []


@pytest.mark.django_db(transaction=True)
def test_an_unused_offer_passes_to_the_next_waiter_when_its_hold_ends(
    world, topic, clock, run_tasks
):
    """The first waiter lets the hold lapse: the same time goes to the second, never back."""
    meeting = booked(topic, world)
    first, second = join(topic, "first@example.com"), join(topic, "second@example.com")
    services.meeting_cancel(actor=STAFF, meeting_id=meeting.pk)
    run_tasks()
    clock.move_to(NOW + timedelta(minutes=16))
    run_tasks()
    lapsed, passed = WaitlistOffer.objects.order_by("pk")
    assert (lapsed.entry, lapsed.status) == (first, OfferStatus.LAPSED)
    assert lapsed.time_slot.status == TimeSlotStatus.EXPIRED
    assert (passed.entry, passed.status, passed.time_slot.start) == (
        second,
        OfferStatus.PENDING,
        TEN,
    )
    assert len(offers_to("second@example.com")) == 1
    # The first waiter still waits, but is not offered the same time again.
    first.refresh_from_db()
    assert first.status == WaitlistStatus.WAITING


@pytest.mark.django_db(transaction=True)
def test_leaving_with_an_offer_gives_the_time_to_the_next_waiter(world, topic, clock, run_tasks):
    """Leaving withdraws the pending offer, frees its hold, and the next waiter is offered it."""
    meeting = booked(topic, world)
    first, second = join(topic, "first@example.com"), join(topic, "second@example.com")
    services.meeting_cancel(actor=STAFF, meeting_id=meeting.pk)
    run_tasks()
    waitlist.waitlist_leave(entry_id=first.pk)
    run_tasks()
    first.refresh_from_db()
    assert first.status == WaitlistStatus.LEFT
    statuses = list(WaitlistOffer.objects.order_by("pk").values_list("entry", "status"))
    assert statuses == [(first.pk, OfferStatus.WITHDRAWN), (second.pk, OfferStatus.PENDING)]


@pytest.mark.django_db(transaction=True)
def test_the_scan_offers_a_time_freed_by_removing_an_absence(world, topic, clock, run_tasks):
    """No event tells of configuration changes: the periodic scan finds the freed time."""
    absence = Absence.objects.create(employee=world.alice, start=TEN, end=TEN + HOUR)
    entry = join(topic, "waiter@example.com")
    run_tasks()
    assert not WaitlistOffer.objects.exists()
    absence.delete()
    clock.move_to(NOW + timedelta(minutes=5))
    run_tasks()
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.time_slot.start) == (entry, TEN)
    assert len(offers_to("waiter@example.com")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_moved_meeting_offers_its_old_time(world, topic, clock, run_tasks):
    """A reschedule frees the old time: a waiter for it is offered the old time, not the new."""
    meeting = booked(topic, world)
    entry = join(topic, "waiter@example.com")
    factories.reschedule(meeting, start=TEN + 3 * HOUR)
    run_tasks()
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.time_slot.start) == (entry, TEN)


def test_entries_end_with_their_range(topic, clock):
    """Housekeeping: an entry whose range is over stops waiting."""
    entry = join(topic, "a@example.com")
    clock.move_to(TEN + HOUR)
    assert waitlist.end_past_entries() == 1
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.ENDED


# --- the link -------------------------------------------------------------------------------


def offered(topic, world):
    """An offer made by hand: the first waiter holds 10:00 (the time is free)."""
    entry = join(topic, "waiter@example.com")
    [offer] = waitlist.scan()
    return entry, offer


def test_claiming_hands_the_hold_to_the_browser_once(topic, world, clock):
    """The link's claim moves the hold to the visitor; a second claim is refused."""
    entry, offer = offered(topic, world)
    browser = Actor.for_session("visitor")
    waitlist.waitlist_offer_claim(offer_id=offer.pk, actor=browser)
    slot = TimeSlot.objects.get(pk=offer.time_slot_id)
    assert (slot.holder, slot.status) == ("session:visitor", TimeSlotStatus.RESERVED)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CLAIMED
    with pytest.raises(InvalidState) as again:
        waitlist.waitlist_offer_claim(offer_id=offer.pk, actor=Actor.for_session("other"))
    assert again.value.code == "waitlist_offer_used"


def test_an_expired_offer_cannot_be_claimed(topic, world, clock):
    """Past its hold, the link answers that the offer has expired; the hold stays unmoved."""
    _entry, offer = offered(topic, world)
    clock.move_to(NOW + timedelta(minutes=15))
    with pytest.raises(HoldExpired):
        waitlist.waitlist_offer_claim(offer_id=offer.pk, actor=Actor.for_session("late"))
    assert TimeSlot.objects.get(pk=offer.time_slot_id).holder.startswith("system:waitlist:")


def test_a_tampered_token_names_no_offer(topic, world, clock):
    """Only a token BookMe signed opens an offer."""
    _entry, offer = offered(topic, world)
    token = waitlist_links.offer_token(offer)
    assert waitlist_links.offer_for_token(token) == offer
    assert waitlist_links.offer_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert waitlist_links.offer_for_token(waitlist_links.leave_token(offer.entry)) is None


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_freed_times_many_waiters_no_double_offer(world, topic, clock):
    """Two times free at once and offer runs race: each time is offered to one waiter, no
    waiter gets two, and the first two waiters (in order) are the ones offered."""
    day = [TEN - HOUR + n * HOUR for n in range(8)]  # Alice's whole Tuesday, 09-17
    meetings = [booked(topic, world, start) for start in day]
    entries = [join(topic, f"w{n}@example.com", start=day[0], end=day[-1] + HOUR) for n in range(6)]
    freed = [meetings[1], meetings[4]]
    for meeting in freed:
        services.meeting_cancel(actor=STAFF, meeting_id=meeting.pk)
    slot_ids = [m.time_slot_id for m in freed]
    calls = [
        *(lambda i=i: waitlist.offer_freed_time(time_slot_id=i) for i in slot_ids * 3),
        waitlist.scan,
        waitlist.scan,
    ]
    results = race(calls)
    assert [r for r in results if isinstance(r, Exception)] == []
    offers = list(WaitlistOffer.objects.filter(status=OfferStatus.PENDING))
    assert sorted(o.entry_id for o in offers) == [entries[0].pk, entries[1].pk]
    assert sorted(o.time_slot.start for o in offers) == sorted(m.start for m in freed)
    assert not TimeSlot.objects.double_booked().exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_shows_a_waitlist_offer_a_minute_after_loading(world, clock, run_tasks):
    """`make run`: the demo's held time lapses after a minute and its waiter is emailed."""
    from booking.devdata import demo

    entry = demo.schedule_demo_waitlist_offer(now=NOW)
    assert entry is not None
    run_tasks()
    assert not WaitlistOffer.objects.exists()
    clock.move_to(NOW + demo.DEMO_WAITLIST_AFTER)
    run_tasks()
    assert WaitlistOffer.objects.get().entry == entry
    assert len(offers_to(demo.DEMO_WAITLIST_EMAIL)) == 1
