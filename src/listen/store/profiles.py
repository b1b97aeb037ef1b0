"""Profiles per identity, follows imports and the user's merge decisions (tables `profiles`,
`follow_imports`, `identity_decisions`).

A follows import stores each page (new contacts, their identities and profiles) together with
the page cursor in one transaction, so an import killed between pages resumes at the next page
and adds nothing twice.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from listen.clock import parse_iso, to_iso
from listen.errors import InputError
from listen.store.contacts import ContactStore, normalise_handle
from listen.text import clean_name
from listen.types import Profile, ProfileLink

PROFILE_REFRESH = timedelta(days=7)  # a stored profile is rewritten at most this often

ProfileKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class FollowImport:
    """An import of follows in progress (or done): where its next page starts."""

    id: int
    platform: str
    account: str
    list_id: str
    account_id: str | None
    expected_total: int | None
    cursor: str | None
    imported: int
    skipped: int
    pages: int
    finished: bool


@dataclass(frozen=True, slots=True)
class PersonIdentity:
    """One identity of a contact, with its stored profile when there is one."""

    contact_id: int
    contact_name: str
    priority: int
    platform: str
    handle: str
    profile: Profile | None


class ProfileStore(ContactStore):
    """Profiles of the accounts contacts have, and the state of follows imports."""

    # -- follows imports ----------------------------------------------------------------------

    def follow_import(
        self, platform: str, account: str, list_id: str | None
    ) -> FollowImport | None:
        """The unfinished import of these follows, if one was interrupted."""
        row = self._conn.execute(
            "SELECT id, platform, account, list_id, account_id, expected_total, cursor, imported,"
            " skipped, pages, finished_at IS NOT NULL FROM follow_imports WHERE platform = ? AND"
            " account = ? AND list_id = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
            (platform, account, list_id or ""),
        ).fetchone()
        if row is None:
            return None
        (
            iid,
            platform,
            account,
            list_id,
            account_id,
            total,
            cursor,
            imported,
            skipped,
            pages,
            done,
        ) = row
        return FollowImport(
            iid, platform, account, list_id, account_id, total, cursor, imported, skipped, pages,
            bool(done),
        )  # fmt: skip

    def start_follow_import(
        self,
        platform: str,
        account: str,
        list_id: str | None,
        account_id: str | None,
        expected_total: int | None,
        *,
        now: datetime,
    ) -> FollowImport:
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO follow_imports (platform, account, list_id, account_id,"
                " expected_total, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                (platform, account, list_id or "", account_id, expected_total, to_iso(now)),
            )
        return FollowImport(
            int(cur.lastrowid or 0), platform, account, list_id or "", account_id,
            expected_total, None, 0, 0, 0, False,
        )  # fmt: skip

    def save_follows_page(
        self,
        progress: FollowImport,
        profiles: Sequence[Profile],
        *,
        cursor: str | None,
        skipped: int,
        now: datetime,
    ) -> tuple[FollowImport, list[str]]:
        """One page: a contact per new account, the profiles, and the next cursor, in one
        transaction. Returns the new progress and the names of the contacts added."""
        with self.transaction():
            names = [self._add_followed(profile, now) for profile in profiles]
            added = [name for name in names if name is not None]
            self.save_profiles(profiles, now=now)
            finished = to_iso(now) if cursor is None else None
            self._conn.execute(
                "UPDATE follow_imports SET cursor = ?, imported = imported + ?,"
                " skipped = skipped + ?, pages = pages + 1, finished_at = ? WHERE id = ?",
                (cursor, len(added), skipped, finished, progress.id),
            )
        return FollowImport(
            progress.id, progress.platform, progress.account, progress.list_id,
            progress.account_id, progress.expected_total, cursor, progress.imported + len(added),
            progress.skipped + skipped, progress.pages + 1, cursor is None,
        ), added  # fmt: skip

    def _add_followed(self, profile: Profile, now: datetime) -> str | None:
        """A contact for a followed account not yet known (by identity); its name, if added."""
        handle = normalise_handle(profile.platform, profile.handle)
        known = self._conn.execute(
            "SELECT 1 FROM identities WHERE platform = ? AND handle = ?", (profile.platform, handle)
        ).fetchone()
        if known:
            return None
        name = self._free_name(clean_name(profile.display_name) or handle, profile.platform, handle)
        cur = self._conn.execute(
            "INSERT INTO contacts (name, priority, notes, origin, created_at)"
            " VALUES (?, 2, '', 'follows', ?)",
            (name, to_iso(now)),
        )
        self._conn.execute(
            "INSERT INTO identities (contact_id, platform, handle, resolved_id)"
            " VALUES (?, ?, ?, ?)",
            (cur.lastrowid, profile.platform, handle, profile.account_id or None),
        )
        return name

    def _free_name(self, name: str, platform: str, handle: str) -> str:
        """`name`, or `name (platform handle)` when another contact has it (namesakes)."""
        where = f"{platform} {handle}".strip()
        candidates = itertools.chain(
            (name, f"{name} ({where})"), (f"{name} ({where} {n})" for n in range(2, 999))
        )
        for candidate in candidates:
            taken = self._conn.execute("SELECT 1 FROM contacts WHERE name = ?", (candidate,))
            if taken.fetchone() is None:
                return candidate
        raise InputError(f"too many contacts named {name!r}")

    # -- profiles -----------------------------------------------------------------------------

    def save_profiles(self, profiles: Iterable[Profile], *, now: datetime) -> int:
        """Keep each profile, unless the stored one is less than a week old; returns how many
        were written."""
        stale = to_iso(now - PROFILE_REFRESH)
        written = 0
        with self.transaction():
            for p in profiles:
                links = json.dumps(
                    [{"url": link.url, "verified": link.verified} for link in p.links]
                )
                cur = self._conn.execute(
                    "INSERT INTO profiles (platform, handle, account_id, display_name, bio,"
                    " avatar_url, links, followers_count, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?,"
                    " ?, ?) ON CONFLICT (platform, handle) DO UPDATE SET account_id ="
                    " excluded.account_id, display_name = excluded.display_name,"
                    " bio = excluded.bio,"
                    " avatar_url = excluded.avatar_url, links = excluded.links, followers_count ="
                    " excluded.followers_count, fetched_at = excluded.fetched_at"
                    " WHERE profiles.fetched_at < ?",
                    (p.platform, normalise_handle(p.platform, p.handle), p.account_id,
                     p.display_name, p.bio, p.avatar_url, links, p.followers_count, to_iso(now),
                     stale),
                )  # fmt: skip
                written += cur.rowcount
        return written

    def profile_fetched_at(self, platform: str, handle: str) -> datetime | None:
        row = self._conn.execute(
            "SELECT fetched_at FROM profiles WHERE platform = ? AND handle = ?",
            (platform, normalise_handle(platform, handle)),
        ).fetchone()
        return parse_iso(row[0]) if row else None

    def people_identities(self) -> list[PersonIdentity]:
        """Every identity of every contact, with its stored profile (None when not stored)."""
        rows = self._conn.execute(
            "SELECT c.id, c.name, c.priority, i.platform, i.handle, p.account_id, p.display_name,"
            " p.bio, p.avatar_url, p.links, p.followers_count, p.handle IS NOT NULL"
            " FROM identities i JOIN contacts c ON c.id = i.contact_id LEFT JOIN profiles p"
            " ON p.platform = i.platform AND p.handle = i.handle"
            " ORDER BY c.id, i.platform, i.handle"
        ).fetchall()
        found = []
        for (
            cid,
            name,
            priority,
            platform,
            handle,
            account_id,
            display,
            bio,
            avatar,
            links,
            count,
            has,
        ) in rows:
            profile = None
            if has:
                parsed = tuple(
                    ProfileLink(str(link["url"]), bool(link["verified"]))
                    for link in json.loads(links or "[]")
                )
                profile = Profile(
                    platform,
                    handle,
                    account_id or "",
                    display or "",
                    bio or "",
                    avatar,
                    parsed,
                    count,
                )
            found.append(PersonIdentity(cid, name, priority, platform, handle, profile))
        return found

    # -- merging and splitting people ---------------------------------------------------------

    def merge_contacts(self, keep_id: int, other_id: int) -> None:
        """Make `other_id`'s identities, sources, posts and engagements `keep_id`'s, then drop it;
        the merged person keeps the higher priority."""
        if keep_id == other_id:
            return
        with self.transaction():
            for table in ("identities", "sources", "posts", "engagements"):
                self._conn.execute(
                    f"UPDATE {table} SET contact_id = ? WHERE contact_id = ?",
                    (keep_id, other_id),
                )
            self._conn.execute(
                "UPDATE contacts SET priority = max(priority, (SELECT priority FROM contacts"
                " WHERE id = ?)) WHERE id = ?",
                (other_id, keep_id),
            )
            self._conn.execute("DELETE FROM contacts WHERE id = ?", (other_id,))

    def split_identity(
        self, contact_id: int, platform: str, new_name: str, *, now: datetime
    ) -> str:
        """Move the contact's `platform` identities (and their sources) to a new contact."""
        with self.transaction():
            name = self._free_name(clean_name(new_name), platform, "")
            cur = self._conn.execute(
                "INSERT INTO contacts (name, priority, notes, origin, created_at) SELECT ?,"
                " priority, '', 'split', ? FROM contacts WHERE id = ?",
                (name, to_iso(now), contact_id),
            )
            new_id = cur.lastrowid
            for table in ("identities", "sources"):
                self._conn.execute(
                    f"UPDATE {table} SET contact_id = ? WHERE contact_id = ? AND platform = ?",
                    (new_id, contact_id, platform),
                )
        return name

    def record_identity_decision(
        self, pairs: Iterable[tuple[ProfileKey, ProfileKey]], decision: str, *, now: datetime
    ) -> None:
        """Remember `contacts merge` (together) or `contacts split` (apart) per identity pair."""
        with self.transaction():
            for (pa, ha), (pb, hb) in pairs:
                (pa, ha), (pb, hb) = sorted(((pa, ha), (pb, hb)))
                self._conn.execute(
                    "INSERT INTO identity_decisions (platform_a, handle_a, platform_b, handle_b,"
                    " decision, decided_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform_a,"
                    " handle_a, platform_b, handle_b) DO UPDATE SET decision = excluded.decision,"
                    " decided_at = excluded.decided_at",
                    (pa, ha, pb, hb, decision, to_iso(now)),
                )

    def identity_decisions(self, decision: str) -> list[tuple[ProfileKey, ProfileKey]]:
        rows = self._conn.execute(
            "SELECT platform_a, handle_a, platform_b, handle_b FROM identity_decisions"
            " WHERE decision = ?",
            (decision,),
        ).fetchall()
        return [((r[0], r[1]), (r[2], r[3])) for r in rows]

    def engagement_counts(self) -> dict[int, int]:
        """How often the user and each contact interacted, both ways: the user's engagements
        on their posts, their interactions with the user (replies, likes, …) and intros."""
        return {
            int(cid): int(n)
            for cid, n in self._conn.execute(
                "SELECT contact_id, sum(n) FROM ("
                " SELECT contact_id, count(*) AS n FROM engagements"
                "  WHERE contact_id IS NOT NULL GROUP BY contact_id"
                " UNION ALL SELECT contact_id, count(*) FROM interactions"
                "  WHERE contact_id IS NOT NULL GROUP BY contact_id"
                ") GROUP BY contact_id"
            )
        }

    def set_priority(self, contact_id: int, priority: int) -> None:
        self._conn.execute("UPDATE contacts SET priority = ? WHERE id = ?", (priority, contact_id))


def _profile(
    platform: str,
    handle: str,
    account_id: str | None,
    display: str | None,
    bio: str | None,
    avatar: str | None,
    links: str | None,
    followers: int | None,
    _stored: int,
) -> Profile:
    parsed = tuple(
        ProfileLink(str(link["url"]), bool(link["verified"])) for link in json.loads(links or "[]")
    )
    return Profile(
        platform, handle, account_id or "", display or "", bio or "", avatar, parsed, followers
    )
