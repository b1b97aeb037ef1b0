"""The only package with SQL: one `Store` facade over one module per concern.

`schema` (migrations), `contacts` (contacts and identities), `ingest` (sources and storing a
poll's result), `posts` (posts, engagements, marks, classifications), `facts` (what the
tracker, scorer and digest read), `runs` (runs and read budgets), `profiles` (profiles,
follows imports, merge decisions) and `search` (posts by words, contacts by name). Every query
returns frozen dataclasses (`listen.facts`, `listen.types`); SQLite errors surface as
`StorageError`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from listen.errors import StorageError
from listen.facts import ContactRow, SavedCounts
from listen.store.base import EXCERPT_CHARS
from listen.store.contacts import normalise_handle
from listen.store.facts import FactStore
from listen.store.ingest import IngestStore
from listen.store.profiles import FollowImport, PersonIdentity, ProfileStore
from listen.store.runs import RunStore
from listen.store.schema import MIGRATIONS, SchemaStore
from listen.store.search import SearchStore


class Store(SchemaStore, IngestStore, ProfileStore, FactStore, RunStore, SearchStore):
    """A listen database: open it, then call its methods. Not shared between threads."""

    @classmethod
    def open(cls, path: Path | str, *, migrate: bool = True, timeout: float = 30.0) -> Store:
        """Open (creating if needed) the database at `path` with WAL and foreign keys on."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as exc:
            read_only = _open_read_only(path)
            if read_only is None:
                raise StorageError(f"cannot open database {path}: {exc}") from None
            return cls._read_only(read_only, path)
        store = cls(conn, path)
        if migrate:
            store.migrate()
        return store

    @classmethod
    def _read_only(cls, conn: sqlite3.Connection, path: Path) -> Store:
        """An existing database in a directory we cannot write: readable, if up to date."""
        store = cls(conn, path)
        if store.schema_version() < len(MIGRATIONS):
            store.close()
            raise StorageError(f"database {path} is read-only and needs upgrading first")
        return store

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_read_only(path: Path) -> sqlite3.Connection | None:
    """The database opened read-only, or None. A WAL database in a read-only directory has no
    `-shm` file to share, so it is read as immutable (nobody can be writing it there)."""
    if not path.is_file():
        return None
    for options in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            continue
        conn.isolation_level = None
        return conn
    return None


__all__ = [
    "EXCERPT_CHARS",
    "MIGRATIONS",
    "ContactRow",
    "FollowImport",
    "PersonIdentity",
    "SavedCounts",
    "Store",
    "normalise_handle",
]
