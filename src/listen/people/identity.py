"""One person across platforms: which profiles belong to the same person, and why (pure).

Verified evidence merges: a Bluesky domain handle equal to another profile's website (the DID
controls that domain), a Mastodon profile field the instance verified (rel=me) pointing at a
site another profile shows, two profiles that link to each other, the same personal website on
two profiles, a contact's blog site shown on a profile. Weaker evidence (the same normalised
display name plus a shared link or handle stem, a one-way profile link, a shared website whose
names disagree) only suggests. A display name alone is never evidence. Two accounts on the same
platform are never merged into one person (a blog excepted: people keep several).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from urllib.parse import urlsplit

from listen.types import Profile

ProfileKey = tuple[str, str]

# Sites where a path, not the host, names the person; their bare home page says nothing.
HOSTING_SITES = frozenset(
    {
        "github.com",
        "gitlab.com",
        "codeberg.org",
        "medium.com",
        "linktr.ee",
        "instagram.com",
        "youtube.com",
        "linkedin.com",
        "facebook.com",
        "threads.net",
        "tiktok.com",
        "twitch.tv",
        "patreon.com",
        "ko-fi.com",
        "buymeacoffee.com",
        "about.me",
        "keybase.io",
        "flickr.com",
        "soundcloud.com",
        "substack.com",
        "wordpress.com",
        "blogspot.com",
        "sites.google.com",
        "t.co",
        "bit.ly",
        "tumblr.com",
        "vimeo.com",
        "orcid.org",
        "scholar.google.com",
    }
)
X_HOSTS = frozenset({"x.com", "twitter.com", "mobile.twitter.com"})
BLUESKY_APP_HOSTS = frozenset({"bsky.app", "staging.bsky.app"})
SHARED_HANDLE_DOMAINS = ("bsky.social",)  # handles under these say nothing about a website
MAX_PROFILES_PER_SITE = 20  # a site on more profiles than this is an organisation's

# Strength order: a merge is tried strongest first, so a conflict keeps the better evidence.
VERIFIED_KINDS = ("domain-handle", "rel-me", "mutual-links", "same-website", "blog")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two profiles may be the same person; `verified` evidence merges, the rest suggests."""

    a: ProfileKey
    b: ProfileKey
    kind: str
    detail: str
    verified: bool


@dataclass(frozen=True, slots=True)
class Resolution:
    """Profiles grouped into people, with the evidence used and the suggestions left over."""

    people: tuple[tuple[ProfileKey, ...], ...]
    merges: tuple[Evidence, ...]
    suggestions: tuple[Evidence, ...]

    def person_of(self) -> dict[ProfileKey, int]:
        return {key: index for index, group in enumerate(self.people) for key in group}


@dataclass(frozen=True, slots=True)
class _Facts:
    """What one profile says about its owner, in comparable keys."""

    profile: Profile
    sites: dict[str, bool]  # site key → verified by the platform
    claims: frozenset[ProfileKey]  # other profiles it links to
    domain: str | None  # a Bluesky domain handle
    stem: str
    name: str


def _host(url: str) -> tuple[str, list[str]] | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    return host, [segment for segment in parts.path.split("/") if segment]


def profile_claim(url: str) -> ProfileKey | None:
    """The profile a link points at (`bsky.app/profile/h`, `x.com/u`, `instance/@u`), if any."""
    found = _host(url)
    if found is None:
        return None
    host, path = found
    if host in BLUESKY_APP_HOSTS and len(path) >= 2 and path[0] == "profile":
        return ("bluesky", path[1].lower())
    if host in X_HOSTS and len(path) == 1:
        return ("x", path[0].lower().lstrip("@"))
    if len(path) == 1 and path[0].startswith("@") and len(path[0]) > 1:
        user = path[0][1:].lower()
        return ("mastodon", user if "@" in user else f"{user}@{host}")
    return None


def site_key(url: str) -> str | None:
    """What a link says about who runs it: a personal host (`ada.example`), or a hosting
    site plus the account path (`github.com/ada`); None for profile links and bare hosting
    home pages."""
    found = _host(url)
    if found is None or profile_claim(url) is not None:
        return None
    host, path = found
    if host in HOSTING_SITES or host in X_HOSTS or host in BLUESKY_APP_HOSTS:
        return f"{host}/{path[0].lower().lstrip('@')}" if path else None
    if path and path[0].startswith("~"):
        return f"{host}/{path[0].lower()}"
    return host


@functools.lru_cache(maxsize=65_536)
def normalised_name(name: str) -> str:
    """Lower case, accents and emoji dropped, words single-spaced: `Zoë  Ng 🌱` → `zoe ng`."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.lower().split())


def handle_stem(profile: Profile) -> str:
    """The user part of a handle, letters and digits only: `ada.bsky.social`, `ada@x.y` → `ada`."""
    handle = profile.handle.lower()
    if profile.platform == "mastodon":
        handle = handle.split("@")[0]
    elif profile.platform == "bluesky":
        handle = handle.split(".")[0]
    elif profile.platform == "blog":
        return ""
    return re.sub(r"[^a-z0-9]", "", handle)


def _domain_handle(profile: Profile) -> str | None:
    if profile.platform != "bluesky" or "." not in profile.handle:
        return None
    handle = profile.handle.lower()
    if any(handle.endswith("." + shared) for shared in SHARED_HANDLE_DOMAINS):
        return None
    return handle


def _facts(profile: Profile) -> _Facts:
    sites: dict[str, bool] = {}
    claims: set[ProfileKey] = set()
    for link in profile.links:
        claim = profile_claim(link.url)
        if claim is not None and claim != profile.key:
            claims.add(claim)
        key = site_key(link.url)
        if key is not None:
            sites[key] = sites.get(key, False) or link.verified
    return _Facts(
        profile,
        sites,
        frozenset(claims),
        _domain_handle(profile),
        handle_stem(profile),
        normalised_name(profile.display_name),
    )


def names_agree(a: _Facts, b: _Facts) -> bool:
    """Do two profiles' names or handles plausibly name one person (a word in common, or one's
    name written as the other's handle)?"""
    words_a = {w for w in a.name.split() if len(w) >= 2}
    words_b = {w for w in b.name.split() if len(w) >= 2}
    if words_a & words_b:
        return True
    if a.stem and a.stem == b.stem:
        return True
    squashed_a, squashed_b = a.name.replace(" ", ""), b.name.replace(" ", "")
    return bool((squashed_a and squashed_a == b.stem) or (squashed_b and squashed_b == a.stem))


def _site_matches(site: str, domain: str) -> bool:
    return site == domain or site.endswith("." + domain)


def _pair_evidence(a: _Facts, b: _Facts, shared_sites: set[str]) -> Evidence | None:
    """The strongest evidence linking two profiles, or None."""
    ka, kb = a.profile.key, b.profile.key
    for x, y in ((a, b), (b, a)):
        if x.domain and any(_site_matches(site, x.domain) for site in y.sites):
            return Evidence(
                ka,
                kb,
                "domain-handle",
                f"Bluesky handle {x.domain} is the website "
                f"on {y.profile.platform} {y.profile.handle}",
                True,
            )
    common = set(a.sites) & set(b.sites)
    for site in sorted(common):
        if a.sites[site] or b.sites[site]:
            return Evidence(ka, kb, "rel-me", f"{site} (verified rel=me)", True)
    for x, y in ((a, b), (b, a)):
        for site, verified in x.sites.items():
            if verified and y.domain and _site_matches(site, y.domain):
                return Evidence(ka, kb, "rel-me", f"{site} (verified rel=me)", True)
    if kb in a.claims and ka in b.claims:
        return Evidence(ka, kb, "mutual-links", "each profile links to the other", True)
    personal = sorted(common - shared_sites)
    if personal:
        kind = "blog" if "blog" in (a.profile.platform, b.profile.platform) else "same-website"
        if names_agree(a, b) or kind == "blog":
            return Evidence(ka, kb, kind, f"both show {personal[0]}", True)
        return Evidence(ka, kb, "same-website", f"both show {personal[0]}, names differ", False)
    return _weak_evidence(a, b, common)


def _weak_evidence(a: _Facts, b: _Facts, common: set[str]) -> Evidence | None:
    """Suggestions: a one-way profile link, or the same name plus a shared link or stem."""
    ka, kb = a.profile.key, b.profile.key
    if kb in a.claims or ka in b.claims:
        return Evidence(ka, kb, "one-way-link", "one profile links to the other", False)
    if not a.name or a.name != b.name:
        return None
    if common:
        return Evidence(ka, kb, "same-name", f"same name, both show {sorted(common)[0]}", False)
    if a.stem and a.stem == b.stem:
        return Evidence(ka, kb, "same-name", f"same name and handle {a.stem!r}", False)
    return None


def _shared_sites(facts: Sequence[_Facts]) -> set[str]:
    """Sites shown by two accounts on one platform (two blogs on one host count too), or by
    many: an organisation's or a hosting service's, not a person's."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for f in facts:
        for site in f.sites:
            seen[(f.profile.platform, site)] += 1
            total[site] += 1
    shared = {site for (_, site), n in seen.items() if n > 1}
    return shared | {site for site, n in total.items() if n > MAX_PROFILES_PER_SITE}


def _candidate_pairs(facts: Sequence[_Facts]) -> set[tuple[int, int]]:
    """Pairs sharing any key evidence could rest on (so the work is not quadratic)."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(facts):
        keys = {f"site:{s}" for s in f.sites} | {f"claim:{c}" for c in f.claims}
        keys.add(f"self:{f.profile.key}")
        if f.domain:
            parts = f.domain.split(".")
            keys |= {f"site:{'.'.join(parts[j:])}" for j in range(len(parts) - 1)}
        if f.name:
            keys.add(f"name:{f.name}")
        for site in f.sites:
            parts = site.split("/")[0].split(".")
            keys |= {f"site:{'.'.join(parts[j:])}" for j in range(1, len(parts) - 1)}
        for claim in f.claims:
            keys.add(f"self:{claim}")
        for key in keys:
            index[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in index.values():
        if len(members) <= 4 * MAX_PROFILES_PER_SITE:
            pairs.update(combinations(sorted(set(members)), 2))
    return pairs


class _People:
    """Union-find over profiles that refuses to put two accounts of one platform together."""

    def __init__(self, keys: Iterable[ProfileKey]) -> None:
        self.parent = {key: key for key in keys}
        self.members = {key: {key} for key in self.parent}

    def find(self, key: ProfileKey) -> ProfileKey:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def can_join(self, a: ProfileKey, b: ProfileKey, apart: set[frozenset[ProfileKey]]) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        platforms = {k[0] for k in self.members[ra] if k[0] != "blog"}
        if any(k[0] in platforms for k in self.members[rb] if k[0] != "blog"):
            return False
        return not any(
            frozenset((x, y)) in apart for x in self.members[ra] for y in self.members[rb]
        )

    def join(self, a: ProfileKey, b: ProfileKey) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.members[ra] |= self.members.pop(rb)


def resolve_identities(
    profiles: Sequence[Profile],
    *,
    keep_apart: Iterable[tuple[ProfileKey, ProfileKey]] = (),
    keep_together: Iterable[tuple[ProfileKey, ProfileKey]] = (),
) -> Resolution:
    """Group profiles into people. `keep_together` / `keep_apart` are the user's own decisions
    (`contacts merge A B`, `contacts split`): they win over any evidence."""
    unique = {p.key: p for p in profiles}
    facts = [_facts(p) for p in unique.values()]
    shared = _shared_sites(facts)
    apart = {frozenset(pair) for pair in keep_apart}
    people = _People(unique)
    for a, b in keep_together:
        if a in unique and b in unique:
            people.join(a, b)
    found = [
        e
        for i, j in _candidate_pairs(facts)
        if (e := _pair_evidence(facts[i], facts[j], shared)) is not None
    ]
    found.sort(key=lambda e: (_rank(e), e.a, e.b))
    merges: list[Evidence] = []
    suggestions: list[Evidence] = []
    for evidence in found:
        if people.find(evidence.a) == people.find(evidence.b):
            if evidence.verified:
                merges.append(evidence)
        elif evidence.verified and people.can_join(evidence.a, evidence.b, apart):
            people.join(evidence.a, evidence.b)
            merges.append(evidence)
        elif frozenset((evidence.a, evidence.b)) not in apart:
            suggestions.append(evidence)
    groups = sorted(tuple(sorted(m)) for m in people.members.values())
    return Resolution(tuple(groups), tuple(merges), tuple(_still_apart(suggestions, people)))


def _rank(evidence: Evidence) -> int:
    return VERIFIED_KINDS.index(evidence.kind) if evidence.verified else len(VERIFIED_KINDS)


def _still_apart(suggestions: list[Evidence], people: _People) -> list[Evidence]:
    """Suggestions between profiles the verified merges did not already bring together."""
    seen: set[frozenset[ProfileKey]] = set()
    kept = []
    for s in suggestions:
        pair = frozenset((people.find(s.a), people.find(s.b)))
        if len(pair) == 2 and pair not in seen:
            seen.add(pair)
            kept.append(s)
    return kept
