"""The Collector Protocol and the registry of collectors by platform name."""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any, Protocol

from listen.types import CollectResult, Source

if TYPE_CHECKING:
    import httpx

    from listen.config import Config
    from listen.http import HttpSettings


class Collector(Protocol):
    """Polls one source and returns what is new; never touches the database.

    Raise `listen.errors.SourceError` (or `RateLimited`, `AuthError`) for a failed poll: the
    app records it on the source and the run goes on.
    """

    platform: str

    def collect(self, source: Source) -> CollectResult: ...


class CollectorFactory(Protocol):
    def __call__(
        self, config: Config, client: httpx.Client, settings: HttpSettings
    ) -> Collector: ...


# name → "module:Class"; imported lazily so `listen --help` stays fast. A platform's name
# polls its sources; a source kind in KIND_COLLECTORS has a collector of its own.
REGISTRY: dict[str, str] = {
    "blog": "listen.collectors.blog:BlogCollector",
    "bluesky": "listen.collectors.bluesky:BlueskyCollector",
    "x": "listen.collectors.x:XCollector",
    "mastodon": "listen.collectors.mastodon:MastodonCollector",
    "comments": "listen.collectors.comments:CommentFeedCollector",
}
# A blog post's comment feed (participation detection) is polled by its own collector.
KIND_COLLECTORS = frozenset({"comments"})


def collector_for(source: Source) -> str:
    """The registry name of the collector that polls `source`."""
    return source.kind if source.kind in KIND_COLLECTORS else source.platform


def available_platforms() -> list[str]:
    """Platforms whose collector module is installed."""
    found = []
    for platform, spec in REGISTRY.items():
        module_name = spec.split(":")[0]
        if platform not in KIND_COLLECTORS and importlib.util.find_spec(module_name) is not None:
            found.append(platform)
    return found


def make_collector(
    name: str, config: Config, client: httpx.Client, settings: HttpSettings
) -> Collector:
    """Instantiate the collector registered as `name` (a platform, or a source kind)."""
    collector: Collector = instantiate(REGISTRY[name], config, client, settings)
    return collector


def instantiate(spec: str, config: Config, client: httpx.Client, settings: HttpSettings) -> Any:
    """Import `module:Class` (lazily: some pull in slow SDKs) and build it for this run."""
    module_name, class_name = spec.split(":")
    factory: CollectorFactory = getattr(importlib.import_module(module_name), class_name)
    return factory(config, client, settings)
