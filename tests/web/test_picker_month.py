"""build_month, the month picker's assembly: which month and day it opens on, where its
navigation points, and how it marks days and times (DST, group seats, cut-off, the
meeting being moved). The clock is Monday 1 June 2026, 08:00 in Copenhagen."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from booking.views.picker import PickerOptions
from booking.views.picker_month import PickerMonth, build_month
from config_data.models import Absence
from tests import factories

FIRST_FREE = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # Monday 1 June, 09:00 in Copenhagen


def absent(employees, start: datetime, end: datetime) -> None:
    for employee in employees:
        Absence.objects.create(employee=employee, start=start, end=end, reason="Holiday")


def month(options: PickerOptions, now: datetime, **kwargs) -> PickerMonth:
    return build_month(
        options, month=kwargs.pop("month", None), day=kwargs.pop("day", None), now=now, **kwargs
    )


@pytest.fixture
def online(world) -> PickerOptions:
    return PickerOptions(topic=world.topic, meeting_type="online")


def cell(picker: PickerMonth, day: date):
    (found,) = [d for d in picker.days if d.day == day]
    return found


def test_opens_on_the_day_of_the_first_free_time(online, now):
    """No day asked for: the month and day of the first free time, its times in order."""
    picker = month(online, now)
    assert picker.month == date(2026, 6, 1)
    assert picker.chosen is not None
    assert picker.chosen.day == date(2026, 6, 1)
    assert picker.chosen.times[0].start == FIRST_FREE
    assert picker.chosen.times[0].label == "09:00"
    # 09:00 to 16:00 on the half hour (meetings take an hour, work ends at 17:00).
    assert picker.chosen_free == 15
    assert picker.weeks[0][0] is not None
    assert picker.weeks[0][0].day == date(2026, 6, 1)
    assert cell(picker, date(2026, 6, 6)).free == 0  # Saturday
    assert len(picker.days) == 30
    assert picker.previous_month is None
    assert picker.next_month == date(2026, 7, 1)


def test_opens_on_a_later_month_when_nothing_is_free_before(world, online, now):
    """Everyone away all June: the picker opens on July's first free day, with no way
    back to the empty month."""
    absent(
        [world.alice, world.bob],
        datetime(2026, 5, 31, tzinfo=UTC),
        datetime(2026, 7, 1, tzinfo=UTC),
    )
    picker = month(online, now)
    assert picker.month == date(2026, 7, 1)
    assert picker.chosen is not None
    assert picker.chosen.day == date(2026, 7, 1)
    assert picker.previous_month is None


def test_a_requested_day_and_month_are_clamped_to_today_and_the_horizon(world, now):
    """Before today: today's month; after the horizon (20 days): its last day and month."""
    world.topic.booking_horizon = 20
    options = PickerOptions(topic=world.topic, meeting_type="online")
    assert month(options, now, day=date(2020, 1, 1)).chosen.day == date(2026, 6, 1)
    late = month(options, now, day=date(2027, 3, 3))
    # The horizon ends on Sunday 21 June: the nearest day with times is Friday 19 June.
    assert late.chosen.day == date(2026, 6, 19)
    assert not cell(late, date(2026, 6, 22)).in_range
    assert cell(late, date(2026, 6, 22)).free == 0
    assert late.next_month is None
    assert month(options, now, month=date(2026, 1, 1)).month == date(2026, 6, 1)
    assert month(options, now, month=date(2031, 1, 1)).month == date(2026, 6, 1)


def test_navigation_skips_months_without_free_times(world, online, now):
    """July is empty: June's next month is August, and August's previous one is June."""
    absent(
        [world.alice, world.bob],
        datetime(2026, 6, 30, 22, tzinfo=UTC),
        datetime(2026, 7, 31, 22, tzinfo=UTC),
    )
    june = month(online, now)
    assert june.next_month == date(2026, 8, 1)
    august = month(online, now, month=date(2026, 8, 1))
    assert august.previous_month == date(2026, 6, 1)
    assert august.chosen.day == date(2026, 8, 3)  # the first weekday of August
    july = month(online, now, month=date(2026, 7, 1))
    assert july.is_empty
    assert july.chosen is None
    assert (july.previous_month, july.next_month) == (date(2026, 6, 1), date(2026, 8, 1))


def test_nothing_free_at_all_gives_an_empty_month_without_navigation(db, now):
    """An adviser who never works: this month, empty, no links anywhere."""
    idle = factories.employee(location=factories.location(), name="Idle", hours=[])
    topic = factories.topic(employees=[idle], booking_horizon=60)
    picker = month(PickerOptions(topic=topic, meeting_type="online"), now)
    assert picker.month == date(2026, 6, 1)
    assert picker.is_empty
    assert picker.chosen is None
    assert (picker.previous_month, picker.next_month) == (None, None)


def test_a_dst_month_counts_days_and_labels_times_in_local_time(online):
    """October 2026: Copenhagen leaves summer time on Sunday 25 October. 09:00 is 07:00
    UTC before and 08:00 UTC after, each time on its own local day; the grid starts on
    Thursday 1 October under Monday-first headings."""
    now = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)
    before = month(online, now, day=date(2026, 10, 23))
    after = month(online, now, day=date(2026, 10, 26))
    assert before.chosen.times[0].start == datetime(2026, 10, 23, 7, 0, tzinfo=UTC)
    assert after.chosen.times[0].start == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert before.chosen.times[0].label == after.chosen.times[0].label == "09:00"
    assert before.chosen.times[-1].label == after.chosen.times[-1].label == "16:00"
    assert cell(after, date(2026, 10, 26)).free == cell(after, date(2026, 10, 23)).free == 15
    assert cell(after, date(2026, 10, 25)).free == 0
    assert after.weeks[0][:3] == [None, None, None]
    assert after.weeks[0][3].day == date(2026, 10, 1)
    assert len(after.weeks) == 5
    assert len(after.days) == 31


def test_group_sessions_show_seats_left(world, now):
    """A group topic's times carry the seats still free; one booked seat counts."""
    seminar = factories.topic(
        name="Seminar", employees=[world.alice], capacity=6, physical=True, online=False
    )
    options = PickerOptions(
        topic=seminar, meeting_type="physical", location=world.location, employee=world.alice
    )
    picker = month(options, now)
    assert picker.group_session
    assert {t.seats_left for t in picker.chosen.times} == {6}
    factories.meeting(
        topic=seminar,
        employee=world.alice,
        start=FIRST_FREE,
        meeting_type="physical",
        room=world.big_room,
    )
    again = month(options, now, day=date(2026, 6, 1))
    seats = {t.start: t.seats_left for t in again.chosen.times}
    assert seats[FIRST_FREE] == 5


def test_times_inside_the_cutoff_are_marked(online, now):
    """Before `cutoff_before` a time is marked (it could no longer be changed online);
    from it on not; nothing is hidden."""
    cutoff = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # Tuesday 10:00 in Copenhagen
    picker = month(online, now, day=date(2026, 6, 2), cutoff_before=cutoff)
    marks = {t.label: t.inside_cutoff for t in picker.chosen.times}
    assert marks["09:00"]
    assert marks["09:30"]
    assert not marks["10:00"]
    assert not marks["16:00"]
    assert len(marks) == 15
    unmarked = month(online, now, day=date(2026, 6, 2))
    assert not any(t.inside_cutoff for t in unmarked.chosen.times)


def test_the_meeting_being_moved_is_marked_current_and_not_counted_free(online, now):
    """The current start is listed as current; the day's free count leaves it out."""
    current = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    picker = month(online, now, day=date(2026, 6, 2), current_start=current)
    (shown,) = [t for t in picker.chosen.times if t.is_current]
    assert shown.start == current
    assert cell(picker, date(2026, 6, 2)).free == 14
    assert picker.chosen_free == 14
    assert cell(picker, date(2026, 6, 3)).free == 15
