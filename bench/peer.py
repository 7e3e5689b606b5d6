"""Side by side with django-appointment: a month of free slots for one employee and one topic.

    python bench/peer.py [--size M] [--runs 20] [--http [--warmup 3] [--port 8141]]

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
and the ratio. With --http both sides answer over HTTP from gunicorn instead (see
bench/README.md); it exits non-zero when the slot lists differ.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import httpx
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
from http_latency import drop_copy, scratch_copy
from http_load import iso
from lean_client import LeanClient
from servers import HOST, CpuMeter, manage, start_server, stop_server

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

PEER_VENV = ROOT / "bench" / ".venv-peer"
PEER_PACKAGE = "django-appointment==3.12.0"
# The version bookme_site/requirements/bench.txt locks for BookMe.
PEER_GUNICORN = "gunicorn==27.0.1"
TOPIC = "General advice"
DAYS = 30


def ensure_peer_venv() -> str:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PEER_VENV.relative_to(ROOT)} with {PEER_PACKAGE} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    if not (PEER_VENV / "bin" / "gunicorn").exists():  # also for a venv from before --http
        install = [str(python), "-m", "pip", "install", "-q", PEER_PACKAGE, PEER_GUNICORN]
        subprocess.run(install, check=True)
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
    closed = ClosedDay.objects.closed().filter(location=employee.location, date__in=days)
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
                "topic_id": topic.pk,
                "zone": zone.key,
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


# --- over HTTP: both under gunicorn, 1 sync worker, DEBUG off, persistent connections ------


def wall(text: str, zone: ZoneInfo) -> str:
    """An answer's start as local wall-clock time, in the in-process mode's format."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment.isoformat(timespec="minutes")


def peer_env(database: Path) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "peer_project.settings",
            "PEER_DATABASE": str(database)}  # fmt: skip


def start_peer_server(database: Path, port: int, meter: CpuMeter) -> subprocess.Popen:
    command = [str(PEER_VENV / "bin" / "gunicorn"), "peer_project.wsgi:application"]
    command += [f"--bind={HOST}:{port}", "--workers=1", "--graceful-timeout=5"]
    command += ["--log-level=warning"]
    env = {**peer_env(database), "PEER_CONN_MAX_AGE": "3600"}
    server = subprocess.Popen(command, cwd=ROOT / "bench", env=env, start_new_session=True)
    meter.server_groups.add(server.pid)
    for _ in range(100):
        try:
            httpx.get(f"http://{HOST}:{port}/appointment/ajax/available_slots/", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"the peer's gunicorn on port {port} did not come up")


async def measure(
    month: Callable[[], Awaitable[list[str]]], runs: int, warmup: int, meter: CpuMeter
) -> dict:
    for _ in range(warmup):
        await month()
    timings = []
    before = meter.snapshot()
    for _ in range(runs):
        began = time.perf_counter()
        slots = await month()
        timings.append(time.perf_counter() - began)
    cpu = (meter.snapshot()["app"] - before["app"]) * 1000 / runs
    return {"p50": percentile(timings, 50), "p95": percentile(timings, 95), "cpu": cpu,
            "slots": slots}  # fmt: skip


async def peer_http(month: dict, ids: dict, database: Path, args: argparse.Namespace) -> dict:
    """The peer's web UI: its available-slots ajax view, one request per day of the month."""
    zone, client = ZoneInfo(month["zone"]), LeanClient(HOST, args.port + 1)
    ajax = {"X-Requested-With": "XMLHttpRequest"}  # what jQuery sends; a GET needs no CSRF

    async def fetch() -> list[str]:
        slots: list[str] = []
        for day in month["days"]:
            params = {"selected_date": day, "staff_member": str(ids["staff"]),
                      "service_id": str(ids["service"])}  # fmt: skip
            answer = await client.get("/appointment/ajax/available_slots/", params=params,
                                      headers=ajax)  # fmt: skip
            data = answer.json() if answer.status == 200 else {}
            if data.get("date_iso") != day:  # an invalid form answers 200 with no date
                raise SystemExit(f"peer, {day}: HTTP {answer.status}: {answer.text[:300]}")
            slots += [wall(start, zone) for start, _label in data["available_slots"]]
        return slots

    meter = CpuMeter(database.name)
    server = start_peer_server(database, args.port + 1, meter)
    try:
        return await measure(fetch, args.runs, args.warmup, meter)
    finally:
        stop_server(server)


async def bookme_http(month: dict, url: str, args: argparse.Namespace) -> dict:
    """The Public API: one search for the whole month."""
    zone, client = ZoneInfo(month["zone"]), LeanClient(HOST, args.port)
    first, last = (date.fromisoformat(month["days"][i]) for i in (0, -1))
    params = {
        "theme": str(month["topic_id"]),
        "explicitEmployeeIds": str(month["employee_id"]),
        "requireEmployeeParticipation": "true",
        "meetingTypes": "online",
        "startDate": iso(datetime.combine(first, wall_time(0), tzinfo=zone)),
        "endDate": iso(datetime.combine(last + timedelta(days=1), wall_time(0), tzinfo=zone)),
    }
    credentials = json.loads(manage(url, "create_api_client", "peer", "--scopes", "read"))
    meter = CpuMeter(url.rsplit("/", 1)[1])
    server = start_server(url, args.port, 1, meter)
    try:
        secret = f"{credentials['client_id']}:{credentials['client_secret']}".encode()
        answer = await client.post(
            "/o/token/",
            body=b"grant_type=client_credentials&scope=read",
            headers={"Authorization": f"Basic {base64.b64encode(secret).decode()}"},
            content_type="application/x-www-form-urlencoded",
        )
        auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}

        async def fetch() -> list[str]:
            answer = await client.get("/api/bookme/time-slots/available", params=params,
                                      headers=auth)  # fmt: skip
            if answer.status != 200:
                raise SystemExit(f"BookMe: HTTP {answer.status}: {answer.text[:300]}")
            return [wall(row["startDate"], zone) for row in answer.json()]

        return await measure(fetch, args.runs, args.warmup, meter)
    finally:
        stop_server(server)


def compare_http(args: argparse.Namespace, url: str, month: dict, export_file: Path) -> int:
    database = DATA / "peer_http.sqlite3"
    load = [ensure_peer_venv(), str(ROOT / "bench" / "peer_side.py"), str(export_file)]
    loaded = subprocess.run([*load, "--load-only"], check=True, capture_output=True, text=True,
                            env=peer_env(database))  # fmt: skip
    ids = json.loads(loaded.stdout.strip().splitlines()[-1])
    theirs = asyncio.run(peer_http(month, ids, database, args))
    scratch = scratch_copy("sqlite", url, args.size, prefix="peer_http")
    try:
        mine = asyncio.run(bookme_http(month, scratch, args))
    finally:
        drop_copy("sqlite", scratch)
    print(
        f"\nA month of free slots over HTTP, one employee ({month['employee']}), one topic "
        f"({month['topic']}), size {args.size} data on SQLite: each server under gunicorn, 1 sync "
        f"worker, DEBUG off, persistent connections; {args.runs} months after {args.warmup} "
        f"warm-up. {machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    rows = [
        ["BookMe GET /api/bookme/time-slots/available, online", 1, mine["p50"] * 1000,
         mine["p95"] * 1000, mine["cpu"], len(mine["slots"])],
        [f"django-appointment {ids['version']}, ajax available_slots", len(month["days"]),
         theirs["p50"] * 1000, theirs["p95"] * 1000, theirs["cpu"], len(theirs["slots"])],
    ]  # fmt: skip
    headers = ["side", "requests per month", "p50 ms", "p95 ms", "server cpu ms", "slots"]
    print(table(headers, rows))
    same = mine["slots"] == theirs["slots"]
    print(f"\nSame free slots on both sides: {'yes' if same else 'NO'}")
    if not same:
        print(f"  only BookMe: {sorted(set(mine['slots']) - set(theirs['slots']))[:5]}")
        print(f"  only django-appointment: {sorted(set(theirs['slots']) - set(mine['slots']))[:5]}")
    ratio = theirs["p50"] / mine["p50"]
    print(f"BookMe is {ratio:.1f}x faster over HTTP (p50 against p50; target >= 20x).")
    return 0 if same else 1


# --- the comparison -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="M", choices=["S", "M", "L"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--http", action="store_true", help="both sides over HTTP (gunicorn)")
    parser.add_argument("--warmup", type=int, default=3, help="--http: warm-up months")
    parser.add_argument("--port", type=int, default=8141, help="--http: BookMe's; the peer +1")
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
    if args.http:
        sys.exit(compare_http(args, url, month, export_file))
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
