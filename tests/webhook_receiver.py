"""A local webhook receiver for the tests: an HTTP server in a thread on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What arrived, and how to answer: `statuses` are used up in order, then 200."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    answer_body: bytes = b"ok"
    answer_headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0
    # Answer "200 OK", then one header byte every 50 ms for this long (each read is quick,
    # the headers never end), then hang up.
    trickle_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.hang_seconds:
                time.sleep(receiver.hang_seconds)
            if receiver.trickle_seconds:
                self._trickle(receiver.trickle_seconds)
                return
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            for name, value in receiver.answer_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(receiver.answer_body)))
            self.end_headers()
            # The client may stop reading early: what a limited reader does.
            with contextlib.suppress(OSError):
                self.wfile.write(receiver.answer_body)

        def _trickle(self, seconds: float) -> None:
            self.close_connection = True
            stop = time.monotonic() + seconds
            with contextlib.suppress(OSError):  # the client gave up and closed
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while time.monotonic() < stop:
                    self.wfile.write(b"a")
                    time.sleep(0.05)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def serve(receiver: Receiver) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A receiving server on 127.0.0.1, with local targets allowed (as in development)."""
    settings.BOOKME_WEBHOOKS_ALLOW_LOCAL = True
    yield from serve(Receiver())
