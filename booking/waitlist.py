"""The waitlist: customers wait for a topic's time; freed times are offered to them in turn.

An offer is a real hold (TimeSlot, Reserved) taken for the waiter by the system actor
"waitlist:<entry id>", and a signed single-use link that hands the hold to the browser
opening it. Unused, the hold lapses and the time goes to the next waiter.

No time is offered to two waiters at once: the hold is an occupying TimeSlot (exclusion
constraint on PostgreSQL, IMMEDIATE transactions on SQLite). No waiter is offered two
times at once: each offer locks its entry and a partial unique index allows one pending
offer per entry. Entries are served first come, first served.

Effects (booking.tasks): "waitlist.time_freed" after an event frees time, "waitlist.offer"
(the email), "waitlist.offer_lapse" when an offer's hold ends, and "waitlist.scan", run
periodically by the housekeeping, which finds times freed by configuration changes
(an absence removed, working hours added), for which no event exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from booking import effects, tasks, waitlist_links
from booking.actors import Actor, ActorKind
from booking.availability import Slot
from booking.errors import (
    HoldExpired,
    InvalidRequest,
    InvalidState,
    LimitReached,
    NotFound,
    SlotUnavailable,
)
from booking.models import (
    OCCUPYING_STATUSES,
    BookingEvent,
    BookingEventKind,
    OfferStatus,
    TimeSlot,
    TimeSlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from booking.search import SlotSearch, find_slots, max_search_window, topic_allows_category
from booking.services.events import record_expired
from booking.services.time_slots import (
    SlotRequest,
    lock_holder,
    time_slot_release,
    time_slot_reserve,
)
from config_data.models import CustomerCategory, Employee, Location, MeetingTopic

logger = logging.getLogger(__name__)

# How many entries one person (a browser, an account, an API client) may keep waiting.
MAX_WAITING_PER_CUSTOMER = 5
MAX_WAITING_PER_API_CLIENT = 1000
WAITING_CAPS = {
    ActorKind.SESSION: MAX_WAITING_PER_CUSTOMER,
    ActorKind.USER: MAX_WAITING_PER_CUSTOMER,
    ActorKind.API_CLIENT: MAX_WAITING_PER_API_CLIENT,
}
# Entries looked at per run: a run stays short; the next scan continues.
MAX_ENTRIES_PER_RUN = 200
# Free times tried per entry before giving up this run (someone may take one meanwhile).
MAX_TRIES_PER_ENTRY = 3
SCAN_EFFECT = "waitlist.scan"


@dataclass(frozen=True)
class Wish:
    """What a waiter waits for: a topic, how and where, with whom (None: anyone), when."""

    topic: MeetingTopic
    meeting_type: str
    window_start: datetime
    window_end: datetime
    location: Location | None = None
    employee: Employee | None = None
    customer_category: CustomerCategory | None = None


def offer_minutes() -> int:
    return settings.BOOKME_WAITLIST_OFFER_MINUTES


def offer_actor(entry_id: int) -> Actor:
    """Who holds an offered time until the waiter takes it."""
    return Actor.system(f"waitlist:{entry_id}")


def bookable_until(topic: MeetingTopic, now: datetime) -> datetime:
    """The latest start a search offers for the topic (booking.search's SlotRules.latest)."""
    return now + timedelta(days=topic.booking_horizon)


def latest_end(topic: MeetingTopic, now: datetime) -> datetime:
    """The latest a waitlist range may end: a day past the horizon, so that its last day
    can be wished for whole (the website's ranges end at a local midnight)."""
    return bookable_until(topic, now) + timedelta(days=1)


def _validate(wish: Wish, *, now: datetime) -> None:
    topic = wish.topic
    if wish.window_start.tzinfo is None or wish.window_end.tzinfo is None:
        raise InvalidRequest("times_need_offset", field="start")
    if wish.window_end <= wish.window_start:
        raise InvalidRequest("end_before_start", field="end")
    if wish.window_end <= now:
        raise InvalidRequest("waitlist_range_past", field="end")
    if wish.window_end > latest_end(topic, now):
        raise InvalidRequest("waitlist_end_beyond_horizon", field="end", days=topic.booking_horizon)
    if wish.window_start >= bookable_until(topic, now):
        raise InvalidRequest("waitlist_beyond_horizon", field="start", days=topic.booking_horizon)
    if wish.meeting_type not in topic.meeting_types:
        raise InvalidRequest(
            "topic_meeting_type", field="meeting_type", topic=topic, meeting_type=wish.meeting_type
        )
    employee = wish.employee
    if employee is not None and not topic.employees.bookable().filter(pk=employee.pk).exists():
        raise InvalidRequest("employee_lacks_topic", field="employee", topic=topic)
    if (
        employee is not None
        and wish.location is not None
        and employee.location_id != wish.location.pk
    ):
        raise InvalidRequest("waitlist_employee_elsewhere", field="location")
    category = wish.customer_category
    if category is not None and not topic_allows_category(topic, category.pk):
        raise InvalidRequest("category_excluded", field="customer_category")


def waitlist_join(
    *,
    actor: Actor,
    wish: Wish,
    email: str,
    name: str = "",
    language: str = "en",
    customer_reference: str = "",
    now: datetime | None = None,
) -> tuple[WaitlistEntry, bool]:
    """Put a customer on the list. Returns (entry, created); the same wish again by the
    same owner and address returns the entry already waiting."""
    now = now or timezone.now()
    _validate(wish, now=now)
    fields: dict[str, Any] = {
        "topic": wish.topic,
        "meeting_type": wish.meeting_type,
        "location": wish.location,
        "employee": wish.employee,
        "customer_category": wish.customer_category,
        "window_start": wish.window_start,
        "window_end": wish.window_end,
        "email": email,
        "owner": actor.holder,
    }
    with transaction.atomic():
        # A count, then an insert: one owner's joins take turns (see lock_holder).
        lock_holder(actor.holder)
        waiting = WaitlistEntry.objects.waiting(now).owned_by(actor.holder)
        same = waiting.filter(**fields).first()
        if same is not None:
            return same, False
        cap = WAITING_CAPS.get(actor.kind)  # staff and BookMe itself: no cap
        if cap is not None and waiting.count() >= cap:
            raise LimitReached("waitlist_limit", count=cap)
        entry = WaitlistEntry(
            **fields,
            name=name,
            language=language,
            customer_reference=customer_reference,
            created_at=now,
        )
        entry.full_clean(exclude=["topic", "location", "employee", "customer_category"])
        entry.save()
        schedule_scan(now)
    return entry, True


def waitlist_leave(*, entry_id: int, now: datetime | None = None) -> WaitlistEntry:
    """Leave the list (idempotent). A time held for the entry is given back at once."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().filter(pk=entry_id).first()
        if entry is None:
            raise NotFound("waitlist_entry_not_found", field="entry")
        if entry.status == WaitlistStatus.WAITING:
            entry.status = WaitlistStatus.LEFT
            entry.save(update_fields=["status", "updated_at"])
            for offer in entry.offers.filter(status=OfferStatus.PENDING).select_related(
                "time_slot"
            ):
                _end_offer(offer, OfferStatus.WITHDRAWN, now=now)
    return entry


def _end_offer(offer: WaitlistOffer, status: OfferStatus, *, now: datetime) -> None:
    """A pending offer ends unused: its hold (still the waitlist's) is freed, and its
    `released`/`expired` event offers the time to the next waiter."""
    offer.status = status
    offer.save(update_fields=["status"])
    slot = offer.time_slot
    if slot.holder != offer_actor(offer.entry_id).holder:
        return  # already handed to a browser: it is the customer's hold now
    if status == OfferStatus.LAPSED:
        updated = TimeSlot.objects.filter(
            pk=slot.pk, status=TimeSlotStatus.RESERVED, expires_at__lte=now
        ).update(status=TimeSlotStatus.EXPIRED, updated_at=now)
        if updated:
            record_expired([slot.pk], now=now)
    elif slot.status == TimeSlotStatus.RESERVED:
        time_slot_release(actor=offer_actor(offer.entry_id), time_slot_id=slot.pk, now=now)


def end_past_entries(*, now: datetime | None = None) -> int:
    """Entries whose range is over stop waiting (housekeeping). Returns how many."""
    now = now or timezone.now()
    return WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, window_end__lte=now).update(
        status=WaitlistStatus.ENDED, updated_at=now
    )


# --- offering ---------------------------------------------------------------------------


def _free_slots(entry: WaitlistEntry, start: datetime, end: datetime, *, now: datetime) -> list:
    """The entry's free times starting in [start, end) and ending within its range."""
    # Never past what is bookable: an entry may outlast the horizon (joined before it
    # shrank), and each month searched costs a search on every scan.
    start = max(start, entry.window_start, now)
    end = min(end, entry.window_end, bookable_until(entry.topic, now))
    found: list[Slot] = []
    while start < end:
        chunk_end = min(end, start + max_search_window())
        search = SlotSearch(
            start=start,
            end=chunk_end,
            topic=entry.topic,
            customer_category_id=entry.customer_category_id,
            employee_ids=[entry.employee_id] if entry.employee_id else None,
            meeting_types=frozenset({entry.meeting_type}),
            location_id=entry.location_id,
        )
        found += [s for s in find_slots(search, now=now) if s.end <= entry.window_end]
        if found:
            break
        start = chunk_end
    return found


def _offer_to(
    entry_id: int, start: datetime, end: datetime, *, now: datetime
) -> WaitlistOffer | None:
    """Hold the entry's first free time in [start, end) and offer it, unless it waits no
    more or already has a pending offer. None when nothing was offered."""
    entry = WaitlistEntry.objects.select_related("topic").filter(pk=entry_id).first()
    if entry is None or entry.status != WaitlistStatus.WAITING:
        return None
    already = set(entry.offers.values_list("time_slot__start", "time_slot__employee_id"))
    slots = [
        s
        for s in _free_slots(entry, start, end, now=now)
        if (s.start, s.employee_id) not in already
    ]
    if not slots:
        return None
    employees = Employee.objects.in_bulk({s.employee_id for s in slots if s.employee_id})
    try:
        with transaction.atomic():
            # The entry's row lock: two runs offering to the same entry take turns, and the
            # second sees the first one's pending offer.
            entry = WaitlistEntry.objects.select_for_update().get(pk=entry_id)
            if entry.status != WaitlistStatus.WAITING or entry.window_end <= now:
                return None
            if entry.offers.filter(status=OfferStatus.PENDING).exists():
                return None
            for slot in slots[:MAX_TRIES_PER_ENTRY]:
                wanted = SlotRequest(
                    start=slot.start,
                    end=slot.end,
                    employee=employees.get(slot.employee_id) if slot.employee_id else None,
                    topic=entry.topic,
                    meeting_type=entry.meeting_type,
                )
                try:
                    hold, _created = time_slot_reserve(
                        actor=offer_actor(entry.pk), wanted=wanted, now=now
                    )
                except SlotUnavailable:
                    continue  # taken meanwhile: the next free time
                return _create_offer(entry, hold, now=now)
    except IntegrityError:
        # The one-pending-offer index refused a second offer: another run won this entry.
        return None
    return None


def _create_offer(entry: WaitlistEntry, hold: TimeSlot, *, now: datetime) -> WaitlistOffer:
    expires_at = now + timedelta(minutes=offer_minutes())
    # The hold lasts exactly as long as the offer (the hold length may differ).
    TimeSlot.objects.filter(pk=hold.pk).update(expires_at=expires_at)
    offer = WaitlistOffer.objects.create(
        entry=entry, time_slot=hold, created_at=now, expires_at=expires_at
    )
    tasks.schedule("waitlist.offer", key=f"waitlist.offer:{offer.pk}", offer_id=offer.pk)
    tasks.schedule(
        "waitlist.offer_lapse",
        key=f"waitlist.offer_lapse:{offer.pk}",
        run_after=expires_at,
        offer_id=offer.pk,
    )
    return offer


def offer_freed_time(*, time_slot_id: int, now: datetime | None = None) -> list[WaitlistOffer]:
    """A time slot stopped occupying its time: offer what that freed to the waiters, first
    come first served, until no free time is left there."""
    now = now or timezone.now()
    slot = TimeSlot.objects.filter(pk=time_slot_id).first()
    if slot is None or (slot.status in OCCUPYING_STATUSES and not slot.is_stale(now)):
        return []  # occupied again (e.g. retaken): nothing was freed
    # An offer whose hold ended this way is over; its waiter is not offered it again.
    WaitlistOffer.objects.filter(time_slot_id=time_slot_id, status=OfferStatus.PENDING).update(
        status=OfferStatus.LAPSED
    )
    entries = WaitlistEntry.objects.waiting(now).filter(
        window_start__lt=slot.blocked_end, window_end__gt=slot.blocked_start
    )
    if slot.employee_id is not None:
        # Only this employee's time is new: waiters for anyone, or for this employee.
        entries = entries.filter(
            Q(employee__isnull=True) | Q(employee_id=slot.employee_id),
            topic__employees=slot.employee_id,
        )
    offers = []
    # What of the freed time no offer's hold covers yet: once none is left, the other
    # waiters need no search (a freed time would otherwise cost one per waiter).
    uncovered = [(slot.blocked_start, slot.blocked_end)]
    for entry_id in entries.first_come().values_list("pk", flat=True)[:MAX_ENTRIES_PER_RUN]:
        offer = _offer_to(entry_id, uncovered[0][0], uncovered[-1][1], now=now)
        if offer is None:
            continue
        offers.append(offer)
        hold = offer.time_slot
        uncovered = _without(uncovered, hold.blocked_start, hold.blocked_end)
        if not uncovered:
            break
    return offers


def _without(
    intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The sorted intervals minus [start, end)."""
    rest = []
    for a, b in intervals:
        if a < start:
            rest.append((a, min(b, start)))
        if b > end:
            rest.append((max(a, end), b))
    return rest


def scan(*, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer free times to waiters without a pending offer, first come first served.

    Finds what configuration changes freed (an absence removed, working hours added):
    those record no booking event. Also ends the entries whose range is over.
    """
    now = now or timezone.now()
    end_past_entries(now=now)
    entries = (
        WaitlistEntry.objects.waiting(now)
        .exclude(offers__status=OfferStatus.PENDING)
        .first_come()
        .values_list("pk", "window_start", "window_end")
    )
    offers = []
    for entry_id, start, end in entries[:MAX_ENTRIES_PER_RUN]:
        offer = _offer_to(entry_id, start, end, now=now)
        if offer is not None:
            offers.append(offer)
    return offers


def waitlist_offer_claim(
    *, offer_id: int, actor: Actor, now: datetime | None = None
) -> WaitlistOffer:
    """Hand the offered hold to `actor` (the browser that opened the link). Once only:
    a second use is InvalidState, a lapsed or withdrawn offer HoldExpired."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = WaitlistOffer.objects.select_for_update().filter(pk=offer_id).first()
        if offer is None:
            raise NotFound("waitlist_offer_not_found", field="offer")
        if offer.status == OfferStatus.CLAIMED:
            raise InvalidState("waitlist_offer_used", field="offer")
        slot = TimeSlot.objects.select_for_update().get(pk=offer.time_slot_id)
        if (
            offer.status != OfferStatus.PENDING
            or slot.holder != offer_actor(offer.entry_id).holder
            or not slot.hold_is_live(now)
        ):
            raise HoldExpired("waitlist_offer_expired", field="offer")
        slot.holder = actor.holder
        slot.save(update_fields=["holder", "updated_at"])
        offer.status, offer.claimed_at = OfferStatus.CLAIMED, now
        offer.save(update_fields=["status", "claimed_at"])
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(
            status=WaitlistStatus.CLAIMED, updated_at=now
        )
    offer.time_slot = slot
    return offer


# --- effects -----------------------------------------------------------------------------

FREEING_KINDS = (
    BookingEventKind.CANCELLED,
    BookingEventKind.MOVED,
    BookingEventKind.EXPIRED,
    BookingEventKind.RELEASED,
)


@effects.on(*FREEING_KINDS)
def _time_freed(event: BookingEvent) -> None:
    """Cancelled, moved (the old time), released, expired: a time may be free for waiters."""
    if event.kind == BookingEventKind.MOVED:
        slot_id = event.data.get("previous_time_slot")
    else:
        slot_id = event.time_slot_id
    if slot_id:
        tasks.schedule(
            "waitlist.time_freed", key=f"{event.pk}:waitlist.time_freed", time_slot_id=slot_id
        )


@tasks.effect("waitlist.time_freed")
def _offer_freed_time(*, time_slot_id: int) -> None:
    offer_freed_time(time_slot_id=time_slot_id)


@tasks.effect("waitlist.offer_lapse")
def _offer_lapse(*, offer_id: int) -> None:
    """The offer's hold ran out unused: expire it now, so the next waiter hears at once."""
    now = timezone.now()
    with transaction.atomic():
        offer = (
            WaitlistOffer.objects.select_for_update()
            .select_related("time_slot")
            .filter(pk=offer_id, status=OfferStatus.PENDING, expires_at__lte=now)
            .first()
        )
        if offer is not None:
            _end_offer(offer, OfferStatus.LAPSED, now=now)


def schedule_scan(now: datetime) -> None:
    """Schedule the next scan at the start of the next time bucket. Its key is the bucket,
    so however many callers ask, one scan per interval is pending. Joining starts the
    chain and each scan continues it while anyone waits: no cron, nothing when idle."""
    step = settings.BOOKME_WAITLIST_SCAN_MINUTES * 60
    run_at = datetime.fromtimestamp((now.timestamp() // step + 1) * step, tz=now.tzinfo)
    tasks.schedule(SCAN_EFFECT, key=f"{SCAN_EFFECT}:{run_at.isoformat()}", run_after=run_at)


@tasks.effect(SCAN_EFFECT, max_attempts=1)
def _scan() -> None:
    now = timezone.now()
    # First, so that a failing scan never stops the chain.
    if WaitlistEntry.objects.waiting(now).exists():
        schedule_scan(now)
    scan(now=now)


@tasks.effect("waitlist.offer")
def _send_offer(*, offer_id: int) -> None:
    waitlist_links.send_offer(offer_id)
