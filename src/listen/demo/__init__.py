"""`listen demo`: a throw-away workspace fed by loopback servers replaying real recorded data.

The demo runs the real collectors over real HTTP against 127.0.0.1, so it exercises the same
code path as a user's run; only the addresses differ.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from listen.config import Config, parse_config
from listen.demo.blog import serve_blogs
from listen.demo.bluesky import serve_bluesky
from listen.demo.follows import serve_follows
from listen.demo.server import LoopbackServer
from listen.demo.x import serve_x

# Each returns (config sections, contacts) after registering its routes on the server.
DemoPlatform = Callable[[LoopbackServer], tuple[dict[str, Any], list[dict[str, Any]]]]


def _blog(server: LoopbackServer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return {}, serve_blogs(server)


DEMO_PLATFORMS: list[DemoPlatform] = [_blog, serve_bluesky]
DEMO_PLATFORMS.append(serve_x)

# The demo has no real credentials; fake ones let the real code paths run against 127.0.0.1.
DEMO_ENV = {"LISTEN_X_BEARER_TOKEN": "demo-bearer-token"}


def _mastodon(server: LoopbackServer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    # the loopback demo servers: only for `listen demo`
    from listen.demo.mastodon import serve_mastodon

    return serve_mastodon(server)


DEMO_PLATFORMS.append(_mastodon)


@dataclass(frozen=True)
class DemoWorkspace:
    """A temporary config + database wired to the loopback server."""

    config: Config
    db_path: Path
    server: LoopbackServer
    follows: dict[str, str]  # platform → the recorded account whose follows the demo imports


@contextmanager
def demo_workspace(directory: Path | None = None) -> Iterator[DemoWorkspace]:
    """Start the loopback server, build the demo config, and clean up afterwards."""
    with tempfile.TemporaryDirectory(prefix="listen-demo-") as tmp, LoopbackServer() as server:
        root = directory or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {
            "me": {"name": "Demo User", "comment_names": ["Demo User"]},
            # the recordings are from 2019 to 2026: your posts that old are still "recent"
            "collect": {"concurrency": 8, "timeout_seconds": 10.0, "inbound_days": 3650},
        }
        contacts: dict[str, dict[str, Any]] = {}
        for platform in DEMO_PLATFORMS:
            sections, platform_contacts = platform(server)
            for key, values in sections.items():
                document.setdefault(key, {}).update(values)
            for contact in platform_contacts:
                merged = contacts.setdefault(contact["name"], {"name": contact["name"]})
                for key, value in contact.items():
                    if key == "blog":
                        merged.setdefault("blog", []).extend(value)
                    else:
                        merged[key] = value
        document["contacts"] = list(contacts.values())
        config = parse_config(document, path=root / "config.toml", env=dict(DEMO_ENV))
        follows = serve_follows(server)
        yield DemoWorkspace(config, root / "listen.db", server, follows)
