"""A loopback HTTP server that misbehaves on purpose, byte by byte.

Used by the reliability tests and `scripts/faults.py`: slow-loris bodies, truncated bodies,
servers that never answer, gzip bombs. Raw sockets (standard library only), so a response can
break HTTP in ways a well-behaved server framework would not allow.
"""

from __future__ import annotations

import hashlib
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

REASONS = {
    200: "OK",
    304: "Not Modified",
    404: "Not Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class FaultRequest:
    """The request line and headers (lower-cased names) a behaviour sees."""

    method: str
    path: str
    headers: dict[str, str]
    query: str = ""  # the raw query string, without the `?`


@dataclass
class Wire:
    """The client connection, plus the server's stop signal for behaviours that wait."""

    sock: socket.socket
    stopping: threading.Event

    def send(self, data: bytes) -> bool:
        """Write bytes; False once the client has gone away."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; False when it is."""
        return not self.stopping.wait(seconds)


Behaviour = Callable[[FaultRequest, Wire], None]


def head(status: int, headers: dict[str, str], length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "Connection: close"]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(
    status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None
) -> Behaviour:
    """A normal response."""

    def behave(request: FaultRequest, wire: Wire) -> None:
        wire.send(head(status, headers or {}, len(body)) + body)

    return behave


def feed(body: bytes, content_type: str = "application/rss+xml") -> Behaviour:
    """A well-behaved feed with an ETag, answering If-None-Match with 304."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def behave(request: FaultRequest, wire: Wire) -> None:
        if request.headers.get("if-none-match") == etag:
            wire.send(head(304, {"ETag": etag}, 0))
            return
        wire.send(head(200, {"Content-Type": content_type, "ETag": etag}, len(body)) + body)

    return behave


def delayed(seconds: float, then: Behaviour) -> Behaviour:
    """Think for `seconds`, then behave like `then`."""

    def behave(request: FaultRequest, wire: Wire) -> None:
        if wire.wait(seconds):
            then(request, wire)

    return behave


def hang() -> Behaviour:
    """Read the request and never answer (until the server stops)."""

    def behave(request: FaultRequest, wire: Wire) -> None:
        wire.stopping.wait()

    return behave


def trickle(interval: float = 0.2, total: int = 1_000_000) -> Behaviour:
    """Slow loris: promise `total` bytes, then send one every `interval` seconds."""

    def behave(request: FaultRequest, wire: Wire) -> None:
        if not wire.send(head(200, {"Content-Type": "application/rss+xml"}, total)):
            return
        for _ in range(total):
            if not wire.send(b" ") or not wire.wait(interval):
                return

    return behave


def truncated(body: bytes, declared: int) -> Behaviour:
    """Declare `declared` bytes in Content-Length, send `body` (fewer), then close."""

    def behave(request: FaultRequest, wire: Wire) -> None:
        wire.send(head(200, {"Content-Type": "application/rss+xml"}, declared) + body)

    return behave


def gzip_bomb(decompressed_bytes: int) -> Behaviour:
    """A tiny gzip body that inflates to `decompressed_bytes` zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * 1_000_000
    parts = [compressor.compress(block) for _ in range(decompressed_bytes // len(block))]
    body = b"".join(parts) + compressor.flush()

    def behave(request: FaultRequest, wire: Wire) -> None:
        headers = {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
        wire.send(head(200, headers, len(body)) + body)

    return behave


@dataclass
class FaultServer:
    """Routes path → behaviour on 127.0.0.1; use as a context manager."""

    routes: dict[str, Behaviour] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        server = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                request = _read_request(self.request)
                if request is None:
                    return
                server.hits[request.path] = server.hits.get(request.path, 0) + 1
                behaviour = server.routes.get(request.path, respond(404, b"not found"))
                behaviour(request, Wire(self.request, server.stopping))

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._tcp.daemon_threads = True
        self._thread = threading.Thread(
            target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._tcp.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, path: str, behaviour: Behaviour) -> str:
        """Register `behaviour` at `path`; returns the full URL."""
        self.routes[path] = behaviour
        return self.base_url + path

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._tcp.shutdown()
        self._tcp.server_close()


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


def _read_request(sock: socket.socket) -> FaultRequest | None:
    sock.settimeout(10)
    data = b""
    deadline = time.monotonic() + 10
    while b"\r\n\r\n" not in data and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    header_block = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = header_block.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    path, _, query = parts[1].partition("?")
    return FaultRequest(parts[0], path, headers, query)
