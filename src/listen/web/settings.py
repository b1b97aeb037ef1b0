"""What `listen serve` runs with, and the access token for a server bound off loopback.

No web framework here: the CLI reads these settings before deciding to import one.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from listen.config import Config
from listen.errors import InputError

TOKEN_FILE = "serve-token"
DEFAULT_PORT = 8150


@dataclass(frozen=True)
class WebSettings:
    """The server's database, config and clock, and how it is reached."""

    config: Config
    db_path: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    token: str | None = None  # required in a cookie (first given in the URL) when set
    now: datetime | None = None  # a fixed 'now' (recorded demo data, benchmarks)
    since: timedelta | None = None  # the digest's look-back when not digest.since_hours
    csrf_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # How long a request for Today waits for its digest before answering "reading…" (a
    # first build over a large database takes seconds: the page should not).
    today_wait: float = 0.2

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def url(self) -> str:
        """The address to print: with the token the first time when one is needed."""
        host = "localhost" if self.host in ("127.0.0.1", "localhost") else self.host
        host = f"[{host}]" if ":" in host else host
        query = f"/?token={self.token}" if self.token else "/"
        return f"http://{host}:{self.port}{query}"


def bind(settings: WebSettings) -> tuple[socket.socket, WebSettings]:
    """The listening socket, bound before the web framework is imported so the URL can be
    printed at once (port 0: any free port); a port in use is an input error, not a traceback.
    Connections made before the server runs wait in the socket's backlog."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, settings.port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise InputError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from None
    return sock, replace(settings, port=sock.getsockname()[1])


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or address) only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_path(config: Config, db_path: Path) -> Path:
    """Beside the config file (beside the database when there is none)."""
    folder = config.path.parent if config.path is not None else db_path.parent
    return folder / TOKEN_FILE


def load_or_create_token(path: Path) -> str:
    """The token kept at `path`, made once (0600: readable by its owner only). A token file
    others can read is refused: anyone who can read it could use the app."""
    try:
        if path.exists():
            if path.stat().st_mode & 0o077:
                raise InputError(
                    f"{path} is readable by others: `chmod 600 {path}` (or delete it for a new one)"
                )
            token = path.read_text(encoding="utf-8").strip()
            if len(token) >= 32:
                return token
        path.parent.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(token + "\n")
        os.chmod(path, 0o600)  # an existing short file keeps its mode through O_TRUNC
        return token
    except OSError as exc:
        raise InputError(f"cannot keep the access token in {path}: {exc.strerror}") from None
