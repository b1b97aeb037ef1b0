"""One HTTP client setup for every collector: timeouts, a size cap, redirects, conditional GET."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from listen.errors import RateLimited, SourceError

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


def make_client(settings: HttpSettings) -> httpx.Client:
    """A thread-safe client; share one per run."""
    return httpx.Client(
        timeout=httpx.Timeout(settings.timeout_seconds),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent},
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
    try:
        with client.stream("GET", url, headers=request_headers, params=params) as response:
            if response.status_code == 304:
                return Fetched(str(response.url), 304, b"", dict(response.headers))
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > settings.max_response_bytes:
                raise SourceError(url, f"response too large ({declared} bytes)")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > settings.max_response_bytes:
                    raise SourceError(
                        url, f"response too large (over {settings.max_response_bytes} bytes)"
                    )
                if time.monotonic() > deadline:
                    raise SourceError(url, "response too slow (body still arriving)")
                chunks.append(chunk)
            content = b"".join(chunks)
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
    check_status(url, result.status, result.headers)
    return result


def check_status(url: str, status: int, headers: dict[str, str]) -> None:
    """Raise the right error for a non-success status (410 is left to the caller)."""
    if status < 400 or status == 410:
        return
    retry_after = retry_after_seconds(headers)
    if status == 429 or (status == 503 and retry_after is not None):
        raise RateLimited(
            url, f"HTTP {status}: rate limited", retry_after=retry_after, status=status
        )
    raise SourceError(url, f"HTTP {status}", retry_after=retry_after, status=status)


def retry_after_seconds(headers: dict[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (delta or date) or x-/ratelimit-reset (epoch)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    now = time.time() if now is None else now
    value = lowered.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError, IndexError):
            pass
    for key in ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"):
        value = lowered.get(key)
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            from listen.clock import parse_iso

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
