"""Reports for managers: who may see them, what they count, the CSV export's limits, and
query counts that do not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import reports, services
from booking.models import Meeting, MeetingOutcome
from booking.roles import ADMINISTRATOR, ADVISER, BRANCH_MANAGER
from booking.staff.reports import default_range, safe_cell
from config_data.models import Absence, ClosedDay, Employee
from tests import factories

# The clock: Monday 1 June 2026, 08:00 in Copenhagen (06:00 UTC).
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC.
TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
WEEK_OF_JUNE_1 = {"start": "2026-06-01", "end": "2026-06-07"}


def account(name: str, role: str, employee: Employee | None = None) -> Client:
    user = User.objects.create_user(username=name, password="x")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if employee is not None:
        employee.user = user
        employee.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def aarhus(world):
    """A second branch with its own adviser, room, topic and one meeting."""
    location = factories.location(name="Aarhus", city="Aarhus")
    otto = factories.employee(location=location, name="Otto")
    room = factories.room(location=location, name="Aarhus room")
    topic = factories.topic(name="Pension", employees=[otto])
    factories.meeting(
        topic=topic,
        employee=otto,
        start=TUESDAY_TEN,
        customer_name="Other Branch Customer",
        customer_email="other@example.com",
    )
    return {"location": location, "otto": otto, "room": room, "topic": topic}


@pytest.fixture
def copenhagen(world):
    """Copenhagen's week of 1 June: two meetings (one in a room), one cancelled; and in the
    week before, a past meeting marked no-show and one held."""
    online = factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    in_room = factories.meeting(
        topic=world.topic,
        employee=world.bob,
        room=world.small_room,
        meeting_type="physical",
        start=TUESDAY_TEN + 2 * HOUR,
        customer_name="Cecilie Copenhagen",
        customer_email="cecilie@example.com",
    )
    cancelled = factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN + DAY)
    services.meeting_cancel(actor=factories.FACTORY_ACTOR, meeting_id=cancelled.pk)
    last_week = TUESDAY_TEN - 7 * DAY
    no_show = factories.meeting(
        topic=world.topic, employee=world.alice, start=last_week, now=last_week - 3 * DAY
    )
    held = factories.meeting(
        topic=world.topic, employee=world.bob, start=last_week, now=last_week - 3 * DAY
    )
    Meeting.objects.filter(pk=no_show.pk).update(outcome=MeetingOutcome.NO_SHOW, outcome_at=NOW)
    Meeting.objects.filter(pk=held.pk).update(outcome=MeetingOutcome.COMPLETED, outcome_at=NOW)
    # created_at is the wall clock's (frozen): booked three days ahead, as said above.
    Meeting.objects.filter(pk__in=[no_show.pk, held.pk]).update(created_at=last_week - 3 * DAY)
    return {"online": online, "in_room": in_room, "cancelled": cancelled, "no_show": no_show}


# --- who sees reports --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    """No account, no report: the sign-in page."""
    response = client.get(reverse("staff:reports"))
    assert response.status_code == 302
    assert client.get(reverse("staff:reports_csv")).status_code == 302


def test_advisers_get_404(world):
    """Advisers work in the staff pages but have no reports."""
    adviser = account("adviser", ADVISER, world.alice)
    assert adviser.get(reverse("staff:reports")).status_code == 404
    assert adviser.get(reverse("staff:reports_csv")).status_code == 404


def test_a_branch_manager_sees_only_their_branch(world, copenhagen, aarhus):
    """The Copenhagen manager's report counts Copenhagen only; Aarhus is not a choice."""
    manager = account("manager", BRANCH_MANAGER, world.bob)
    response = manager.get(reverse("staff:reports"), WEEK_OF_JUNE_1)
    assert response.status_code == 200
    report = response.context["report"]
    assert {row.branch for row in report.rows} == {"Copenhagen"}
    assert "Pension" not in response.content.decode()
    assert [u.name for u in report.advisers] == ["Alice", "Bob"]
    refused = manager.get(
        reverse("staff:reports"), {**WEEK_OF_JUNE_1, "location": aarhus["location"].pk}
    )
    assert refused.status_code == 422
    assert "location" in refused.context["form"].errors


def test_an_administrator_sees_every_branch_or_one(world, copenhagen, aarhus):
    """All branches by default; the branch field narrows the report to one."""
    admin = account("admin", ADMINISTRATOR)
    response = admin.get(reverse("staff:reports"), WEEK_OF_JUNE_1)
    assert {row.branch for row in response.context["report"].rows} == {"Aarhus", "Copenhagen"}
    one = admin.get(reverse("staff:reports"), {**WEEK_OF_JUNE_1, "location": aarhus["location"].pk})
    assert {row.branch for row in one.context["report"].rows} == {"Aarhus"}


# --- the form ------------------------------------------------------------------------------------


def test_the_default_range_is_the_last_twelve_weeks(world):
    """Without dates the report covers Monday eleven weeks back to this Sunday."""
    admin = account("admin", ADMINISTRATOR)
    response = admin.get(reverse("staff:reports"))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.start, report.end) == (date(2026, 3, 16), date(2026, 6, 7))
    assert len(report.weeks) == 12
    assert default_range(date(2026, 6, 7)) == (date(2026, 3, 16), date(2026, 6, 7))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "yesterday", "end": "2026-06-07"}, "start"),
        ({"start": "2026-06-01", "end": "2026-13-01"}, "end"),
        ({"start": "2026-06-07", "end": "2026-06-01"}, "end"),
        ({"start": "2024-01-01", "end": "2026-06-01"}, "end"),
        ({"start": "0001-01-01", "end": "0001-01-07"}, "start"),
        ({"start": "9999-12-25", "end": "9999-12-31"}, "end"),
    ],
)
def test_bad_dates_give_a_field_error(world, params, field):
    """Unreadable dates, an end before the start or a too long range name their field."""
    admin = account("admin", ADMINISTRATOR)
    response = admin.get(reverse("staff:reports"), params)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert "report" not in response.context
    assert b"Please correct the fields marked below." in response.content
    assert admin.get(reverse("staff:reports_csv"), params).status_code == 422


def test_htmx_gets_the_report_partial(world, copenhagen):
    """An HTMX submit swaps only the report, not the whole page."""
    admin = account("admin", ADMINISTRATOR)
    response = admin.get(reverse("staff:reports"), WEEK_OF_JUNE_1, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="report">')
    assert "<nav" not in body


def test_the_page_shows_charts_and_tables(world, copenhagen):
    """Six SVG charts, each with a title, and no inline style anywhere (strict CSP)."""
    admin = account("admin", ADMINISTRATOR)
    body = admin.get(reverse("staff:reports"), WEEK_OF_JUNE_1).content.decode()
    assert body.count("<svg") == 6
    assert body.count('role="img"') == 6
    assert "style=" not in body
    assert "Meetings per week by topic" in body


# --- what is counted ---------------------------------------------------------------------------


def test_the_figures_of_a_week(world, copenhagen, aarhus):
    """Meetings per week, rates and utilisation for Copenhagen's week of 1 June."""
    location_qs = world.location.__class__.objects.filter(pk=world.location.pk)
    report = reports.load_report(location_qs, date(2026, 5, 25), date(2026, 6, 7))
    assert report.weeks == ["2026-W22", "2026-W23"]
    assert reports.per_week(report.rows, report.weeks, "topic") == {"Mortgage": [2, 3]}
    overall = reports.rates(report.rows, NOW)
    assert (overall.total, overall.cancelled, overall.held, overall.no_shows) == (5, 1, 2, 1)
    assert overall.no_show_rate == 0.5
    assert overall.cancellation_rate == pytest.approx(0.2)
    # Two weeks of 9-17 on weekdays: 10 days of 8 hours; Alice has one hour in each week.
    alice = next(u for u in report.advisers if u.name == "Alice")
    assert (alice.available_minutes, alice.booked_minutes) == (4800, 120)
    # The small room: open 08-18 on ten weekdays, one hour booked.
    small = next(u for u in report.rooms if u.name == "Small")
    assert (small.available_minutes, small.booked_minutes) == (6000, 60)
    assert small.ratio == pytest.approx(0.01)
    # Lead time: the two past meetings were booked three days ahead.
    last_week = [row for row in report.rows if row.day < date(2026, 6, 1)]
    assert [round(reports.lead_days(row)) for row in last_week] == [3, 3]


def test_absences_and_closed_days_reduce_working_time(world):
    """A day's absence and a closed day leave three of five working days."""
    Absence.objects.create(
        employee=world.alice,
        start=datetime(2026, 6, 2, 0, 0, tzinfo=UTC),
        end=datetime(2026, 6, 3, 0, 0, tzinfo=UTC),
    )
    ClosedDay.objects.create(location=world.location, date=date(2026, 6, 5))
    location_qs = world.location.__class__.objects.filter(pk=world.location.pk)
    report = reports.load_report(location_qs, date(2026, 6, 1), date(2026, 6, 7))
    alice = next(u for u in report.advisers if u.name == "Alice")
    bob = next(u for u in report.advisers if u.name == "Bob")
    assert alice.available_minutes == 3 * 8 * 60
    assert bob.available_minutes == 4 * 8 * 60


def test_pure_figures_from_rows():
    """per_week, rates and the lead time histogram on hand-made rows."""

    def row(day: date, *, cancelled: bool = False, outcome: str = "", lead: float = 1.0):
        start = datetime.combine(day, time(8), tzinfo=UTC)
        return reports.MeetingRow(
            start=start,
            end=start + HOUR,
            created_at=start - timedelta(days=lead),
            day=day,
            cancelled=cancelled,
            outcome=outcome,
            topic="A",
            branch="X",
            employee_id=1,
            room_id=None,
        )

    rows = [
        row(date(2026, 5, 4), lead=0.5),
        row(date(2026, 5, 5), cancelled=True, lead=2),
        row(date(2026, 5, 12), outcome=MeetingOutcome.NO_SHOW, lead=40),
    ]
    weeks = reports.weeks_between(date(2026, 5, 3), date(2026, 5, 12))
    assert weeks == ["2026-W18", "2026-W19", "2026-W20"]
    assert reports.per_week(rows, weeks, "topic") == {"A": [0, 2, 1]}
    per_week = reports.rates_per_week(rows, weeks, NOW)
    assert [r.total for r in per_week] == [0, 2, 1]
    assert per_week[0].cancellation_rate == 0.0  # no meetings: no division by zero
    assert per_week[2].no_show_rate == 1.0
    assert reports.lead_time_histogram(rows) == [1, 1, 0, 0, 0, 1]
    lead = reports.lead_times_by_topic(rows)[0]
    assert (lead.count, lead.median_days) == (3, 2)


def test_booked_minutes_count_overlaps_once_and_clip_to_the_window():
    """Two overlapping group meetings in one room count once; time outside is not counted."""
    start = datetime(2026, 6, 1, 8, tzinfo=UTC)
    window = (start, start + 10 * HOUR)
    booked = [(start - HOUR, start + HOUR), (start + 2 * HOUR, start + 3 * HOUR)]
    booked += [(start + 2 * HOUR, start + 3 * HOUR)]
    assert reports.booked_minutes(booked, window) == 120


def report_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("staff:reports"), WEEK_OF_JUNE_1).status_code == 200
    return len(queries)


def test_the_report_query_count_does_not_grow_with_the_data(world, copenhagen):
    """More meetings, employees and rooms: the same number of queries."""
    admin = account("admin", ADMINISTRATOR)
    before = report_queries(admin)
    carl = factories.employee(location=world.location, name="Carl")
    world.topic.employees.add(carl)
    factories.room(location=world.location, name="Third")
    for n in range(3):
        factories.meeting(topic=world.topic, employee=carl, start=TUESDAY_TEN + n * HOUR)
    assert report_queries(admin) == before


# --- the CSV export ----------------------------------------------------------------------------


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_has_the_range_meetings_in_local_time(world, copenhagen):
    """One row per meeting of the range, cancelled ones included, times in the branch zone."""
    admin = account("admin", ADMINISTRATOR)
    response = admin.get(reverse("staff:reports_csv"), WEEK_OF_JUNE_1)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "meetings-2026-06-01-2026-06-07.csv" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response)
    assert len(rows) == 3
    first = rows[0]
    assert (first["date"], first["start"], first["end"]) == ("2026-06-02", "10:00", "11:00")
    assert first["time_zone"] == "Europe/Copenhagen"
    assert first["branch"] == "Copenhagen"
    assert [r["status"] for r in rows] == ["confirmed", "confirmed", "cancelled"]
    assert rows[1]["room"] == "Small"
    assert "reference" not in first  # the manage link's secret never leaves


def test_a_branch_manager_never_gets_another_branchs_rows(world, copenhagen, aarhus):
    """The Copenhagen manager's CSV has no Aarhus meeting, even when asking for Aarhus."""
    manager = account("manager", BRANCH_MANAGER, world.bob)
    rows = csv_rows(manager.get(reverse("staff:reports_csv"), WEEK_OF_JUNE_1))
    assert rows
    assert {r["branch"] for r in rows} == {"Copenhagen"}
    assert all(r["email"] != "other@example.com" for r in rows)
    asked = manager.get(
        reverse("staff:reports_csv"), {**WEEK_OF_JUNE_1, "location": aarhus["location"].pk}
    )
    assert asked.status_code == 422
    admin = account("admin", ADMINISTRATOR)
    every = csv_rows(admin.get(reverse("staff:reports_csv"), WEEK_OF_JUNE_1))
    assert {r["branch"] for r in every} == {"Aarhus", "Copenhagen"}


def test_csv_cells_never_become_formulas(world):
    """A customer named like a formula is written as text."""
    factories.meeting(
        topic=world.topic,
        employee=world.alice,
        start=TUESDAY_TEN,
        customer_name="=HYPERLINK(1)",
        customer_email="x@example.com",
    )
    admin = account("admin", ADMINISTRATOR)
    rows = csv_rows(admin.get(reverse("staff:reports_csv"), WEEK_OF_JUNE_1))
    assert rows[0]["customer"] == "'=HYPERLINK(1)"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("Anna") == "Anna"


def csv_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        csv_rows(client.get(reverse("staff:reports_csv"), WEEK_OF_JUNE_1))
    return len(queries)


def test_the_csv_query_count_does_not_grow_with_meetings(world, copenhagen):
    """Three meetings or six: the same number of queries."""
    admin = account("admin", ADMINISTRATOR)
    before = csv_queries(admin)
    for n in range(3):
        factories.meeting(topic=world.topic, employee=world.bob, start=TUESDAY_TEN + DAY + n * HOUR)
    assert csv_queries(admin) == before


def test_a_meeting_in_another_branchs_room_follows_the_calendars_rule(world, aarhus):
    """Alice (Copenhagen) meets in Aarhus's room: Aarhus's calendar shows it, so Aarhus's
    report and CSV count it too, under Aarhus and in Aarhus's zone (as the meeting page
    says); Copenhagen's still list it (its adviser), under the same branch and zone."""
    Employee.objects.filter(pk=aarhus["otto"].pk).update(active=False)
    aarhus["location"].timezone = "Europe/London"
    aarhus["location"].save(update_fields=["timezone"])
    visiting = factories.meeting(
        topic=world.topic,
        employee=world.alice,
        room=world.small_room,
        meeting_type="physical",
        start=TUESDAY_TEN,
        customer_name="Visiting Customer",
    )
    visiting.time_slot.__class__.objects.filter(pk=visiting.time_slot_id).update(
        room=aarhus["room"]
    )
    aarhus_manager = account("aarhus-boss", BRANCH_MANAGER, aarhus["otto"])
    copenhagen_manager = account("cph-boss", BRANCH_MANAGER, world.bob)
    for manager in (aarhus_manager, copenhagen_manager):
        rows = [
            r
            for r in csv_rows(manager.get(reverse("staff:reports_csv"), WEEK_OF_JUNE_1))
            if r["customer"] == "Visiting Customer"
        ]
        assert len(rows) == 1
        assert (rows[0]["branch"], rows[0]["time_zone"], rows[0]["start"]) == (
            "Aarhus",
            "Europe/London",
            "09:00",
        )
    from config_data.models import Location

    report = reports.load_report(
        Location.objects.filter(pk=aarhus["location"].pk), date(2026, 6, 1), date(2026, 6, 7)
    )
    assert sum(1 for row in report.rows if row.employee_id == world.alice.pk) == 1
    calendar = aarhus_manager.get(
        reverse("staff:calendar"), {"location": aarhus["location"].pk, "date": "2026-06-02"}
    )
    assert "Visiting Customer" in calendar.text or visiting.reference in calendar.text
