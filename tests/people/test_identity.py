"""Identity resolution: the known-truth fixture's precision/recall, and each rule on its own."""

from __future__ import annotations

import json

import pytest

from listen.collectors.profile_parse import (
    bluesky_profile,
    links_in_text,
    mastodon_profile,
    x_profile,
)
from listen.people.identity import (
    normalised_name,
    profile_claim,
    resolve_identities,
    site_key,
)
from listen.people.merge_quality import measure_merges
from listen.types import Profile, ProfileLink
from tests.helpers import read_data
from tests.identity_fixture import load_fixture


def test_fixture_merge_precision_and_recall_meet_the_targets() -> None:
    fixture = load_fixture()
    assert len(fixture.profiles) >= 150
    assert len(set(fixture.owner)) == len(fixture.profiles)  # one row per account
    quality = measure_merges(
        resolve_identities(fixture.profiles), fixture.owner, fixture.verifiable
    )
    assert quality.precision >= 0.98, quality.rows()
    assert quality.recall_verified >= 0.8, quality.rows()


def test_fixture_hard_negatives_are_never_merged() -> None:
    fixture = load_fixture()
    resolution = resolve_identities(fixture.profiles)
    person = resolution.person_of()
    hard = [k for k, case in fixture.case.items() if case in ("namesake", "coworker", "one-way")]
    assert len(hard) >= 10
    for key in hard:
        group = resolution.people[person[key]]
        assert {fixture.owner[k] for k in group} == {fixture.owner[key]}


def test_names_alone_only_suggest() -> None:
    fixture = load_fixture()
    resolution = resolve_identities(fixture.profiles)
    person = resolution.person_of()
    name_only = [k for k, case in fixture.case.items() if case == "name-only"]
    assert name_only
    assert all(len(resolution.people[person[k]]) == 1 for k in name_only)
    suggested = {k for s in resolution.suggestions for k in (s.a, s.b)}
    assert set(name_only) <= suggested


def bsky(handle: str, name: str = "", bio: str = "") -> Profile:
    return Profile(
        "bluesky",
        handle,
        display_name=name,
        bio=bio,
        links=tuple(ProfileLink(u) for u in links_in_text(bio)),
    )


def x(handle: str, name: str = "", *urls: str) -> Profile:
    return Profile("x", handle, display_name=name, links=tuple(ProfileLink(u) for u in urls))


def masto(handle: str, name: str = "", *links: ProfileLink) -> Profile:
    return Profile("mastodon", handle, display_name=name, links=links)


def test_same_display_name_never_merges() -> None:
    resolution = resolve_identities([bsky("ann.bsky.social", "Ann Lee"), x("annlee2", "Ann Lee")])
    assert len(resolution.people) == 2
    assert resolution.merges == ()


def test_domain_handle_matches_website_on_another_platform() -> None:
    resolution = resolve_identities(
        [bsky("ann.example", "Ann"), x("zz9", "Z", "https://www.ann.example/about")]
    )
    assert len(resolution.people) == 1
    assert resolution.merges[0].kind == "domain-handle"


def test_verified_mastodon_field_merges_even_when_names_differ() -> None:
    m = masto("a@h.social", "nightjar", ProfileLink("https://ann.example", verified=True))
    resolution = resolve_identities([m, x("annx", "Ann Lee", "https://ann.example/")])
    assert [e.kind for e in resolution.merges] == ["rel-me"]


def test_shared_website_with_different_names_only_suggests() -> None:
    resolution = resolve_identities(
        [bsky("a.bsky.social", "Sara Lind", "at acme.io"), x("kofi", "Kofi B", "https://acme.io")]
    )
    assert len(resolution.people) == 2
    assert [s.kind for s in resolution.suggestions] == ["same-website"]


def test_an_organisation_site_on_two_accounts_of_one_platform_is_not_evidence() -> None:
    profiles = [
        x("maria", "Maria", "https://acme.io"),
        x("tom", "Tom", "https://acme.io"),
        bsky("maria.bsky.social", "Maria", "acme.io"),
    ]
    resolution = resolve_identities(profiles)
    assert len(resolution.people) == 3


def test_two_accounts_of_one_platform_never_join_one_person() -> None:
    profiles = [
        bsky("ann.example"),
        x("ann1", "", "https://ann.example"),
        x("ann2", "", "https://ann.example/b"),
    ]
    resolution = resolve_identities(profiles)
    sizes = sorted(len(group) for group in resolution.people)
    assert sizes == [1, 2]


def test_user_decisions_win_over_evidence() -> None:
    a, b = bsky("ann.example"), x("ann1", "", "https://ann.example")
    apart = resolve_identities([a, b], keep_apart=[(a.key, b.key)])
    assert len(apart.people) == 2 and apart.suggestions == ()
    c = x("someone", "Other")
    together = resolve_identities([a, c], keep_together=[(a.key, c.key)])
    assert len(together.people) == 1


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.Ann.example/", "ann.example"),
        ("http://ann.example/blog/post", "ann.example"),
        ("https://github.com/AnnLee", "github.com/annlee"),
        ("https://github.com", None),
        ("https://linktr.ee/ann", "linktr.ee/ann"),
        ("https://uni.example/~ann/", "uni.example/~ann"),
        ("https://bsky.app/profile/ann.example", None),
        ("mailto:ann@example.com", None),
    ],
)
def test_site_keys(url: str, key: str | None) -> None:
    assert site_key(url) == key


def test_profile_claims() -> None:
    assert profile_claim("https://hachyderm.io/@ann") == ("mastodon", "ann@hachyderm.io")
    assert profile_claim("https://x.com/Ann") == ("x", "ann")
    assert profile_claim("https://bsky.app/profile/ann.example") == ("bluesky", "ann.example")


def test_links_in_text_skip_emails_and_mentions() -> None:
    text = "Writing at ann.example. Mail ann@mail.example, cc @bob.bsky.social; https://x.org/a)"
    assert links_in_text(text) == ["https://ann.example", "https://x.org/a"]


def test_normalised_name() -> None:
    assert normalised_name("Zoë  Ng 🌱") == "zoe ng"


def test_real_mastodon_account_parses() -> None:
    account = json.loads(read_data("mastodon/account_lookup.json"))[0]["body"]
    profile = mastodon_profile(account, "localhost:3000")
    assert profile is not None
    assert profile.handle == "mastodonpy_test@localhost:3000"
    assert profile.display_name == "John Lennon"
    assert profile.bio == "I walk funny"
    assert profile.links == ()  # its fields are words, not links


def test_real_bluesky_follows_parse() -> None:
    follows = json.loads(read_data("bluesky/atproto-sdk_get_follows.json"))["follows"]
    profiles = [bluesky_profile(view) for view in follows]
    assert [p.handle for p in profiles if p][:3] == ["why.bsky.team", "divy.zone", "jay.bsky.team"]
    assert profiles[0] is not None and profiles[0].account_id.startswith("did:plc:")


def test_real_x_user_links_are_expanded() -> None:
    line = read_data("twitter/twarc-csv_quoted_edit.jsonl").decode().splitlines()[0]
    user = next(u for u in json.loads(line)["includes"]["users"] if u["username"] == "wongmjane")
    profile = x_profile(user)
    assert profile is not None
    assert profile.links == (ProfileLink("https://instagram.com/wongmjane"),)
    assert profile.followers_count == 138098
