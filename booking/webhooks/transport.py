"""One POST to a webhook target: pinned to the checked address, bounded in time.

The connection goes to the address resolve() checked, not to whatever the name resolves
to a moment later, and the whole exchange has one deadline, so a slow receiver cannot hold
a worker.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from booking.api.models import RESPONSE_SNIPPET_LENGTH
from booking.webhooks.targets import TargetRefused, resolve, target_url_problem

# Seconds: a receiver should answer at once and do its work later.
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
# The whole exchange: connect, send, status line, headers and the start of the answer. A
# receiver dripping a byte just inside READ_TIMEOUT would otherwise hold a worker for days.
EXCHANGE_DEADLINE = 15.0


@dataclass(frozen=True)
class Answer:
    status_code: int | None = None
    snippet: str = ""
    error: str = ""


class _Deadline:
    """EXCHANGE_DEADLINE from now; each socket operation waits at most what is left."""

    def __init__(self) -> None:
        self.seconds = EXCHANGE_DEADLINE
        self.at = time.monotonic() + self.seconds

    def timeout(self, limit: float) -> float:
        """`limit`, cut to the time left; TimeoutError once none is."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"timed out: no complete answer within {self.seconds:g} s")
        return min(limit, left)


class _DeadlineReader(io.RawIOBase):
    """The socket's reader, its timeout set before each read to what the deadline leaves."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self.raw, self.sock, self.deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self.sock.settimeout(self.deadline.timeout(READ_TIMEOUT))
        return self.raw.readinto(buffer)

    def close(self) -> None:
        self.raw.close()
        super().close()


def _response_class(deadline: _Deadline) -> type[http.client.HTTPResponse]:
    class DeadlineResponse(http.client.HTTPResponse):
        """Status line, headers and body all read under the exchange's deadline."""

        def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            # Nothing is read yet. The raw reader keeps its hold on the socket, so the
            # connection closing early (Connection: close) leaves it open until we are done.
            raw = self.fp.detach()
            self.fp = io.BufferedReader(_DeadlineReader(raw, sock, deadline))

    return DeadlineResponse


def _open(address: str, port: int, deadline: _Deadline) -> socket.socket:
    sock = socket.create_connection((address, port), deadline.timeout(CONNECT_TIMEOUT))
    # Also bounds the TLS handshake and the request's one sendall, each as a whole.
    sock.settimeout(deadline.timeout(READ_TIMEOUT))
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=READ_TIMEOUT)
        self.address, self.deadline = address, deadline
        self.response_class = _response_class(deadline)

    def connect(self) -> None:
        self.sock = _open(self.address, self.port, self.deadline)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=READ_TIMEOUT, context=ssl.create_default_context())
        self.address, self.deadline = address, deadline
        self.response_class = _response_class(deadline)

    def connect(self) -> None:
        sock = _open(self.address, self.port, self.deadline)
        # The certificate is checked against the name in the URL, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: str, headers: dict[str, str]) -> Answer:
    """POST once: no redirect followed, the answer read up to RESPONSE_SNIPPET_LENGTH, all
    within EXCHANGE_DEADLINE (past it, an error: the attempt failed)."""
    problem = target_url_problem(url)
    if problem:
        raise TargetRefused(problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve(host, port)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, deadline=_Deadline())
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        return Answer(status_code=response.status, snippet=_read_some(response))
    except (OSError, http.client.HTTPException) as exc:
        return Answer(error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()


def _read_some(response: http.client.HTTPResponse) -> str:
    chunks: list[bytes] = []
    size = 0
    while size < RESPONSE_SNIPPET_LENGTH:
        chunk = response.read1(RESPONSE_SNIPPET_LENGTH - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")
