"""Recording transitions: one BookingEvent per change, in the transaction that made it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from booking import effects
from booking.actors import Actor
from booking.models import BookingEvent, BookingEventKind, Meeting, TimeSlot


def record_event(
    kind: BookingEventKind,
    *,
    actor: Actor,
    now: datetime,
    meeting: Meeting | None = None,
    time_slot: TimeSlot | None = None,
    data: dict[str, Any] | None = None,
) -> BookingEvent:
    """Record one transition; its side effects run after commit (booking.effects)."""
    event = BookingEvent.objects.create(
        kind=kind,
        meeting=meeting,
        time_slot=time_slot if time_slot is not None else getattr(meeting, "time_slot", None),
        actor_kind=actor.kind,
        actor_id=actor.id,
        data=data or {},
        created_at=now,
    )
    effects.event_recorded(event)
    return event


def record_expired(slot_ids: Iterable[int], *, now: datetime) -> None:
    """One `expired` event per slot freed by a bulk update: one query however many."""
    system = Actor.system()
    events = BookingEvent.objects.bulk_create(
        BookingEvent(
            kind=BookingEventKind.EXPIRED,
            time_slot_id=slot_id,
            actor_kind=system.kind,
            actor_id=system.id,
            created_at=now,
        )
        for slot_id in slot_ids
    )
    for event in events:
        effects.event_recorded(event)
