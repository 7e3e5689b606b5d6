"""The branch calendar (booking.staff.calendar) and its layout maths (booking.calendar_grid)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import calendar_grid
from booking.models import (
    Customer,
    Meeting,
    MeetingOutcome,
)
from booking.roles import ADMINISTRATOR
from config_data.models import Absence, Employee
from tests import factories
from tests.staff.world import booked, signed_in, staff_user

CPH = ZoneInfo("Europe/Copenhagen")
# Tuesday 2 June 2026; the clock is Monday 1 June 08:00 in Copenhagen.
TUESDAY = date(2026, 6, 2)
TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 10:00 CEST


@pytest.fixture
def alice_client(world) -> Client:
    return signed_in(staff_user(world.alice))


@pytest.fixture
def elsewhere(world) -> Employee:
    """A second branch, Aarhus, with its own adviser and room."""
    branch = factories.location(name="Aarhus")
    factories.room(location=branch, name="Aarhus room")
    erik = factories.employee(location=branch, name="Erik")
    world.topic.employees.add(erik)
    return erik


def meeting_rows(html: str) -> list[tuple[int, int]]:
    """(first row, span) of each meeting block on the page (hour lines left out)."""
    found = re.findall(r'class="cal-block cal-meeting[^"]*cal-row-(\d+) cal-span-(\d+)"', html)
    return [(int(row), int(span)) for row, span in found]


def calendar_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("staff:calendar") + (f"?{query}" if query else "")


# --- the layout maths --------------------------------------------------------------------


def test_day_bounds_are_23_and_25_hours_on_dst_days():
    """Local midnight to midnight: 23 hours in spring, 25 in autumn, 24 otherwise."""
    spring = calendar_grid.day_bounds(date(2026, 3, 29), CPH)
    autumn = calendar_grid.day_bounds(date(2026, 10, 25), CPH)
    plain = calendar_grid.day_bounds(TUESDAY, CPH)
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    assert plain[1] - plain[0] == timedelta(hours=24)
    assert spring[0] == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_a_meeting_sits_on_its_wall_clock_rows_on_a_dst_day():
    """10:00 local is the 10:00 row on the spring-forward day too (08:00 UTC, not 09:00)."""
    window = calendar_grid.Window(first_hour=7, last_hour=19)
    day = date(2026, 3, 29)
    ten_local = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    placed = window.place(ten_local, ten_local + timedelta(minutes=45), day=day, zone=CPH)
    # Row 2 is 07:00; 3 hours of 5-minute rows later is row 38; 45 minutes are 9 rows.
    assert (placed.row, placed.span) == (38, 9)
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET, before the change
    assert window.place(before, before + timedelta(hours=1), day=day, zone=CPH).starts_before


def test_window_widens_to_fit_early_and_late_meetings():
    """A 06:15 meeting opens the grid at 06:00; one until 20:10 closes it at 21:00."""
    early = datetime(2026, 6, 2, 4, 15, tzinfo=UTC)
    late = datetime(2026, 6, 2, 17, 10, tzinfo=UTC)
    window = calendar_grid.window_for(
        [(early, early + timedelta(minutes=30)), (late, late + timedelta(hours=1))],
        day=TUESDAY,
        zone=CPH,
    )
    assert (window.first_hour, window.last_hour) == (6, 21)
    assert window.place(early, early + timedelta(minutes=30), day=TUESDAY, zone=CPH).row == 5


def test_a_meeting_crossing_midnight_is_cut_to_the_day():
    """Starting the day before, a meeting starts at the top of the grid, marked cut."""
    window = calendar_grid.Window(first_hour=0, last_hour=24)
    start = datetime(2026, 6, 1, 21, 0, tzinfo=UTC)  # 23:00 on Monday in Copenhagen
    placed = window.place(start, start + timedelta(hours=2), day=TUESDAY, zone=CPH)
    assert placed.row == 2
    assert placed.span == 12  # 00:00-01:00 of Tuesday
    assert placed.starts_before
    assert not placed.ends_after


def test_week_days_run_monday_to_sunday():
    """Any day of a week gives that week's Monday to Sunday."""
    days = calendar_grid.week_days(date(2026, 6, 4))
    assert days[0] == date(2026, 6, 1)
    assert days[-1] == date(2026, 6, 7)
    assert len(days) == 7


# --- access ------------------------------------------------------------------------------


def test_signing_in_is_required(client, world):
    """An anonymous visitor is sent to sign in, for the home and the calendar."""
    for url in (reverse("staff:home"), reverse("staff:calendar")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_a_customer_account_gets_404(world):
    """A signed-in user in no staff role does not see that the page exists."""
    user = User.objects.create_user(username="customer")
    assert signed_in(user).get(reverse("staff:calendar")).status_code == 404


def test_staff_home_goes_to_the_calendar(alice_client):
    """/staff/ redirects to the branch calendar."""
    response = alice_client.get(reverse("staff:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:calendar")


def test_another_branch_is_404_for_an_adviser(alice_client, elsewhere):
    """An adviser asking for another branch's calendar gets 404."""
    response = alice_client.get(calendar_url(location=elsewhere.location_id))
    assert response.status_code == 404


def test_administrator_chooses_among_all_branches(world, elsewhere):
    """An administrator without an employee record sees every branch and can switch."""
    admin = signed_in(staff_user(None, role=ADMINISTRATOR, name="boss"))
    response = admin.get(calendar_url(location=elsewhere.location_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="calendar-location"' in html
    assert "Calendar: Aarhus" in html
    assert "Erik" in html
    assert "Alice" not in html


# --- the day view ------------------------------------------------------------------------


def test_day_view_places_the_meeting_in_its_employee_and_room_columns(alice_client, world):
    """A 10:00-11:00 meeting in the big room shows in Alice's and the room's column, on
    rows 38-49 of the 07:00-19:00 grid, linking to its details."""
    meeting = factories.meeting(
        topic=world.topic,
        employee=world.alice,
        room=world.big_room,
        start=TUESDAY_TEN,
        meeting_type="physical",
        customer_name="Dora Daring",
    )
    response = alice_client.get(calendar_url(date="2026-06-02"))
    assert response.status_code == 200
    html = response.content.decode()
    assert meeting_rows(html) == [(38, 12), (38, 12)]
    assert html.count(reverse("staff:meeting", args=[meeting.pk])) == 2
    assert f'id="cal-col-employee-{world.alice.pk}"' in html
    assert f'id="cal-col-room-{world.big_room.pk}"' in html
    assert "10:00–11:00" in html
    assert "Dora Daring" in html
    assert 'style="' not in html  # the CSP forbids inline styles


def test_day_view_defaults_to_today_in_the_branch_zone(alice_client, world):
    """Without a date the calendar shows today (Monday 1 June) in the location's zone."""
    response = alice_client.get(reverse("staff:calendar"))
    assert response.context["day"] == date(2026, 6, 1)
    assert response.context["location"] == world.location


def test_cancelled_meetings_and_other_branches_stay_off(alice_client, world, elsewhere):
    """Only the branch's confirmed meetings appear."""
    from booking import services
    from booking.actors import Actor

    kept = booked(topic=world.topic, employee=world.alice, start=TUESDAY_TEN, customer="Kept")
    gone = booked(topic=world.topic, employee=world.bob, start=TUESDAY_TEN, customer="Gone")
    services.meeting_cancel(actor=Actor.for_staff_user(1), meeting_id=gone.pk)
    booked(topic=world.topic, employee=elsewhere, start=TUESDAY_TEN, customer="Faraway")
    html = alice_client.get(calendar_url(date="2026-06-02")).content.decode()
    assert kept.customer.name in html
    assert "Gone" not in html
    assert "Faraway" not in html
    assert "Erik" not in html


def test_absence_shows_in_the_employee_column(alice_client, world):
    """Bob's absence from 12:00 to 14:00 is a block in his column."""
    Absence.objects.create(
        employee=world.bob,
        start=datetime(2026, 6, 2, 10, 0, tzinfo=UTC),
        end=datetime(2026, 6, 2, 12, 0, tzinfo=UTC),
        reason="Dentist",
    )
    html = alice_client.get(calendar_url(date="2026-06-02")).content.decode()
    assert "cal-absence cal-row-62 cal-span-24" in html
    assert "Dentist" in html


def test_group_session_seats_share_one_block(alice_client, world):
    """Two customers of the same room at the same time are one block listing both."""
    for seat, name in enumerate(["Seat One", "Seat Two"], start=1):
        booked(
            topic=world.topic,
            room=world.big_room,
            start=TUESDAY_TEN,
            customer=name,
            seat=("group:session", seat),
        )
    response = alice_client.get(calendar_url(date="2026-06-02"))
    room_column = next(
        c for c in response.context["columns"] if c.kind == "room" and c.pk == world.big_room.pk
    )
    assert len(room_column.blocks) == 1
    assert [m.customer.name for m in room_column.blocks[0].meetings] == ["Seat One", "Seat Two"]


def test_dst_day_places_blocks_by_the_wall_clock(alice_client, world):
    """On 29 March 2026 (23 hours) a 10:00 meeting is on the 10:00 rows, and a meeting
    at 00:30 on 30 March (22:30 UTC on the 29th) belongs to the next day."""
    booked(topic=world.topic, employee=world.alice, start=datetime(2026, 3, 29, 8, 0, tzinfo=UTC))
    booked(
        topic=world.topic,
        employee=world.alice,
        start=datetime(2026, 3, 29, 22, 30, tzinfo=UTC),
        customer="Next Day",
    )
    response = alice_client.get(calendar_url(date="2026-03-29"))
    html = response.content.decode()
    assert meeting_rows(html) == [(38, 12)]
    assert "10:00–11:00" in html
    assert "Next Day" not in html
    following = alice_client.get(calendar_url(date="2026-03-30")).content.decode()
    assert "Next Day" in following
    assert "00:30–01:30" in following


def test_outcome_is_marked_on_the_block(alice_client, world):
    """A no-show meeting carries its outcome class and label."""
    meeting = booked(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    Meeting.objects.filter(pk=meeting.pk).update(
        outcome=MeetingOutcome.NO_SHOW, outcome_at=TUESDAY_TEN
    )
    html = alice_client.get(calendar_url(date="2026-06-02")).content.decode()
    assert "cal-outcome-no_show" in html
    assert "(No-show)" in html


# --- filters, navigation, views ----------------------------------------------------------


def test_employee_filter_keeps_that_employee_and_the_rooms_of_their_meetings(alice_client, world):
    """Filtered to Bob: Bob's column, his meeting's room, nobody else's meetings."""
    booked(topic=world.topic, employee=world.alice, start=TUESDAY_TEN, customer="For Alice")
    booked(
        topic=world.topic,
        employee=world.bob,
        room=world.small_room,
        start=TUESDAY_TEN,
        customer="For Bob",
    )
    response = alice_client.get(calendar_url(date="2026-06-02", employee=world.bob.pk))
    names = [c.name for c in response.context["columns"]]
    assert names == ["Bob", "Small"]
    html = response.content.decode()
    assert "For Bob" in html
    assert "For Alice" not in html
    assert f'<option value="{world.bob.pk}" selected>' in html


def test_room_and_topic_filters(alice_client, world):
    """The room filter shows that room's day; the topic filter keeps that topic only."""
    other_topic = factories.topic(name="Pension", employees=[world.alice, world.bob])
    booked(
        topic=world.topic,
        employee=world.alice,
        room=world.big_room,
        start=TUESDAY_TEN,
        customer="Big One",
    )
    booked(
        topic=other_topic,
        employee=world.bob,
        room=world.small_room,
        start=TUESDAY_TEN,
        customer="Small One",
    )
    by_room = alice_client.get(calendar_url(date="2026-06-02", room=world.small_room.pk))
    assert [c.name for c in by_room.context["columns"]] == ["Small"]
    assert "Small One" in by_room.content.decode()
    assert "Big One" not in by_room.content.decode()
    by_topic = alice_client.get(calendar_url(date="2026-06-02", topic=other_topic.pk))
    html = by_topic.content.decode()
    assert "Small One" in html
    assert "Big One" not in html


@pytest.mark.parametrize("field", ["employee", "room", "topic"])
def test_an_unknown_filter_value_names_its_field(alice_client, world, elsewhere, field):
    """Another branch's employee, room or topic id (or junk) is an error on that field, not
    a 500, and the calendar still shows."""
    wrong = {"employee": elsewhere.pk, "room": "abc", "topic": 999999}[field]
    response = alice_client.get(calendar_url(date="2026-06-02", **{field: wrong}))
    assert response.status_code == 200
    assert field in response.context["errors"]
    assert f'id="calendar-{field}-error"' in response.content.decode()


@pytest.mark.parametrize("value", ["2026-13-40", "yesterday", "0001-01-01"])
def test_a_bad_date_names_the_field(alice_client, world, value):
    """A date that is not one shows an error on the date and today's calendar."""
    response = alice_client.get(calendar_url(date=value))
    assert response.status_code == 200
    assert "date" in response.context["errors"]
    assert response.context["day"] == date(2026, 6, 1)
    assert "Date:" in response.content.decode()


def test_navigation_links_carry_the_filters(alice_client, world):
    """Previous and next day keep the view and the filters; links have href and hx-get."""
    response = alice_client.get(calendar_url(date="2026-06-02", employee=world.alice.pk))
    html = response.content.decode()
    previous = f"?employee={world.alice.pk}&amp;view=day&amp;date=2026-06-01"
    nxt = f"?employee={world.alice.pk}&amp;view=day&amp;date=2026-06-03"
    assert f'href="{previous}" hx-get="{previous}"' in html
    assert f'href="{nxt}" hx-get="{nxt}"' in html
    assert 'hx-push-url="true"' in html


def test_htmx_navigation_gets_only_the_calendar_partial(alice_client, world):
    """An HTMX request gets the #calendar region, not the whole page."""
    response = alice_client.get(calendar_url(date="2026-06-02"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="calendar"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_week_view_lists_meetings_by_resource_and_day(alice_client, world):
    """The week of 1 June: Alice's Tuesday and Thursday meetings in their day cells."""
    booked(topic=world.topic, employee=world.alice, start=TUESDAY_TEN, customer="Tuesday Tina")
    booked(
        topic=world.topic,
        employee=world.alice,
        start=TUESDAY_TEN + timedelta(days=2, hours=3),
        customer="Thursday Theo",
    )
    response = alice_client.get(calendar_url(date="2026-06-03", view="week"))
    assert response.status_code == 200
    alice = next(c for c in response.context["columns"] if c.name == "Alice")
    by_day = {day: [m.customer.name for m in meetings] for day, meetings in alice.by_day}
    assert by_day[date(2026, 6, 2)] == ["Tuesday Tina"]
    assert by_day[date(2026, 6, 4)] == ["Thursday Theo"]
    assert by_day[date(2026, 6, 1)] == []
    html = response.content.decode()
    assert "view=week&amp;date=2026-05-27" in html  # previous week
    assert "view=week&amp;date=2026-06-10" in html  # next week


def test_day_sheet_lists_customer_contacts_and_answers(alice_client, world):
    """The printable day sheet has one row per meeting with phone, email and answers."""
    topic = factories.topic(name="Loan", employees=[world.alice], questions=["Amount?"])
    meeting = booked(topic=topic, employee=world.alice, start=TUESDAY_TEN, customer="Sheet Sam")
    Customer.objects.filter(pk=meeting.customer_id).update(phone="+45 11 22 33 44")
    meeting.answers.create(question_text="Amount?", answer="200000")
    html = alice_client.get(calendar_url(date="2026-06-02", view="sheet")).content.decode()
    assert "day-sheet-table" in html
    assert "Sheet Sam" in html
    assert "+45 11 22 33 44" in html
    assert "Amount?: 200000" in html


def test_an_unknown_view_names_the_field(alice_client, world):
    """?view=year is an error on the view and falls back to the day."""
    response = alice_client.get(calendar_url(view="year"))
    assert response.context["view"] == "day"
    assert "view" in response.context["errors"]


@pytest.mark.parametrize("view", ["day", "week", "sheet"])
def test_query_count_does_not_grow_with_meetings(alice_client, world, view):
    """One meeting or twelve: the same number of queries, for each view."""

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = alice_client.get(calendar_url(date="2026-06-02", view=view))
        assert response.status_code == 200
        return len(queries)

    booked(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    one = count()
    for hour in range(1, 7):
        start = TUESDAY_TEN + timedelta(hours=hour)
        m = booked(topic=world.topic, employee=world.alice, room=world.big_room, start=start)
        m.answers.create(question_text="Q", answer="A")
        booked(topic=world.topic, employee=world.bob, start=start - timedelta(days=hour % 3))
    assert count() == one
    assert one <= 14
