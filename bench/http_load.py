"""The Public API under concurrent load: gunicorn on PostgreSQL, driven by a lean asyncio client.

    python bench/http_load.py [--size M] [--workers 4] [--users 32] [--duration 15]

Runs on a scratch copy of the size's PostgreSQL database (dropped afterwards), so
every run starts from the same generated data. Phases, each bounded by time and count:
  1. GET available slots, 1 employee x 1 day, one instance;
  2. GET available slots, all employees x 14 days, one instance;
  3. the booking flow (reserve -> PATCH Booked -> POST meeting), one instance;
  4. the same flow with two gunicorn instances on two ports, load spread over both;
  5. contention: several clients race for each of the same slots over both instances:
     exactly one may win each slot, the others must get 409;
then the overlap query on the database: no two active time slots may overlap.
Prints one table; 409 (someone else took the time) is counted apart from errors. The
last three columns divide the CPU time used during the phase (Linux /proc) by the
requests or bookings done: gunicorn's workers, the PostgreSQL backends of the benchmark
database, and this load generator (bench/lean_client.py: it writes requests by hand, so
that its own CPU stays small and is reported apart). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import (
    HISTORY_DAYS,
    PG_BASE,
    ensure_data,
    machine,
    percentile,
    pg_execute,
    postgres_version,
    setup_django,
    table,
)
from lean_client import Answer, LeanClient
from servers import HOST, CpuMeter, manage, server_env, start_server, stop_server

ZONE = ZoneInfo("Europe/Copenhagen")
TOPIC = "General advice"


@dataclass
class Phase:
    name: str
    instances: int
    users: int
    latencies: list[float] = field(default_factory=list)
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds: app, db, client

    def row(self, workers: int) -> list[object]:
        done = len(self.latencies)
        per_op = {k: v * 1000 / done if done else 0.0 for k, v in self.cpu.items()}
        return [
            self.name,
            self.instances,
            workers * self.instances,
            self.users,
            done,
            round(self.elapsed, 1),
            done / self.elapsed if self.elapsed else 0.0,
            percentile(self.latencies, 50) * 1000,
            percentile(self.latencies, 95) * 1000,
            percentile(self.latencies, 99) * 1000,
            self.conflicts,
            len(self.errors),
            per_op.get("app", 0.0),
            per_op.get("db", 0.0),
            per_op.get("client", 0.0),
        ]


# --- the client side ------------------------------------------------------------------------


async def token(client: LeanClient, credentials: dict) -> str:
    basic = f"{credentials['client_id']}:{credentials['client_secret']}"
    response = await client.post(
        "/o/token/",
        body=b"grant_type=client_credentials&scope=read+write",
        headers={"Authorization": f"Basic {base64.b64encode(basic.encode()).decode()}"},
        content_type="application/x-www-form-urlencoded",
    )
    if response.status != 200:
        raise SystemExit(f"token: HTTP {response.status} {response.text[:200]}")
    return response.json()["access_token"]


def local_day_bounds(day: date) -> tuple[str, str]:
    start = datetime(day.year, day.month, day.day, tzinfo=ZONE).astimezone(UTC)
    end = (datetime(day.year, day.month, day.day, tzinfo=ZONE) + timedelta(days=1)).astimezone(UTC)
    return iso(start), iso(end)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def run_phase(
    phase: Phase, deadline_seconds: float, user, meter: CpuMeter | None = None
) -> Phase:
    """Run `users` coroutines until the time is up or they have nothing left to do."""
    before = meter.snapshot() if meter else {}
    began = time.perf_counter()
    stop_at = began + deadline_seconds
    await asyncio.gather(*(user(n, stop_at) for n in range(phase.users)))
    phase.elapsed = time.perf_counter() - began
    if meter:
        after = meter.snapshot()
        phase.cpu = {k: after[k] - before[k] for k in after}
    return phase


class Load:
    def __init__(
        self, args: argparse.Namespace, world: dict, clients: list[dict], meter: CpuMeter | None
    ) -> None:
        self.args = args
        self.meter = meter
        self.world = world
        self.credentials = clients
        self.tokens: list[str] = []
        self.rng = random.Random(1)

    async def setup(self, client: LeanClient) -> None:
        self.tokens = [await token(client, c) for c in self.credentials]

    def headers(self, user: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user % len(self.tokens)]}"}

    async def available(self, client: LeanClient, user: int, params: dict) -> Answer:
        query = {"theme": self.world["topic"], "requireEmployeeParticipation": "true", **params}
        return await client.get(
            "/api/bookme/time-slots/available", params=query, headers=self.headers(user)
        )

    async def search_phase(
        self,
        bases: list[LeanClient],
        name: str,
        *,
        wide: bool,
        seconds: float | None = None,
    ) -> Phase:
        phase = Phase(name, len(bases), self.args.users)
        days = self.world["days"]
        employees = self.world["employees"]
        count = 0

        async def user(n: int, stop_at: float) -> None:
            nonlocal count
            while time.perf_counter() < stop_at and count < self.args.max_requests:
                count += 1
                if wide:
                    start = datetime.fromisoformat(self.world["now"]) + timedelta(days=count % 5)
                    params = {"startDate": iso(start), "endDate": iso(start + timedelta(days=14))}
                else:
                    start_date, end_date = local_day_bounds(days[count % len(days)])
                    params = {
                        "startDate": start_date,
                        "endDate": end_date,
                        "explicitEmployeeIds": str(employees[(count * 7) % len(employees)]),
                    }
                began = time.perf_counter()
                try:
                    response = await self.available(bases[n % len(bases)], n, params)
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    phase.errors.append(repr(exc))
                    continue
                if response.status == 200:
                    phase.latencies.append(time.perf_counter() - began)
                else:
                    phase.errors.append(f"{response.status} {response.text[:200]}")

        return await run_phase(phase, seconds or self.args.duration, user, self.meter)

    async def candidates(self, client: LeanClient) -> list[dict]:
        """Free slots that cannot collide with each other: on the hour, per employee."""
        now = datetime.fromisoformat(self.world["now"])
        found: dict[tuple[str, str], dict] = {}
        for week in range(0, 28, 14):
            start = now + timedelta(days=week)
            response = await self.available(
                client, 0, {"startDate": iso(start), "endDate": iso(start + timedelta(days=14))}
            )
            if response.status != 200:
                raise SystemExit(f"candidates: HTTP {response.status} {response.text[:200]}")
            for slot in response.json():
                if slot["startDate"][14:16] == "00":  # one-hour topic: hourly starts never overlap
                    found.setdefault((slot["employeeId"], slot["startDate"]), slot)
        pool = list(found.values())
        self.rng.shuffle(pool)
        return pool

    async def book(self, client: LeanClient, user: int, slot: dict, phase: Phase) -> bool:
        """reserve -> PATCH Booked -> POST meeting; True when the meeting exists."""
        headers = self.headers(user)
        physical = "physical" in slot["meetingTypes"] and self.rng.random() < 0.25
        kind = (
            "physical"
            if physical
            else next(t for t in ("online", "phone", "physical") if t in slot["meetingTypes"])
        )
        body = {
            "timeSlot": {
                "startDate": slot["startDate"],
                "endDate": slot["endDate"],
                "status": "Reserved",
                "employeeId": slot["employeeId"],
            },
            "token": uuid.uuid4().hex,
            "themeId": self.world["topic"],
            "meetingType": kind,
        }
        reserved = await client.post(
            "/api/bookme/time-slots/reserve", json_body=body, headers=headers
        )
        if reserved.status == 409:
            phase.conflicts += 1
            return False
        if reserved.status != 201:
            phase.errors.append(f"reserve {reserved.status} {reserved.text[:200]}")
            return False
        slot_id = reserved.json()["id"]
        booked = await client.patch(
            f"/api/bookme/time-slots/{slot_id}",
            json_body=[{"op": "replace", "path": "/status", "value": "Booked"}],
            headers=headers,
            content_type="application/json-patch+json",
        )
        if booked.status != 200:
            phase.errors.append(f"patch {booked.status} {booked.text[:200]}")
            return False
        customer = uuid.uuid4().hex[:12]
        meeting = await client.post(
            "/api/bookme/meetings",
            json_body={
                "bookedBy": "customer",
                "customerCategoryId": self.world["category"],
                "timeSlotId": slot_id,
                "type": kind,
                "themeId": self.world["topic"],
                "employeeId": slot["employeeId"],
                "customerId": f"bench-{customer}",
                "description": "Booked by the load test",
                "customer": {
                    "name": "Load Test",
                    "email": f"{customer}@load.example",
                    "phone": "+4512345678",
                },
            },
            headers=headers,
        )
        if meeting.status != 201:
            phase.errors.append(f"meeting {meeting.status} {meeting.text[:200]}")
            return False
        return True

    async def booking_phase(self, bases: list[LeanClient], pool: list[dict], name: str) -> Phase:
        phase = Phase(name, len(bases), self.args.users)

        async def user(n: int, stop_at: float) -> None:
            while pool and time.perf_counter() < stop_at:
                slot = pool.pop()
                began = time.perf_counter()
                try:
                    if await self.book(bases[n % len(bases)], n, slot, phase):
                        phase.latencies.append(time.perf_counter() - began)
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    phase.errors.append(repr(exc))

        return await run_phase(phase, self.args.duration, user, self.meter)

    async def contention_phase(self, bases: list[LeanClient], pool: list[dict]) -> Phase:
        """Each slot is wanted by `racers` clients at once, spread over both instances."""
        racers = 4
        phase = Phase(f"contention: {racers} clients per slot", len(bases), self.args.users)
        targets = [pool.pop() for _ in range(min(len(pool), self.args.contention_slots))]
        queue = [(slot, r) for slot in targets for r in range(racers)]
        wins: dict[str, int] = {}

        async def user(n: int, stop_at: float) -> None:
            while queue and time.perf_counter() < stop_at:
                slot, racer = queue.pop(0)
                began = time.perf_counter()
                try:
                    won = await self.book(bases[racer % len(bases)], n + racer, slot, phase)
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    phase.errors.append(repr(exc))
                    continue
                if won:
                    phase.latencies.append(time.perf_counter() - began)
                    key = f"{slot['employeeId']} {slot['startDate']}"
                    wins[key] = wins.get(key, 0) + 1

        await run_phase(phase, self.args.duration, user, self.meter)
        doubles = {k: v for k, v in wins.items() if v > 1}
        if doubles:
            phase.errors.append(f"slots won twice: {doubles}")
        phase.name += f" ({len(targets)} slots, {len(wins)} won)"
        return phase


# --- the run --------------------------------------------------------------------------------


def world_facts(url: str) -> dict:
    """Ids the load needs, read once through Django in a child process."""
    return json.loads(
        subprocess.run(
            [sys.executable, __file__, "--facts", url],
            check=True,
            capture_output=True,
            text=True,
            env=server_env(url),
        )
        .stdout.strip()
        .splitlines()[-1]
    )


def facts(url: str) -> None:
    setup_django(url)
    from booking.models import TimeSlot
    from config_data.models import CustomerCategory, MeetingTopic

    topic = MeetingTopic.objects.get(name=TOPIC)
    first_in_person = topic.employees.filter(physical=True).order_by("pk").first()
    assert first_in_person is not None, "the generated data has in-person advisers"
    location = first_in_person.location_id
    print(
        json.dumps(
            {
                "topic": str(topic.pk),
                "category": str(CustomerCategory.objects.get(name="Private").pk),
                "location": str(location),
                "employees": list(topic.employees.order_by("pk").values_list("pk", flat=True)),
                "slots": TimeSlot.objects.count(),
            }
        )
    )


def overlap_report(url: str) -> None:
    """Runs in a child process: the ORM's proof and the same question in plain SQL."""
    setup_django(url)
    from booking.models import TimeSlot

    orm = TimeSlot.objects.double_booked().count()
    sql = """
        SELECT count(*) FROM booking_timeslot a JOIN booking_timeslot b
          ON a.id < b.id AND a.session_key <> b.session_key AND a.{0} = b.{0}
         AND tstzrange(a.blocked_start, a.blocked_end) && tstzrange(b.blocked_start, b.blocked_end)
         WHERE a.status IN ('Reserved', 'Booked') AND b.status IN ('Reserved', 'Booked')
    """
    by_sql = sum(pg_execute(url, sql.format(column))[0][0] for column in ("employee_id", "room_id"))
    print(json.dumps({"orm": orm, "sql": by_sql, "occupying": TimeSlot.objects.filter(
        status__in=["Reserved", "Booked"]).count()}))  # fmt: skip


async def drive(args: argparse.Namespace, url: str, world: dict, clients: list[dict]) -> list:
    meter = CpuMeter(url.rsplit("/", 1)[1]) if Path("/proc/self/stat").exists() else None
    load = Load(args, world, clients, meter)
    ports = [args.port, args.port + 1]
    results: list[Phase] = []
    first = start_server(url, ports[0], args.workers, meter)
    try:
        one = [LeanClient(HOST, ports[0])]
        await load.setup(one[0])
        await load.search_phase(one, "warm-up", wide=False, seconds=3)  # discarded
        results.append(await load.search_phase(one, "available: 1 employee x 1 day", wide=False))
        results.append(
            await load.search_phase(one, "available: all employees x 14 days", wide=True)
        )
        pool = await load.candidates(one[0])
        print(f"  {len(pool)} candidate slots for the booking phases", flush=True)
        results.append(await load.booking_phase(one, pool, "booking flow"))
        second = start_server(url, ports[1], args.workers, meter)
        try:
            both = [LeanClient(HOST, p) for p in ports]
            results.append(await load.booking_phase(both, pool, "booking flow"))
            results.append(await load.contention_phase(both, pool))
        finally:
            stop_server(second)
    finally:
        stop_server(first)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="M", choices=["S", "M", "L"])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per instance")
    parser.add_argument("--users", type=int, default=32, help="concurrent virtual users")
    parser.add_argument("--duration", type=float, default=15, help="seconds per phase (at most)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per search phase")
    parser.add_argument("--contention-slots", type=int, default=100)
    parser.add_argument("--port", type=int, default=8101, help="first of two ports on 127.0.0.1")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--facts", help=argparse.SUPPRESS)
    parser.add_argument("--overlaps", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.facts:
        return facts(args.facts)
    if args.overlaps:
        return overlap_report(args.overlaps)

    today = date.today()
    source, _ = ensure_data("postgres", args.size, start=today - timedelta(days=HISTORY_DAYS))
    scratch = f"bench_http_{args.size.lower()}"
    pg_execute(f"{PG_BASE}/postgres", f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    pg_execute(
        f"{PG_BASE}/postgres", f'CREATE DATABASE "{scratch}" TEMPLATE "{source.rsplit("/", 1)[1]}"'
    )
    url = f"{PG_BASE}/{scratch}"
    try:
        clients = [
            json.loads(
                manage(url, "create_api_client", f"load test {n}", "--scopes", "read", "write")
            )
            for n in range(4)
        ]
        world = world_facts(url)
        now = datetime.now(UTC) + timedelta(hours=3)  # past the topic's minimum notice
        world["now"] = now.isoformat()
        world["days"] = [
            today + timedelta(days=n)
            for n in range(1, 15)
            if (today + timedelta(days=n)).weekday() < 5
        ]
        results = asyncio.run(drive(args, url, world, clients))
        overlaps = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--overlaps", url],
                check=True, capture_output=True, text=True, env=server_env(url),
            ).stdout.strip().splitlines()[-1]
        )  # fmt: skip
    finally:
        if not args.keep:
            pg_execute(f"{PG_BASE}/postgres", f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')

    print(
        f"\nPublic API under load, size {args.size}, gunicorn {args.workers} sync workers per "
        f"instance. {machine()}; PostgreSQL {postgres_version()}\n"
    )
    headers = ["phase", "instances", "workers", "users", "done", "seconds", "per second",
               "p50 ms", "p95 ms", "p99 ms", "409", "errors", "app cpu ms", "db cpu ms",
               "client cpu ms"]  # fmt: skip
    print(table(headers, [p.row(args.workers) for p in results]))
    print(
        f"\nOverlapping active time slots afterwards: {overlaps['orm']} (ORM double_booked), "
        f"{overlaps['sql']} (plain SQL), among {overlaps['occupying']} occupying slots."
    )
    for phase in results:
        for error in phase.errors[:3]:
            print(f"  {phase.name}: {error}")
    if overlaps["orm"] or overlaps["sql"] or any(p.errors for p in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
