"""What every benchmark shares: databases per size, Django setup, statistics, tables.

Each size gets its own database, generated once and reused while the manifest in
bench/.data/manifest.json says it holds that size, seed and start day:
SQLite files under bench/.data/, PostgreSQL databases bench_s, bench_m, bench_l.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
MANIFEST = DATA / "manifest.json"
SEED = 1
# The data begins four weeks before the benchmarks' "now": the tables hold history, as a
# real calendar does, and the searched window lies among 9 weeks of future bookings.
HISTORY_DAYS = 28
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# Benchmarks run as production does: DEBUG off (no query log), a throwaway secret key.
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-never-used-in-production-0123456789abcdef",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "BOOKME_SITE_URL": "http://127.0.0.1:8000",  # required when DEBUG is off
    # The limiter still counts every request (its cost is measured); it must not refuse them.
    "BOOKME_API_RATE_LIMIT": "100000000",
}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def database_url(engine: str, size: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{DATA / f'bench_{size.lower()}.sqlite3'}"
    if engine == "postgres":
        return f"{PG_BASE}/bench_{size.lower()}"
    raise SystemExit(f"unknown database engine {engine!r}: sqlite or postgres")


def setup_django(url: str) -> None:
    """Point Django at the benchmark database; call once per process, before any model import."""
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bookme_site.settings"
    import django

    django.setup()


def _manifest() -> dict:
    return json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}


def ensure_data(engine: str, size: str, *, start: date | None = None) -> tuple[str, date]:
    """Create, migrate and fill the size's database unless it already holds that data.

    Without start, any data set of that size will do (in-process benchmarks pass their
    own clock); with it, the data must begin that day (an HTTP server uses the real clock).
    Generation runs in child processes, so the caller may still set Django up elsewhere.
    Returns the database URL and the first day of the data.
    """
    url = database_url(engine, size)
    first_day = start or date.today() - timedelta(days=HISTORY_DAYS)
    first_iso = first_day.isoformat()
    wanted = {"size": size, "seed": SEED, "start": first_iso}
    entry = _manifest().get(url)
    if entry is not None and entry["size"] == size and (start is None or entry == wanted):
        return url, date.fromisoformat(entry["start"])
    DATA.mkdir(parents=True, exist_ok=True)
    print(f"generating size {size} on {engine} (once; reused afterwards) ...", flush=True)
    began = time.perf_counter()
    _recreate(engine, url)
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run(
        [*manage, "generate_data", "--size", size, "--seed", str(SEED), "--start", first_iso],
        env=env,
        check=True,
    )
    if engine == "postgres":
        pg_execute(url, "ANALYZE")
    manifest = _manifest()
    manifest[url] = wanted
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    print(f"  ready in {time.perf_counter() - began:.0f} s", flush=True)
    return url, first_day


def pg_execute(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        cursor = db.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _recreate(engine: str, url: str) -> None:
    if engine == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    pg_execute(f"{PG_BASE}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_execute(f"{PG_BASE}/postgres", f'CREATE DATABASE "{name}"')


# --- statistics and output ----------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, so that the output can go into docs/performance.md as it is."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)


def machine() -> str:
    """One line on where the figures come from."""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPUs{memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.2f}"
    )


def postgres_version() -> str:
    try:
        return str(pg_execute(f"{PG_BASE}/postgres", "SHOW server_version")[0][0])
    except Exception as exc:  # any failure: only a label in the output
        return f"unavailable ({exc.__class__.__name__})"
