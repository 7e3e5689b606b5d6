"""Side by side with django-appointment: a month of free slots for one employee and one topic.

    python bench/peer.py [--size M] [--runs 20]

django-appointment is installed only into bench/.venv-peer (created on first use, never
a dependency of the project). The same generated data is used on both sides: one
employee of the size's SQLite data set, the topic every employee holds (60 minutes on a
30-minute step, 2 hours' notice), that employee's working hours within the branch's
opening hours, lunch breaks, absences, the branch's closed days and existing bookings,
exported into the peer's models (working hours, unavailabilities, days off,
appointments). Both sides then compute the free starts over the next 30 days with
their own code: BookMe's booking.search.find_slots (online, so no rooms on either
side; a second row adds the room check for in-person meetings, which the peer cannot
do), the peer's appointment.services.get_available_slots_for_staff day by day.
Prints timings, query counts, slot counts, whether the two slot lists are identical,
and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from itertools import pairwise

from common import (
    BENCH_ENV,
    DATA,
    HISTORY_DAYS,
    ROOT,
    ensure_data,
    machine,
    median,
    percentile,
    setup_django,
    table,
)

PEER_VENV = ROOT / "bench" / ".venv-peer"
PEER_PACKAGE = "django-appointment==3.12.0"
TOPIC = "General advice"
DAYS = 30


def ensure_peer_venv() -> str:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PEER_VENV.relative_to(ROOT)} with {PEER_PACKAGE} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_PACKAGE], check=True)
    return str(python)


def child(*args: str) -> dict:
    """Run this script in a child process (Django is set up once per process)."""
    env = {**os.environ, **BENCH_ENV}
    result = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- BookMe's side (inside the project's virtualenv) ----------------------------------------


def _local(moment: datetime, zone) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def export(url: str) -> None:
    """One employee's month, in the local wall-clock terms the peer's models use."""
    setup_django(url)
    from django.utils import timezone

    from booking.models import TimeSlot
    from config_data.models import Absence, ClosedDay, MeetingTopic, OpeningHours

    topic = MeetingTopic.objects.get(name=TOPIC)
    candidates = list(topic.employees.filter(online=True).select_related("location").order_by("pk"))
    # An employee with a lunch break, so that the peer's one-interval days need unavailabilities.
    employee = next((e for e in candidates if e.working_hours.filter(weekday=0).count() == 2), None)
    employee = employee or candidates[0]
    zone = employee.location.zone
    first = timezone.now().astimezone(zone).date() + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range(DAYS)]
    window = (
        datetime.combine(days[0], wall_time(0), tzinfo=zone),
        datetime.combine(days[-1] + timedelta(days=1), wall_time(0), tzinfo=zone),
    )
    opening = {
        o.weekday: (o.opens, o.closes)
        for o in OpeningHours.objects.filter(location=employee.location)
    }
    weekly: dict[int, list[tuple[wall_time, wall_time]]] = {}
    for hours in employee.working_hours.order_by("weekday", "start"):
        opens, closes = opening.get(hours.weekday, (wall_time(0), wall_time(23, 59)))
        start, end = max(hours.start, opens), min(hours.end, closes)
        if start < end:
            weekly.setdefault(hours.weekday, []).append((start, end))
    unavailable = []
    for day in days:
        spans = weekly.get(day.weekday(), [])
        unavailable += [(day, a[1], b[0]) for a, b in pairwise(spans)]
    closed = ClosedDay.objects.filter(location=employee.location, date__in=days)
    days_off = set(closed.values_list("date", flat=True))
    for absence in Absence.objects.filter(
        employee=employee, start__lt=window[1], end__gt=window[0]
    ):
        away, back = _local(absence.start, zone), _local(absence.end, zone)
        if away.time() == wall_time(0) and back - away >= timedelta(days=1):
            days_off.update(away.date() + timedelta(days=n) for n in range((back - away).days))
        else:
            unavailable.append((away.date(), away.time(), back.time()))
    busy = [
        (_local(s, zone).date(), _local(s, zone).time(), _local(e, zone).time())
        for s, e in TimeSlot.objects.active(timezone.now())
        .filter(employee=employee, blocked_start__lt=window[1], blocked_end__gt=window[0])
        .values_list("blocked_start", "blocked_end")
    ]
    print(
        json.dumps(
            {
                "employee": employee.name,
                "employee_id": employee.pk,
                "topic": topic.name,
                "duration": topic.duration,
                "step": topic.slot_step,
                "notice": topic.minimum_notice,
                "days": [d.isoformat() for d in days],
                "hours": {
                    w: (s[0][0].isoformat(), s[-1][1].isoformat()) for w, s in weekly.items()
                },
                "unavailable": [
                    (d.isoformat(), s.isoformat(), e.isoformat()) for d, s, e in unavailable
                ],
                "days_off": sorted(d.isoformat() for d in days_off if d in set(days)),
                "busy": [(d.isoformat(), s.isoformat(), e.isoformat()) for d, s, e in busy],
            }
        )
    )


def ours(url: str, employee_id: str, runs: str) -> None:
    setup_django(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking.search import SlotSearch, find_slots
    from config_data.models import Employee, MeetingTopic

    topic = MeetingTopic.objects.get(name=TOPIC)
    employee = Employee.objects.select_related("location").get(pk=int(employee_id))
    zone = employee.location.zone
    first = timezone.now().astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(first, wall_time(0), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=DAYS), wall_time(0), tzinfo=zone)
    result = {}
    for name, types in (("online", frozenset({"online"})), ("rooms", None)):
        search = SlotSearch(
            start=start, end=end, topic=topic, employee_ids=[employee.pk], meeting_types=types
        )
        for _ in range(2):
            find_slots(search, now=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            slots = find_slots(search, now=timezone.now())
        timings = []
        for _ in range(int(runs)):
            began = time.perf_counter()
            find_slots(search, now=timezone.now())
            timings.append(time.perf_counter() - began)
        result[name] = {
            "median": median(timings),
            "p95": percentile(timings, 95),
            "queries": len(queries.captured_queries),
            "slots": [_local(s.start, zone).isoformat(timespec="minutes") for s in slots],
        }
    print(json.dumps(result))


# --- the comparison -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="M", choices=["S", "M", "L"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export", help=argparse.SUPPRESS)
    parser.add_argument("--ours", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        return export(args.export)
    if args.ours:
        return ours(*args.ours)

    url, _ = ensure_data("sqlite", args.size, start=date.today() - timedelta(days=HISTORY_DAYS))
    peer_python = ensure_peer_venv()
    month = child("--export", url)
    export_file = DATA / "peer_export.json"
    export_file.write_text(json.dumps(month, indent=1))
    mine = child("--ours", url, str(month["employee_id"]), str(args.runs))
    peer_run = subprocess.run(
        [
            peer_python,
            str(ROOT / "bench" / "peer_side.py"),
            str(export_file),
            "--runs",
            str(args.runs),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    theirs = json.loads(peer_run.stdout.strip().splitlines()[-1])

    same = mine["online"]["slots"] == theirs["slots"]
    ratio = theirs["median"] / mine["online"]["median"]
    print(
        f"\nA month of free slots, one employee ({month['employee']}), one topic "
        f"({month['topic']}), size {args.size} data on SQLite: {len(month['busy'])} bookings, "
        f"{len(month['days_off'])} days off, {len(month['unavailable'])} breaks and absences "
        f"in the month. {machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    rows = [
        ["BookMe find_slots, online", args.runs, mine["online"]["median"] * 1000,
         mine["online"]["p95"] * 1000, mine["online"]["queries"], len(mine["online"]["slots"])],
        [f"django-appointment {theirs['version']}, day by day", args.runs, theirs["median"] * 1000,
         theirs["p95"] * 1000, theirs["queries"], len(theirs["slots"])],
        ["BookMe find_slots, in person with a free room", args.runs,
         mine["rooms"]["median"] * 1000, mine["rooms"]["p95"] * 1000, mine["rooms"]["queries"],
         len(mine["rooms"]["slots"])],
    ]  # fmt: skip
    print(table(["side", "runs", "median ms", "p95 ms", "queries", "slots"], rows))
    print(f"\nSame free slots on both sides: {'yes' if same else 'NO'}")
    if not same:
        only_mine = sorted(set(mine["online"]["slots"]) - set(theirs["slots"]))[:5]
        only_theirs = sorted(set(theirs["slots"]) - set(mine["online"]["slots"]))[:5]
        print(f"  only BookMe: {only_mine}\n  only django-appointment: {only_theirs}")
    print(f"BookMe is {ratio:.1f}x faster (median against median).")


if __name__ == "__main__":
    main()
