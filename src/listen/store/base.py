"""The connection every part of the store shares, its transactions, and the row helpers.

Every public method of a `StoreBase` subclass turns a `sqlite3.Error` into `StorageError`, so
no caller (CLI, web, tests) needs to know the store is SQLite.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from listen.clock import parse_iso
from listen.errors import StorageError
from listen.facts import PostSummary

if TYPE_CHECKING:
    import sqlite_utils

# How much of a post's text the digest reads (it shows an excerpt, never the whole post).
EXCERPT_CHARS = 600

# SQLite allows 999 parameters in old builds: `IN (...)` lists are sent in chunks this big.
CHUNK = 500

Method = TypeVar("Method", bound=Callable[..., Any])


def storage_errors(method: Method) -> Method:
    """`method`, raising `StorageError` (one line, exit 1) instead of a `sqlite3.Error`."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:  # e.g. a locked or corrupt database
            raise StorageError(f"database error: {exc}") from exc

    return wrapper  # type: ignore[return-value]


class StoreBase:
    """The connection and its transactions; subclasses add one concern's queries each."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self._conn = conn
        self.path = path
        self._db: sqlite_utils.Database | None = None
        conn.execute("PRAGMA recursive_triggers = on")  # as sqlite_utils.Database sets it

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and callable(value) and name != "transaction":
                setattr(cls, name, storage_errors(value))

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils on this connection, created on first use: importing it costs ~0.2 s
        (it pulls in numpy), which an idle `listen collect` from cron should not pay."""
        if self._db is None:
            import sqlite_utils  # sqlite-utils pulls in numpy: only when migrating

            self._db = sqlite_utils.Database(self._conn)
        return self._db

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        if self._conn.in_transaction:
            yield
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"database is busy: {exc}") from None
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StorageError(f"database error: {exc}") from exc

    @contextmanager
    def traced_statements(self) -> Iterator[list[str]]:
        """Collect the SQL this store runs inside the block (tests and the benchmark check
        that big tables are reached through indexes)."""
        statements: list[str] = []
        self._conn.set_trace_callback(statements.append)
        try:
            yield statements
        finally:
            self._conn.set_trace_callback(None)

    def query_plan(self, sql: str) -> list[str]:
        """SQLite's `EXPLAIN QUERY PLAN` details for one traced statement."""
        return [str(row[-1]) for row in self._conn.execute("EXPLAIN QUERY PLAN " + sql)]


def chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """Distinct `values` in lists of at most `CHUNK`, in order."""
    ids = list(dict.fromkeys(values))
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def placeholders(values: Sequence[object]) -> str:
    """`?, ?, ?` for an `IN (...)` list of `values`."""
    return ", ".join("?" * len(values))


def post_summary(row: Sequence[Any]) -> PostSummary:
    """(id, platform, contact_id, name, priority, url, title, text, kind, created_at, author)."""
    return PostSummary(
        id=row[0],
        platform=row[1],
        contact_id=row[2],
        contact_name=row[3] or row[10] or "",
        priority=int(row[4] or 2),
        url=row[5],
        title=row[6],
        excerpt=row[7] or "",
        kind=row[8] or "post",
        created_at=parse_iso(row[9]),
        author_handle=row[10],
    )


def load_json_list(text: str | None) -> list[Any]:
    """A JSON list column; anything else reads as empty."""
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def load_json(text: str | None) -> dict[str, Any]:
    """A JSON object column; anything else reads as empty."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
