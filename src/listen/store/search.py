"""Finding posts and contacts: full-text search over posts (`posts_fts`, migration 14) with
filters, and a contact looked up by name (what the web app's pages ask)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from listen.facts import ContactRow, PostHit
from listen.store.base import EXCERPT_CHARS, StoreBase, post_summary

_HIT_COLUMNS = (
    "p.id, p.platform, p.contact_id, c.name, c.priority, p.url, p.title,"
    f" substr(p.text, 1, {EXCERPT_CHARS}), p.kind, p.created_at, p.author_handle,"
    " k.action, m.label, EXISTS (SELECT 1 FROM engagements e WHERE e.post_id = p.id)"
)
_HIT_JOINS = (
    " LEFT JOIN contacts c ON c.id = p.contact_id"
    " LEFT JOIN classifications k ON k.post_id = p.id"
    " LEFT JOIN marks m ON m.post_id = p.id"
)


def fts_query(text: str) -> str:
    """The words of `text` as an FTS5 query that means "all of these words": each one quoted,
    so nothing a user types is read as FTS syntax (no operators, columns or errors)."""
    return " ".join(f'"{word}"' for word in re.findall(r"\w+", text))


def _hit(row: Sequence[Any]) -> PostHit:
    return PostHit(post_summary(row[:11]), row[11], row[12], bool(row[13]))


class SearchStore(StoreBase):
    """Posts by words and filters; contacts by name."""

    def search_posts(
        self,
        text: str = "",
        *,
        contact_id: int | None = None,
        platform: str | None = None,
        action: str | None = None,
        limit: int = 50,
    ) -> list[PostHit]:
        """Posts whose title or text hold every word of `text` (all posts when empty), narrowed
        by contact, platform and suggested action. A contact's posts come newest first; a
        search over everything newest collected first, so it stops after `limit` matches
        instead of ranking every match of a common word."""
        query = fts_query(text)
        where: list[str] = []
        params: list[object] = []
        if query and contact_id is None:
            source, order = "posts_fts f JOIN posts p ON p.rowid = f.rowid", "f.rowid DESC"
            where.append("posts_fts MATCH ?")
            params.append(query)
        else:
            source, order = "posts p", "p.created_at DESC"
            if query:  # a seek into the index per post of one contact
                where.append(
                    "EXISTS (SELECT 1 FROM posts_fts WHERE posts_fts MATCH ? AND rowid = p.rowid)"
                )
                params.append(query)
        for column, value in (("p.contact_id", contact_id), ("p.platform", platform)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if action is not None:
            where.append("k.action = ?")
            params.append(action)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._conn.execute(
            f"SELECT {_HIT_COLUMNS} FROM {source}{_HIT_JOINS}{clause} ORDER BY {order} LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [_hit(row) for row in rows]

    def post_hit(self, post_id: str) -> PostHit | None:
        """One stored post as search would list it; None when not stored."""
        row = self._conn.execute(
            f"SELECT {_HIT_COLUMNS} FROM posts p{_HIT_JOINS} WHERE p.id = ?", (post_id,)
        ).fetchone()
        return None if row is None else _hit(row)

    def change_marker(self) -> tuple[int, int]:
        """Changes whenever the database does: another connection's commit (SQLite's
        data_version) or a write on this one. Lets a front end keep a page until then."""
        (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        return int(version), self._conn.total_changes

    def contact_named(self, name: str) -> ContactRow | None:
        """The contact called `name` (exactly, as listed), with its identities."""
        row = self._conn.execute(
            "SELECT id, name, priority, notes FROM contacts WHERE name = ?", (name.strip(),)
        ).fetchone()
        if row is None:
            return None
        identities = self._conn.execute(
            "SELECT platform, handle FROM identities WHERE contact_id = ?"
            " ORDER BY platform, handle",
            (row[0],),
        ).fetchall()
        return ContactRow(row[0], row[1], row[2], row[3], tuple((p, h) for p, h in identities))
