"""Slot picker: a week of free times in the branch's zone, week navigation, empty weeks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

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


def test_first_free_time_is_visible_without_searching(client, bank):
    """Opening the picker shows the week of the first free time, with that time as a button."""
    response = client.get(times_url(bank.topic))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Week of 1 June – 7 June 2026" in html
    assert f'name="start" value="{FIRST_FREE.isoformat()}"' in html
    # The accessible name of the button says the day as well as the time.
    assert '<span class="visually-hidden">Monday 1 June </span>09:00' in html


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
    assert 'value="2026-06-01T13:00:00+00:00"' in html
    assert '<span class="visually-hidden">Monday 1 June </span>09:00' in html


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
    assert 'name="start" value="2026-06-01T08:00:00+00:00"' in picker
    assert '<span class="visually-hidden">Monday 1 June </span>08:00' in picker
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
    assert '<span class="visually-hidden">Monday 1 June </span>09:00' in picker
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
    assert f'value="{FIRST_FREE.isoformat()}"' not in html
    assert 'value="2026-06-01T12:00:00+00:00"' in html  # 14:00 local, after his absence


def test_weekend_columns_appear_only_with_free_times(client, bank):
    """Monday to Friday are always columns; Saturday and Sunday only when bookable."""
    html = client.get(times_url(bank.topic)).content.decode()
    assert html.count('<th scope="col"') == 5
    assert "Saturday" not in html


def test_jumps_to_the_week_of_the_first_free_time(client, bank):
    """Both employees away for two weeks: the picker opens on the third week."""
    for employee in (bank.alice, bank.bob):
        absent(employee, datetime(2026, 5, 31, tzinfo=UTC), datetime(2026, 6, 13, tzinfo=UTC))
    html = client.get(times_url(bank.topic)).content.decode()
    assert "Week of 15 June – 21 June 2026" in html
    assert 'value="2026-06-15T07:00:00+00:00"' in html


def test_empty_week_says_so_and_links_to_the_next_week_with_free_time(client, bank):
    """An empty week offers the next week that has free times, as a link with HTMX."""
    for employee in (bank.alice, bank.bob):
        absent(employee, datetime(2026, 6, 7, tzinfo=UTC), datetime(2026, 6, 20, tzinfo=UTC))
    html = client.get(times_url(bank.topic, week="2026-06-08")).content.decode()
    assert "There are no free times in this week." in html
    assert "Show the next week with free times (from 22 June 2026)" in html
    assert 'href="?type=online&amp;employee=any&amp;week=2026-06-22"' in html
    assert 'hx-get="?type=online&amp;employee=any&amp;week=2026-06-22"' in html


def test_nothing_free_at_all_says_so(client, db):
    """A topic whose only employee never works: a clear message, no link to nowhere."""
    loc = factories.location()
    idle = factories.employee(location=loc, name="Idle", hours=[])
    topic = factories.topic(employees=[idle], booking_horizon=30)
    html = client.get(times_url(topic)).content.decode()
    assert "There are no free times in this week." in html
    assert "No free times are available to book at the moment." in html


def test_week_navigation_links_have_href_hx_get_and_push_url(client, bank):
    """Next week works as a plain link and as an HTMX swap that updates the address."""
    html = client.get(times_url(bank.topic)).content.decode()
    next_link = 'href="?type=online&amp;employee=any&amp;week=2026-06-08"'
    assert next_link in html
    assert 'hx-get="?type=online&amp;employee=any&amp;week=2026-06-08"' in html
    assert 'hx-push-url="true"' in html
    # The current week has no previous week to go to.
    assert 'id="week-previous"' not in html


def test_next_week_shows_that_week(client, bank):
    """?week= any day of a week shows that week, Monday to Friday."""
    html = client.get(times_url(bank.topic, week="2026-06-10")).content.decode()
    assert "Week of 8 June – 14 June 2026" in html
    assert 'value="2026-06-08T07:00:00+00:00"' in html
    assert 'id="week-previous"' in html


def test_weeks_before_now_or_after_the_horizon_are_clamped(client, bank):
    """An old or far-future week in a link shows the nearest bookable week instead."""
    bank.topic.booking_horizon = 20
    bank.topic.save()
    html = client.get(times_url(bank.topic, week="2020-01-06")).content.decode()
    assert "Week of 1 June – 7 June 2026" in html
    html = client.get(times_url(bank.topic, week="2027-01-04")).content.decode()
    assert "Week of 15 June – 21 June 2026" in html
    assert 'id="week-next"' not in html
    html = client.get(times_url(bank.topic, week="not-a-date")).content.decode()
    assert "Week of 1 June – 7 June 2026" in html


def test_htmx_request_renders_only_the_picker_partial(client, bank):
    """Week changes through HTMX get the picker section and the live status, no layout."""
    response = client.get(times_url(bank.topic, week="2026-06-08"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="picker"')
    assert "<html" not in html
    assert "<header" not in html
    assert 'id="picker-status"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Showing free times in the week of 8 June 2026." in html


def test_full_page_has_a_live_region_for_the_swapped_picker(client, bank):
    """The full page carries the status region that HTMX swaps update."""
    html = client.get(times_url(bank.topic)).content.decode()
    assert '<p id="picker-status" class="visually-hidden" aria-live="polite"></p>' in html
    assert '<th scope="col" id="day-2026-06-01">' in html


def test_group_session_shows_seats_left(client, world):
    """A group topic shows how many seats remain at each time."""
    seminar = factories.topic(
        name="Seminar", employees=[world.alice], capacity=6, physical=True, online=False
    )
    html = client.get(
        times_url(seminar, type="physical", location=world.location.pk, employee=world.alice.pk)
    ).content.decode()
    assert "(6 seats left)" in html


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
    # search and the category rule) and who is busy: nothing per employee or per slot.
    assert len(queries) <= 7, [q["sql"][:80] for q in queries.captured_queries]


def test_picker_query_count_is_the_same_for_two_and_eight_employees(client, bank):
    """Exactly the same queries for a small and a large team (no query per employee)."""

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(times_url(bank.topic, week="2026-06-08"))
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
