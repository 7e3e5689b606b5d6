"""In-process slot search at S, M and L, on SQLite and PostgreSQL.

    python bench/search.py --size S M L --db sqlite postgres [--runs 30]

Three searches for the topic every employee holds ("General advice"), each timed
around booking.search.find_slots after warm-up runs:
  1. one employee x one day (a different employee and weekday each run);
  2. all employees x 14 days;
  3. the same with requireRoom (only in-person slots that come with a free room).
Prints median and p95 in milliseconds, the split between loading (SQL) and the engine,
the number of SQL queries of one search, the employees and busy intervals loaded, and
the slots found. Each database/size runs in its own process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import (
    HISTORY_DAYS,
    ensure_data,
    machine,
    median,
    percentile,
    postgres_version,
    setup_django,
    table,
)

ZONE = ZoneInfo("Europe/Copenhagen")
TOPIC = "General advice"


def weekdays_after(start: date, count: int) -> list[date]:
    days: list[date] = []
    day = start + timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE).astimezone(UTC)


def worker(
    engine: str,
    size: str,
    runs: int,
    url: str,
    start: date,
    profile: str | None = None,
    history: int = HISTORY_DAYS,
) -> list[dict]:
    """Runs inside the child process: Django is set up for this one database."""
    setup_django(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import booking.search as search_module
    from booking.search import SlotSearch, find_slots
    from config_data.models import MeetingTopic

    topic = MeetingTopic.objects.get(name=TOPIC)
    employees = list(topic.employees.order_by("pk").values_list("pk", flat=True))
    today = start + timedelta(days=history)
    now = datetime(today.year, today.month, today.day, 8, tzinfo=ZONE).astimezone(UTC)
    days = weekdays_after(today, 10)

    load_times: list[float] = []
    loaded_sizes: list[tuple[int, int]] = []
    real_load = search_module._load

    def timed_load(*args, **kwargs):
        began = time.perf_counter()
        loaded = real_load(*args, **kwargs)
        load_times.append(time.perf_counter() - began)
        busy = sum(len(e.busy) for e in loaded.employees) + sum(len(r.busy) for r in loaded.rooms)
        loaded_sizes.append((len(loaded.employees), busy))
        return loaded

    search_module._load = timed_load

    def one_employee_one_day(i: int) -> SlotSearch:
        day = days[i % len(days)]
        return SlotSearch(
            start=local_midnight(day),
            end=local_midnight(day + timedelta(days=1)),
            topic=topic,
            employee_ids=[employees[(i * 7) % len(employees)]],
        )

    def all_employees(i: int, *, require_room: bool = False) -> SlotSearch:
        begin = now + timedelta(days=i % 5)
        return SlotSearch(
            start=begin, end=begin + timedelta(days=14), topic=topic, require_room=require_room
        )

    scenarios = [
        ("1 employee x 1 day", one_employee_one_day, runs * 5),
        ("all employees x 14 days", all_employees, runs),
        (
            "all employees x 14 days, requireRoom",
            lambda i: all_employees(i, require_room=True),
            runs,
        ),
    ]
    if profile:
        from pyinstrument import Profiler

        name, make, count = next(s for s in scenarios if s[0] == profile)
        for i in range(3):
            find_slots(make(i), now=now)
        profiler = Profiler(interval=0.0002)
        with profiler:
            for i in range(count):
                find_slots(make(i), now=now)
        print(f"{engine} {size}, {count} x {name}:")
        print(profiler.output_text(color=False, show_all=False))
        return []

    results = []
    for name, make, count in scenarios:
        for i in range(3):  # warm-up: connection, caches, zoneinfo
            find_slots(make(i), now=now)
        with CaptureQueriesContext(connection) as queries:
            slots = find_slots(make(0), now=now)
        employees_loaded, busy_loaded = loaded_sizes[-1]
        load_times.clear()
        totals, cpu = [], []
        for i in range(count):
            search = make(i)
            began, began_cpu = time.perf_counter(), time.process_time()
            find_slots(search, now=now)
            totals.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        engine_times = [t - load for t, load in zip(totals, load_times, strict=True)]
        results.append(
            {
                "db": engine,
                "size": size,
                "search": name,
                "runs": count,
                "median_ms": median(totals) * 1000,
                "p95_ms": percentile(totals, 95) * 1000,
                "cpu_ms": median(cpu) * 1000,
                "load_ms": median(load_times) * 1000,
                "engine_ms": median(engine_times) * 1000,
                "queries": len(queries),
                "employees": employees_loaded,
                "busy": busy_loaded,
                "slots": len(slots),
            }
        )
    return results


def run_worker(args: argparse.Namespace, engine: str, size: str, url: str, start: date) -> str:
    """One database and size in a fresh process; returns what it printed."""
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--runs",
            str(args.runs),
            *(["--profile", args.profile] if args.profile else []),
            *(["--code", args.code] if args.code else []),
            "--history",
            str(args.history),
            "--worker",
            engine,
            size,
            url,
            start.isoformat(),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return child.stdout


def answer_as_worker(args: argparse.Namespace) -> None:
    """The child process's side of run_worker: measure, print the figures as JSON."""
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
    engine, size, url, start = args.worker
    found = worker(
        engine, size, args.runs, url, date.fromisoformat(start), args.profile, args.history
    )
    print(json.dumps(found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", nargs="+", default=["S", "M", "L"], choices=["S", "M", "L"])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per search (x5 for 1x1)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="repeat each database and size; keep the round with the lowest median per search",
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--profile",
        metavar="SEARCH",
        help='print a pyinstrument profile of one search instead, e.g. "all employees x 14 days"',
    )
    parser.add_argument(
        "--history",
        type=int,
        default=HISTORY_DAYS,
        help=f"days of data before the searches' now (default {HISTORY_DAYS}; the data spans 90)",
    )
    parser.add_argument(
        "--code",
        metavar="DIR",
        help="measure the booking code of another checkout (e.g. an older commit unpacked "
        "with git archive), on the same databases, for before/after figures",
    )
    parser.add_argument(
        "--worker", nargs=4, metavar=("DB", "SIZE", "URL", "START"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.worker:
        answer_as_worker(args)
        return

    rows = []
    for engine in args.db:
        for size in args.size:
            url, start = ensure_data(engine, size)
            rounds = []
            for _ in range(1 if args.profile else args.rounds):
                rounds.append(run_worker(args, engine, size, url, start))
                if args.profile:
                    print(rounds[0].rsplit("\n", 2)[0])
            if args.profile:
                continue
            # Per search, the round with the lowest median: the one least disturbed by
            # other work on the machine.
            found = [json.loads(r.strip().splitlines()[-1]) for r in rounds]
            for same in zip(*found, strict=True):
                rows.append(min(same, key=lambda row: row["median_ms"]))
    if args.profile:
        return
    code = f" Best of {args.rounds} rounds." if args.rounds > 1 else ""
    code += f" Code from {args.code}." if args.code else ""
    code += f" Now = day {args.history} of the data."
    print(f"\nSlot search, in process.{code} {machine()}; PostgreSQL {postgres_version()}\n")
    headers = ["db", "size", "search", "runs", "median ms", "p95 ms", "cpu ms", "load ms",
               "engine ms", "queries", "employees", "busy", "slots"]  # fmt: skip
    print(table(headers, [list(r.values()) for r in rows]))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=2)


if __name__ == "__main__":
    main()
