"""Time slot transitions: hold (reserve), book, release, and expiring stale holds.

Double booking is impossible by construction:
- PostgreSQL: the exclusion constraints on TimeSlot refuse a second occupying slot
  on the same employee or room; a losing insert raises IntegrityError, mapped here.
- SQLite: transactions start IMMEDIATE (settings), so the re-check and the insert
  below run while this connection holds the only write lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from booking.actors import Actor
from booking.busy import busy_resources_filter
from booking.errors import (
    HoldExpired,
    InvalidRequest,
    InvalidState,
    LimitReached,
    NotFound,
    SlotUnavailable,
)
from booking.models import (
    LONGEST_BLOCK,
    LONGEST_BLOCK_HOURS,
    OCCUPYING_STATUSES,
    BookingEventKind,
    Meeting,
    TimeSlot,
    TimeSlotStatus,
    group_session_key,
    is_single_session,
)
from booking.search import WantedSlot, offered_slot
from booking.services.events import record_event, record_expired
from config_data.models import Employee, MeetingTopic, MeetingType, Room

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class SlotRequest:
    """The time wanted: when, with whom or where, and what for (topic, meeting type)."""

    start: datetime
    end: datetime
    employee: Employee | None
    room: Room | None = None
    topic: MeetingTopic | None = None
    meeting_type: str | None = None
    room_features: frozenset[int] | None = None  # the room must have these, and the topic's

    @property
    def employee_id(self) -> int | None:
        return self.employee.pk if self.employee else None

    @property
    def room_id(self) -> int | None:
        return self.room.pk if self.room else None

    def wanted_slot(self) -> WantedSlot:
        """The same time by ids, as the search re-checks it."""
        return WantedSlot(
            self.start,
            self.end,
            self.employee_id,
            self.room_id,
            self.topic,
            self.meeting_type,
            room_features=self.room_features,
        )


def hold_duration() -> timedelta:
    return timedelta(minutes=settings.BOOKME_HOLD_MINUTES)


def booked_without_meeting_duration() -> timedelta:
    return timedelta(minutes=settings.BOOKME_BOOKED_WITHOUT_MEETING_MINUTES)


def _seconds_until_first_expiry(slots: QuerySet[TimeSlot], now: datetime) -> int:
    """Retry-After for a holder at a cap: when its first counted slot frees a place."""
    first = slots.order_by("expires_at").values_list("expires_at", flat=True).first()
    return max(math.ceil((first - now).total_seconds()), 1) if first else 1


def lock_holder(holder: str) -> None:
    """Serialise one holder's capped writes until the transaction ends.

    A cap is a count followed by an insert: two requests of one client at once would both
    count below the cap and both insert. On PostgreSQL a transaction-scoped advisory lock
    keyed by the holder makes them take turns; SQLite's IMMEDIATE transactions already do.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"holder:{holder}"])


def expire_stale_holds(*, now: datetime, employee_id: int | None, room_id: int | None) -> None:
    """Stale holds of these resources -> Expired, one `expired` event each.

    Runs in the writing transaction, before the insert or save, on every resource the
    write takes (the employee, and the room finally chosen, whether asked for or picked):
    the search offers a stale hold's time as free, and on PostgreSQL the exclusion
    constraint would still refuse a slot over it. No background job is needed to clear it.
    Three queries whatever the count (one when nothing is stale). The rows are locked first
    (in id order, so two expirers never deadlock): a concurrent expirer then finds them no
    longer stale, so no slot gets two events.
    """
    stale = list(
        TimeSlot.objects.stale_holds(now)
        .filter(busy_resources_filter(employee_id=employee_id, room_id=room_id))
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not stale:
        return
    TimeSlot.objects.filter(pk__in=stale).update(status=TimeSlotStatus.EXPIRED, updated_at=now)
    record_expired(stale, now=now)


def _same_request(slot: TimeSlot, wanted: SlotRequest) -> bool:
    return (slot.start, slot.end, slot.employee_id) == (
        wanted.start,
        wanted.end,
        wanted.employee_id,
    ) and (wanted.room_id is None or slot.room_id == wanted.room_id)


def _validate(wanted: SlotRequest) -> None:
    start, end, topic = wanted.start, wanted.end, wanted.topic
    if wanted.employee is None and wanted.room is None:
        raise InvalidRequest("employee_or_room_required", field="employee")
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidRequest("times_need_offset", field="start")
    if end <= start:
        raise InvalidRequest("end_before_start", field="end")
    buffers = timedelta(minutes=topic.buffer_before + topic.buffer_after if topic else 0)
    if end - start + buffers > LONGEST_BLOCK:
        raise InvalidRequest("slot_too_long", field="end", hours=LONGEST_BLOCK_HOURS)
    if wanted.meeting_type is not None and wanted.meeting_type not in MeetingType.values:
        raise InvalidRequest(
            "unknown_meeting_type", field="meeting_type", meeting_type=wanted.meeting_type
        )


def _check_hold_cap(actor: Actor, now: datetime) -> None:
    cap = actor.max_active_holds
    if cap is None:
        return
    lock_holder(actor.holder)
    active = TimeSlot.objects.held_by(actor.holder).filter(
        status=TimeSlotStatus.RESERVED, expires_at__gt=now
    )
    if active.count() >= cap:
        # Customers read it on the website, API clients in a 429: each in its own words.
        raise LimitReached(
            "hold_limit_customer" if actor.is_customer else "hold_limit",
            count=cap,
            retry_after=_seconds_until_first_expiry(active, now),
        )


def time_slot_reserve(
    *,
    actor: Actor,
    wanted: SlotRequest,
    token: str = "",
    moving: Meeting | None = None,
    now: datetime | None = None,
) -> tuple[TimeSlot, bool]:
    """Hold a slot for `actor` for a few minutes. Returns (slot, created).

    The same actor sending the same token again gets the same slot back (created=False),
    so a retried request never holds twice. `moving` is a meeting being moved: its own
    slot does not block the move. The actor's cap on live holds applies.
    """
    now = now or timezone.now()
    _validate(wanted)
    holder = actor.holder
    if token:
        existing = TimeSlot.objects.filter(holder=holder, token=token).first()
        if existing is not None:
            return _replay(existing, wanted)

    slot_key = moving.time_slot.session_key if moving is not None else ""
    ignore = slot_key if is_single_session(slot_key) else ""
    try:
        with transaction.atomic():
            _check_hold_cap(actor, now)
            time_slot = _new_hold(wanted, holder=holder, token=token, ignore=ignore, now=now)
            record_event(
                BookingEventKind.HELD,
                actor=actor,
                now=now,
                time_slot=time_slot,
                data={"start": wanted.start.isoformat(), "end": wanted.end.isoformat()},
            )
    except (IntegrityError, OperationalError, SlotUnavailable) as exc:
        # Lost a race: another transaction took the time (exclusion constraint or seat)
        # or, with the same token, replayed this very request. A twin that committed first
        # shows up as a taken time (SlotUnavailable, e.g. under SQLite's write lock): that
        # is the caller's own reservation, so it is replayed, never a conflict.
        if isinstance(exc, OperationalError) and not is_deadlock(exc):
            raise
        if token:
            existing = TimeSlot.objects.filter(holder=holder, token=token).first()
            if existing is not None:
                return _replay(existing, wanted)
        if isinstance(exc, SlotUnavailable):
            raise
        raise SlotUnavailable("slot_taken", field="start") from None
    return time_slot, True


def _new_hold(
    wanted: SlotRequest, *, holder: str, token: str, ignore: str, now: datetime
) -> TimeSlot:
    topic, start, end = wanted.topic, wanted.start, wanted.end
    slot = offered_slot(wanted.wanted_slot(), now=now, ignore_session_key=ignore)
    # On the room finally chosen too: offered_slot picks one when none was asked for.
    expire_stale_holds(now=now, employee_id=wanted.employee_id, room_id=slot.room_id)
    time_slot = TimeSlot(
        employee_id=wanted.employee_id,
        room_id=slot.room_id,
        topic=topic,
        start=start,
        end=end,
        blocked_start=start - timedelta(minutes=topic.buffer_before if topic else 0),
        blocked_end=end + timedelta(minutes=topic.buffer_after if topic else 0),
        status=TimeSlotStatus.RESERVED,
        expires_at=now + hold_duration(),
        holder=holder,
        token=token,
        meeting_type=wanted.meeting_type or "",
    )
    if ignore:
        time_slot.session_key = ignore
        time_slot.seat = _next_seat(ignore)
    elif topic is not None and topic.capacity > 1:
        time_slot.session_key = group_session_key(
            topic_id=topic.pk, employee_id=wanted.employee_id, room_id=slot.room_id, start=start
        )
        time_slot.seat = _next_seat(time_slot.session_key, capacity=topic.capacity)
    # The employee, room and topic were just read: re-checking that they exist would
    # cost a query each; the foreign keys still guard them.
    time_slot.full_clean(
        exclude=["employee", "room", "topic"], validate_unique=False, validate_constraints=False
    )
    time_slot.save()
    return time_slot


def time_slot_reserve_any(
    *,
    actor: Actor,
    choices: Sequence[SlotRequest],
    moving: Meeting | None = None,
    now: datetime | None = None,
) -> TimeSlot:
    """Hold the first of equivalent times still free (e.g. the same time with each free
    employee): someone quicker on one leaves the next. SlotUnavailable when all are gone."""
    for wanted in choices:
        try:
            slot, _created = time_slot_reserve(actor=actor, wanted=wanted, moving=moving, now=now)
        except SlotUnavailable:
            continue
        return slot
    raise SlotUnavailable("time_taken_choose_another", field="start")


def is_deadlock(exc: OperationalError) -> bool:
    # PostgreSQL: two reservations of one room for two employees (or the reverse) each wait
    # on the other's uncommitted slot, one through each exclusion constraint; PostgreSQL
    # aborts one of them. That one lost the race: a conflict, not a server error.
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _replay(existing: TimeSlot, wanted: SlotRequest) -> tuple[TimeSlot, bool]:
    if not _same_request(existing, wanted):
        raise InvalidRequest("token_reused", field="token")
    return existing, False


def _next_seat(session_key: str, *, capacity: int | None = None) -> int:
    taken = set(
        TimeSlot.objects.filter(session_key=session_key, status__in=OCCUPYING_STATUSES).values_list(
            "seat", flat=True
        )
    )
    if capacity is None:
        return (max(taken) if taken else 0) + 1
    for seat in range(1, capacity + 1):
        if seat not in taken:
            return seat
    raise SlotUnavailable("session_full", field="start")


def locked_slot(time_slot_id: int, *, actor: Actor) -> TimeSlot:
    """The actor's slot, locked until the transaction ends; anyone else's is not found."""
    try:
        slot = TimeSlot.objects.select_for_update().get(pk=time_slot_id)
    except TimeSlot.DoesNotExist:
        raise NotFound("time_slot_not_found", field="time_slot") from None
    if slot.holder != actor.holder:
        raise NotFound("time_slot_not_found", field="time_slot")
    return slot


def book_locked(slot: TimeSlot, *, actor: Actor, now: datetime) -> bool:
    """Reserved -> Booked on a slot locked by the caller. False: it was Booked already."""
    if slot.status == TimeSlotStatus.BOOKED and not slot.is_stale(now):
        return False
    if slot.status == TimeSlotStatus.EXPIRED or slot.is_stale(now):
        raise HoldExpired("hold_expired", field="status")
    if slot.status != TimeSlotStatus.RESERVED:
        raise InvalidState("slot_not_bookable", field="status", status=slot.status)
    cap = actor.max_booked_without_meeting
    if cap is not None:
        lock_holder(actor.holder)
        waiting = TimeSlot.objects.held_by(actor.holder).filter(
            status=TimeSlotStatus.BOOKED, expires_at__gt=now
        )
        if waiting.count() >= cap:
            raise LimitReached(
                "booked_limit", count=cap, retry_after=_seconds_until_first_expiry(waiting, now)
            )
    slot.status = TimeSlotStatus.BOOKED
    slot.expires_at = now + booked_without_meeting_duration()
    slot.save(update_fields=["status", "expires_at", "updated_at"])
    return True


@transaction.atomic
def time_slot_book(*, actor: Actor, time_slot_id: int, now: datetime | None = None) -> TimeSlot:
    """Reserved -> Booked: only by the holder, only while the hold lasts. Idempotent.

    The slot then waits for its meeting for BOOKME_BOOKED_WITHOUT_MEETING_MINUTES (its new
    expiry): past that it is freed like a lapsed hold, so booking cannot hoard time.
    """
    now = now or timezone.now()
    slot = locked_slot(time_slot_id, actor=actor)
    if book_locked(slot, actor=actor, now=now):
        record_event(BookingEventKind.BOOKED, actor=actor, now=now, time_slot=slot)
    return slot


@transaction.atomic
def time_slot_release(*, actor: Actor, time_slot_id: int, now: datetime | None = None) -> TimeSlot:
    """Give up a hold or a booked slot. A slot that carries a meeting cancels the meeting."""
    from booking.services.meetings import meeting_cancel  # a release may be a cancel

    now = now or timezone.now()
    slot = locked_slot(time_slot_id, actor=actor)
    meeting = Meeting.objects.filter(time_slot=slot).first()
    if meeting is not None:
        meeting_cancel(actor=actor, meeting_id=meeting.pk, now=now)
        slot.refresh_from_db()
        return slot
    if slot.status in (TimeSlotStatus.RESERVED, TimeSlotStatus.BOOKED):
        slot.status = TimeSlotStatus.CANCELLED
        slot.save(update_fields=["status", "updated_at"])
        record_event(BookingEventKind.RELEASED, actor=actor, now=now, time_slot=slot)
    return slot
