"""Every write of the booking domain. Keyword-only, typed, one transaction each.

Each transition of a time slot or a meeting takes the `Actor` doing it and decides its
policy from it (who may, cut-offs, caps), and records one BookingEvent in its transaction.
`from booking import services; services.meeting_create(...)` reaches all of them.
"""

from __future__ import annotations

from booking.services.customers import CustomerDetails, customer_for_reference, customer_upsert
from booking.services.meetings import (
    change_refusal,
    meeting_cancel,
    meeting_create,
    meeting_reschedule,
    meeting_slot_ready,
)
from booking.services.outcomes import meeting_record_outcome
from booking.services.steps import booking_confirm, meeting_move
from booking.services.time_slots import (
    SlotRequest,
    booked_without_meeting_duration,
    expire_stale_holds,
    hold_duration,
    time_slot_book,
    time_slot_release,
    time_slot_reserve,
    time_slot_reserve_any,
)

__all__ = [
    "CustomerDetails",
    "SlotRequest",
    "booked_without_meeting_duration",
    "booking_confirm",
    "change_refusal",
    "customer_for_reference",
    "customer_upsert",
    "expire_stale_holds",
    "hold_duration",
    "meeting_cancel",
    "meeting_create",
    "meeting_move",
    "meeting_record_outcome",
    "meeting_reschedule",
    "meeting_slot_ready",
    "time_slot_book",
    "time_slot_release",
    "time_slot_reserve",
    "time_slot_reserve_any",
]
