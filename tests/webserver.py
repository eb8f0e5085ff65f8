"""A real HTTP/1.1 server on 127.0.0.x for the collection tests and the benchmark.

asyncio rather than http.server because the hostile cases (a server trickling one
byte at a time, hundreds of slow answers at once) need many cheap connections, and
because it records every request it receives, so a test can prove that a refused
source got none at all.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    host: str  # the local address the request came in on


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    trickle: float = 0.0  # seconds between single body bytes (0: send at once)


Handler = Callable[[Request], Reply | Awaitable[Reply]]
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
           308: "Permanent Redirect", 404: "Not Found", 410: "Gone", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


class WebServer:
    """Serves `routes` (path -> Reply or handler) on the given loopback addresses."""

    def __init__(self, hosts: tuple[str, ...] = ("127.0.0.1",)) -> None:
        self.hosts = hosts
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[Request] = []
        self.ports: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.Server] = []

    def url(self, path: str, host: str | None = None) -> str:
        host = host or self.hosts[0]
        return f"http://{host}:{self.ports[host]}{path}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> WebServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            for server in self._servers:
                server.close()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _listen(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(self._serve, host, 0, backlog=2048)
            self.ports[host] = server.sockets[0].getsockname()[1]
            self._servers.append(server)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader, writer.get_extra_info("sockname")[0])
                if request is None:
                    break
                self.requests.append(request)
                reply = await self._answer(request)
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                await _write_reply(writer, request, reply)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _answer(self, request: Request) -> Reply:
        route = self.routes.get(request.path) or self.routes.get(request.path.split("?")[0])
        if route is None:
            return Reply(404, b"not found")
        if isinstance(route, Reply):
            return route
        result = route(request)
        return await result if not isinstance(result, Reply) else result


async def _read_request(reader: asyncio.StreamReader, host: str) -> Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, path, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method=method, path=path, headers=headers, host=host)


async def _write_reply(writer: asyncio.StreamWriter, request: Request, reply: Reply) -> None:
    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
    head = f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    writer.write(head.encode("latin-1"))
    if reply.trickle:
        for i in range(len(reply.body)):
            writer.write(reply.body[i:i + 1])
            await writer.drain()
            await asyncio.sleep(reply.trickle)
    else:
        writer.write(reply.body)
    await writer.drain()
