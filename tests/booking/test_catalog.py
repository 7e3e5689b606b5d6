"""booking.catalog: the configuration is read once per change, and every change is seen."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from booking import catalog
from booking.search import SlotSearch, find_slots
from config_data import triggers
from config_data.models import ConfigVersion, WorkingHours
from tests import factories

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 Copenhagen
TUESDAY = datetime(2026, 6, 2, 0, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def tuesday_starts(topic) -> list[datetime]:
    search = SlotSearch(start=TUESDAY, end=TUESDAY + timedelta(days=1), topic=topic)
    return [slot.start for slot in find_slots(search, now=NOW)]


@pytest.fixture
def branch():
    location = factories.location()
    alice = factories.employee(location=location, name="Alice")
    topic = factories.topic(employees=[alice], physical=False, online=True)
    return alice, topic


def test_an_unchanged_configuration_costs_one_query(branch):
    """The second reading asks only for the token and hands back the same snapshot."""
    first = catalog.current()
    with CaptureQueriesContext(connection) as queries:
        second = catalog.current()
    assert second is first
    assert [q["sql"] for q in queries.captured_queries] == [
        "SELECT token FROM config_data_configversion WHERE id = 1"
    ]


@pytest.mark.parametrize(
    "change",
    [
        "save",  # through the ORM, with signals
        "update",  # QuerySet.update(): no signal
        "bulk_create",  # no signal
        "raw_sql",  # behind Django's back
    ],
)
def test_every_way_of_changing_hours_is_seen_by_the_next_search(branch, change):
    """Database triggers give the token a new value however the hours were written."""
    alice, topic = branch
    before = tuesday_starts(topic)
    assert before  # Alice works on Tuesdays
    hours = WorkingHours.objects.filter(employee=alice, weekday=1)
    if change == "save":
        for row in hours:
            row.end = time(10, 0)
            row.save()
    elif change == "update":
        hours.update(end=time(10, 0))
    elif change == "bulk_create":
        hours.delete()
        catalog.current()  # kept again after the delete
        WorkingHours.objects.bulk_create(
            [WorkingHours(employee=alice, weekday=1, start=time(8, 0), end=time(10, 0))]
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                'UPDATE config_data_workinghours SET "end" = %s WHERE employee_id = %s',
                ["10:00:00", alice.pk],
            )
    after = tuesday_starts(topic)
    assert after
    assert max(after) < max(before)
    assert all(start.astimezone(alice.location.zone).time() < time(10, 0) for start in after)


def test_a_rolled_back_change_leaves_the_snapshot_right(branch):
    """A change that is rolled back returns the token to its old value, whose snapshot was
    taken of the same data."""
    alice, topic = branch
    before = tuesday_starts(topic)
    seen_inside = None
    try:
        with transaction.atomic():
            WorkingHours.objects.filter(employee=alice).delete()
            seen_inside = tuesday_starts(topic)
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert seen_inside == []
    assert tuesday_starts(topic) == before


def test_without_a_version_row_nothing_is_kept(branch):
    """A flushed table has no token: every reading loads afresh, so nothing is stale."""
    _alice, topic = branch
    ConfigVersion.objects.all().delete()
    with connection.cursor() as cursor:  # behind the triggers' back, as a flush would
        cursor.execute("DELETE FROM config_data_configversion")
    assert catalog.current_token() == ""
    assert tuesday_starts(topic)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM config_data_configversion")
        cursor.execute("DELETE FROM config_data_workinghours")
    assert tuesday_starts(topic) == []


def test_every_configuration_table_has_its_triggers():
    """A new configuration model must install the triggers in its migration
    (config_data.triggers.install), or searches would miss its changes."""
    tables = triggers.configuration_tables(apps)
    assert "config_data_workinghours" in tables
    assert "config_data_meetingtopic_employees" in tables  # many-to-many tables too
    with connection.cursor() as cursor:
        missing = [t for t in tables if not triggers.installed(connection.vendor, cursor, t)]
    assert missing == []


def test_the_snapshot_is_not_used_across_a_token_change(branch):
    """Two readings around a change: different snapshots, the second with the change."""
    alice, topic = branch
    first = catalog.current()
    topic.employees.remove(alice)
    second = catalog.current()
    assert second is not first
    assert alice.pk in first.topic_employees[topic.pk]
    assert alice.pk not in second.topic_employees.get(topic.pk, frozenset())


def test_a_request_reads_the_token_once_and_sees_its_own_changes(branch):
    """Inside a request the catalog is read once; a configuration change the request makes
    through the ORM is seen by its next search."""
    alice, topic = branch
    # The signal handlers themselves: the signals would also close the test's connection.
    catalog._request_began()
    try:
        catalog.current()
        with CaptureQueriesContext(connection) as queries:
            before = tuesday_starts(topic)
            tuesday_starts(topic)
        tokens = [q for q in queries.captured_queries if "config_data_configversion" in q["sql"]]
        assert tokens == []
        WorkingHours.objects.filter(employee=alice, weekday=1).first().delete()
        assert tuesday_starts(topic) != before
    finally:
        catalog._request_ended()
    with CaptureQueriesContext(connection) as queries:
        catalog.current()
    assert len(queries) == 1  # outside a request: the token every time


def test_a_window_before_what_the_catalog_keeps_reads_its_own_absences(branch):
    """The catalog keeps absences from a few days ago on; a search of an older window
    (history, a clock set back) reads that window's absences and closed days itself."""
    from config_data.models import Absence, ClosedDay

    alice, topic = branch
    start = catalog.current().since - timedelta(days=30)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day.weekday() != 1:  # a Tuesday: Alice works then
        day += timedelta(days=1)
    search = SlotSearch(start=day, end=day + timedelta(days=1), topic=topic)
    assert find_slots(search, now=day - timedelta(days=1))
    Absence.objects.create(employee=alice, start=day, end=day + timedelta(days=1))
    assert find_slots(search, now=day - timedelta(days=1)) == []
    Absence.objects.all().delete()
    ClosedDay.objects.create(
        location=alice.location, date=day.astimezone(alice.location.zone).date()
    )
    assert find_slots(search, now=day - timedelta(days=1)) == []


def test_time_off_answers_any_window_and_reads_only_before_what_it_keeps(branch):
    """Catalog.time_off: a window the snapshot keeps costs no query; one starting before
    `since` (even by a day, reaching into what is kept) costs two and misses nothing."""
    from config_data.models import Absence, ClosedDay

    alice, _topic = branch
    bob = factories.employee(location=factories.location(), name="Bob")
    since = catalog.current().since
    recent, old = since + timedelta(days=2), since - timedelta(days=30)
    zone = alice.location.zone
    for start in (recent, old):
        for employee in (alice, bob):
            Absence.objects.create(
                employee=employee, start=start + timedelta(hours=1), end=start + timedelta(hours=2)
            )
        ClosedDay.objects.create(location=alice.location, date=start.astimezone(zone).date())
    config = catalog.current()  # the changes' snapshot
    asked = {"employee_ids": [alice.pk], "location_ids": [alice.location_id]}

    with CaptureQueriesContext(connection) as queries:
        kept = config.time_off(**asked, start=recent, end=recent + timedelta(days=1))
    assert len(queries) == 0
    assert kept.absences == {alice.pk: [(recent + timedelta(hours=1), recent + timedelta(hours=2))]}
    assert recent.astimezone(zone).date() in kept.closed_days[alice.location_id]

    with CaptureQueriesContext(connection) as queries:
        read = config.time_off(**asked, start=old, end=old + timedelta(days=1))
    assert len(queries) == 2
    assert read.absences == {alice.pk: [(old + timedelta(hours=1), old + timedelta(hours=2))]}
    assert read.closed_days == {alice.location_id: frozenset({old.astimezone(zone).date()})}

    straddling = config.time_off(
        **asked, start=config.since - timedelta(days=1), end=recent + timedelta(days=1)
    )
    assert straddling.absences[alice.pk] == kept.absences[alice.pk]
    assert straddling.closed_days[alice.location_id] == frozenset({recent.astimezone(zone).date()})
