"""Whole steps of the website, each one service: confirm a booking, move a meeting.

Both act on a hold the browser proved is its own (its session records it), so they act as
the hold's holder; a hold that ran out is taken again for `actor`, the browser now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from booking.actors import Actor
from booking.errors import (
    HoldExpired,
    InvalidState,
    LimitReached,
    SlotUnavailable,
)
from booking.models import BookedBy, Meeting, TimeSlot, TimeSlotStatus
from booking.services.customers import CustomerDetails, customer_upsert
from booking.services.meetings import (
    change_refusal,
    meeting_create,
    meeting_reschedule,
    requested_features,
)
from booking.services.time_slots import (
    SlotRequest,
    time_slot_book,
    time_slot_release,
    time_slot_reserve,
)
from config_data.models import BookingProfile, CustomerCategory


def _was_released(slot: TimeSlot) -> bool:
    """Given back meanwhile (from another tab, say): like a lapsed hold, it may be held again."""
    slot.refresh_from_db()
    return slot.status == TimeSlotStatus.CANCELLED


def booking_confirm(  # noqa: PLR0913 - the details form's fields
    *,
    actor: Actor,
    hold: TimeSlot,
    customer: CustomerDetails,
    meeting_type: str,
    customer_category: CustomerCategory | None = None,
    description: str = "",
    answers: Mapping[int, str] | None = None,
    language: str = "en",
    booked_by: str = BookedBy.CUSTOMER,
    customer_timezone: str = "",
    profile: BookingProfile | None = None,
    profile_fields: Mapping[str, object] | None = None,
    room_features: frozenset[int] | None = None,
) -> Meeting:
    """Reserved -> Booked -> Meeting, all or nothing. Staff booking for a customer on the
    phone pass `booked_by=BookedBy.EMPLOYEE` and act as themselves.

    A hold that ran out (or was released) is taken again if the time is still free; a
    second submit (even a concurrent one) finds the meeting the first one created.
    """
    topic = hold.topic
    assert topic is not None  # the website holds times for a topic only

    def book(slot: TimeSlot, by: Actor) -> Meeting:
        time_slot_book(actor=by, time_slot_id=slot.pk)
        person = customer_upsert(
            name=customer.name, email=customer.email, phone=customer.phone, user_id=customer.user_id
        )
        return meeting_create(
            actor=by,
            time_slot_id=slot.pk,
            topic=topic,
            customer=person,
            meeting_type=meeting_type,
            customer_category=customer_category,
            description=description,
            answers=answers,
            language=language,
            booked_by=booked_by,
            customer_timezone=customer_timezone,
            profile=profile,
            profile_fields=profile_fields,
            requested_room_features=room_features,  # kept with the meeting for a move
        )

    try:
        with transaction.atomic():
            return book(hold, Actor.from_holder(hold.holder))
    except InvalidState:
        existing = Meeting.objects.filter(time_slot=hold).first()
        if existing is not None:
            return existing
        if not _was_released(hold):
            raise
    except HoldExpired:
        pass
    wanted = SlotRequest(
        start=hold.start,
        end=hold.end,
        employee=hold.employee,
        topic=topic,
        meeting_type=meeting_type,
        room_features=room_features,  # taken again, the room still has what was asked
    )
    try:
        with transaction.atomic():
            again, _created = time_slot_reserve(actor=actor, wanted=wanted)
            return book(again, actor)
    except LimitReached:
        raise LimitReached("rehold_limit") from None
    except (SlotUnavailable, HoldExpired):
        raise SlotUnavailable("rehold_taken") from None


def meeting_move(
    *,
    actor: Actor,
    meeting: Meeting,
    hold: TimeSlot,
    now: datetime | None = None,
    customer_timezone: str | None = None,
) -> Meeting:
    """Move the meeting onto the held time; if the hold ran out, hold the same time again.

    Past the cut-off (or for a cancelled meeting) the hold is given back and nothing moves.
    `customer_timezone`: the zone the picker showed the new time in (meeting_reschedule).
    """
    now = now or timezone.now()
    holder = Actor.from_holder(hold.holder)
    refusal = change_refusal(meeting, now=now) if actor.held_to_cutoff else None
    if refusal is not None:
        if hold.status == TimeSlotStatus.RESERVED:
            time_slot_release(actor=holder, time_slot_id=hold.pk, now=now)
        raise refusal
    try:
        return meeting_reschedule(
            actor=holder,
            meeting_id=meeting.pk,
            new_time_slot_id=hold.pk,
            now=now,
            customer_timezone=customer_timezone,
        )
    except HoldExpired:
        pass
    except InvalidState:
        if not _was_released(hold):
            raise InvalidState("meeting_cannot_move", field="meeting") from None
    wanted = SlotRequest(
        start=hold.start,
        end=hold.end,
        employee=hold.employee,
        topic=meeting.topic,
        meeting_type=meeting.meeting_type,
        # Taken again, the room still has what the customer asked for.
        room_features=requested_features(meeting) or None,
    )
    try:
        with transaction.atomic():
            again, _created = time_slot_reserve(actor=actor, wanted=wanted, moving=meeting)
            return meeting_reschedule(
                actor=actor,
                meeting_id=meeting.pk,
                new_time_slot_id=again.pk,
                customer_timezone=customer_timezone,
            )
    except (SlotUnavailable, HoldExpired, LimitReached):
        raise SlotUnavailable("move_rehold_taken") from None
