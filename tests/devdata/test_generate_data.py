"""generate_data: deterministic, realistic, and never double-booked."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from booking.devdata.data_generator.spec import danish_holidays, easter, fitting_starts, set_bits
from booking.models import OCCUPYING_STATUSES, Meeting, MeetingStatus, TimeSlot, TimeSlotStatus
from config_data.models import Absence, ClosedDay, Employee, MeetingTopic, Room, WorkingHours

START = date(2026, 3, 23)  # a Monday, with Easter and the DST change inside the window


def generate(**options) -> str:
    out = StringIO()
    values = {"size": "S", "seed": 7, "start": START, "days": 28, "meetings": 300}
    values.update(options)
    args = [f"--{k}={v}" for k, v in values.items() if k != "flush"]
    call_command("generate_data", *args, *(["--flush"] if options.get("flush") else []), stdout=out)
    return out.getvalue()


def fingerprint() -> dict[str, list]:
    """The generated content, by natural keys: primary keys and timestamps left out."""
    return {
        "employees": list(
            Employee.objects.order_by("email").values_list(
                "email", "name", "location__name", "physical", "online", "phone"
            )
        ),
        "hours": sorted(
            WorkingHours.objects.values_list("employee__email", "weekday", "start", "end")
        ),
        "absences": sorted(Absence.objects.values_list("employee__email", "start", "end")),
        "rooms": sorted(Room.objects.values_list("name", "location__name", "capacity")),
        "topics": sorted(
            (t.name, sorted(e.email for e in t.employees.all()))
            for t in MeetingTopic.objects.prefetch_related("employees")
        ),
        "slots": sorted(  # by text: a room may be None
            TimeSlot.objects.values_list(
                "employee__email",
                "room__name",
                "topic__name",
                "start",
                "end",
                "status",
                "session_key",
            ),
            key=str,
        ),
        "meetings": sorted(
            Meeting.objects.values_list(
                "reference", "ical_uid", "customer__external_id", "meeting_type", "status"
            )
        ),
    }


@pytest.mark.django_db
class TestGenerateData:
    def test_the_same_seed_gives_the_same_data(self):
        """Generate, flush, generate again with the same seed: identical content."""
        generate()
        first = fingerprint()
        generate(flush=True)
        assert fingerprint() == first

    def test_another_seed_gives_other_data(self):
        """The seed is really used: a different one places meetings elsewhere."""
        generate()
        first = fingerprint()
        generate(flush=True, seed=8)
        assert fingerprint()["slots"] != first["slots"]

    def test_the_size_decides_the_counts(self):
        """S: 10 employees, 5 rooms over two branches; exactly the meetings asked for."""
        output = generate()
        assert Employee.objects.count() == 10
        assert Room.objects.count() == 5
        assert set(Employee.objects.values_list("location__name", flat=True)) == {
            "Copenhagen",
            "Aarhus",
        }
        assert Meeting.objects.count() == TimeSlot.objects.count() == 300
        assert "no overlaps" in output

    def test_no_two_occupying_slots_overlap(self):
        """The database's own overlap query and an independent check in Python both find none."""
        generate()
        assert not TimeSlot.objects.double_booked().exists()
        by_resource: dict[tuple[str, int], list[tuple[datetime, datetime]]] = defaultdict(list)
        for employee_id, room_id, start, end in TimeSlot.objects.filter(
            status__in=OCCUPYING_STATUSES
        ).values_list("employee_id", "room_id", "blocked_start", "blocked_end"):
            by_resource["employee", employee_id].append((start, end))
            if room_id is not None:
                by_resource["room", room_id].append((start, end))
        for spans in by_resource.values():
            spans.sort()
            for (_, previous_end), (next_start, _) in pairwise(spans):
                assert previous_end <= next_start

    def test_meetings_fall_in_working_hours_and_never_in_absences_or_holidays(self):
        """Each slot lies inside its employee's local working hours on an open day."""
        generate()
        hours = defaultdict(list)
        for employee_id, weekday, start, end in WorkingHours.objects.values_list(
            "employee_id", "weekday", "start", "end"
        ):
            hours[employee_id, weekday].append((start, end))
        closed = set(ClosedDay.objects.values_list("location_id", "date"))
        absences = defaultdict(list)
        for employee_id, start, end in Absence.objects.values_list("employee_id", "start", "end"):
            absences[employee_id].append((start, end))
        for slot in TimeSlot.objects.select_related("employee__location"):
            zone = slot.employee.location.zone
            local_start, local_end = slot.start.astimezone(zone), slot.blocked_end.astimezone(zone)
            assert (slot.employee.location_id, local_start.date()) not in closed
            assert any(
                s <= local_start.time() and local_end.time() <= e
                for s, e in hours[slot.employee_id, local_start.weekday()]
            ), slot
            assert not any(s < slot.blocked_end and slot.blocked_start < e
                           for s, e in absences[slot.employee_id])  # fmt: skip

    def test_in_person_meetings_on_room_topics_have_a_room_at_the_employees_branch(self):
        """requires_room is honoured, and the room is where the employee works."""
        generate()
        meetings = Meeting.objects.select_related("time_slot__room", "time_slot__employee", "topic")
        physical = [m for m in meetings if m.meeting_type == "physical" and m.topic.requires_room]
        assert physical
        for meeting in physical:
            slot = meeting.time_slot
            assert slot.room is not None
            assert slot.room.location_id == slot.employee.location_id

    def test_cancelled_meetings_free_their_slot(self):
        """A few meetings are cancelled, as in real data, and their slots are Cancelled."""
        generate(meetings=1000, days=90)
        cancelled = Meeting.objects.filter(status=MeetingStatus.CANCELLED)
        assert 0 < cancelled.count() < 100
        assert set(cancelled.values_list("time_slot__status", flat=True)) == {
            TimeSlotStatus.CANCELLED
        }
        assert not cancelled.filter(cancelled_at__isnull=True).exists()

    def test_existing_data_is_not_overwritten_without_flush(self):
        """A second run without --flush refuses and changes nothing."""
        generate()
        before = TimeSlot.objects.count()
        with pytest.raises(CommandError, match="--flush"):
            generate(seed=9)
        assert TimeSlot.objects.count() == before

    def test_too_many_meetings_for_the_time_available_is_a_clear_error(self):
        """More meetings than the working time can hold: an error, not an endless loop."""
        with pytest.raises(CommandError, match="Could only place"):
            generate(days=3, meetings=5000)


class TestCalendarHelpers:
    @pytest.mark.parametrize(
        ("year", "expected"),
        [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5))],
    )
    def test_easter_sunday(self, year, expected):
        """The Gregorian computus matches published dates."""
        assert easter(year) == expected

    def test_danish_holidays_follow_easter(self):
        """Good Friday, Ascension and Whit Monday move with Easter; Christmas does not."""
        days = danish_holidays(2026)
        assert days[date(2026, 4, 3)] == "Good Friday"
        assert days[date(2026, 5, 14)] == "Ascension Day"
        assert days[date(2026, 5, 25)] == "Whit Monday"
        assert days[date(2026, 12, 25)] == "Christmas Day"

    def test_fitting_starts_finds_runs_long_enough(self):
        """Units 2-5 free: a 3-unit meeting can start at 2 or 3, not later."""
        free = 0b111100
        assert set_bits(fitting_starts(free, 3)) == [2, 3]
        assert fitting_starts(free, 5) == 0


def test_generated_instants_are_exact_utc_across_the_dst_change():
    """08:00 in Copenhagen is 07:00 UTC before 29 March 2026 and 06:00 UTC after."""
    from booking.devdata.data_generator.spec import at

    assert at(date(2026, 3, 27), 32) == datetime(2026, 3, 27, 7, tzinfo=UTC)
    assert at(date(2026, 3, 30), 32) == datetime(2026, 3, 30, 6, tzinfo=UTC)
    assert at(date(2026, 3, 30), 32) - at(date(2026, 3, 27), 32) == timedelta(days=3, hours=-1)
