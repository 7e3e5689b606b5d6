"""What the service tests share: the time they book, and reserve/book shortcuts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import override_settings

from booking import services
from booking.actors import Actor

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST).
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def actor_for(holder):
    """The actor of a holder string; a bare name ("h1") is a system actor, without caps."""
    return Actor.from_holder(holder) if ":" in holder else Actor.system(holder)


def reserve_raw(
    holder="session:a", token="", now=None, moving=None, max_active_holds=None, **wanted
):
    """time_slot_reserve with the wanted time's fields as keywords, as before SlotRequest."""
    cap = {"BOOKME_MAX_ACTIVE_HOLDS": max_active_holds} if max_active_holds else {}
    with override_settings(**cap):
        return services.time_slot_reserve(
            actor=actor_for(holder),
            wanted=services.SlotRequest(**wanted),
            token=token,
            moving=moving,
            now=now,
        )


def reserve(world, holder="session:a", start=TEN, employee=None, now=None, **kwargs):
    slot, _ = reserve_raw(
        holder=holder,
        start=start,
        end=start + HOUR,
        employee=employee or world.alice,
        topic=kwargs.pop("topic", world.topic),
        meeting_type=kwargs.pop("meeting_type", "online"),
        now=now,
        **kwargs,
    )
    return slot


def customer():
    return services.customer_upsert(name="Carla Customer", email="carla@example.com")


def book_meeting(world, holder="session:a", start=TEN, meeting_type="online", **kwargs):
    slot = reserve(world, holder=holder, start=start, meeting_type=meeting_type)
    services.time_slot_book(time_slot_id=slot.pk, actor=actor_for(holder))
    return services.meeting_create(
        time_slot_id=slot.pk,
        actor=actor_for(holder),
        topic=world.topic,
        customer=customer(),
        meeting_type=meeting_type,
        **kwargs,
    )
