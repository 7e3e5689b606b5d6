"""Slot picker: a month calendar of days with free times and the chosen day's times, in the
branch's zone; month navigation, empty months, bad links, HTMX swaps and query counts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config_data.models import Absence
from tests import factories
from tests.web.conftest import hold, times_url

# Monday 1 June 2026, 09:00 in Copenhagen: the first time anyone works after the clock.
FIRST_FREE = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def absent(employee, start: datetime, end: datetime) -> None:
    Absence.objects.create(employee=employee, start=start, end=end, reason="Holiday")


def chosen_times(html: str) -> list[tuple[str, str]]:
    """The chosen day's buttons as (value, visible time), in page order."""
    return re.findall(r'<button type="submit" name="start" value="([^"]+)"[^>]*>([^<]+)', html)


def times_heading(html: str) -> str:
    match = re.search(r'<h3 id="picker-times-heading"[^>]*>([^<]+)</h3>', html)
    assert match, html
    return match.group(1).strip()


def day_cell(html: str, iso: str) -> str:
    """The markup of one day of the month grid, found by the full date it is named by."""
    label = date.fromisoformat(iso).strftime("%A %-d %B %Y")
    cells = [cell.split("</td>", 1)[0].strip() for cell in html.split("<td>")[1:]]
    matching = [cell for cell in cells if f"{label}:" in cell]
    assert len(matching) == 1, (label, matching)
    return matching[0]


def test_first_free_time_is_visible_without_searching(client, bank):
    """Opening the picker shows the month and the day of the first free time, its times
    as buttons; the day is marked as the chosen one."""
    response = client.get(times_url(bank.topic))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<caption id="month-caption">June 2026</caption>' in html
    assert times_heading(html) == "Monday 1 June 2026"
    assert chosen_times(html)[0] == (FIRST_FREE.isoformat(), "09:00")
    monday = day_cell(html, "2026-06-01")
    # "true", not "date": aria-current="date" would announce the chosen day as today.
    assert 'aria-current="true"' in monday
    assert 'aria-current="date"' not in html
    assert "Monday 1 June 2026: 15 free times" in monday


def test_the_time_zone_is_shown(client, bank):
    """The customer always sees in which zone the times are."""
    html = client.get(times_url(bank.topic)).content.decode()
    assert "Times are in the Europe/Copenhagen time zone." in html


def test_times_are_shown_in_the_branch_time_zone(client, db):
    """A New York branch shows New York times and says so."""
    ny = factories.location(name="New York", timezone="America/New_York")
    factories.room(location=ny, name="Hudson")
    eve = factories.employee(location=ny, name="Eve")
    topic = factories.topic(name="US desk", employees=[eve])
    html = client.get(
        times_url(topic, type="physical", location=ny.pk, employee=eve.pk)
    ).content.decode()
    assert "Times are in the America/New_York time zone." in html
    # 09:00 in New York (EDT, UTC-4) on Monday 1 June is 13:00 UTC.
    assert times_heading(html) == "Monday 1 June 2026"
    assert chosen_times(html)[0] == ("2026-06-01T13:00:00+00:00", "09:00")


def picker_and_details(client, topic, **params) -> tuple[str, str]:
    """The picker's page, then the details page of its first time once held."""
    picker = client.get(times_url(topic, **params)).content.decode()
    first = re.search(r'name="start" value="([^"]+)"', picker)
    assert first, picker
    extra = {k: v for k, v in params.items() if k not in ("type", "employee")}
    held = hold(
        client,
        topic,
        datetime.fromisoformat(first.group(1)),
        meeting_type=params["type"],
        employee=params["employee"],
        **extra,
    )
    assert held.status_code == 302, held.content.decode()
    details = client.get(held["Location"]).content.decode()
    return picker, details


def test_a_room_with_its_own_zone_shows_its_times_in_picker_and_details_alike(client, db):
    """The slot's display zone is its room's (booking.models.resolved_zone): a Reykjavik
    room in the Copenhagen branch shows Reykjavik times in the picker and on the details
    page, never one zone in one place and another in the other."""
    cph = factories.location(name="Copenhagen")
    factories.room(location=cph, name="Atlantic", timezone="Atlantic/Reykjavik")
    eve = factories.employee(location=cph, name="Eve")
    topic = factories.topic(name="Island desk", employees=[eve])
    params = {"type": "physical", "location": cph.pk, "employee": eve.pk}
    picker, details = picker_and_details(client, topic, **params)
    assert "Times are in the Atlantic/Reykjavik time zone." in picker
    # The room opens at 08:00 in Reykjavik (08:00 UTC, 10:00 in Copenhagen).
    assert chosen_times(picker)[0] == ("2026-06-01T08:00:00+00:00", "08:00")
    assert '08:00–09:00 <span class="zone-name">(Atlantic/Reykjavik)</span>' in details


def test_an_employee_with_their_own_zone_shows_it_for_a_meeting_without_room(client, db):
    """Online, the slot has no room: the employee's own zone, in the picker as on the
    details page (a London adviser of the Copenhagen branch)."""
    cph = factories.location(name="Copenhagen")
    eve = factories.employee(location=cph, name="Eve", timezone="Europe/London")
    topic = factories.topic(name="Remote desk", employees=[eve])
    picker, details = picker_and_details(client, topic, type="online", employee=eve.pk)
    assert "Times are in the Europe/London time zone." in picker
    # Eve works 09:00-17:00 in London: 08:00 UTC.
    assert chosen_times(picker)[0] == ("2026-06-01T08:00:00+00:00", "09:00")
    assert '09:00–10:00 <span class="zone-name">(Europe/London)</span>' in details


def test_rooms_in_different_zones_fall_back_to_the_branch_zone(client, db):
    """When the possible rooms disagree, the picker cannot show one zone for all: it shows
    the branch's and says so."""
    cph = factories.location(name="Copenhagen")
    factories.room(location=cph, name="Atlantic", timezone="Atlantic/Reykjavik")
    factories.room(location=cph, name="Local")
    eve = factories.employee(location=cph, name="Eve")
    topic = factories.topic(name="Mixed desk", employees=[eve])
    html = client.get(
        times_url(topic, type="physical", location=cph.pk, employee=eve.pk)
    ).content.decode()
    assert "Times are in the Europe/Copenhagen time zone." in html


def test_any_available_collapses_employees_at_the_same_time(client, bank):
    """Alice and Bob are both free at 09:00: one button, not two."""
    html = client.get(times_url(bank.topic)).content.decode()
    assert html.count(f'value="{FIRST_FREE.isoformat()}"') == 1


def test_chosen_employee_shows_only_their_times(client, bank):
    """With Bob chosen, Alice's absence does not matter and Bob's does."""
    absent(bank.bob, datetime(2026, 6, 1, 6, tzinfo=UTC), datetime(2026, 6, 1, 12, tzinfo=UTC))
    html = client.get(times_url(bank.topic, employee=bank.bob.pk)).content.decode()
    values = [value for value, _ in chosen_times(html)]
    assert FIRST_FREE.isoformat() not in values
    assert values[0] == "2026-06-01T12:00:00+00:00"  # 14:00 local, after his absence
    assert "Monday 1 June 2026: 5 free times" in day_cell(html, "2026-06-01")


def test_days_without_free_times_are_not_links(client, bank):
    """Weekdays with times are links carrying the options; the weekend is plain text that
    says it has no free times; all seven weekday names head the grid, Monday first."""
    html = client.get(times_url(bank.topic)).content.decode()
    assert html.count('<th scope="col">') == 7
    assert html.index('title="Monday"') < html.index('title="Sunday"')
    saturday = day_cell(html, "2026-06-06")
    assert saturday.startswith('<span class="month-day"')
    assert "Saturday 6 June 2026: no free times" in saturday
    tuesday = day_cell(html, "2026-06-02")
    # Without JavaScript the link jumps to the day's times (below the calendar on a phone).
    assert 'href="?type=online&amp;employee=any&amp;day=2026-06-02#picker-times"' in tuesday
    assert 'hx-get="?type=online&amp;employee=any&amp;day=2026-06-02"' in tuesday


def test_jumps_to_the_day_of_the_first_free_time(client, bank):
    """Both employees away for two weeks: the picker opens on Monday 15 June."""
    for employee in (bank.alice, bank.bob):
        absent(employee, datetime(2026, 5, 31, tzinfo=UTC), datetime(2026, 6, 13, tzinfo=UTC))
    html = client.get(times_url(bank.topic)).content.decode()
    assert times_heading(html) == "Monday 15 June 2026"
    assert chosen_times(html)[0][0] == "2026-06-15T07:00:00+00:00"
    assert "Monday 8 June 2026: no free times" in day_cell(html, "2026-06-08")
    assert 'id="month-previous"' not in html  # nothing is free before


def test_an_empty_month_says_so_and_links_to_the_next_month_with_free_time(client, bank):
    """A month asked for by address with nothing free says so plainly and offers the next
    month that has free times (skipping an empty one), as a link with HTMX."""
    for employee in (bank.alice, bank.bob):
        absent(employee, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC))
    html = client.get(times_url(bank.topic, month="2026-06")).content.decode()
    assert times_heading(html) == "No free times in June 2026"
    assert "Show August 2026, the next month with free times" in html
    assert 'href="?type=online&amp;employee=any&amp;month=2026-08"' in html
    assert 'hx-get="?type=online&amp;employee=any&amp;month=2026-08"' in html
    assert 'name="start"' not in html


def test_nothing_free_at_all_says_so(client, db):
    """A topic whose only employee never works: a clear message, no link to nowhere, and
    the waitlist is offered."""
    loc = factories.location()
    idle = factories.employee(location=loc, name="Idle", hours=[])
    topic = factories.topic(employees=[idle], booking_horizon=30)
    html = client.get(times_url(topic)).content.decode()
    assert times_heading(html) == "No free times in June 2026"
    assert "No free times are available to book at the moment." in html
    assert 'id="month-next' not in html
    assert 'id="waitlist-join"' in html


def test_month_navigation_links_have_href_hx_get_and_push_url(client, bank):
    """The next month works as a plain link and as an HTMX swap that updates the address;
    the earliest time is one press away."""
    html = client.get(times_url(bank.topic)).content.decode()
    assert 'id="month-next"' in html
    assert 'href="?type=online&amp;employee=any&amp;month=2026-07"' in html
    assert 'hx-get="?type=online&amp;employee=any&amp;month=2026-07"' in html
    assert 'hx-push-url="true"' in html
    assert (
        'id="picker-earliest" class="button button-secondary"'
        ' href="?type=online&amp;employee=any&amp;earliest=1"' in html
    )
    # The first month has no previous month to go to.
    assert 'id="month-previous"' not in html


def test_earliest_opens_on_the_first_free_time_whatever_day_the_link_names(client, bank):
    """?earliest=1 (the "Earliest available" link) wins over a day; any other value is no
    request for the earliest time, and the day in the link is shown."""
    html = client.get(times_url(bank.topic, day="2026-06-10", earliest=1)).content.decode()
    assert times_heading(html) == "Monday 1 June 2026"
    for value in ("0", "no", "", "true"):
        response = client.get(times_url(bank.topic, day="2026-06-10", earliest=value))
        assert response.status_code == 200, value
        assert times_heading(response.content.decode()) == "Wednesday 10 June 2026", value


def test_picker_links_without_any_choice_are_still_queries():
    """The one helper for the picker's links: without choices to keep, the day link is
    "?day=", never a relative "&day=" that the browser would read as a path."""
    from types import SimpleNamespace

    from booking.views.flow import picker_links

    picker = SimpleNamespace(previous_month=date(2026, 5, 1), next_month=None)
    links = picker_links({"employee": ""}, picker)
    assert links["day_query_prefix"] == "?day="
    assert links["earliest_query"] == "?earliest=1"
    assert links["previous_query"] == "?month=2026-05"
    assert links["next_query"] == ""
    kept = picker_links({"type": "online", "employee": "any"}, picker)
    assert kept["day_query_prefix"] == "?type=online&employee=any&day="
    assert kept["earliest_query"] == "?type=online&employee=any&earliest=1"


def test_a_refused_hold_shows_the_pressed_times_day_again(client, bank):
    """Pressing a time no longer offered: the picker opens on that day (HoldAttempt.day),
    in the picker's zone, with the reason."""
    response = hold(client, bank.topic, datetime(2026, 6, 10, 6, 5, tzinfo=UTC))
    assert response.status_code == 409
    assert times_heading(response.content.decode()) == "Wednesday 10 June 2026"


def test_hold_attempt_names_a_day():
    """The pressed time's day, named for what it is (it was a week once)."""
    from booking.views.holds import HoldAttempt

    assert HoldAttempt(day=date(2026, 6, 10)).day == date(2026, 6, 10)


def test_next_month_shows_that_month_from_its_first_free_day(client, bank):
    """?month= shows that month on its first day with free times, and links back."""
    html = client.get(times_url(bank.topic, month="2026-07")).content.decode()
    assert '<caption id="month-caption">July 2026</caption>' in html
    assert times_heading(html) == "Wednesday 1 July 2026"
    assert chosen_times(html)[0][0] == "2026-07-01T07:00:00+00:00"
    assert 'href="?type=online&amp;employee=any&amp;month=2026-06"' in html
    assert 'id="month-previous"' in html


def test_a_day_in_the_address_is_chosen(client, bank):
    """?day= (what the day links carry) lists that day's times; an older ?week= link is
    read the same way."""
    html = client.get(times_url(bank.topic, day="2026-06-10")).content.decode()
    assert times_heading(html) == "Wednesday 10 June 2026"
    assert 'aria-current="true"' in day_cell(html, "2026-06-10")
    assert html.count("aria-current=") == html.count('aria-current="step"') + 1
    html = client.get(times_url(bank.topic, week="2026-06-08")).content.decode()
    assert times_heading(html) == "Monday 8 June 2026"


def test_an_empty_day_in_the_address_moves_to_the_next_day_with_times(client, bank):
    """A Saturday (nothing free) opens on the Monday after it, never an empty list."""
    html = client.get(times_url(bank.topic, day="2026-06-06")).content.decode()
    assert times_heading(html) == "Monday 8 June 2026"
    assert chosen_times(html)


def test_days_before_now_or_after_the_horizon_are_clamped(client, bank):
    """An old or far-future day or month in a link shows the nearest bookable one."""
    bank.topic.booking_horizon = 20
    bank.topic.save()
    html = client.get(times_url(bank.topic, day="2020-01-06")).content.decode()
    assert times_heading(html) == "Monday 1 June 2026"
    html = client.get(times_url(bank.topic, day="2027-01-04")).content.decode()
    # The horizon ends on Sunday 21 June: its last day with times is Friday 19 June.
    assert times_heading(html) == "Friday 19 June 2026"
    assert 'id="month-next"' not in html
    assert "Monday 22 June 2026: no free times" in day_cell(html, "2026-06-22")
    html = client.get(times_url(bank.topic, month="2030-05")).content.decode()
    assert '<caption id="month-caption">June 2026</caption>' in html


@pytest.mark.parametrize(
    ("param", "value"),
    [("day", "not-a-date"), ("day", "2026-02-30"), ("month", "2026-13"), ("week", "x")],
)
def test_a_bad_date_in_the_address_is_a_400_naming_it(client, bank, param, value):
    """A date that is no date: 400 with a notice naming the parameter, and the picker at
    the first free time, never a 500."""
    response = client.get(times_url(bank.topic, **{param: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert f"&quot;{param}&quot; in the address is not a date" in html
    assert 'role="alert"' in html
    assert times_heading(html) == "Monday 1 June 2026"


def test_htmx_request_renders_only_the_picker_partial(client, bank):
    """A day chosen through HTMX gets the picker section and the live status, no layout."""
    response = client.get(times_url(bank.topic, day="2026-06-08"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="picker"')
    assert "<html" not in html
    assert "<header" not in html
    assert 'id="picker-status"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Showing 8 June 2026: 15 free times." in html
    assert times_heading(html) == "Monday 8 June 2026"


def test_htmx_status_says_an_empty_month(client, bank):
    """The live region says plainly when the month swapped in has no free time."""
    for employee in (bank.alice, bank.bob):
        absent(employee, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    response = client.get(times_url(bank.topic, month="2026-06"), headers={"HX-Request": "true"})
    assert "No free times in June 2026." in response.content.decode()


def test_full_page_has_a_live_region_for_the_swapped_picker(client, bank):
    """The full page carries the status region that HTMX swaps update."""
    html = client.get(times_url(bank.topic)).content.decode()
    assert '<p id="picker-status" class="visually-hidden" aria-live="polite"></p>' in html
    assert '<table class="month-grid">' in html


def test_group_session_shows_seats_left(client, world):
    """A group topic shows how many seats remain at each time."""
    seminar = factories.topic(
        name="Seminar", employees=[world.alice], capacity=6, physical=True, online=False
    )
    html = client.get(
        times_url(seminar, type="physical", location=world.location.pk, employee=world.alice.pk)
    ).content.decode()
    assert "(6 seats left)" in html


def test_the_form_keeps_the_options_and_csrf(client, bank):
    """Each time is a button of one POST form carrying the options and the CSRF token."""
    html = client.get(times_url(bank.topic, category=bank.private.pk)).content.decode()
    start = html.index('<form method="post" action="/book/')
    form = html[start : html.index("</form>", start)]
    assert 'name="csrfmiddlewaretoken"' in form
    assert f'<input type="hidden" name="category" value="{bank.private.pk}">' in form
    assert '<input type="hidden" name="type" value="online">' in form
    assert '<input type="hidden" name="employee" value="any">' in form


@pytest.mark.parametrize("extra_employees", [0, 6])
def test_picker_queries_do_not_grow_with_employees(client, bank, extra_employees):
    """The picker page costs a bounded number of queries however many employees there are."""
    for n in range(extra_employees):
        employee = factories.employee(location=bank.world.location, name=f"Extra {n}")
        bank.topic.employees.add(employee)
        absent(employee, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 3, tzinfo=UTC))
    url = times_url(bank.topic, category=bank.private.pk)
    assert client.get(url).status_code == 200  # reads the configuration once, and keeps it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # The category, the topic, its employees, the configuration's token (for the zone, the
    # search and the category rule) and who is busy: nothing per employee, slot or day.
    assert len(queries) <= 7, [q["sql"][:80] for q in queries.captured_queries]


def test_picker_query_count_is_the_same_for_two_and_eight_employees(client, bank):
    """Exactly the same queries for a small and a large team (no query per employee)."""

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(times_url(bank.topic, month="2026-07"))
        return len(queries)

    small = count()
    for n in range(6):
        bank.topic.employees.add(
            factories.employee(
                location=bank.world.location, name=f"Extra {n}", hours=[(0, time(9), time(12))]
            )
        )
    assert count() == small


def test_back_button_history_restore_gets_the_whole_page(client, bank):
    """HTMX restoring history asks with HX-Request too, but needs the full page."""
    response = client.get(
        times_url(bank.topic),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_partial_and_full_page_are_cached_apart(client, bank):
    """Same URL, two answers: the response varies on HX-Request."""
    response = client.get(times_url(bank.topic))
    assert "HX-Request" in response["Vary"]
