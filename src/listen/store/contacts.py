"""Contacts and their identities (tables `contacts`, `identities`)."""

from __future__ import annotations

from collections.abc import Iterable

from listen.clock import to_iso, utcnow
from listen.errors import InputError
from listen.facts import ContactRow
from listen.identities import handle_from_profile_url
from listen.store.base import StoreBase
from listen.text import clean_name
from listen.types import PLATFORMS


def normalise_handle(platform: str, handle: str) -> str:
    """Canonical form of a handle, so the same person is not added twice."""
    handle = handle_from_profile_url(platform, handle.strip())
    if platform in ("bluesky", "x", "mastodon"):
        handle = handle.lstrip("@").lower()
    return handle


class ContactStore(StoreBase):
    """Who the user follows, and where."""

    def upsert_contact(
        self,
        name: str,
        *,
        priority: int | None = None,
        notes: str | None = None,
        origin: str = "cli",
        identities: Iterable[tuple[str, str]] = (),
    ) -> int:
        """Create or update a contact by name and attach identities; returns its id."""
        name = clean_name(name)
        if not name:
            raise InputError("a contact needs a name")
        if priority is not None and not 1 <= priority <= 3:
            raise InputError(f"priority must be 1, 2 or 3, not {priority}")
        with self.transaction():
            row = self._conn.execute("SELECT id FROM contacts WHERE name = ?", (name,)).fetchone()
            if row:
                contact_id = int(row[0])
                if priority is not None:
                    self._conn.execute(
                        "UPDATE contacts SET priority = ? WHERE id = ?", (priority, contact_id)
                    )
                if notes is not None:
                    self._conn.execute(
                        "UPDATE contacts SET notes = ? WHERE id = ?", (notes, contact_id)
                    )
            else:
                cur = self._conn.execute(
                    "INSERT INTO contacts (name, priority, notes, origin, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, priority or 2, notes or "", origin, to_iso(utcnow())),
                )
                contact_id = int(cur.lastrowid or 0)
            for platform, handle in identities:
                self._attach_identity(contact_id, platform, handle)
        return contact_id

    def _attach_identity(self, contact_id: int, platform: str, handle: str) -> None:
        if platform not in PLATFORMS:
            raise InputError(
                f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}"
            )
        handle = normalise_handle(platform, handle)
        if not handle:
            return
        owner = self._conn.execute(
            "SELECT c.name, i.contact_id FROM identities i JOIN contacts c ON c.id = i.contact_id"
            " WHERE i.platform = ? AND i.handle = ?",
            (platform, handle),
        ).fetchone()
        if owner and owner[1] != contact_id:
            raise InputError(f"{platform} identity {handle!r} already belongs to {owner[0]!r}")
        self._conn.execute(
            "INSERT OR IGNORE INTO identities (contact_id, platform, handle) VALUES (?, ?, ?)",
            (contact_id, platform, handle),
        )

    def remove_contact(self, name: str) -> bool:
        """Delete a contact, its identities and sources; its posts stay, unlinked."""
        with self.transaction():
            cur = self._conn.execute("DELETE FROM contacts WHERE name = ?", (name,))
        return cur.rowcount > 0

    def list_contacts(self) -> list[ContactRow]:
        rows = self._conn.execute(
            "SELECT id, name, priority, notes FROM contacts ORDER BY priority DESC, name"
        ).fetchall()
        idents: dict[int, list[tuple[str, str]]] = {}
        for contact_id, platform, handle in self._conn.execute(
            "SELECT contact_id, platform, handle FROM identities ORDER BY platform, handle"
        ):
            idents.setdefault(contact_id, []).append((platform, handle))
        return [ContactRow(r[0], r[1], r[2], r[3], tuple(idents.get(r[0], ()))) for r in rows]

    def set_resolved_id(self, platform: str, handle: str, resolved_id: str) -> None:
        """Remember what a handle resolved to (a DID, a user id) so it is resolved once."""
        self._conn.execute(
            "UPDATE identities SET resolved_id = ? WHERE platform = ? AND handle = ?",
            (resolved_id, platform, normalise_handle(platform, handle)),
        )
