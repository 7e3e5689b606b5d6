"""What one request costs over HTTP: the Public API's searches and the website's picker.

    python bench/http_latency.py [--size M] [--db sqlite,postgres] [--runs 200]

For each database: a scratch copy of the size's data, gunicorn with one sync worker
(DEBUG off, persistent database connections), and a lean client sending one request at
a time, so that nothing queues. After a warm-up, each request kind runs `--runs` times;
the table gives the wall time's p50 and p95 and, beside it, the CPU time the server
process used per request (Linux /proc: gunicorn's worker, and the PostgreSQL backend;
the client's own CPU is not in either). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import (
    DATA,
    HISTORY_DAYS,
    PG_BASE,
    ensure_data,
    machine,
    percentile,
    pg_execute,
    postgres_version,
    table,
)
from http_load import iso, local_day_bounds, world_facts
from lean_client import Answer, LeanClient
from servers import HOST, CpuMeter, manage, start_server, stop_server

# Targets of the speed-over-HTTP work (docs/performance.md), p50 in ms.
TARGETS = {
    "API available: 1 employee x 1 day": 5.0,
    "API available: all employees x 14 days": 40.0,
    "website month picker": 15.0,
}


def scratch_copy(engine: str, source: str, size: str, prefix: str = "latency") -> str:
    """A copy of the generated data that the run may write to (tokens, clients)."""
    if engine == "sqlite":
        path = DATA / f"{prefix}_{size.lower()}.sqlite3"
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source.removeprefix("sqlite:///"), path)
        return f"sqlite:///{path}"
    name = f"bench_{prefix}_{size.lower()}"
    pg_execute(f"{PG_BASE}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_execute(
        f"{PG_BASE}/postgres", f'CREATE DATABASE "{name}" TEMPLATE "{source.rsplit("/", 1)[1]}"'
    )
    return f"{PG_BASE}/{name}"


def drop_copy(engine: str, url: str) -> None:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
    else:
        pg_execute(
            f"{PG_BASE}/postgres", f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'
        )


class Requests:
    """The request kinds, each a function of the run number (a different day or employee)."""

    def __init__(self, world: dict, token: str, client: LeanClient) -> None:
        self.world, self.client = world, client
        self.auth = {"Authorization": f"Bearer {token}"}
        self.now = datetime.fromisoformat(world["now"])

    def kinds(self) -> dict[str, Callable[[int], object]]:
        return {
            "API available: 1 employee x 1 day": self.one_by_one,
            "API available: all employees x 14 days": self.all_by_fourteen,
            "API available: 1 employee x 30 days": self.one_by_month,
            "website month picker": self.month_picker,
        }

    def _available(self, params: dict[str, str]):
        query = {"theme": self.world["topic"], "requireEmployeeParticipation": "true", **params}
        return self.client.get("/api/bookme/time-slots/available", params=query, headers=self.auth)

    def one_by_one(self, n: int):
        days, employees = self.world["days"], self.world["employees"]
        start, end = local_day_bounds(days[n % len(days)])
        employee = str(employees[(n * 7) % len(employees)])
        return self._available(
            {"startDate": start, "endDate": end, "explicitEmployeeIds": employee}
        )

    def all_by_fourteen(self, n: int):
        start = self.now + timedelta(days=n % 5)
        return self._available(
            {"startDate": iso(start), "endDate": iso(start + timedelta(days=14))}
        )

    def one_by_month(self, n: int):
        employees = self.world["employees"]
        start = self.now
        return self._available(
            {
                "startDate": iso(start),
                "endDate": iso(start + timedelta(days=30)),
                "explicitEmployeeIds": str(employees[(n * 7) % len(employees)]),
            }
        )

    def month_picker(self, n: int):
        """The customer's picker: a month of days with free times and one day's times."""
        day = date.fromisoformat(self.world["days"][0].isoformat()) + timedelta(days=7 * (n % 3))
        params = {
            "category": self.world["category"],
            "type": "physical",
            "location": self.world["location"],
            "employee": "any",
            "day": day.isoformat(),
        }
        return self.client.get(f"/book/{self.world['topic']}/times/", params=params)


async def measure(
    kind: Callable[[int], object], runs: int, warmup: int, meter: CpuMeter
) -> tuple[list[float], dict[str, float], Answer]:
    for n in range(warmup):
        answer = await kind(n)  # type: ignore[misc]
    latencies = []
    before = meter.snapshot()
    for n in range(runs):
        began = time.perf_counter()
        answer = await kind(warmup + n)  # type: ignore[misc]
        latencies.append(time.perf_counter() - began)
        if answer.status != 200:
            raise SystemExit(f"HTTP {answer.status}: {answer.text[:300]}")
    after = meter.snapshot()
    cpu = {key: (after[key] - before[key]) * 1000 / runs for key in after}
    return latencies, cpu, answer


async def run_engine(engine: str, url: str, args: argparse.Namespace) -> list[list[object]]:
    world = world_facts(url)
    world["now"] = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    today = date.today()
    world["days"] = [
        today + timedelta(days=n) for n in range(1, 15) if (today + timedelta(days=n)).weekday() < 5
    ]
    credentials = json.loads(manage(url, "create_api_client", "latency", "--scopes", "read"))
    manage(url, "collectstatic", "--noinput", "-v0")  # DEBUG off: pages need the manifest
    meter = CpuMeter(url.rsplit("/", 1)[1])
    server = start_server(url, args.port, 1, meter)
    rows: list[list[object]] = []
    try:
        client = LeanClient(HOST, args.port)
        import base64

        basic = base64.b64encode(
            f"{credentials['client_id']}:{credentials['client_secret']}".encode()
        ).decode()
        answer = await client.post(
            "/o/token/",
            body=b"grant_type=client_credentials&scope=read",
            headers={"Authorization": f"Basic {basic}"},
            content_type="application/x-www-form-urlencoded",
        )
        requests = Requests(world, answer.json()["access_token"], client)
        for name, kind in requests.kinds().items():
            if args.only and args.only not in name:
                continue
            latencies, cpu, last = await measure(kind, args.runs, args.warmup, meter)
            p50 = percentile(latencies, 50) * 1000
            target = TARGETS.get(name)
            verdict = "" if target is None else ("met" if p50 <= target else f"over {target:g} ms")
            slots = (
                len(last.json())
                if last.headers.get("content-type", "").startswith("application/json")
                else "-"
            )
            rows.append(
                [engine, name, args.runs, p50, percentile(latencies, 95) * 1000,
                 cpu["app"], cpu["db"] if engine == "postgres" else "-", slots, verdict]
            )  # fmt: skip
            print(f"  {engine}: {name}: p50 {p50:.2f} ms", flush=True)
    finally:
        stop_server(server)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="M", choices=["S", "M", "L"])
    parser.add_argument("--db", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--only", default="", help="run the request kinds whose name contains this")
    parser.add_argument("--port", type=int, default=8121)
    parser.add_argument(
        "--profile", default="", help="profile the request kind named so, in process"
    )
    args = parser.parse_args()
    if args.profile:
        return profile(args)
    today = date.today()
    rows: list[list[object]] = []
    for engine in args.db.split(","):
        source, _ = ensure_data(engine, args.size, start=today - timedelta(days=HISTORY_DAYS))
        url = scratch_copy(engine, source, args.size)
        try:
            rows += asyncio.run(run_engine(engine, url, args))
        finally:
            drop_copy(engine, url)
    print(
        f"\nOne request at a time over HTTP, size {args.size}: gunicorn, 1 sync worker, DEBUG off, "
        f"persistent database connections. {machine()}; PostgreSQL {postgres_version()}\n"
    )
    headers = [
        "db",
        "request",
        "runs",
        "p50 ms",
        "p95 ms",
        "server cpu ms",
        "db cpu ms",
        "slots",
        "target",
    ]
    print(table(headers, rows))


def profile(args: argparse.Namespace) -> None:
    """Run one request kind in process, through Django's whole handler, under pyinstrument."""
    import base64

    from common import setup_django

    engine = args.db.split(",")[0]
    source, _ = ensure_data(engine, args.size, start=date.today() - timedelta(days=HISTORY_DAYS))
    url = scratch_copy(engine, source, args.size)
    try:
        world = world_facts(url)
        world["now"] = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        today = date.today()
        world["days"] = [
            today + timedelta(days=n)
            for n in range(1, 15)
            if (today + timedelta(days=n)).weekday() < 5
        ]
        credentials = json.loads(manage(url, "create_api_client", "latency", "--scopes", "read"))
        manage(url, "collectstatic", "--noinput", "-v0")
        # The in-process client runs inside asyncio.run; its database calls are synchronous.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
        setup_django(url)
        from django.test import Client
        from pyinstrument import Profiler

        client = Client(HTTP_HOST="127.0.0.1")
        basic = base64.b64encode(
            f"{credentials['client_id']}:{credentials['client_secret']}".encode()
        ).decode()
        token = client.post(
            "/o/token/",
            {"grant_type": "client_credentials", "scope": "read"},
            HTTP_AUTHORIZATION=f"Basic {basic}",
        ).json()["access_token"]

        class InProcess:
            async def get(
                self, path: str, params: dict | None = None, headers: dict | None = None
            ) -> Answer:
                extra = {
                    f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()
                }
                response = client.get(path, params or {}, **extra)
                return Answer(response.status_code, dict(response.items()), response.content)

        requests = Requests(world, token, InProcess())  # type: ignore[arg-type]
        name, kind = next((n, k) for n, k in requests.kinds().items() if args.profile in n)
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        for n in range(args.warmup):
            asyncio.run(kind(n))  # type: ignore[arg-type]
        with CaptureQueriesContext(connection) as queries:
            asyncio.run(kind(0))  # type: ignore[arg-type]
        reset_queries()
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for n in range(args.runs):
            asyncio.run(kind(n))  # type: ignore[arg-type]
        profiler.stop()
        print(f"{name} on {engine}: {len(queries)} queries per request")
        for query in queries.captured_queries:
            print("  ", query["sql"][:160])
        print(
            profiler.output_text(
                unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))
            )
        )
    finally:
        drop_copy(engine, url)


if __name__ == "__main__":
    main()
