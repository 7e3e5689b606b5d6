"""A lean HTTP/1.1 client for the benchmarks: asyncio streams, one request per connection.

httpx spends about 1 ms of CPU per request on this machine, as much as a light Django view:
a load generator that heavy eats the cores it is measuring. This one writes the request
bytes itself and reads the answer by Content-Length, some 60 µs a request. Gunicorn's
sync workers close the connection after each answer, so every request connects anew
(loopback only). It understands just what our servers send: Content-Length bodies.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class LeanClient:
    def __init__(self, host: str, port: int, *, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        json_body: object = None,
        content_type: str = "application/json",
    ) -> Answer:
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
        if params:
            path = f"{path}?{urlencode(params)}"
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method in ("POST", "PATCH", "PUT"):
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        head = ("\r\n".join(lines) + "\r\nConnection: close\r\n\r\n").encode()
        return await asyncio.wait_for(self._exchange(head + body), self.timeout)

    async def _exchange(self, data: bytes) -> Answer:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            length = headers.get("content-length")
            body = await (reader.readexactly(int(length)) if length else reader.read())
            return Answer(int(status_line.split()[1]), headers, body)
        finally:
            writer.close()

    async def get(self, path: str, **kwargs: object) -> Answer:
        return await self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    async def post(self, path: str, **kwargs: object) -> Answer:
        return await self.request("POST", path, **kwargs)  # type: ignore[arg-type]

    async def patch(self, path: str, **kwargs: object) -> Answer:
        return await self.request("PATCH", path, **kwargs)  # type: ignore[arg-type]
