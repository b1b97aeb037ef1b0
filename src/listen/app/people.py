"""People across platforms: merge contacts that are one person (verified evidence merges on its
own; the rest is suggested), merge or split by hand, list people with their platforms, and
propose priorities from behaviour. The rules are pure (`listen.people.identity`); this module
feeds them the store's identities and profiles and applies the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from listen.clock import utcnow
from listen.collectors.profile_parse import blog_profile
from listen.errors import InputError
from listen.people.identity import Evidence, ProfileKey, Resolution, resolve_identities
from listen.store import PersonIdentity, Store
from listen.store.contacts import normalise_handle
from listen.types import Profile


@dataclass(frozen=True, slots=True)
class MergeDone:
    """Two contacts made one: `merged` into `kept`, because of `evidence`."""

    kept: str
    merged: str
    evidence: str


@dataclass(frozen=True, slots=True)
class MergeSuggestion:
    """Two contacts that may be one person; `listen contacts merge A B` confirms."""

    a: str
    b: str
    reason: str


@dataclass(frozen=True, slots=True)
class PersonLine:
    """One person for `contacts list`: name, priority, platforms, and a profile summary."""

    name: str
    priority: int
    platforms: tuple[str, ...]
    handles: tuple[tuple[str, str], ...]
    display_name: str
    followers: int | None


def _as_profile(identity: PersonIdentity) -> Profile:
    if identity.profile is not None:
        return identity.profile
    if identity.platform == "blog":
        return blog_profile(identity.handle)
    return Profile(identity.platform, identity.handle)


def resolve_people(
    store: Store, extra: Sequence[Profile] = ()
) -> tuple[Resolution, dict[ProfileKey, PersonIdentity]]:
    """Group every stored identity (and `extra`, not yet stored) into people; the user's own
    merges and splits, and identities already on one contact, are respected."""
    identities = store.people_identities()
    owners = {(i.platform, i.handle.lower()): i for i in identities}
    profiles = [_as_profile(i) for i in identities]
    known = set(owners)
    profiles += [p for p in extra if p.key not in known]
    by_contact: dict[int, list[ProfileKey]] = {}
    for key, identity in owners.items():
        by_contact.setdefault(identity.contact_id, []).append(key)
    together = [pair for keys in by_contact.values() for pair in pairwise(keys)]
    together += store.identity_decisions("together")
    resolution = resolve_identities(
        profiles, keep_apart=store.identity_decisions("apart"), keep_together=together
    )
    return resolution, owners


def _evidence_between(resolution: Resolution, a: set[ProfileKey], b: set[ProfileKey]) -> str:
    for e in resolution.merges:
        if (e.a in a and e.b in b) or (e.a in b and e.b in a):
            return e.detail
    return "same person"


def planned_merges(
    resolution: Resolution, owners: dict[ProfileKey, PersonIdentity]
) -> list[tuple[PersonIdentity, PersonIdentity, str]]:
    """(keep, merge, why) for each group whose identities sit on more than one contact."""
    planned = []
    for group in resolution.people:
        contacts: dict[int, list[ProfileKey]] = {}
        for key in group:
            if key in owners:
                contacts.setdefault(owners[key].contact_id, []).append(key)
        if len(contacts) < 2:
            continue
        keep_id = min(contacts)
        keep = owners[contacts[keep_id][0]]
        for contact_id, keys in sorted(contacts.items()):
            if contact_id != keep_id:
                why = _evidence_between(resolution, set(contacts[keep_id]), set(keys))
                planned.append((keep, owners[keys[0]], why))
    return planned


def merge_verified(store: Store) -> tuple[list[MergeDone], list[MergeSuggestion]]:
    """Merge the contacts verified evidence shows are one person; also returns what weaker
    evidence suggests (named as the contacts are after the merges)."""
    resolution, owners = resolve_people(store)
    done = []
    for keep, other, why in planned_merges(resolution, owners):
        store.merge_contacts(keep.contact_id, other.contact_id)
        done.append(MergeDone(keep.contact_name, other.contact_name, why))
    if done:
        owners = {(i.platform, i.handle.lower()): i for i in store.people_identities()}
    return done, suggestions_for(resolution.suggestions, owners)


def suggest_merges(store: Store) -> list[MergeSuggestion]:
    """Pairs of contacts weaker evidence says may be one person (never a name alone)."""
    resolution, owners = resolve_people(store)
    return suggestions_for(resolution.suggestions, owners)


def suggestions_for(
    evidence: Sequence[Evidence], owners: dict[ProfileKey, PersonIdentity]
) -> list[MergeSuggestion]:
    found = []
    seen: set[frozenset[int]] = set()
    for e in evidence:
        a, b = owners.get(e.a), owners.get(e.b)
        if a is None or b is None or a.contact_id == b.contact_id:
            continue
        pair = frozenset((a.contact_id, b.contact_id))
        if pair not in seen:
            seen.add(pair)
            found.append(MergeSuggestion(a.contact_name, b.contact_name, e.detail))
    return found


def _contact_identities(store: Store, name: str) -> list[PersonIdentity]:
    found = [i for i in store.people_identities() if i.contact_name == name.strip()]
    if not found:
        raise InputError(f"no contact named {name!r} (with an identity)")
    return found


def merge_by_hand(store: Store, keep: str, other: str) -> MergeDone:
    """`listen contacts merge A B`: B's identities become A's, and stay so."""
    a, b = _contact_identities(store, keep), _contact_identities(store, other)
    if a[0].contact_id == b[0].contact_id:
        raise InputError(f"{keep!r} and {other!r} are the same contact")
    pairs = [((x.platform, x.handle), (y.platform, y.handle)) for x in a for y in b]
    store.record_identity_decision(pairs, "together", now=utcnow())
    store.merge_contacts(a[0].contact_id, b[0].contact_id)
    return MergeDone(a[0].contact_name, b[0].contact_name, "merged by hand")


def split_by_hand(store: Store, name: str, platform: str) -> str:
    """`listen contacts split NAME PLATFORM`: that platform's account becomes its own contact,
    and is never merged back automatically. Returns the new contact's name."""
    identities = _contact_identities(store, name)
    moving = [i for i in identities if i.platform == platform]
    staying = [i for i in identities if i.platform != platform]
    if not moving:
        raise InputError(f"{name!r} has no {platform} identity")
    if not staying:
        raise InputError(f"{name!r} has only its {platform} identity: nothing to split from")
    pairs = [((x.platform, x.handle), (y.platform, y.handle)) for x in moving for y in staying]
    store.record_identity_decision(pairs, "apart", now=utcnow())
    profile = moving[0].profile
    new_name = (profile.display_name if profile else "") or normalise_handle(
        platform, moving[0].handle
    )
    if new_name == name.strip():
        new_name = f"{new_name} ({platform})"
    return store.split_identity(moving[0].contact_id, platform, new_name, now=utcnow())


def people(store: Store) -> list[PersonLine]:
    """One line per person: their platforms and what their profiles say."""
    by_contact: dict[int, list[PersonIdentity]] = {}
    for identity in store.people_identities():
        by_contact.setdefault(identity.contact_id, []).append(identity)
    lines = []
    for identities in by_contact.values():
        first = identities[0]
        profiles = [i.profile for i in identities if i.profile is not None]
        followers = [p.followers_count for p in profiles if p.followers_count is not None]
        lines.append(
            PersonLine(
                first.contact_name,
                first.priority,
                tuple(sorted({i.platform for i in identities})),
                tuple((i.platform, i.handle) for i in identities),
                next((p.display_name for p in profiles if p.display_name), ""),
                max(followers) if followers else None,
            )
        )
    return sorted(lines, key=lambda line: (-line.priority, line.name.lower()))


@dataclass(frozen=True, slots=True)
class PriorityChange:
    name: str
    current: int
    proposed: int
    engagements: int


TOP_SHARE = 0.2  # the fifth of contacts you engage with most get priority 3


def propose_priorities(store: Store) -> list[PriorityChange]:
    """Priority 3 for the people you interact with most (both ways: your engagements and
    their replies, mentions and likes), 1 for those you never touched either way."""
    counts = store.engagement_counts()
    contacts = store.list_contacts()
    engaged = sorted((counts[c.id] for c in contacts if counts.get(c.id)), reverse=True)
    top = max(1, round(len(engaged) * TOP_SHARE)) if engaged else 0
    threshold = engaged[top - 1] if top else None
    changes = []
    for contact in contacts:
        n = counts.get(contact.id, 0)
        proposed = 1 if n == 0 else 3 if threshold is not None and n >= threshold else None
        if proposed is not None and proposed != contact.priority:
            changes.append(PriorityChange(contact.name, contact.priority, proposed, n))
    return changes


def apply_priorities(store: Store, changes: Sequence[PriorityChange]) -> int:
    by_name = {c.name: c.id for c in store.list_contacts()}
    with store.transaction():
        for change in changes:
            store.set_priority(by_name[change.name], change.proposed)
    return len(changes)
