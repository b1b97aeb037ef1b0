"""One HTTP client setup for every collector: timeouts, a size cap, redirects, conditional GET."""

from __future__ import annotations

import json
import math
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from listen.clock import parse_iso
from listen.errors import RateLimited, SourceError
from listen.text import one_line

PERMANENT_REDIRECTS = {301, 308}


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """What every request obeys."""

    timeout_seconds: float = 20.0
    max_response_bytes: int = 10_000_000
    user_agent: str = "listen/0.1"
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fully read, size-capped response."""

    url: str
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    permanent_url: str | None = None  # set when a 301/308 chain moved the resource

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def validators(self) -> dict[str, str]:
        """The validators the server sent, for the next conditional GET (etag,
        last_modified); a 304 without them keeps the ones we had."""
        headers = {k.lower(): v for k, v in self.headers.items()}
        found = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
        return {key: value for key, value in found.items() if value}


def make_client(settings: HttpSettings) -> httpx.Client:
    """A thread-safe client; share one per run."""
    return httpx.Client(
        timeout=httpx.Timeout(settings.timeout_seconds),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        # Only codings `BoundedDecoder` can inflate under the size cap.
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
    )


def fetch(
    client: httpx.Client,
    url: str,
    settings: HttpSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> Fetched:
    """GET `url`, conditionally when validators are given, reading at most the size cap.

    Raises `SourceError` for network failures, oversize bodies and HTTP errors, and
    `RateLimited` (with `retry_after`) for 429 and 503 with Retry-After.
    """
    request_headers = dict(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + settings.timeout_seconds * 3
    cap = settings.max_response_bytes
    try:
        with client.stream("GET", url, headers=request_headers, params=params) as response:
            if response.status_code == 304:
                return Fetched(str(response.url), 304, b"", dict(response.headers))
            declared = response.headers.get("content-length", "")
            if declared.isascii() and declared.isdigit() and int(declared) > cap:
                raise SourceError(url, f"response too large ({declared} bytes)")
            decoder = BoundedDecoder(url, response.headers.get("content-encoding", ""), cap)
            for chunk in response.iter_raw():
                decoder.feed(chunk)
                if time.monotonic() > deadline:
                    raise SourceError(url, "response too slow (body still arriving)")
            content = decoder.finish()
    except httpx.TooManyRedirects:
        raise SourceError(url, "too many redirects") from None
    except httpx.TimeoutException:
        raise SourceError(url, f"timed out after {settings.timeout_seconds:g}s") from None
    except httpx.ConnectError as exc:
        raise SourceError(url, f"cannot connect: {_short(exc)}") from None
    except httpx.RemoteProtocolError as exc:
        raise SourceError(url, f"connection broken: {_short(exc)}") from None
    except httpx.DecodingError as exc:
        raise SourceError(url, f"cannot decode response: {_short(exc)}") from None
    except httpx.InvalidURL as exc:
        raise SourceError(url, f"invalid URL: {_short(exc)}") from None
    except httpx.HTTPError as exc:
        raise SourceError(url, f"HTTP failure: {_short(exc)}") from None

    permanent = None
    if response.history and all(r.status_code in PERMANENT_REDIRECTS for r in response.history):
        permanent = str(response.url)
    result = Fetched(
        str(response.url), response.status_code, content, dict(response.headers), permanent
    )
    check_status(url, result.status, result.headers, result.content)
    return result


class BoundedDecoder:
    """Undo gzip/deflate Content-Encoding without ever holding more than `cap` decoded bytes.

    httpx's own decoders inflate a whole network chunk at once, so a small gzip bomb could
    expand to gigabytes before a size check runs; here each step is bounded by `max_length`.
    """

    def __init__(self, url: str, encoding: str, cap: int) -> None:
        self.url = url
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise SourceError(url, f"unsupported Content-Encoding: {encoding[:50]}")
        self.coding = codings[0] if codings else None
        self._inflater = self._new_inflater()
        self._raw_deflate = False

    def _new_inflater(self, raw: bool = False) -> zlib._Decompress | None:
        if self.coding is None:
            return None
        if self.coding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> None:
        inflater = self._inflater
        if inflater is None:
            self._keep(data)
            return
        while data:
            try:
                out = inflater.decompress(data, self.cap + 1 - self.size)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._raw_deflate and not self.size:
                    # Some servers send raw deflate without the zlib header.
                    self._raw_deflate = True
                    inflater = self._inflater = self._new_inflater(raw=True)
                    assert inflater is not None
                    continue
                raise SourceError(self.url, f"cannot decode response: {exc}") from None
            self._keep(out)
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            elif inflater.eof and inflater.unused_data:
                data = inflater.unused_data  # a second gzip member
                inflater = self._inflater = self._new_inflater(raw=self._raw_deflate)
                assert inflater is not None
            else:
                data = b""

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise SourceError(self.url, f"response too large (over {self.cap} bytes)")
        if data:
            self.parts.append(data)

    def finish(self) -> bytes:
        if self._inflater is not None:
            self._keep(self._inflater.flush(self.cap + 1 - self.size))
        return b"".join(self.parts)


def check_status(url: str, status: int, headers: dict[str, str], body: bytes = b"") -> None:
    """Raise the right error for a non-success status (410 is left to the caller).

    The reason is "HTTP nnn", followed by the server's own short explanation when the
    body carries one (see `error_excerpt`).
    """
    if status < 400 or status == 410:
        return
    retry_after = retry_after_seconds(headers)
    excerpt = error_excerpt(body, headers)
    suffix = f": {excerpt}" if excerpt else ""
    if status == 429 or (status == 503 and retry_after is not None):
        raise RateLimited(
            url, f"HTTP {status}: rate limited{suffix}", retry_after=retry_after, status=status
        )
    raise SourceError(url, f"HTTP {status}{suffix}", retry_after=retry_after, status=status)


ERROR_EXCERPT_CHARS = 200
_ERROR_FIELDS = ("message", "error_description", "detail", "error", "title")


def error_excerpt(body: bytes, headers: dict[str, str]) -> str:
    """A server's one-line explanation of an error response, or "".

    From a JSON object's message/detail/error/title field (also inside an `errors` list),
    else the first line of a plain-text body; never from HTML (a whole error page).
    Capped, on one line, without control characters or terminal escapes.
    """

    if not body:
        return ""
    head = body[:65536]
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "").lower()
    text = head.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if "html" in content_type or "xml" in content_type or stripped.startswith("<"):
        return ""
    found = _json_message(stripped) if stripped[:1] in ("{", "[") else None
    if found is None:
        if stripped[:1] in ("{", "["):
            return ""  # JSON without a readable message
        found = stripped.split("\n", 1)[0] if stripped else ""
    excerpt = one_line(found)
    if len(excerpt) > ERROR_EXCERPT_CHARS:
        excerpt = excerpt[: ERROR_EXCERPT_CHARS - 1].rstrip() + "…"
    return excerpt


def _json_message(text: str) -> str | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if (
        isinstance(value, dict)
        and isinstance(value.get("errors"), list)
        and value["errors"]
        and not any(isinstance(value.get(k), str) for k in _ERROR_FIELDS)
    ):
        value = value["errors"][0]
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, dict):
        return None
    for key in _ERROR_FIELDS:
        field_value = value.get(key)
        if isinstance(field_value, str) and field_value.strip():
            return field_value
    return None


def retry_after_seconds(headers: dict[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (delta or date) or x-/ratelimit-reset (epoch).

    Always None or a finite number >= 0, whatever the server sent.
    """
    seconds = _retry_after(headers, now)
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _retry_after(headers: dict[str, str], now: float | None) -> float | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    now = time.time() if now is None else now
    value = lowered.get("retry-after")
    if value:
        value = value.strip()
        if value.isascii() and value.isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    for key in ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"):
        value = lowered.get(key)
        if not value:
            continue
        try:
            number = float(value)
        except (ValueError, OverflowError):
            moment = parse_iso(value)
            if moment is not None:
                return max(0.0, moment.timestamp() - now)
            continue
        # Epoch seconds when large; IETF draft headers give a delta.
        return max(0.0, number - now) if number > 1e9 else number
    return None


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
