"""Real app instances for the multi-instance tests: `manage.py runserver` subprocesses.

Each instance is its own process with its own in-process memory, so anything they agree
on (the database, the shared cache) really is shared, as between production instances.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """The URL of the database the tests run on (the test database, not the configured one)."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    credentials = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def _wait_until_listening(port: int, process: subprocess.Popen, log: IO[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the app instance stopped at start-up:\n{log.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app instance on port {port} did not start within 60 s")


@contextmanager
def app_instances(count: int, env: Mapping[str, str], log_dir: Path) -> Iterator[list[str]]:
    """Start `count` instances with `env` on top of the test environment; yield their URLs."""
    processes: list[tuple[subprocess.Popen, IO[str], int]] = []
    try:
        for number in range(count):  # all start at once; each then is waited for
            port = free_port()
            log = open(log_dir / f"instance-{number}.log", "w+")  # noqa: SIM115 (closed below)
            command = ["manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
            process = subprocess.Popen(
                [sys.executable, *command],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            processes.append((process, log, port))
        for started, output, port in processes:
            _wait_until_listening(port, started, output)
        urls = [f"http://127.0.0.1:{port}" for _process, _log, port in processes]
        yield urls
    finally:
        for process, output, _port in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            output.close()
