"""The ASGI app behind `listen serve`: routes, the guard every request passes, and the one
thread that owns the database.

Safe by default: a loopback server answers only to loopback host names (no DNS rebinding); off
loopback every request needs the access token (given once in the URL, then a cookie). Every
change is a POST carrying the page's CSRF token; pages run under a strict CSP and load nothing
from elsewhere.
"""

from __future__ import annotations

import asyncio
import hmac
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from listen import app
from listen.errors import InputError, ListenError
from listen.web import pages
from listen.web.render import Renderer
from listen.web.settings import WebSettings

HERE = Path(__file__).parent
TOKEN_COOKIE = "listen_token"
MAX_FORM_BYTES = 16 * 1024
READING_REFRESH_SECONDS = 1  # the 'reading…' page reloads itself after this
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}

T = TypeVar("T")


class Forbidden(Exception):
    """A state-changing request without this page's CSRF token, or from another site."""


class DatabaseThread:
    """One thread owns the store: a SQLite connection belongs to the thread that opened it,
    and one long-lived connection keeps its page cache warm between requests."""

    def __init__(self, db_path: Path) -> None:
        self._path = db_path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="listen-db")
        self._store: app.Store | None = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(store, *args)` on the database thread."""
        return await asyncio.wrap_future(self.submit(function, *args))

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `function(store, *args)` without waiting (e.g. warming a page)."""
        return self._executor.submit(self._call, function, args)

    def _call(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._store is None:
            self._store = app.open_store(self._path)
        return function(self._store, *args)

    def close(self) -> None:
        def close_store() -> None:
            if self._store is not None:
                self._store.close()

        self._executor.submit(close_store).result()
        self._executor.shutdown()


class Guard:
    """Security headers on every response; the host check and the access token before any."""

    def __init__(self, inner: ASGIApp, settings: WebSettings, renderer: Renderer) -> None:
        self.inner = inner
        self.settings = settings
        self.renderer = renderer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        refusal = self.refusal(Request(scope))
        await (refusal or self.inner)(scope, receive, with_headers)

    def refusal(self, request: Request) -> Response | None:
        host = host_name(request.headers.get("host", ""))
        if self.settings.loopback and host not in LOOPBACK_NAMES:
            return self.renderer.error(400, f"This server answers to localhost, not {host!r}.")
        token = self.settings.token
        if token is None:
            return None
        given = request.query_params.get("token")
        if given is not None and hmac.compare_digest(given, token):
            target = request.url.path + _without_token(request.url.query)
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                TOKEN_COOKIE, token, max_age=400 * 86400, httponly=True, samesite="strict"
            )
            return response
        if hmac.compare_digest(request.cookies.get(TOKEN_COOKIE, ""), token):
            return None
        return self.renderer.error(
            401, "Open the address `listen serve` printed (with its token) once in this browser."
        )


def host_name(header: str) -> str:
    """The name in a Host header, without the port ("[::1]:8150" → "[::1]")."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0]


def _without_token(query: str) -> str:
    rest = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "token"]
    return f"?{urlencode(rest)}" if rest else ""


def safe_next(value: str | None) -> str:
    """Where to go after a form: a path on this server only (never `//elsewhere`)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc:
            return value
    return "/"


class Web:
    """The routes, sharing the settings, the renderer and the database thread."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.db = DatabaseThread(settings.db_path)
        self.renderer = Renderer(settings)
        self.today_cache = pages.TodayCache()

    def warm_today(self) -> None:
        """Build Today in the background (at start, after a mark): the next load is ready."""
        self.db.submit(self.today_cache.today, self.settings)

    async def form(self, request: Request) -> dict[str, str]:
        """The POSTed form, after the CSRF check (a missing or wrong token is refused)."""
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise InputError("form too large")
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            raise Forbidden("cross-site request refused")
        if not hmac.compare_digest(form.get("csrf", ""), self.settings.csrf_secret):
            raise Forbidden("missing or stale form token: reload the page and try again")
        return form

    async def today(self, request: Request) -> Response:
        view = await self.today_within(self.settings.today_wait)
        if view is None:  # still building: a cheap page now, which reloads itself
            return self.renderer.page(request, "reading.html", refresh=READING_REFRESH_SECONDS)
        return self.renderer.page(request, "today.html", view=view)

    async def today_within(self, seconds: float) -> pages.TodayView | None:
        """Today if it is ready within `seconds`, else None while it goes on building (the
        cache decides, on the database thread, whether anything needs building)."""
        building = asyncio.wrap_future(self.db.submit(self.today_cache.today, self.settings))
        done, _ = await asyncio.wait({building}, timeout=seconds)
        return building.result() if done else None

    async def contact(self, request: Request) -> Response:
        name = request.query_params.get("name", "")
        view = await self.db.run(pages.contact, self.settings, name)
        return self.renderer.page(request, "contact.html", view=view)

    async def priority(self, request: Request) -> Response:
        form = await self.form(request)
        try:
            priority = int(form.get("priority", ""))
        except ValueError:
            raise InputError("priority must be 1, 2 or 3") from None
        name = form.get("name", "")
        await self.db.run(pages.set_priority, self.settings, name, priority)
        return RedirectResponse(f"/contact?{urlencode({'name': name})}", status_code=303)

    async def score(self, request: Request) -> Response:
        view = await self.db.run(pages.score, self.settings)
        return self.renderer.page(request, "score.html", view=view)

    async def sources(self, request: Request) -> Response:
        report = await self.db.run(pages.sources, self.settings)
        return self.renderer.page(
            request, "sources.html", report=report, ordered=pages.sources_in_order(report)
        )

    async def posts(self, request: Request) -> Response:
        q = request.query_params
        fields = [q.get(k, "").strip() for k in ("q", "contact", "platform", "action")]
        view = await self.db.run(pages.search, self.settings, *fields)
        return self.renderer.page(request, "posts.html", view=view)

    async def confirm(self, request: Request) -> Response:
        post_id = request.query_params.get("post", "")
        label = request.query_params.get("action", "")
        if label not in pages.BUTTON_TEXT:
            raise InputError(f"unknown action {label!r}")
        card = await self.db.run(pages.confirm, self.settings, post_id)
        return self.renderer.page(request, "confirm.html", post=card, label=label)

    async def mark(self, request: Request) -> Response:
        form = await self.form(request)
        label = form.get("label", "")
        post_id = await self.db.run(pages.mark, self.settings, form.get("post", ""), label)
        self.warm_today()
        said = pages.BUTTON_TEXT.get(label, label)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"post": post_id, "label": label, "said": said})
        return RedirectResponse(safe_next(form.get("next")), status_code=303)

    def routes(self) -> list[Route | Mount]:
        return [
            Route("/", self.today, name="today"),
            Route("/contact", self.contact, name="contact"),
            Route("/contact/priority", self.priority, methods=["POST"], name="priority"),
            Route("/score", self.score, name="score"),
            Route("/sources", self.sources, name="sources"),
            Route("/posts", self.posts, name="posts"),
            Route("/confirm", self.confirm, name="confirm"),
            Route("/mark", self.mark, methods=["POST"], name="mark"),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]


def create_app(settings: WebSettings) -> Starlette:
    """The web app for `settings`: every page reads through `listen.app`."""
    web = Web(settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        web.warm_today()  # at once: the first page a user opens is most likely Today
        yield
        web.db.close()

    def errors(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
        async def handle(request: Request, exc: Exception) -> Response:
            return web.renderer.error(status, str(exc))

        return handle

    handlers: dict[Any, Any] = {
        InputError: errors(400),
        Forbidden: errors(403),
        ListenError: errors(500),
    }
    return Starlette(
        routes=web.routes(),
        middleware=[Middleware(Guard, settings=settings, renderer=web.renderer)],
        exception_handlers=handlers,
        lifespan=lifespan,
    )


def serve_on(settings: WebSettings, sock: socket.socket) -> None:
    """Serve on the bound socket until interrupted (uvicorn, one process). Every choice
    uvicorn would otherwise make by importing and probing is named, so start-up imports only
    what serves: h11 (no websockets), the asyncio loop, and no logging.config (listen's own
    logging already reaches stderr)."""
    import uvicorn  # only when serving

    config = uvicorn.Config(
        create_app(settings),
        http="h11",
        ws="none",
        loop="asyncio",
        lifespan="on",
        interface="asgi3",
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])
