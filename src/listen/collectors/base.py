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


# platform → "module:Class"; imported lazily so `listen --help` stays fast.
REGISTRY: dict[str, str] = {
    "blog": "listen.collectors.blog:BlogCollector",
    "bluesky": "listen.collectors.bluesky:BlueskyCollector",
    "x": "listen.collectors.x:XCollector",
    "mastodon": "listen.collectors.mastodon:MastodonCollector",
}


def available_platforms() -> list[str]:
    """Platforms whose collector module is installed."""
    found = []
    for platform, spec in REGISTRY.items():
        module_name = spec.split(":")[0]
        if importlib.util.find_spec(module_name) is not None:
            found.append(platform)
    return found


def make_collector(
    platform: str, config: Config, client: httpx.Client, settings: HttpSettings
) -> Collector:
    """Instantiate the collector registered for `platform`."""
    collector: Collector = instantiate(REGISTRY[platform], config, client, settings)
    return collector


def instantiate(spec: str, config: Config, client: httpx.Client, settings: HttpSettings) -> Any:
    """Import `module:Class` (lazily: some pull in slow SDKs) and build it for this run."""
    module_name, class_name = spec.split(":")
    factory: CollectorFactory = getattr(importlib.import_module(module_name), class_name)
    return factory(config, client, settings)
