"""Build tests/data/identity/profiles.json: profiles of invented people with known truth.

Each profile is a copy of a REAL recorded account object (the Mastodon account in
tests/data/mastodon/account_lookup.json, the Bluesky profileView in
tests/data/bluesky/atproto-sdk_get_follows.json, the X user with `entities.url` in
tests/data/twitter/twarc-csv_quoted_edit.jsonl) with the identifying values replaced by invented
ones: names, handles, ids, bios, links, counts. The shapes (keys, nesting, Mastodon's field HTML
with `verified_at`, X's t.co `entities`) are the platforms'; the people are hand-made.

Every profile carries `person` (who really owns it) and `verifiable` (whether it shows evidence
a careful human would call proof of being that person's: a website, a domain handle, a link
back). Hard cases are built in on purpose: namesakes, coworkers showing one company site, a
one-way claim, pseudonyms, bare hosting home pages, and people linked only by name.

Deterministic: `python scripts/make_identity_fixture.py` rewrites the same file.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = DATA / "identity" / "profiles.json"

FIRST = [
    "Ada",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Emeka",
    "Farah",
    "Goran",
    "Hana",
    "Ivo",
    "Jun",
    "Kalinda",
    "Lars",
    "Mei",
    "Nuno",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tamar",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoë",
    "Aiko",
    "Bilal",
    "Carmen",
    "Dario",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Lucia",
    "Mateo",
    "Nadia",
    "Oskar",
    "Paloma",
    "Rafael",
    "Sanne",
    "Tomasz",
    "Ulla",
    "Vera",
    "Wiremu",
    "Yara",
    "Zeynep",
]
LAST = [
    "Lindqvist",
    "Okafor",
    "Moreau",
    "Petrov",
    "Haddad",
    "Nakamura",
    "Silva",
    "Kowalski",
    "Mensah",
    "Novak",
    "Ferreira",
    "Takahashi",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gallo",
    "Horvath",
    "Iyer",
    "Jansen",
    "Kaur",
    "Laine",
    "Marsh",
    "Nieminen",
    "Ortega",
    "Park",
    "Quinn",
    "Rossi",
    "Sato",
    "Tan",
    "Ueda",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhou",
    "Abara",
    "Bakker",
    "Costa",
    "Duarte",
    "Engel",
    "Fontaine",
    "Grimaldi",
    "Holm",
    "Ibarra",
    "Jovanovic",
]
TLDS = [".net", ".dev", ".org", ".io", ".me", ".blog", ".page", ".xyz"]
INSTANCES = ["hachyderm.io", "mastodon.social", "fosstodon.org", "scholar.social", "toot.cafe"]
BIOS = [
    "Writing about distributed systems and tea.",
    "Product designer. Opinions my own.",
    "Research engineer, ex-startup, plants.",
    "I make small tools for big archives.",
    "Data journalist covering cities and climate.",
    "Open source maintainer. Cyclist.",
    "Teaching kids to code on weekends.",
    "Photographer and occasional blogger.",
]
B32 = "abcdefghijklmnopqrstuvwxyz234567"


class Maker:
    """Invented values, reproducible from one seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()
        self.serial = 0
        self.templates = _templates()
        self.taken: set[str] = set()

    def unique(self, handle: str) -> str:
        """`handle`, or `handle` with digits when an earlier profile took it."""
        candidate = handle
        while candidate in self.taken:
            candidate = f"{handle}{self.rng.randrange(2, 99)}"
        self.taken.add(candidate)
        return candidate

    def name(self) -> tuple[str, str]:
        while True:
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            if f"{first} {last}" not in self.used_names:
                self.used_names.add(f"{first} {last}")
                return first, last

    def number(self, digits: int) -> str:
        self.serial += 1
        return str(self.rng.randrange(10 ** (digits - 1), 10**digits))

    def did(self) -> str:
        return "did:plc:" + "".join(self.rng.choice(B32) for _ in range(24))

    def domain(self, first: str, last: str) -> str:
        base = self.rng.choice([f"{first}{last}", f"{first}-{last}", f"{first[0]}{last}", last])
        return self.unique(_ascii(base).lower() + self.rng.choice(TLDS))

    def bio(self) -> str:
        return self.rng.choice(BIOS)

    def mastodon(
        self, username: str, display: str, fields: list[dict[str, Any]], **kw: Any
    ) -> dict[str, Any]:
        instance = kw.pop("instance", None) or self.rng.choice(INSTANCES)
        account = copy.deepcopy(self.templates["mastodon"])
        account_id = self.number(18)
        username = self.unique(f"{instance}:{username}").split(":", 1)[1]
        account.update(
            id=account_id,
            username=username,
            acct=f"{username}@{instance}",
            display_name=display,
            note=f"<p>{kw.pop('note', self.bio())}</p>",
            url=f"https://{instance}/@{username}",
            uri=f"https://{instance}/users/{username}",
            avatar=f"https://{instance}/system/accounts/avatars/{account_id[:3]}/original/"
            f"{self.rng.getrandbits(64):016x}.jpg",
            followers_count=self.rng.randrange(3, 9000),
            fields=fields,
        )
        return account

    def bluesky(self, handle: str, display: str, description: str) -> dict[str, Any]:
        view = copy.deepcopy(self.templates["bluesky"])
        did = self.did()
        if handle.endswith(".bsky.social"):
            handle = self.unique(handle.removesuffix(".bsky.social")) + ".bsky.social"
        view.update(did=did, handle=handle, displayName=display, description=description)
        view["avatar"] = (
            f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkrei{self.rng.getrandbits(128):032x}@jpeg"
        )
        view.pop("viewer", None)
        return view

    def x(
        self, username: str, display: str, url: str | None, description: str = ""
    ) -> dict[str, Any]:
        user = copy.deepcopy(self.templates["x"])
        username = self.unique("x:" + username)[2:]
        user.update(
            id=self.number(18),
            name=display,
            username=username,
            description=description,
            profile_image_url=f"https://pbs.twimg.com/profile_images/{self.number(19)}/"
            f"{self.rng.getrandbits(40):010x}_normal.jpg",
        )
        user["public_metrics"] = {
            **user["public_metrics"],
            "followers_count": self.rng.randrange(5, 50000),
        }
        user.pop("pinned_tweet_id", None)
        if url is None:
            user["url"] = ""
            user.pop("entities", None)
        else:
            short = f"https://t.co/{self.rng.getrandbits(48):012x}"[:23]
            display_url = url.split("://", 1)[-1].rstrip("/")
            user["url"] = short
            user["entities"] = {
                "url": {
                    "urls": [
                        {
                            "start": 0,
                            "end": len(short),
                            "url": short,
                            "expanded_url": url,
                            "display_url": display_url,
                        }
                    ]
                }
            }
        return user


def _ascii(text: str) -> str:
    return text.replace("ë", "e").replace("é", "e")


def _templates() -> dict[str, dict[str, Any]]:
    mastodon = json.loads((DATA / "mastodon" / "account_lookup.json").read_text())[0]["body"]
    mastodon.pop("source", None)
    mastodon.pop("role", None)
    bluesky = json.loads((DATA / "bluesky" / "atproto-sdk_get_follows.json").read_text())[
        "follows"
    ][0]
    line = (DATA / "twitter" / "twarc-csv_quoted_edit.jsonl").read_text().splitlines()[0]
    users = json.loads(line)["includes"]["users"]
    x = next(u for u in users if "entities" in u)
    return {"mastodon": mastodon, "bluesky": bluesky, "x": x}


def field(name: str, url: str, verified: bool) -> dict[str, Any]:
    """A Mastodon profile field as Mastodon renders a link in it."""
    scheme, rest = url.split("://", 1)
    value = (
        f'<a href="{url}" target="_blank" rel="nofollow noopener noreferrer me" translate="no">'
        f'<span class="invisible">{scheme}://</span><span class="">{rest}</span>'
        f'<span class="invisible"></span></a>'
    )
    return {
        "name": name,
        "value": value,
        "verified_at": "2024-03-02T10:11:12.000+00:00" if verified else None,
    }


class Fixture:
    def __init__(self, maker: Maker) -> None:
        self.m = maker
        self.rows: list[dict[str, Any]] = []
        self.people = 0

    def person(self) -> str:
        self.people += 1
        return f"p{self.people:03d}"

    def add(
        self, person: str, platform: str, account: dict[str, Any], verifiable: bool, case: str
    ) -> None:
        self.rows.append(
            {
                "person": person,
                "case": case,
                "verifiable": verifiable,
                "platform": platform,
                "account": account,
            }
        )

    def variants(self, first: str, last: str) -> list[str]:
        r = self.m.rng
        return [
            f"{first} {last}",
            f"{first} {last} {r.choice(['🌱', '🦊', '☕', ''])}".strip(),
            f"{first} {last[0]}.",
            first.lower(),
            f"{first} {last} (they/them)",
        ]

    def full(self) -> None:
        """Bluesky domain handle, Mastodon field verified, X website, blog: all one site."""
        first, last = self.m.name()
        p, d = self.person(), self.m.domain(first, last)
        names = self.variants(first, last)
        user = _ascii(first).lower()
        self.add(p, "bluesky", self.m.bluesky(d, names[1], self.m.bio()), True, "full")
        self.add(
            p,
            "mastodon",
            self.m.mastodon(user, names[0], [field("Website", f"https://{d}", True)]),
            True,
            "full",
        )
        x_url = self.m.rng.choice([f"https://{d}", f"http://www.{d}/", f"https://{d}/about"])
        self.add(
            p,
            "x",
            self.m.x(f"{user}{last.lower()[:3]}", names[self.m.rng.choice([0, 2, 3])], x_url),
            True,
            "full",
        )
        feed = self.m.rng.choice(
            [f"https://{d}/feed.xml", f"https://blog.{d}/rss", f"https://{d}/index.xml"]
        )
        self.add(p, "blog", {"feed_url": feed, "title": f"{first}'s notes"}, True, "full")

    def site_in_bio(self, pseudonym: bool = False) -> None:
        """bsky.social handle with the website in its description; X shows the same site."""
        first, last = self.m.name()
        p, d = self.person(), self.m.domain(first, last)
        handle = f"{_ascii(first).lower()}{last.lower()}.bsky.social"
        bio = self.m.rng.choice(
            [
                f"{self.m.bio()} {d}",
                f"{self.m.bio()} Writing at {d}.",
                f"{self.m.bio()}\n🔗 https://{d}/blog",
            ]
        )
        self.add(p, "bluesky", self.m.bluesky(handle, f"{first} {last}", bio), True, "site-in-bio")
        x_name = (
            self.m.rng.choice(["nightjar", "quietloop", "moss & wires"])
            if pseudonym
            else f"{first} {last}"
        )
        x_user = (
            x_name.replace(" & ", "") if pseudonym else f"{_ascii(first).lower()}_{last.lower()}"
        )
        self.add(
            p,
            "x",
            self.m.x(x_user, x_name, f"https://www.{d}/"),
            True,
            "pseudonym" if pseudonym else "site-in-bio",
        )

    def mastodon_verified_x(self) -> None:
        first, last = self.m.name()
        p, d = self.person(), self.m.domain(first, last)
        user = f"{_ascii(first).lower()}{last[0].lower()}"
        fields = [
            field("Pronouns", "https://pronouns.page/@" + user, False),
            field("Home", f"https://{d}", True),
        ]
        self.add(p, "mastodon", self.m.mastodon(user, f"{first} {last}", fields), True, "rel-me")
        self.add(
            p,
            "x",
            self.m.x(user + "x", f"{first} {last[0]}.", f"https://{d}/about"),
            True,
            "rel-me",
        )

    def unverified_field_domain_handle(self) -> None:
        first, last = self.m.name()
        p, d = self.person(), self.m.domain(first, last)
        user = _ascii(first).lower()
        self.add(
            p,
            "mastodon",
            self.m.mastodon(user, f"{first} {last}", [field("Web", f"https://{d}/", False)]),
            True,
            "domain-handle",
        )
        self.add(p, "bluesky", self.m.bluesky(d, first, self.m.bio()), True, "domain-handle")

    def hosted_path(self) -> None:
        first, last = self.m.name()
        p = self.person()
        gh = f"{_ascii(first).lower()}{last.lower()}"
        self.add(
            p,
            "mastodon",
            self.m.mastodon(
                gh, f"{first} {last}", [field("GitHub", f"https://github.com/{gh}", False)]
            ),
            True,
            "hosted-path",
        )
        self.add(
            p,
            "x",
            self.m.x(gh[:15], f"{first} {last}", f"https://github.com/{gh}"),
            True,
            "hosted-path",
        )

    def mutual_links(self) -> None:
        first, last = self.m.name()
        p = self.person()
        user, inst = f"{_ascii(first).lower()}_{last.lower()}", self.m.rng.choice(INSTANCES)
        x_user = f"{_ascii(first).lower()}{last.lower()}"[:15]
        fields = [field("X", f"https://x.com/{x_user}", False)]
        self.add(
            p,
            "mastodon",
            self.m.mastodon(user, f"{first} {last}", fields, instance=inst),
            True,
            "mutual",
        )
        self.add(
            p, "x", self.m.x(x_user, f"{first} {last}", f"https://{inst}/@{user}"), True, "mutual"
        )

    def same_name_only(self) -> None:
        """The same person with no link anywhere: only a name and a handle stem (a suggestion)."""
        first, last = self.m.name()
        p = self.person()
        stem = f"{_ascii(first).lower()}{last.lower()}"
        self.add(
            p,
            "bluesky",
            self.m.bluesky(f"{stem}.bsky.social", f"{first} {last}", self.m.bio()),
            False,
            "name-only",
        )
        self.add(
            p, "x", self.m.x(stem[:15], f"{first} {last}", None, self.m.bio()), False, "name-only"
        )

    def single(self) -> None:
        first, last = self.m.name()
        p = self.person()
        platform = self.m.rng.choice(["bluesky", "mastodon", "x"])
        link = self.m.rng.choice(
            ["https://github.com", "https://linktr.ee", f"https://linktr.ee/{first.lower()}", None]
        )
        stem = f"{_ascii(first).lower()}{last.lower()}"
        if platform == "bluesky":
            account = self.m.bluesky(
                f"{stem}.bsky.social", f"{first} {last}", f"{self.m.bio()} {link or ''}"
            )
        elif platform == "mastodon":
            account = self.m.mastodon(
                stem, f"{first} {last}", [field("Links", link, False)] if link else []
            )
        else:
            account = self.m.x(stem[:15], f"{first} {last}", link)
        self.add(p, platform, account, False, "single")

    def namesakes(self, same_stem: bool) -> None:
        """Two different people with one display name, each with their own website."""
        first, last = self.m.name()
        stem = f"{_ascii(first).lower()}{last.lower()}"
        a, b = self.person(), self.person()
        da, db = (
            self.m.domain(first, last),
            f"{_ascii(last).lower()}-studio{self.m.rng.choice(TLDS)}",
        )
        self.add(
            a,
            "bluesky",
            self.m.bluesky(f"{stem}.bsky.social", f"{first} {last}", f"{self.m.bio()} {da}"),
            False,
            "namesake",
        )
        x_user = stem[:15] if same_stem else f"{last.lower()}{self.m.number(3)}"
        self.add(b, "x", self.m.x(x_user, f"{first} {last}", f"https://{db}"), False, "namesake")

    def coworkers(self, company: str, people: list[tuple[str, str]]) -> None:
        """Different people who all show their employer's site."""
        for platform, name in people:
            p = self.person()
            user = name.split()[0].lower() + self.m.number(2)
            if platform == "x":
                account = self.m.x(user, name, f"https://{company}")
            elif platform == "bluesky":
                account = self.m.bluesky(f"{user}.bsky.social", name, f"Engineer at {company}")
            else:
                account = self.m.mastodon(user, name, [field("Work", f"https://{company}", False)])
            self.add(p, platform, account, False, "coworker")

    def one_way_claim(self) -> None:
        """A fan account that links to someone else's Mastodon profile."""
        target = next(r for r in self.rows if r["platform"] == "mastodon" and r["case"] == "rel-me")
        p = self.person()
        url = target["account"]["url"]
        self.add(
            p,
            "x",
            self.m.x("fan_of_" + target["account"]["username"][:7], "Fan page", url),
            False,
            "one-way",
        )


def build() -> list[dict[str, Any]]:
    f = Fixture(Maker(seed=17))
    for _ in range(12):
        f.full()
    for i in range(10):
        f.site_in_bio(pseudonym=i < 2)
    for _ in range(10):
        f.mastodon_verified_x()
    for _ in range(8):
        f.unverified_field_domain_handle()
    for _ in range(5):
        f.hosted_path()
    for _ in range(5):
        f.mutual_links()
    for _ in range(8):
        f.same_name_only()
    for _ in range(20):
        f.single()
    for i in range(6):
        f.namesakes(same_stem=i % 2 == 0)
    f.coworkers(
        "northwind-labs.com",
        [
            ("x", "Maria Gomez"),
            ("x", "Tom Baker"),
            ("bluesky", "Ola Berg"),
            ("mastodon", "Ivan Rus"),
        ],
    )
    f.coworkers("acme-robotics.io", [("x", "Sara Lind"), ("bluesky", "Kofi Boateng")])
    f.one_way_claim()
    return f.rows


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "about": "Built by scripts/make_identity_fixture.py: real recorded account shapes, "
        "invented people (hand-made values). `person` is the truth.",
        "profiles": rows,
    }
    OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} profiles of {len({r['person'] for r in rows})} people → {OUT}")


if __name__ == "__main__":
    main()
