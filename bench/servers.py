"""Gunicorn instances for the HTTP benchmark, and where their CPU time goes.

Servers listen on 127.0.0.1 only and run in their own process group, so that stopping
one ends exactly the processes it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import BENCH_ENV, ROOT

HOST = "127.0.0.1"


# --- CPU accounting: where each request's work goes (Linux /proc) -------------------------


def _cpu_of(pid: str) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class CpuMeter:
    """CPU seconds used by the gunicorn process groups, by the PostgreSQL backends serving
    the benchmark database, and by this load generator; read before and after a phase."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.server_groups: set[int] = set()

    def snapshot(self) -> dict[str, float]:
        totals = {"app": 0.0, "db": 0.0, "client": time.process_time()}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat[2]) in self.server_groups:  # process group of a gunicorn we started
                totals["app"] += _cpu_of(entry.name)
            elif command.startswith("postgres:") and f" {self.database} " in command:
                totals["db"] += _cpu_of(entry.name)
        return totals


# --- servers --------------------------------------------------------------------------------


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": url,
        # Persistent connections, as in production; long enough to outlive the run, so
        # that no backend exits (with its CPU time) between two readings of the meter.
        "DATABASE_CONN_MAX_AGE": "3600",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",  # built, not sent
        "PYTHONPATH": str(ROOT),
    }


def start_server(
    url: str, port: int, workers: int, meter: CpuMeter | None = None
) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "bookme_site.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--graceful-timeout=5",
        "--log-level=warning",
    ]
    if not os.path.exists(command[0]):
        command[0] = "gunicorn"
    server = subprocess.Popen(command, cwd=ROOT, env=server_env(url), start_new_session=True)
    if meter is not None:
        meter.server_groups.add(server.pid)  # start_new_session: the group id is its pid
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/api/openapi.json", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn on port {port} did not come up")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers: our own group
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def manage(url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=server_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout
