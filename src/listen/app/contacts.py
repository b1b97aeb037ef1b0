"""Contacts: add, list, remove and import the people the user follows.

Every front end checks identities the same way here (a command line, a web form and an
imported file alike), and the config file stays the owner of the contacts it declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from listen.config import Config
from listen.errors import InputError
from listen.facts import ContactRow, PostHit
from listen.identities import identity_problem
from listen.redact import without_url_password
from listen.store import PersonIdentity, Store, normalise_handle
from listen.text import clean_name


class IdentityProblem(InputError):
    """An identity that cannot belong to a contact (e.g. a blog that is not an http(s) URL)."""

    def __init__(self, platform: str, problem: str) -> None:
        self.platform = platform
        self.problem = problem
        super().__init__(f"{platform} {problem}")


def check_identities(identities: Iterable[tuple[str, str]]) -> None:
    """Raise `IdentityProblem` for the first identity whose handle cannot be right."""
    for platform, handle in identities:
        if problem := identity_problem(platform, handle):
            raise IdentityProblem(platform, problem)


def add_contact(
    store: Store,
    name: str,
    *,
    priority: int | None = None,
    notes: str | None = None,
    identities: Sequence[tuple[str, str]] = (),
    origin: str = "cli",
) -> str:
    """Add a contact, or identities to an existing one; returns the name as saved."""
    check_identities(identities)
    store.upsert_contact(
        name, priority=priority, notes=notes, origin=origin, identities=list(identities)
    )
    return clean_name(name)


def list_contacts(config: Config, store: Store) -> list[ContactRow]:
    """Every contact with its identities, highest priority first: the stored ones and those
    the config file declares (stored by the next collect); passwords in feed URLs masked."""
    rows = {row.name: row for row in store.list_contacts()}
    for contact in config.contacts:
        name = clean_name(contact.name)
        if name and name not in rows:
            identities = {(p, normalise_handle(p, h)) for p, h in contact.identities()}
            rows[name] = ContactRow(
                0, name, contact.priority, contact.notes, tuple(sorted(identities))
            )
    return [
        replace(row, identities=tuple((p, without_url_password(h)) for p, h in row.identities))
        for row in sorted(rows.values(), key=lambda r: (-r.priority, r.name))
    ]


def remove_contact(config: Config, store: Store, name: str) -> None:
    """Remove a contact (their posts stay); one declared in the config file is removed there."""
    if any(c.name.strip() == name.strip() for c in config.contacts):
        raise InputError(
            f"{name!r} is declared in {config.path}: remove it there, or it comes back "
            "with the next collect"
        )
    if not store.remove_contact(name):
        raise InputError(f"no contact named {name!r}")


@dataclass(frozen=True, slots=True)
class ContactImport:
    """What `import_contacts_file` saved and skipped."""

    saved: int  # contacts new to the store
    problems: tuple[str, ...]  # "Name: why", one per contact skipped
    nameless_rows: tuple[int, ...]  # file rows without a name
    updated: int = 0  # known contacts that gained an identity
    known: int = 0  # contacts in the file already stored as they are


def import_contacts_file(store: Store, path: Path) -> ContactImport:
    """Import CSV (incl. LinkedIn's Connections.csv) or OPML; a bad contact is skipped alone."""
    from listen.importers import read_contacts_file  # csv/xml parsing: only this command

    imported = read_contacts_file(path)
    before = {row.name: row.identities for row in store.list_contacts()}
    problems = []
    saved = 0
    for contact in imported.contacts:
        try:
            add_contact(
                store,
                contact.name,
                priority=contact.priority,
                notes=contact.notes,
                identities=contact.identities,
                origin="import",
            )
            saved += 1
        except InputError as exc:
            problems.append(f"{clean_name(contact.name)}: {exc}")
    after = {row.name: row.identities for row in store.list_contacts()}
    added = len(after.keys() - before.keys())
    updated = sum(1 for name, identities in before.items() if after.get(name) != identities)
    return ContactImport(
        added,
        tuple(problems),
        tuple(imported.nameless_rows),
        updated=updated,
        known=max(0, saved - added - updated),
    )


CONTACT_POSTS = 10  # the newest posts a contact's page lists


@dataclass(frozen=True, slots=True)
class ContactPage:
    """One person as the web app's Contact page shows them: identities with their profiles,
    how often the user engaged with them, and their newest posts."""

    contact: ContactRow
    identities: tuple[PersonIdentity, ...]
    engagements: int
    posts: tuple[PostHit, ...]


def contact_named(store: Store, name: str) -> ContactRow:
    """The stored contact called `name`; an input error when there is none."""
    row = store.contact_named(name)
    if row is None:
        raise InputError(f"no contact named {name!r}")
    return replace(row, identities=tuple((p, without_url_password(h)) for p, h in row.identities))


def contact_page(store: Store, name: str) -> ContactPage:
    """Everything the Contact page shows about `name` (until the people features add their
    story: who talked to whom, the circle)."""
    row = contact_named(store, name)
    identities = tuple(i for i in store.people_identities() if i.contact_id == row.id)
    return ContactPage(
        contact=row,
        identities=identities,
        engagements=store.engagement_counts().get(row.id, 0),
        posts=tuple(store.search_posts(contact_id=row.id, limit=CONTACT_POSTS)),
    )


def set_contact_priority(store: Store, name: str, priority: int) -> int:
    """Set a contact's priority (1 low .. 3 high), as `contacts add --priority` would."""
    if priority not in (1, 2, 3):
        raise InputError(f"priority must be 1, 2 or 3, not {priority!r}")
    row = contact_named(store, name)
    store.set_priority(row.id, priority)
    return priority
