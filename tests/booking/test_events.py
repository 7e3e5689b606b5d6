"""BookingEvent: every transition records exactly one event; a no-op records none."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.actors import Actor
from booking.apps import EFFECT_MODULES
from booking.errors import SlotUnavailable
from booking.models import BookingEvent, BookingEventKind, TimeSlot, TimeSlotStatus
from tests import factories
from tests.concurrency import race

TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CUSTOMER = Actor.for_session("a")
CLIENT = Actor.for_api_client(1)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


def wanted(world, start=TEN, employee=None):
    return services.SlotRequest(
        start=start,
        end=start + HOUR,
        employee=employee or world.alice,
        topic=world.topic,
        meeting_type="online",
    )


def hold(world, actor=CUSTOMER, **kwargs):
    slot, _ = services.time_slot_reserve(actor=actor, wanted=wanted(world, **kwargs))
    return slot


def kinds():
    return list(BookingEvent.objects.order_by("pk").values_list("kind", flat=True))


def meeting(world, actor=CUSTOMER, start=TEN):
    slot = hold(world, actor=actor, start=start)
    services.time_slot_book(actor=actor, time_slot_id=slot.pk)
    return services.meeting_create(
        actor=actor,
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=services.customer_upsert(name="Carla", email="carla@example.com"),
        meeting_type="online",
    )


def test_holding_records_one_held_event_with_the_actor(world):
    """A hold records `held`, naming the slot and who held it."""
    slot = hold(world)
    event = BookingEvent.objects.get()
    assert (event.kind, event.time_slot, event.meeting) == (BookingEventKind.HELD, slot, None)
    assert (event.actor_kind, event.actor_id) == ("session", "a")


def test_replaying_a_token_records_nothing(world):
    """The same token again returns the same hold and records no second event."""
    for _ in range(2):
        services.time_slot_reserve(actor=CLIENT, wanted=wanted(world), token="t")
    assert kinds() == ["held"]


def test_booking_records_one_event_and_booking_again_none(world):
    """Reserved -> Booked records `booked`; booking a Booked slot again records nothing."""
    slot = hold(world)
    services.time_slot_book(actor=CUSTOMER, time_slot_id=slot.pk)
    services.time_slot_book(actor=CUSTOMER, time_slot_id=slot.pk)
    assert kinds() == ["held", "booked"]


def test_creating_a_meeting_records_meeting_created(world):
    """The meeting's event names the meeting and its slot."""
    created = meeting(world)
    assert kinds() == ["held", "booked", "meeting_created"]
    event = BookingEvent.objects.get(kind=BookingEventKind.MEETING_CREATED)
    assert (event.meeting, event.time_slot) == (created, created.time_slot)


def test_a_refused_transition_records_nothing(world):
    """A taken time raises and leaves no event behind (same transaction)."""
    hold(world)
    with pytest.raises(SlotUnavailable):
        hold(world, actor=Actor.for_session("b"))
    assert kinds() == ["held"]


def test_moving_records_one_moved_event_with_the_previous_time(world):
    """A move is one `moved` event (not booked + cancelled), with the old start in its data."""
    m = meeting(world)
    new = hold(world, start=TEN + 3 * HOUR)
    BookingEvent.objects.all().delete()
    services.meeting_reschedule(actor=CUSTOMER, meeting_id=m.pk, new_time_slot_id=new.pk)
    event = BookingEvent.objects.get()
    assert event.kind == BookingEventKind.MOVED
    assert event.data["previous_start"] == TEN.isoformat()


def test_cancelling_records_one_event_and_cancelling_again_none(world):
    """Cancel records `cancelled` once; a second cancel is a no-op."""
    m = meeting(world)
    for _ in range(2):
        services.meeting_cancel(actor=Actor.system(), meeting_id=m.pk)
    assert kinds() == ["held", "booked", "meeting_created", "cancelled"]
    assert BookingEvent.objects.get(kind="cancelled").actor_kind == "system"


def test_releasing_records_one_event_and_releasing_again_none(world):
    """Giving a hold back records `released`; a released slot released again records nothing."""
    slot = hold(world)
    for _ in range(2):
        services.time_slot_release(actor=CUSTOMER, time_slot_id=slot.pk)
    assert kinds() == ["held", "released"]


def test_releasing_a_slot_with_a_meeting_is_its_cancellation(world):
    """The API's Cancelled patch on a slot with a meeting: one `cancelled` event."""
    m = meeting(world, actor=CLIENT)
    services.time_slot_release(actor=CLIENT, time_slot_id=m.time_slot_id)
    assert kinds() == ["held", "booked", "meeting_created", "cancelled"]


def test_expiring_stale_holds_records_one_event_per_slot_in_constant_queries(world, now):
    """Each stale hold freed by the bulk update gets one `expired` event, however many."""

    def stale_holds(count, offset):
        for n in range(count):
            hold(world, actor=Actor.system(f"s{offset + n}"), start=TEN + (offset + n) * HOUR)

    def expire(at):
        with CaptureQueriesContext(connection) as queries:
            services.expire_stale_holds(now=at, employee_id=world.alice.pk, room_id=None)
        return len(queries.captured_queries)

    stale_holds(1, 0)
    one = expire(now + timedelta(minutes=16))
    stale_holds(3, 1)
    three = expire(now + timedelta(minutes=16))
    assert one == three
    expired = BookingEvent.objects.filter(kind=BookingEventKind.EXPIRED)
    assert sorted(expired.values_list("time_slot_id", flat=True)) == sorted(
        TimeSlot.objects.filter(status=TimeSlotStatus.EXPIRED).values_list("pk", flat=True)
    )
    assert expired.count() == 4
    assert expire(now + timedelta(minutes=16)) == 1  # nothing stale: one read, no event
    assert expired.count() == 4


def test_a_lapsed_hold_taken_by_another_reserve_is_expired_once(world, now):
    """The stale hold a reserve clears away records `expired`, then the new `held`."""
    hold(world)
    services.time_slot_reserve(
        actor=Actor.for_session("b"), wanted=wanted(world), now=now + timedelta(minutes=16)
    )
    assert kinds() == ["held", "expired", "held"]


def test_the_factories_walk_the_same_transitions(world):
    """factories.meeting books through the services: held, booked, meeting_created."""
    factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
    assert kinds() == ["held", "booked", "meeting_created"]


@pytest.mark.django_db(transaction=True)
def test_a_race_leaves_as_many_events_as_successful_transitions(world):
    """Ten browsers race for one time: one hold wins, and exactly one `held` is recorded;
    racing to book it leaves exactly one `booked`."""
    calls = [
        lambda n=n: services.time_slot_reserve(
            actor=Actor.for_session(str(n)), wanted=wanted(world)
        )
        for n in range(10)
    ]
    results = race(calls)
    wins = [r for r in results if isinstance(r, tuple)]
    assert len(wins) == 1
    assert kinds() == ["held"]
    slot, _ = wins[0]
    owner = Actor.from_holder(slot.holder)
    race([lambda: services.time_slot_book(actor=owner, time_slot_id=slot.pk)] * 8)
    assert kinds() == ["held", "booked"]


def test_only_effect_modules_import_emails():
    """Emails leave only from background effects: outside tests, booking.emails is imported
    by the modules that register effects (BookingConfig's list) and by nothing else, so no
    view, service or API endpoint can send one itself."""
    base = Path(django_settings.BASE_DIR)
    importers = set()
    for path in base.rglob("*.py"):
        if {".venv", "tests", "node_modules"} & set(path.relative_to(base).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if "booking.emails" in names:
                importers.add(str(path.relative_to(base)))
    effect_files = {name.replace(".", "/") + ".py" for name in EFFECT_MODULES}
    assert importers
    assert importers <= effect_files, importers - effect_files


def test_what_follows_each_event_is_this_table():
    """The whole event -> side-effect wiring in one place: a handler added, dropped or
    registered for another kind shows up here (and in review) instead of silently."""
    from booking import effects

    wiring = {
        kind: sorted(f"{h.__module__}.{h.__name__}" for h in effects.handlers_for(kind))
        for kind in BookingEventKind.values
    }
    assert {kind: handlers for kind, handlers in wiring.items() if handlers} == {
        "meeting_created": [
            "booking.effects.schedule_meeting_emails",
            "booking.reminders.plan_reminders",
            "booking.webhooks.schedule_deliveries",
        ],
        "moved": [
            "booking.effects.schedule_meeting_emails",
            "booking.reminders.plan_reminders",
            "booking.waitlist._time_freed",
            "booking.webhooks.schedule_deliveries",
        ],
        "cancelled": [
            "booking.effects.schedule_meeting_emails",
            "booking.reminders.cancel_reminders",
            "booking.waitlist._time_freed",
            "booking.webhooks.schedule_deliveries",
        ],
        "expired": ["booking.waitlist._time_freed", "booking.webhooks.schedule_deliveries"],
        "released": ["booking.waitlist._time_freed"],
        "no_show": ["booking.webhooks.schedule_deliveries"],
    }
