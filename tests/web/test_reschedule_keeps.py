"""Moving a meeting keeps how it was booked: a profile's hours and the meeting's own length,
and the room features the customer asked for."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import Meeting, TimeSlot, TimeSlotStatus
from config_data.models import BookingProfile, ProfileHours, RoomFeature
from tests.staff.world import signed_in, staff_user
from tests.web.conftest import TUESDAY_TEN, answers_for, book, details_data, held_slot_id, hold

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Wednesday 3 June 2026 in Copenhagen (CEST, UTC+2).
WEDNESDAY = "2026-06-03"
WEDNESDAY_TEN = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
WEDNESDAY_TWO_PM = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def url(name: str, meeting: Meeting, *args) -> str:
    return reverse(f"booking:{name}", args=[meeting.reference, *args])


def offered_starts(html: str) -> list[datetime]:
    """The times the picker offers as buttons."""
    values = re.findall(r'<button type="submit" name="start" value="([^"]+)"', html)
    return [datetime.fromisoformat(v) for v in values]


def local_times(starts: list[datetime]) -> list[time]:
    return [s.astimezone(COPENHAGEN).time() for s in starts]


def move(client, meeting: Meeting, start: datetime, **data):
    """Hold `start` on the reschedule page, then confirm the move."""
    held = client.post(url("reschedule", meeting), {"start": start.isoformat(), **data})
    assert held.status_code == 302, held.content.decode()[:2000]
    found = re.search(r"/reschedule/(\d+)/$", held["Location"])
    assert found, held["Location"]
    slot_id = int(found.group(1))
    confirmed = client.post(url("reschedule_confirm", meeting, slot_id))
    assert confirmed["Location"] == url("manage", meeting)
    meeting.refresh_from_db()
    return meeting


class TestProfileMeeting:
    @pytest.fixture
    def profile(self, bank) -> BookingProfile:
        """Alice's page: the bank's 30-minute topic in 30 or 60 minutes, mornings 09-12."""
        bank.topic.duration = 30
        bank.topic.save()
        page = BookingProfile.objects.create(
            employee=bank.alice, slug="alice-mornings", title="Mornings", durations=[30, 60]
        )
        page.topics.set([bank.topic])
        ProfileHours.objects.bulk_create(
            ProfileHours(profile=page, weekday=d, start=time(9), end=time(12)) for d in range(5)
        )
        return page

    @pytest.fixture
    def meeting(self, client, bank, profile) -> Meeting:
        """Booked through the page: Tuesday 10:00-11:00 online with Alice (60 minutes)."""
        found = book(client, bank, profile=profile.slug, duration=60)
        assert found.profile == profile
        assert found.end - found.start == HOUR
        return found

    def test_the_picker_offers_only_the_profile_hours_at_the_meetings_length(self, client, meeting):
        """Wednesday: hour-long times that end by 12:00 (the profile's hours), none in the
        afternoon Alice also works, and no 11:30 (only 30 minutes would fit)."""
        response = client.get(url("reschedule", meeting) + f"?day={WEDNESDAY}")
        assert response.status_code == 200
        times = local_times(offered_starts(response.content.decode()))
        assert times == [time(9), time(9, 30), time(10), time(10, 30), time(11)]

    def test_a_colleague_outside_the_profile_is_not_offered(self, client, bank, meeting):
        """Asking for Bob, who is not the page's, does not open his calendar: the
        picker falls back to Alice's profile times."""
        response = client.get(
            url("reschedule", meeting) + f"?day={WEDNESDAY}&employee={bank.bob.pk}"
        )
        assert response.status_code == 200
        starts = offered_starts(response.content.decode())
        assert local_times(starts) == [time(9), time(9, 30), time(10), time(10, 30), time(11)]

    def test_a_time_outside_the_profile_hours_is_refused(self, client, meeting):
        """14:00 is in Alice's hours but not the page's: refused with a message, nothing
        held, the meeting keeps its time."""
        response = client.post(url("reschedule", meeting), {"start": WEDNESDAY_TWO_PM.isoformat()})
        assert response.status_code == 409
        assert "This time is not available." in response.content.decode()
        assert not TimeSlot.objects.filter(start=WEDNESDAY_TWO_PM).exists()
        meeting.refresh_from_db()
        assert meeting.start == TUESDAY_TEN

    def test_the_moved_meeting_keeps_its_sixty_minutes(self, client, meeting):
        """Moved to Wednesday 10:00: still 10:00-11:00 and still the page's meeting."""
        moved = move(client, meeting, WEDNESDAY_TEN)
        assert moved.start == WEDNESDAY_TEN
        assert moved.end == WEDNESDAY_TEN + HOUR
        assert moved.profile is not None
        assert moved.time_slot.status == TimeSlotStatus.BOOKED


class TestRequestedFeatures:
    @pytest.fixture
    def step_free(self, bank) -> RoomFeature:
        """Small has step-free access (customers may ask for it); Big has none."""
        feature = RoomFeature.objects.create(name="Step-free access", customer_requestable=True)
        bank.world.small_room.features.set([feature])
        return feature

    @pytest.fixture
    def meeting(self, client, bank, step_free) -> Meeting:
        """Booked in person on the website asking for step-free access: Tuesday 10:00 in
        Small with Alice."""
        response = hold(
            client,
            bank.topic,
            TUESDAY_TEN,
            meeting_type="physical",
            location=bank.world.location.pk,
            features=step_free.pk,
        )
        slot_id = held_slot_id(response)
        confirmed = client.post(
            reverse("booking:details", args=[slot_id]),
            {**details_data(), **answers_for(bank.topic)},
        )
        assert confirmed.status_code == 302, confirmed.content.decode()[:2000]
        return Meeting.objects.get(time_slot_id=slot_id)

    @staticmethod
    def take_small_on_wednesday_at_ten(bank) -> None:
        """Someone else holds Small, the only step-free room, Wednesday 10:00 (with Bob)."""
        services.time_slot_reserve(
            actor=Actor.for_session("someone-else"),
            wanted=services.SlotRequest(
                start=WEDNESDAY_TEN,
                end=WEDNESDAY_TEN + HOUR,
                employee=bank.bob,
                room=bank.world.small_room,
                topic=bank.topic,
                meeting_type="physical",
            ),
        )

    def test_the_meeting_stores_the_asked_feature_and_pages_show_it(
        self, client, bank, meeting, step_free
    ):
        """The feature is kept with the meeting; the manage page and the staff page name it."""
        assert list(meeting.requested_room_features.all()) == [step_free]
        assert meeting.room == bank.world.small_room
        manage = client.get(url("manage", meeting)).content.decode()
        assert re.search(r"<dt>Room with</dt><dd>Step-free access</dd>", manage)
        staff = signed_in(staff_user(bank.bob, name="bob"))
        page = staff.get(reverse("staff:meeting", args=[meeting.pk])).content.decode()
        assert re.search(r"<dt>Room with</dt><dd>Step-free access</dd>", page)

    def test_a_meeting_without_features_shows_none(self, client, bank):
        """Nothing asked: no "Room with" line on the manage page."""
        plain = book(client, bank, meeting_type="physical", location=bank.world.location.pk)
        assert not plain.requested_room_features.exists()
        assert "Room with" not in client.get(url("manage", plain)).content.decode()

    def test_a_move_offers_only_times_with_a_room_that_has_the_feature(self, client, bank, meeting):
        """Small taken Wednesday at ten: Big is free then but not step-free, so ten is not
        offered; noon (Small free) is."""
        self.take_small_on_wednesday_at_ten(bank)
        response = client.get(url("reschedule", meeting) + f"?day={WEDNESDAY}")
        assert response.status_code == 200
        starts = offered_starts(response.content.decode())
        assert WEDNESDAY_TEN not in starts
        assert WEDNESDAY_TEN + 2 * HOUR in starts

    def test_a_move_into_a_room_without_the_feature_is_refused(self, client, bank, meeting):
        """Pressing Wednesday ten anyway holds nothing in Big; the meeting stays put."""
        self.take_small_on_wednesday_at_ten(bank)
        response = client.post(url("reschedule", meeting), {"start": WEDNESDAY_TEN.isoformat()})
        assert response.status_code == 409
        assert not TimeSlot.objects.filter(room=bank.world.big_room).exists()
        meeting.refresh_from_db()
        assert meeting.start == TUESDAY_TEN

    def test_the_moved_meeting_keeps_its_room_feature(self, client, bank, meeting, step_free):
        """Moved to Wednesday noon: in Small again, the feature still asked for."""
        moved = move(client, meeting, WEDNESDAY_TEN + 2 * HOUR)
        assert moved.start == WEDNESDAY_TEN + 2 * HOUR
        assert moved.room == bank.world.small_room
        assert list(moved.requested_room_features.all()) == [step_free]
