"""Every write of the booking domain. Keyword-only, typed, one transaction each.

Double booking is impossible by construction:
- PostgreSQL: the exclusion constraints on TimeSlot refuse a second occupying slot
  on the same employee or room; a losing insert raises IntegrityError, mapped here.
- SQLite: transactions start IMMEDIATE (settings), so the re-check and the insert
  below run while this connection holds the only write lock.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from booking import emails
from booking.errors import (
    HoldExpired,
    InvalidRequest,
    InvalidState,
    LimitReached,
    NotFound,
    SlotUnavailable,
    TooLate,
)
from booking.models import (
    LONGEST_BLOCK,
    OCCUPYING_STATUSES,
    BookedBy,
    Customer,
    Meeting,
    MeetingAnswer,
    MeetingStatus,
    TimeSlot,
    TimeSlotStatus,
)
from booking.search import (
    busy_resources_filter,
    minutes_text,
    offered_slot,
    topic_allows_category,
)
from config_data.models import CustomerCategory, Employee, MeetingTopic, MeetingType, Room

logger = logging.getLogger(__name__)


def hold_duration() -> timedelta:
    return timedelta(minutes=settings.BOOKME_HOLD_MINUTES)


def booked_without_meeting_duration() -> timedelta:
    return timedelta(minutes=settings.BOOKME_BOOKED_WITHOUT_MEETING_MINUTES)


def _seconds_until_first_expiry(slots: QuerySet[TimeSlot], now: datetime) -> int:
    """Retry-After for a holder at a cap: when its first counted slot frees a place."""
    first = slots.order_by("expires_at").values_list("expires_at", flat=True).first()
    return max(math.ceil((first - now).total_seconds()), 1) if first else 1


def _lock_holder(holder: str) -> None:
    """Serialise one holder's capped writes until the transaction ends.

    A cap is a count followed by an insert: two requests of one client at once would both
    count below the cap and both insert. On PostgreSQL a transaction-scoped advisory lock
    keyed by the holder makes them take turns; SQLite's IMMEDIATE transactions already do.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"holder:{holder}"])


def _expire_stale_holds(*, now: datetime, employee_id: int | None, room_id: int | None) -> None:
    # Runs in the reserving transaction, before the insert: a hold that ran out must
    # not block anyone, and no background job is needed to clear it.
    TimeSlot.objects.stale_holds(now).filter(
        busy_resources_filter(employee_id=employee_id, room_id=room_id)
    ).update(status=TimeSlotStatus.EXPIRED, updated_at=now)


def _same_request(
    slot: TimeSlot, *, start: datetime, end: datetime, employee_id: int | None, room_id: int | None
) -> bool:
    return (slot.start, slot.end, slot.employee_id) == (start, end, employee_id) and (
        room_id is None or slot.room_id == room_id
    )


def time_slot_reserve(
    *,
    holder: str,
    start: datetime,
    end: datetime,
    employee: Employee | None,
    room: Room | None = None,
    topic: MeetingTopic | None = None,
    meeting_type: str | None = None,
    token: str = "",
    max_active_holds: int | None = None,
    replacing: TimeSlot | None = None,
    now: datetime | None = None,
) -> tuple[TimeSlot, bool]:
    """Hold a slot for `holder` for a few minutes. Returns (slot, created).

    The same holder sending the same token again gets the same slot back
    (created=False), so a retried request never holds twice.
    `replacing` is the slot of a meeting being moved: it does not block its own move.
    """
    now = now or timezone.now()
    employee_id = employee.pk if employee else None
    room_id = room.pk if room else None
    if employee is None and room is None:
        raise InvalidRequest("Choose an employee or a room.", field="employee")
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidRequest("Times must include a UTC offset.", field="start")
    if end <= start:
        raise InvalidRequest("The end must be after the start.", field="end")
    buffers = timedelta(minutes=topic.buffer_before + topic.buffer_after if topic else 0)
    if end - start + buffers > LONGEST_BLOCK:
        raise InvalidRequest(
            "A time slot can block at most two days, buffers included.", field="end"
        )
    if meeting_type is not None and meeting_type not in MeetingType.values:
        raise InvalidRequest(f"Unknown meeting type {meeting_type!r}.", field="meeting_type")

    if token:
        existing = TimeSlot.objects.filter(holder=holder, token=token).first()
        if existing is not None:
            return _replay(existing, start=start, end=end, employee_id=employee_id, room_id=room_id)

    ignore = (
        replacing.session_key if replacing and replacing.session_key.startswith("single:") else ""
    )
    try:
        with transaction.atomic():
            _expire_stale_holds(now=now, employee_id=employee_id, room_id=room_id)
            if max_active_holds is not None:
                _lock_holder(holder)
                active = TimeSlot.objects.held_by(holder).filter(
                    status=TimeSlotStatus.RESERVED, expires_at__gt=now
                )
                if active.count() >= max_active_holds:
                    raise LimitReached(
                        f"You can hold at most {max_active_holds} times at once. "
                        "Confirm or release one first.",
                        retry_after=_seconds_until_first_expiry(active, now),
                    )
            slot = offered_slot(
                start=start,
                end=end,
                employee_id=employee_id,
                room_id=room_id,
                topic=topic,
                meeting_type=meeting_type,
                now=now,
                ignore_session_key=ignore,
            )
            time_slot = TimeSlot(
                employee_id=employee_id,
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
                meeting_type=meeting_type or "",
            )
            if ignore:
                time_slot.session_key = ignore
                time_slot.seat = _next_seat(ignore)
            elif topic is not None and topic.capacity > 1:
                time_slot.session_key = (
                    f"group:{topic.pk}:{employee_id}:{slot.room_id}:{start.isoformat()}"
                )
                time_slot.seat = _next_seat(time_slot.session_key, capacity=topic.capacity)
            # The employee, room and topic were just read: re-checking that they exist would
            # cost a query each; the foreign keys still guard them.
            time_slot.full_clean(
                exclude=["employee", "room", "topic"],
                validate_unique=False,
                validate_constraints=False,
            )
            time_slot.save()
    except (IntegrityError, OperationalError, SlotUnavailable) as exc:
        # Lost a race: another transaction took the time (exclusion constraint or seat)
        # or, with the same token, replayed this very request. A twin that committed first
        # shows up as a taken time (SlotUnavailable, e.g. under SQLite's write lock): that
        # is the caller's own reservation, so it is replayed, never a conflict.
        if isinstance(exc, OperationalError) and not _is_deadlock(exc):
            raise
        if token:
            existing = TimeSlot.objects.filter(holder=holder, token=token).first()
            if existing is not None:
                return _replay(
                    existing, start=start, end=end, employee_id=employee_id, room_id=room_id
                )
        if isinstance(exc, SlotUnavailable):
            raise
        raise SlotUnavailable("This time was just taken by someone else.", field="start") from None
    return time_slot, True


def _is_deadlock(exc: OperationalError) -> bool:
    # PostgreSQL: two reservations of one room for two employees (or the reverse) each wait
    # on the other's uncommitted slot, one through each exclusion constraint; PostgreSQL
    # aborts one of them. That one lost the race: a conflict, not a server error.
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _replay(
    existing: TimeSlot,
    *,
    start: datetime,
    end: datetime,
    employee_id: int | None,
    room_id: int | None,
) -> tuple[TimeSlot, bool]:
    if not _same_request(existing, start=start, end=end, employee_id=employee_id, room_id=room_id):
        raise InvalidRequest(
            "This token was already used for a different time slot.", field="token"
        )
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
    raise SlotUnavailable("This session is full.", field="start")


def _locked_slot(time_slot_id: int, *, holder: str | None) -> TimeSlot:
    try:
        slot = TimeSlot.objects.select_for_update().get(pk=time_slot_id)
    except TimeSlot.DoesNotExist:
        raise NotFound("Time slot not found.", field="time_slot") from None
    if holder is not None and slot.holder != holder:
        raise NotFound("Time slot not found.", field="time_slot")
    return slot


@transaction.atomic
def time_slot_book(
    *,
    time_slot_id: int,
    holder: str,
    max_booked_without_meeting: int | None = None,
    now: datetime | None = None,
) -> TimeSlot:
    """Reserved -> Booked: only by the holder, only while the hold lasts. Idempotent.

    The slot then waits for its meeting for BOOKME_BOOKED_WITHOUT_MEETING_MINUTES (its new
    expiry): past that it is freed like a lapsed hold, so booking cannot hoard time.
    """
    now = now or timezone.now()
    slot = _locked_slot(time_slot_id, holder=holder)
    if slot.status == TimeSlotStatus.BOOKED and not slot.is_stale(now):
        return slot
    if slot.status == TimeSlotStatus.EXPIRED or slot.is_stale(now):
        raise HoldExpired(
            "The hold on this time has expired. Please choose a time again.", field="status"
        )
    if slot.status != TimeSlotStatus.RESERVED:
        raise InvalidState(f"A {slot.status} time slot cannot be booked.", field="status")
    if max_booked_without_meeting is not None:
        _lock_holder(holder)
        waiting = TimeSlot.objects.held_by(holder).filter(
            status=TimeSlotStatus.BOOKED, expires_at__gt=now
        )
        if waiting.count() >= max_booked_without_meeting:
            raise LimitReached(
                f"You can have at most {max_booked_without_meeting} booked time slots "
                "without a meeting. Create their meetings or cancel one first.",
                retry_after=_seconds_until_first_expiry(waiting, now),
            )
    slot.status = TimeSlotStatus.BOOKED
    slot.expires_at = now + booked_without_meeting_duration()
    slot.save(update_fields=["status", "expires_at", "updated_at"])
    return slot


@transaction.atomic
def time_slot_release(*, time_slot_id: int, holder: str, now: datetime | None = None) -> TimeSlot:
    """Give up a hold or a booked slot. A slot that carries a meeting cancels the meeting."""
    now = now or timezone.now()
    slot = _locked_slot(time_slot_id, holder=holder)
    meeting = Meeting.objects.filter(time_slot=slot).first()
    if meeting is not None:
        meeting_cancel(meeting_id=meeting.pk, now=now)
        slot.refresh_from_db()
        return slot
    if slot.status in (TimeSlotStatus.RESERVED, TimeSlotStatus.BOOKED):
        slot.status = TimeSlotStatus.CANCELLED
        slot.save(update_fields=["status", "updated_at"])
    return slot


def customer_upsert(
    *, name: str, email: str, phone: str = "", external_id: str = "", user_id: int | None = None
) -> Customer:
    """The customer for a booking: by external id, else by account, else a new record."""
    lookup: Q | None = None
    if external_id:
        lookup = Q(external_id=external_id)
    elif user_id is not None:
        lookup = Q(user_id=user_id)
    customer = Customer.objects.filter(lookup).first() if lookup is not None else None
    if customer is None:
        customer = Customer(external_id=external_id, user_id=user_id)
    customer.name, customer.email = name.strip(), email.strip()
    if phone:
        customer.phone = phone.strip()
    customer.full_clean(validate_constraints=False, validate_unique=False)
    customer.save()
    return customer


def customer_for_reference(*, external_id: str) -> Customer:
    """The customer an API client names by its own reference only (seed 001's customerId):
    found, or recorded without contact details, which stay with the client."""
    if not external_id:
        raise InvalidRequest("A customer reference is required.", field="external_id")
    customer = Customer.objects.filter(external_id=external_id).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(external_id=external_id)
    except IntegrityError:
        # Two first meetings for one new reference at once: the other request created it.
        return Customer.objects.get(external_id=external_id)


def meeting_slot_ready(slot: TimeSlot, *, now: datetime) -> None:
    """The slot's state allows a meeting: Booked, not released for waiting too long,
    and none on it yet (409 otherwise).

    Checked before anything about the meeting itself; meeting_create repeats it under lock.
    """
    if slot.status != TimeSlotStatus.BOOKED:
        raise InvalidState(
            "The time slot must be Booked before a meeting is created.", field="time_slot"
        )
    if slot.is_stale(now):
        raise HoldExpired(
            "This booked time waited too long for its meeting and was released. "
            "Please reserve a time again.",
            field="time_slot",
        )
    if Meeting.objects.filter(time_slot=slot).exists():
        raise InvalidState("This time slot already has a meeting.", field="time_slot")


def _check_meeting_fits_slot(
    slot: TimeSlot, *, topic: MeetingTopic, meeting_type: str, room: Room | None
) -> None:
    """A meeting is what its slot was held for: the topic, its length and meeting type,
    a type the slot's employee offers, the slot's room. Each mismatch names its field."""
    if slot.topic_id is not None and slot.topic_id != topic.pk:
        held = MeetingTopic.objects.filter(pk=slot.topic_id).values_list("name", flat=True).first()
        raise InvalidRequest(
            f"The time slot was held for theme {held!r}, not {topic.name!r}.", field="topic"
        )
    length = slot.end - slot.start
    if length != timedelta(minutes=topic.duration):
        raise InvalidRequest(
            f"Theme {topic.name!r} lasts {minutes_text(timedelta(minutes=topic.duration))}; "
            f"the time slot lasts {minutes_text(length)}.",
            field="topic",
        )
    if meeting_type not in topic.meeting_types:
        raise InvalidRequest(f"{topic} cannot be held as {meeting_type!r}.", field="meeting_type")
    if slot.meeting_type and slot.meeting_type != meeting_type:
        raise InvalidRequest(
            f"The time slot was held for a {slot.meeting_type!r} meeting, not {meeting_type!r}.",
            field="meeting_type",
        )
    if slot.employee_id is not None:
        # One row, not every employee of the topic: the check must not grow with the staff.
        employee = topic.employees.filter(pk=slot.employee_id).first()
        if employee is None:
            raise InvalidRequest(f"This employee does not hold {topic}.", field="employee")
        if meeting_type not in employee.meeting_types:
            raise InvalidRequest(
                f"{employee} does not hold {meeting_type!r} meetings.", field="meeting_type"
            )
    elif meeting_type != MeetingType.PHYSICAL:
        raise InvalidRequest(
            "A time slot with a room and no employee holds in-person meetings only.",
            field="meeting_type",
        )
    if room is not None:
        if slot.room_id is not None and room.pk != slot.room_id:
            raise InvalidRequest("The room is not the time slot's.", field="room")
        if meeting_type != MeetingType.PHYSICAL:
            raise InvalidRequest("Only an in-person meeting takes a room.", field="room")


def _take_slot_for_topic(
    slot: TimeSlot, *, topic: MeetingTopic, meeting_type: str, room: Room | None, now: datetime
) -> None:
    """A slot held without a theme (or without a room) becomes the topic's.

    The engine re-checks exactly this time as if it had been reserved with the theme
    (grid, notice, horizon, buffers, a free room), ignoring the slot itself; then the
    slot takes the topic, its buffers and the room. The exclusion constraints
    (PostgreSQL) or the write lock (SQLite) keep the widened slot from overlapping another.
    """
    if topic.capacity > 1:
        raise InvalidRequest(
            f"Theme {topic.name!r} is a group session: reserve its time with themeId.",
            field="topic",
        )
    try:
        offered = offered_slot(
            start=slot.start,
            end=slot.end,
            employee_id=slot.employee_id,
            room_id=room.pk if room is not None else slot.room_id,
            topic=topic,
            meeting_type=meeting_type,
            now=now,
            ignore_session_key=slot.session_key,
        )
    except SlotUnavailable as exc:
        raise SlotUnavailable(
            f"The time slot does not fit theme {topic.name!r} (its times, buffers or a free "
            f"room): {exc.message}",
            field="time_slot",
        ) from None
    slot.topic = topic
    slot.room_id = offered.room_id
    slot.meeting_type = meeting_type
    slot.blocked_start = slot.start - timedelta(minutes=topic.buffer_before)
    slot.blocked_end = slot.end + timedelta(minutes=topic.buffer_after)
    try:
        with transaction.atomic():
            slot.save(
                update_fields=[
                    "topic",
                    "room",
                    "meeting_type",
                    "blocked_start",
                    "blocked_end",
                    "updated_at",
                ]
            )
    except IntegrityError:
        raise SlotUnavailable(
            "This time was just taken by someone else.", field="time_slot"
        ) from None


@transaction.atomic
def meeting_create(
    *,
    time_slot_id: int,
    holder: str,
    topic: MeetingTopic,
    customer: Customer,
    meeting_type: str,
    customer_category: CustomerCategory | None = None,
    room: Room | None = None,
    description: str = "",
    answers: Mapping[int, str] | None = None,
    booked_by: str = BookedBy.CUSTOMER,
    language: str = "en",
    now: datetime | None = None,
) -> Meeting:
    """A meeting on a Booked slot of the holder's, fitting what the slot was held for.

    `room` is for a slot held without one (e.g. the API's theme-less reserve body): an
    in-person meeting then takes that room, if it is free.
    """
    now = now or timezone.now()
    slot = _locked_slot(time_slot_id, holder=holder)
    meeting_slot_ready(slot, now=now)
    _check_meeting_fits_slot(slot, topic=topic, meeting_type=meeting_type, room=room)
    if slot.topic_id is None or (room is not None and slot.room_id is None):
        _take_slot_for_topic(slot, topic=topic, meeting_type=meeting_type, room=room, now=now)
    if meeting_type == MeetingType.PHYSICAL and topic.requires_room and slot.room_id is None:
        raise InvalidRequest("An in-person meeting on this topic needs a room.", field="room")
    if not topic_allows_category(topic, customer_category.pk if customer_category else None):
        raise InvalidRequest(
            "This topic is not offered to this customer category.", field="customer_category"
        )
    if booked_by not in BookedBy.values:
        raise InvalidRequest(f"Unknown value {booked_by!r}.", field="booked_by")

    given = {k: (v or "").strip() for k, v in (answers or {}).items()}
    questions = list(topic.information_questions.all())
    known = {q.pk for q in questions}
    for question_id in given:
        if question_id not in known:
            raise InvalidRequest("Unknown information question.", field=f"answers.{question_id}")
    for question in questions:
        if question.required and not given.get(question.pk):
            raise InvalidRequest(f"Please answer: {question.text}", field=f"answers.{question.pk}")
        if len(given.get(question.pk, "")) > 2048:
            raise InvalidRequest(
                "An answer can be at most 2048 characters.", field=f"answers.{question.pk}"
            )

    meeting = Meeting(
        time_slot=slot,
        topic=topic,
        customer_category=customer_category,
        meeting_type=meeting_type,
        customer=customer,
        description=description,
        booked_by=booked_by,
        owner=holder,
        language=language,
    )
    # The slot (locked above), topic, customer and category are objects in hand: their
    # existence needs no query each; the foreign keys still guard them.
    meeting.full_clean(
        exclude=["time_slot", "topic", "customer", "customer_category"],
        validate_unique=False,
        validate_constraints=False,
    )
    meeting.save()
    # With its meeting the slot is booked for good: no longer waiting, never expiring.
    slot.expires_at = None
    slot.save(update_fields=["expires_at", "updated_at"])
    MeetingAnswer.objects.bulk_create(
        MeetingAnswer(meeting=meeting, question=q, question_text=q.text, answer=given.get(q.pk, ""))
        for q in questions
        if given.get(q.pk)
    )
    # After commit: no email for a booking that rolled back, and a mail failure cannot undo it.
    transaction.on_commit(partial(emails.meeting_confirmed, meeting.pk))
    return meeting


def _locked_meeting(meeting_id: int) -> Meeting:
    try:
        return (
            Meeting.objects.select_for_update()
            .select_related("topic", "time_slot")
            .get(pk=meeting_id)
        )
    except Meeting.DoesNotExist:
        raise NotFound("Meeting not found.", field="meeting") from None


def _check_cutoff(meeting: Meeting, now: datetime) -> None:
    cutoff = timedelta(hours=meeting.topic.change_cutoff)
    if meeting.time_slot.start - now < cutoff:
        raise TooLate(
            f"This meeting can no longer be changed online: changes close "
            f"{meeting.topic.change_cutoff} hours before it starts. Please contact us.",
            field="meeting",
        )


@transaction.atomic
def meeting_cancel(
    *, meeting_id: int, now: datetime | None = None, enforce_cutoff: bool = False
) -> Meeting:
    """Cancel the meeting and free its time. Cancelling twice changes nothing."""
    now = now or timezone.now()
    meeting = _locked_meeting(meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    if enforce_cutoff:
        _check_cutoff(meeting, now)
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.ical_sequence += 1
    meeting.save(update_fields=["status", "cancelled_at", "ical_sequence", "updated_at"])
    TimeSlot.objects.filter(pk=meeting.time_slot_id).update(
        status=TimeSlotStatus.CANCELLED, updated_at=now
    )
    transaction.on_commit(partial(emails.meeting_cancelled, meeting.pk))
    return meeting


@transaction.atomic
def meeting_reschedule(
    *,
    meeting_id: int,
    new_time_slot_id: int,
    holder: str,
    now: datetime | None = None,
    enforce_cutoff: bool = False,
) -> Meeting:
    """Move the meeting to a slot the holder reserved: the new time is booked first,
    then the old one freed, in one transaction, so the customer never ends up with neither.
    """
    now = now or timezone.now()
    meeting = _locked_meeting(meeting_id)
    if meeting.status != MeetingStatus.CONFIRMED:
        raise InvalidState("A cancelled meeting cannot be moved.", field="meeting")
    if enforce_cutoff:
        _check_cutoff(meeting, now)
    new_slot = time_slot_book(time_slot_id=new_time_slot_id, holder=holder, now=now)
    if new_slot.pk == meeting.time_slot_id:
        return meeting
    if Meeting.objects.filter(time_slot=new_slot).exists():
        raise InvalidState("This time slot already has a meeting.", field="time_slot")
    if new_slot.topic_id not in (None, meeting.topic_id):
        raise InvalidRequest("The new time was held for another topic.", field="time_slot")
    old_slot_id, previous_start = meeting.time_slot_id, meeting.time_slot.start
    meeting.time_slot = new_slot
    meeting.ical_sequence += 1
    meeting.save(update_fields=["time_slot", "ical_sequence", "updated_at"])
    new_slot.expires_at = None  # it has its meeting now: booked for good
    new_slot.save(update_fields=["expires_at", "updated_at"])
    TimeSlot.objects.filter(pk=old_slot_id).update(status=TimeSlotStatus.CANCELLED, updated_at=now)
    transaction.on_commit(
        partial(emails.meeting_rescheduled, meeting.pk, previous_start=previous_start)
    )
    return meeting
