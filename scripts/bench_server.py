"""A loopback feed farm for the benchmark: serves a folder of feeds with validators and latency.

Run as its own process (`python scripts/bench_server.py DIR LATENCY_MS HOSTS`) so its CPU does
not compete with the code being measured. It listens on HOSTS loopback addresses (127.0.0.1,
127.0.0.2, ...: real feeds live on many servers) and prints their base URLs, space-separated, on
the first line of stdout; every address serves every feed.
Every response waits LATENCY_MS first (a remote server's round trip). Conditional GETs get 304
(validators from `listen.demo.server.static`). `GET /_stats` returns requests, 304s and bytes
written (status line + headers + body) since the last `GET /_reset`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from listen.demo.server import DemoRequest, Handler, static

CONTENT_TYPES = {
    ".xml": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".json": "application/feed+json",
}


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.not_modified = 0
        self.bytes = 0

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return {
                "requests": self.requests,
                "not_modified": self.not_modified,
                "bytes": self.bytes,
            }


class _CountingWriter:
    def __init__(self, raw: Any, counter: _Counter) -> None:
        self.raw = raw
        self.counter = counter

    def write(self, data: bytes) -> int:
        with self.counter.lock:
            self.counter.bytes += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class FarmServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # many clients connect at once; the default backlog of 5 drops SYNs


def make_server(
    address: str, routes: dict[str, Handler], counter: _Counter, latency: float
) -> FarmServer:

    class FeedHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the
        # client's delayed ACK (~40 ms), a stall no real server adds.
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            self.wfile = _CountingWriter(self.wfile, counter)  # type: ignore[assignment]

        def do_GET(self) -> None:
            if self.path == "/_stats":
                return self._reply(200, json.dumps(counter.snapshot()).encode(), {})
            if self.path == "/_reset":
                with counter.lock:
                    counter.reset()
                return self._reply(200, b"{}", {})
            time.sleep(latency)
            headers = {k.lower(): v for k, v in self.headers.items()}
            route = routes.get(self.path.split("?")[0])
            if route is None:
                status, body, extra = 404, b"not found", {}
            else:
                response = route(DemoRequest("GET", self.path, {}, headers))
                status, body, extra = response.status, response.body, response.headers
            with counter.lock:
                counter.requests += 1
                counter.not_modified += status == 304
            self._reply(status, body, extra)

        def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return FarmServer((address, 0), FeedHandler)


def main() -> None:
    folder, latency_ms, hosts = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    routes: dict[str, Handler] = {
        f"/{p.name}": static(p.read_bytes(), CONTENT_TYPES.get(p.suffix, "application/xml"))
        for p in sorted(folder.iterdir())
    }
    counter = _Counter()
    servers = []
    for n in range(1, hosts + 1):
        try:
            servers.append(make_server(f"127.0.0.{n}", routes, counter, latency_ms / 1000))
        except OSError:  # only 127.0.0.1 is configured (macOS): more ports on it instead
            servers.append(make_server("127.0.0.1", routes, counter, latency_ms / 1000))
    urls = []
    for server in servers:
        host, port = server.server_address[:2]
        urls.append(f"http://{host!s}:{port}")
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(" ".join(urls), flush=True)
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
