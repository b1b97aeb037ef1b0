"""A small loopback HTTP server for `listen demo`: static files with validators, plus routes.

Standard library only (the demo must run with no test extras installed).
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """What a route handler sees."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass(frozen=True, slots=True)
class DemoResponse:
    """What a route handler returns."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[DemoRequest], DemoResponse]


def static(body: bytes, content_type: str, modified: float = 1_700_000_000.0) -> Handler:
    """Serve fixed bytes with an ETag and Last-Modified, answering conditional GETs with 304."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    last_modified = formatdate(modified, usegmt=True)

    def handle(request: DemoRequest) -> DemoResponse:
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if request.headers.get("if-none-match") == etag:
            return DemoResponse(304, b"", validators)
        return DemoResponse(200, body, {"Content-Type": content_type, **validators})

    return handle


class LoopbackServer:
    """Serves registered routes on 127.0.0.1 from a background thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[DemoRequest] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are separate writes: without this the body waits ~40 ms for
            # the client's delayed ACK (Nagle), on every response.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                request = DemoRequest(
                    "GET",
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                )
                server.requests.append(request)
                route = server.routes.get(parts.path)
                response = route(request) if route else DemoResponse(404, b"not found")
                self.send_response(response.status)
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if response.body:
                    self.wfile.write(response.body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, path: str, handler: Handler) -> str:
        """Register `handler` for `path`; returns the full URL."""
        self.routes[path] = handler
        return self.base_url + path

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-response (a killed run) is normal here, not a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]
