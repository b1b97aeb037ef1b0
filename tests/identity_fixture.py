"""The known-truth identity fixture (tests/data/identity/profiles.json), parsed by the real
profile parsers."""

from __future__ import annotations

import json
from dataclasses import dataclass

from listen.collectors.profile_parse import (
    blog_profile,
    bluesky_profile,
    mastodon_profile,
    x_profile,
)
from listen.people.identity import ProfileKey
from listen.types import Profile
from tests.helpers import read_data


@dataclass(frozen=True)
class IdentityFixture:
    profiles: list[Profile]
    owner: dict[ProfileKey, str]
    verifiable: dict[ProfileKey, bool]
    case: dict[ProfileKey, str]


def parse_row(row: dict) -> Profile | None:  # type: ignore[type-arg]
    account = row["account"]
    if row["platform"] == "mastodon":
        return mastodon_profile(account, account["acct"].split("@")[-1])
    if row["platform"] == "bluesky":
        return bluesky_profile(account)
    if row["platform"] == "x":
        return x_profile(account)
    return blog_profile(account["feed_url"], account["title"])


def load_fixture() -> IdentityFixture:
    rows = json.loads(read_data("identity/profiles.json"))["profiles"]
    profiles, owner, verifiable, case = [], {}, {}, {}
    for row in rows:
        profile = parse_row(row)
        assert profile is not None, row
        profiles.append(profile)
        owner[profile.key] = row["person"]
        verifiable[profile.key] = row["verifiable"]
        case[profile.key] = row["case"]
    return IdentityFixture(profiles, owner, verifiable, case)
