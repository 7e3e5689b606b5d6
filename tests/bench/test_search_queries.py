"""The benchmarked searches run the same number of queries on generated data of two sizes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.search import SlotSearch, find_slots
from config_data.models import Employee, MeetingTopic

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 in Copenhagen


def searches() -> dict[str, SlotSearch]:
    """The three searches of bench/search.py, on the topic every employee holds."""
    topic = MeetingTopic.objects.get(name="General advice")
    one = Employee.objects.earliest("pk")
    tuesday = NOW + timedelta(days=1) - timedelta(hours=8)
    return {
        "1x1": SlotSearch(
            start=tuesday, end=tuesday + timedelta(days=1), topic=topic, employee_ids=[one.pk]
        ),
        "all x 14": SlotSearch(start=NOW, end=NOW + timedelta(days=14), topic=topic),
        "all x 14 room": SlotSearch(
            start=NOW, end=NOW + timedelta(days=14), topic=topic, require_room=True
        ),
    }


def measure() -> dict[str, tuple[int, int]]:
    """Per search: (queries, slots found)."""
    result = {}
    for name, search in searches().items():
        with CaptureQueriesContext(connection) as queries:
            slots = find_slots(search, now=NOW)
        result[name] = (len(queries.captured_queries), len(slots))
    return result


@pytest.mark.django_db
def test_the_search_runs_the_same_queries_at_size_s_and_size_m():
    """10 employees/5 rooms/300 meetings, then 50/20/3000: same query count, more slots."""
    options = {"seed": 3, "start": "2026-06-01", "days": 21}
    call_command("generate_data", size="S", meetings=300, **options, stdout=None)
    small = measure()
    call_command("generate_data", size="M", meetings=3000, flush=True, **options, stdout=None)
    medium = measure()
    for name in small:
        assert small[name][0] == medium[name][0], name
    assert medium["all x 14"][1] > 2 * small["all x 14"][1] > 0
    assert small["1x1"][1] > 0
