"""One exception hierarchy; the CLI maps these to exit codes and one-line messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from listen.types import CollectResult


class ListenError(Exception):
    """Base for every error `listen` reports to the user without a traceback."""


class ConfigError(ListenError):
    """The configuration file is missing or invalid."""

    def __init__(self, path: str, problem: str, key: str | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(where + problem)


class InputError(ListenError):
    """Bad input from the user (a file to import, an argument)."""


class UnknownAccount(InputError):
    """A handle, account or list that does not resolve on its platform."""

    def __init__(self, platform: str, handle: str, reason: str = "not found") -> None:
        self.platform = platform
        self.handle = handle
        super().__init__(f"{platform} account {handle!r}: {reason}")


class FollowsHidden(InputError):
    """The platform will not show whom this account follows (hidden, private, or blocked)."""


class StorageError(ListenError):
    """The database could not be opened or written."""


class SourceError(ListenError):
    """One source failed; recorded on the source, the run goes on."""

    def __init__(
        self,
        target: str,
        reason: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        reads: int = 1,
    ) -> None:
        self.target = target
        self.reason = reason
        self.retry_after = retry_after
        self.status = status  # the HTTP status, when the server answered with an error
        self.reads = reads  # API requests spent before failing (metered APIs count them)
        # A poll that failed part-way: what arrived and the state to resume from (cursor, gaps,
        # resolved ids). The app stores it, then records the failure like any other.
        self.partial: CollectResult | None = None
        super().__init__(f"{target}: {reason}")


class RateLimited(SourceError):
    """The platform asked us to slow down; the source is deferred until `retry_after` seconds."""


class AuthError(SourceError):
    """Credentials are missing, wrong, or lack the access tier the endpoint needs."""


class LockHeld(ListenError):
    """Another `listen run` holds the lock."""
