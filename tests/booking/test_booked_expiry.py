"""A Booked slot without a meeting expires like a hold; per-holder caps answer with a wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.busy import occupies
from booking.errors import HoldExpired, LimitReached
from booking.models import Meeting, TimeSlot, TimeSlotStatus
from booking.search import SlotSearch, find_slots
from tests import factories
from tests.web.conftest import answers_for, details_data, held_slot_id, hold

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST); the clock is Monday 08:00.
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


def caps(max_active_holds=None, max_booked_without_meeting=None):
    """An API client's caps come from the settings (booking.actors): set them for a call."""
    values = {
        "BOOKME_API_MAX_ACTIVE_HOLDS": max_active_holds,
        "BOOKME_API_MAX_BOOKED_WITHOUT_MEETING": max_booked_without_meeting,
    }
    return override_settings(**{k: v for k, v in values.items() if v is not None})


def reserve(world, holder="client:1", start=TEN, employee=None, max_active_holds=None, **kwargs):
    with caps(max_active_holds=max_active_holds):
        slot, _ = services.time_slot_reserve(
            actor=Actor.from_holder(holder),
            wanted=services.SlotRequest(
                start=start,
                end=start + HOUR,
                employee=employee or world.alice,
                topic=world.topic,
                meeting_type="online",
            ),
            **kwargs,
        )
    return slot


def booked(world, holder="client:1", start=TEN, now=None, max_booked_without_meeting=None):
    slot = reserve(world, holder=holder, start=start, now=now)
    with caps(max_booked_without_meeting=max_booked_without_meeting):
        return services.time_slot_book(
            actor=Actor.from_holder(holder), time_slot_id=slot.pk, now=now
        )


def create_meeting(world, slot, holder="client:1", **kwargs):
    return services.meeting_create(
        actor=Actor.from_holder(holder),
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=services.customer_upsert(name="Carla Customer", email="carla@example.com"),
        meeting_type="online",
        **kwargs,
    )


class TestBookedWithoutMeetingExpires:
    def test_booking_sets_the_configured_expiry(self, world, now, settings):
        """Reserved -> Booked: the slot must get its meeting within the configured minutes."""
        settings.BOOKME_BOOKED_WITHOUT_MEETING_MINUTES = 7
        slot = booked(world, now=now)
        assert slot.status == TimeSlotStatus.BOOKED
        assert slot.expires_at == now + timedelta(minutes=7)
        slot.refresh_from_db()
        assert slot.expires_at == now + timedelta(minutes=7)

    def test_creating_the_meeting_clears_the_expiry(self, world, now):
        """A slot with its meeting is booked for good."""
        slot = booked(world, now=now)
        create_meeting(world, slot)
        slot.refresh_from_db()
        assert (slot.status, slot.expires_at) == (TimeSlotStatus.BOOKED, None)

    def test_rescheduling_onto_a_slot_clears_its_expiry(self, world, now):
        """meeting_reschedule books the new slot and moves the meeting onto it: no expiry."""
        meeting = factories.meeting(
            topic=world.topic, employee=world.alice, start=TEN, holder="client:1"
        )
        new = reserve(world, start=TEN + 3 * HOUR)
        services.meeting_reschedule(
            actor=Actor.for_api_client(1), meeting_id=meeting.pk, new_time_slot_id=new.pk
        )
        new.refresh_from_db()
        assert (new.status, new.expires_at) == (TimeSlotStatus.BOOKED, None)

    def test_a_stale_booked_slot_is_marked_expired_and_blocks_no_one(self, world, now):
        """Past its expiry, the reserving transaction marks it Expired, as it does a stale hold."""
        stale = booked(world, now=now)
        later = now + timedelta(minutes=16)
        fresh = reserve(world, holder="client:2", now=later)
        stale.refresh_from_db()
        assert stale.status == TimeSlotStatus.EXPIRED
        assert fresh.status == TimeSlotStatus.RESERVED
        assert not TimeSlot.objects.double_booked().exists()

    def test_a_live_booked_slot_still_blocks(self, world, now):
        """Before its expiry a Booked slot without a meeting holds the time like any booking."""
        from booking.errors import SlotUnavailable

        booked(world, now=now)
        with pytest.raises(SlotUnavailable):
            reserve(world, holder="client:2", now=now + timedelta(minutes=14))

    def test_the_search_offers_the_time_of_a_stale_booked_slot(self, world, now):
        """The availability search treats it as free before anyone marks it Expired."""
        booked(world, now=now)
        search = SlotSearch(
            start=TEN, end=TEN + HOUR, topic=world.topic, employee_ids=[world.alice.pk]
        )
        assert [s.start for s in find_slots(search, now=now)] == []
        later = now + timedelta(minutes=16)
        assert TEN in [s.start for s in find_slots(search, now=later)]

    def test_active_and_occupies_agree_on_booked_slots_with_an_expiry(self, world, now):
        """A Booked slot with a past expiry is inactive in the queryset and the row check."""
        cases = [(None, True), (now + timedelta(minutes=1), True), (now, False)]
        for hour, (expires_at, _blocks) in enumerate(cases):
            start = TEN + hour * HOUR
            TimeSlot.objects.create(
                employee=world.alice, start=start, end=start + HOUR, blocked_start=start,
                blocked_end=start + HOUR, status=TimeSlotStatus.BOOKED, expires_at=expires_at,
                holder="h",
            )  # fmt: skip
        active = set(TimeSlot.objects.active(now).values_list("start", flat=True))
        rows = TimeSlot.objects.values_list("start", "status", "expires_at")
        assert {s for s, status, e in rows if occupies(status, e, now)} == active
        assert active == {TEN, TEN + HOUR}

    def test_a_stale_booked_slot_cannot_get_a_meeting(self, world, now):
        """Too late: 409 naming the time slot, and no meeting is made."""
        slot = booked(world, now=now)
        with pytest.raises(HoldExpired) as error:
            create_meeting(world, slot, now=now + timedelta(minutes=15))
        assert error.value.field == "time_slot"
        assert not Meeting.objects.exists()

    def test_a_stale_booked_slot_cannot_be_booked_again(self, world, now):
        """Re-sending Booked does not revive it (nor extend a live one)."""
        slot = booked(world, now=now)
        again = services.time_slot_book(
            actor=Actor.for_api_client(1), time_slot_id=slot.pk, now=now + timedelta(minutes=5)
        )
        assert again.expires_at == slot.expires_at
        with pytest.raises(HoldExpired):
            services.time_slot_book(
                actor=Actor.for_api_client(1), time_slot_id=slot.pk, now=now + timedelta(minutes=15)
            )

    def test_the_website_books_and_creates_the_meeting_at_once(self, client, world, now):
        """Confirming on the website leaves no expiry: the meeting's time is never given away."""
        world.topic.information_questions.create(text="Purpose?", required=True)
        slot_id = held_slot_id(hold(client, world.topic))
        response = client.post(
            reverse("booking:details", args=[slot_id]),
            {**details_data(), **answers_for(world.topic)},
        )
        assert response.status_code == 302
        slot = TimeSlot.objects.get(pk=slot_id)
        assert (slot.status, slot.expires_at) == (TimeSlotStatus.BOOKED, None)
        from booking.errors import SlotUnavailable

        with pytest.raises(SlotUnavailable):
            reserve(world, holder="client:2", employee=slot.employee, now=now + timedelta(days=1))
        slot.refresh_from_db()
        assert slot.status == TimeSlotStatus.BOOKED


class TestCaps:
    def test_the_hold_cap_says_when_the_earliest_hold_ends(self, world, now):
        """LimitReached carries the seconds until the holder's first hold expires."""
        reserve(world, start=TEN, now=now, max_active_holds=2)
        reserve(world, start=TEN + 2 * HOUR, now=now + timedelta(seconds=100), max_active_holds=2)
        with pytest.raises(LimitReached) as error:
            reserve(
                world, start=TEN + 4 * HOUR, now=now + timedelta(seconds=250.5), max_active_holds=2
            )
        assert error.value.retry_after == 15 * 60 - 250
        assert TimeSlot.objects.count() == 2

    def test_the_wait_is_at_least_one_second(self, world, now):
        """A hold that ends within the second still asks for a wait of 1."""
        reserve(world, start=TEN, now=now, max_active_holds=1)
        with pytest.raises(LimitReached) as error:
            reserve(
                world,
                start=TEN + 2 * HOUR,
                now=now + timedelta(minutes=15) - timedelta(milliseconds=1),
                max_active_holds=1,
            )
        assert error.value.retry_after == 1

    def test_booked_slots_without_a_meeting_are_capped(self, world, now):
        """Past the cap, booking is refused with the wait until the first one expires."""
        first = booked(world, start=TEN, now=now, max_booked_without_meeting=1)
        second = reserve(world, start=TEN + 2 * HOUR, now=now)
        later = now + timedelta(minutes=4)
        with pytest.raises(LimitReached) as error, caps(max_booked_without_meeting=1):
            services.time_slot_book(
                actor=Actor.for_api_client(1), time_slot_id=second.pk, now=later
            )
        assert error.value.retry_after == (first.expires_at - later).seconds
        second.refresh_from_db()
        assert second.status == TimeSlotStatus.RESERVED

    def test_a_meeting_frees_its_place_under_the_cap(self, world, now):
        """Only slots still waiting for their meeting count."""
        first = booked(world, start=TEN, now=now, max_booked_without_meeting=1)
        create_meeting(world, first)
        second = booked(world, start=TEN + 2 * HOUR, now=now, max_booked_without_meeting=1)
        assert second.status == TimeSlotStatus.BOOKED

    def test_the_caps_are_per_holder(self, world, now):
        """Another holder's slots never count against this one."""
        booked(world, holder="client:2", start=TEN, now=now, max_booked_without_meeting=1)
        slot = booked(world, start=TEN + 2 * HOUR, now=now, max_booked_without_meeting=1)
        assert slot.status == TimeSlotStatus.BOOKED


def reference_meeting(world, slot, reference, holder="client:1", **kwargs):
    """A meeting for a customer the client names by its reference only: no email."""
    return services.meeting_create(
        actor=Actor.from_holder(holder),
        time_slot_id=slot.pk,
        topic=world.topic,
        customer=services.customer_for_reference(external_id=f"1:{reference}"),
        meeting_type="online",
        **kwargs,
    )


class TestMeetingsWithoutContactDetailsCap:
    """A meeting books its slot for good: without a cap on meetings nobody can be told
    about, a client could reserve, book and add a reference-only meeting to every time."""

    def test_past_the_cap_a_meeting_without_email_is_refused_with_a_wait(
        self, world, now, settings
    ):
        """The third reference-only meeting at a cap of two: LimitReached (429) with the
        seconds until the earliest counted meeting starts; the slot keeps waiting."""
        settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL = 2
        for hour, reference in ((0, "a"), (2, "b")):
            reference_meeting(world, booked(world, start=TEN + hour * HOUR, now=now), reference)
        third = booked(world, start=TEN + 4 * HOUR, now=now)
        with pytest.raises(LimitReached) as error:
            reference_meeting(world, third, "c", now=now)
        assert error.value.code == "meeting_without_email_limit"
        assert error.value.status == 429
        assert error.value.retry_after == (TEN - now).total_seconds()
        assert "2" in error.value.message
        assert Meeting.objects.count() == 2
        third.refresh_from_db()
        assert (third.status, third.expires_at) == (
            TimeSlotStatus.BOOKED,
            now + services.booked_without_meeting_duration(),
        )

    def test_meetings_with_an_email_neither_count_nor_are_refused(self, world, now, settings):
        """A customer with contact details is told about the meeting: no cap applies."""
        settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL = 1
        reference_meeting(world, booked(world, start=TEN, now=now), "a")
        for hour in (2, 4):
            create_meeting(world, booked(world, start=TEN + hour * HOUR, now=now))
        assert Meeting.objects.count() == 3

    def test_cancelled_and_past_meetings_free_their_place(self, world, now, settings):
        """Only upcoming confirmed meetings count."""
        settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL = 1
        first = reference_meeting(world, booked(world, start=TEN, now=now), "a")
        services.meeting_cancel(actor=Actor.for_api_client(1), meeting_id=first.pk, now=now)
        second = reference_meeting(world, booked(world, start=TEN + 2 * HOUR, now=now), "b")
        later = second.start + timedelta(minutes=1)  # the second meeting has begun
        slot = booked(world, start=TEN + 26 * HOUR, now=later)
        reference_meeting(world, slot, "c", now=later)
        assert Meeting.objects.confirmed().count() == 2

    def test_the_cap_is_per_client_and_for_api_clients_only(self, world, now, settings):
        """Another client's meetings never count; website customers and staff have no cap."""
        settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL = 1
        reference_meeting(world, booked(world, start=TEN, now=now), "a")
        other = booked(world, holder="client:2", start=TEN + 2 * HOUR, now=now)
        reference_meeting(world, other, "b", holder="client:2")
        assert Actor.for_api_client(1).max_meetings_without_email == 1
        for actor in (Actor.for_session("s"), Actor.for_user(1), Actor.system()):
            assert actor.max_meetings_without_email is None

    def test_the_setting_is_read_from_the_environment(self):
        """Default 200 per client, as the README says."""
        from django.conf import settings as django_settings

        assert django_settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL == 200


@pytest.mark.django_db(transaction=True)
def test_parallel_meetings_of_one_client_stay_under_the_cap(world, settings):
    """Concurrent reference-only meetings of one client: the per-holder lock lets exactly
    the cap through (PostgreSQL's advisory lock, SQLite's write lock)."""
    from tests.concurrency import race

    settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL = 2
    now = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    slots = [booked(world, start=TEN + n * HOUR, now=now) for n in range(5)]
    results = race(
        [
            lambda slot=slot, n=n: reference_meeting(world, slot, f"r{n}", now=now)
            for n, slot in enumerate(slots)
        ]
    )
    assert sum(isinstance(r, Meeting) for r in results) == 2
    assert all(isinstance(r, (Meeting, LimitReached)) for r in results), results
    assert Meeting.objects.count() == 2


class TestOldBookedSlotsGetAnExpiry:
    """Booked slots from before the expiry existed (expires_at NULL) would block forever."""

    def migration(self):
        import importlib

        return importlib.import_module("booking.migrations.0004_booked_without_meeting_expiry")

    def test_a_booked_slot_without_meeting_and_expiry_gets_one(self, world, now, settings):
        """The data migration gives it now + the setting; slots with a meeting, an expiry,
        or another status are left as they are."""
        from django.apps import apps

        settings.BOOKME_BOOKED_WITHOUT_MEETING_MINUTES = 9

        def slot(hour, status, expires_at=None):
            start = TEN + hour * HOUR
            return TimeSlot.objects.create(
                employee=world.alice, start=start, end=start + HOUR, blocked_start=start,
                blocked_end=start + HOUR, status=status, expires_at=expires_at, holder="client:1",
            )  # fmt: skip

        waiting = slot(0, TimeSlotStatus.BOOKED)
        with_meeting = factories.meeting(
            topic=world.topic, employee=world.alice, start=TEN + 2 * HOUR
        )
        with_meeting.time_slot.expires_at = None
        with_meeting.time_slot.save()
        later = now + HOUR
        with_expiry = slot(4, TimeSlotStatus.BOOKED, expires_at=later)
        cancelled = slot(6, TimeSlotStatus.CANCELLED)

        self.migration().give_waiting_booked_slots_an_expiry(apps, None)

        waiting.refresh_from_db()
        assert waiting.expires_at == now + timedelta(minutes=9)
        for unchanged, expiry in (
            (with_meeting.time_slot, None),
            (with_expiry, later),
            (cancelled, None),
        ):
            unchanged.refresh_from_db()
            assert unchanged.expires_at == expiry

    def test_once_past_it_the_old_slot_blocks_no_one(self, world, now):
        """After the migration such a slot expires like any other and frees its time."""
        from django.apps import apps

        TimeSlot.objects.create(
            employee=world.alice, start=TEN, end=TEN + HOUR, blocked_start=TEN,
            blocked_end=TEN + HOUR, status=TimeSlotStatus.BOOKED, holder="client:9",
        )  # fmt: skip
        self.migration().give_waiting_booked_slots_an_expiry(apps, None)
        fresh = reserve(world, holder="client:2", now=now + timedelta(minutes=16))
        assert fresh.status == TimeSlotStatus.RESERVED
        assert TimeSlot.objects.filter(status=TimeSlotStatus.EXPIRED).count() == 1
