"""Contacts: imports pass the same checks as `contacts add`; names stay printable; removing a
config-declared contact says where to remove it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from listen.cli import cli


def import_csv(tmp_path: Path, text: str) -> tuple[Path, str, Result]:
    """Write `text` as people.csv and run `listen contacts import` on it."""
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    db = str(tmp_path / "l.db")
    return path, db, CliRunner().invoke(cli, ["--db", db, "contacts", "import", str(path)])


def test_import_skips_contacts_with_bad_identities_and_says_why(tmp_path: Path) -> None:
    path, db, result = import_csv(
        tmp_path,
        "name,blog,mastodon\n"
        "Ann,ftp://ann.example/feed,\n"
        "Bob,https://bob.example/feed,bob\n"
        "Cy,https://cy.example/feed,cy@hachyderm.io\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Imported 1 contact from {path}.",
        "skipped Ann: blog needs an http(s) feed URL, not 'ftp://ann.example/feed'",
        "skipped Bob: mastodon needs user@instance, not 'bob'",
    ]
    listed = CliRunner().invoke(cli, ["--db", db, "contacts", "list", "--format", "json"])
    assert [c["name"] for c in json.loads(listed.output)] == ["Cy"]


def test_add_checks_every_identity_the_same_way(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    bad = CliRunner().invoke(cli, ["--db", db, "contacts", "add", "Dee", "--mastodon", "dee"])
    assert (bad.exit_code, bad.output) == (
        2,
        "Error: --mastodon needs user@instance, not 'dee'\n",
    )
    ok = CliRunner().invoke(
        cli, ["--db", db, "contacts", "add", "Dee", "--blog", "HTTPS://d.example/f"]
    )
    assert ok.exit_code == 0, ok.output


def test_terminal_escapes_in_imported_names_are_dropped(tmp_path: Path) -> None:
    _path, db, result = import_csv(
        tmp_path,
        "name,blog\n"
        "Eve\x1b[2J\x1b]0;pwned\x07,ftp://eve.example/feed\n"
        "Mal\x1b[31mlory,https://mallory.example/feed\n",
    )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    # escape sequences go whole: no `[2J` / `[31m` residue (issue 13, item 10)
    assert "skipped Eve: blog needs an http(s) feed URL" in result.output
    listed = CliRunner().invoke(cli, ["--db", db, "contacts", "list", "--format", "json"])
    assert [c["name"] for c in json.loads(listed.output)] == ["Mallory"]


def test_invisible_and_reordering_characters_and_line_breaks_in_imported_names(
    tmp_path: Path,
) -> None:
    _path, db, result = import_csv(
        tmp_path,
        'name,blog\n"Ada\nLovelace",https://ada.example/feed\n'
        "Bo\u200bb\u202egnp.exe,https://bob.example/feed\n"
        "\ufeffCarol\u2066 Shaw\u2069,https://carol.example/feed\n",
    )
    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(cli, ["--db", db, "contacts", "list", "--format", "json"])
    names = sorted(c["name"] for c in json.loads(listed.output))
    assert names == ["Ada Lovelace", "Bobgnp.exe", "Carol Shaw"]


def test_removing_a_contact_declared_in_the_config_says_where_to_remove_it(
    write_config, tmp_path: Path
) -> None:
    config = write_config('[[contacts]]\nname = "Cfg"\nblog = ["https://cfg.example/feed"]\n')
    db = str(tmp_path / "l.db")
    CliRunner().invoke(cli, ["--db", db, "contacts", "add", "Cli", "--x", "cli"])
    base = ["--config", str(config), "--db", db, "contacts"]
    refused = CliRunner().invoke(cli, [*base, "remove", "Cfg"])
    assert (refused.exit_code, refused.output) == (
        2,
        f"Error: 'Cfg' is declared in {config}: remove it there, or it comes back with the "
        "next collect\n",
    )
    removed = CliRunner().invoke(cli, [*base, "remove", "Cli"])
    assert (removed.exit_code, removed.output) == (0, "Removed Cli.\n")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_a_csv_saved_by_excel_keeps_accents(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("name,x\nJosé Núñez,jose\nZoë,zoe\n".encode(encoding))
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(cli, ["--db", db, "contacts", "import", str(path)])
    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(cli, ["--db", db, "contacts", "list", "--format", "json"])
    assert [c["name"] for c in json.loads(listed.output)] == ["José Núñez", "Zoë"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x00\x00binary", "a zip archive: unzip it and import the CSV inside"),
        (b"\x1b[2Jfoo,\x07bar\n1,2\n", "needs a 'name' column (or LinkedIn's 'First Name'/"),
        (",".join(f"col{i}" for i in range(50)).encode() + b"\n", "found col0, col1, col2"),
    ],
)
def test_unusable_files_get_one_printable_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "l.db"), "contacts", "import", str(path)]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.splitlines()) == 1 and len(result.output) < 300
    assert not any(ch in result.output for ch in "\x1b\x07\x00")


def test_a_config_contact_clashing_with_a_cli_contact_names_the_config_entry(
    write_config, tmp_path: Path
) -> None:
    db = str(tmp_path / "l.db")
    CliRunner().invoke(cli, ["--db", db, "contacts", "add", "Ann", "--x", "ann"])
    config = write_config('[[contacts]]\nname = "Bo"\n\n[[contacts]]\nname = "Annie"\nx = "ann"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", db, "collect"])
    assert (result.exit_code, result.output) == (
        2,
        f"Error: {config}: contacts[1]: x identity 'ann' already belongs to 'Ann'\n",
    )


def test_contacts_add_confirms_the_name_as_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(cli, ["--db", db, "contacts", "add", " Zed\x1b[31m ", "--x", "z"])
    assert (result.exit_code, result.output) == (0, "Saved Zed.\n")


def test_pasted_profile_links_become_handles(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(
        cli,
        [
            *("--db", db, "contacts", "add", "Ann"),
            *("--bluesky", "https://bsky.app/profile/Ann.bsky.social"),
            *("--x", "https://x.com/ann_x?s=20"),
            *("--mastodon", "https://hachyderm.io/@ann"),
        ],
    )
    assert result.exit_code == 0, result.output
    path = tmp_path / "more.csv"
    path.write_text(
        "name,twitter,mastodon\nBob,https://twitter.com/bob/,https://a.example/@bob@b.example\n"
    )
    assert CliRunner().invoke(cli, ["--db", db, "contacts", "import", str(path)]).exit_code == 0
    listed = CliRunner().invoke(cli, ["--db", db, "contacts", "list", "--format", "json"])
    got = {
        c["name"]: sorted((i["platform"], i["handle"]) for i in c["identities"])
        for c in json.loads(listed.output)
    }
    assert got == {
        "Ann": [("bluesky", "ann.bsky.social"), ("mastodon", "ann@hachyderm.io"), ("x", "ann_x")],
        "Bob": [("mastodon", "bob@b.example"), ("x", "bob")],
    }


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://exa mple.com/feed", "https://", "http://a.example/f\nX"]
)
def test_broken_feed_urls_are_refused_when_added(tmp_path: Path, url: str) -> None:
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(cli, ["--db", db, "contacts", "add", "U", "--blog", url])
    assert (result.exit_code, result.output) == (
        2,
        f"Error: --blog needs an http(s) feed URL, not {url!r}\n",
    )


def test_config_contacts_get_the_same_identity_checks(write_config, tmp_path: Path) -> None:
    config = write_config('[[contacts]]\nname = "A"\nmastodon = "nobody"\n')
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--db", str(tmp_path / "l.db"), "collect"]
    )
    assert (result.exit_code, result.output) == (
        2,
        f"Error: {config}: contacts[0].mastodon: needs user@instance, not 'nobody'\n",
    )


def test_rows_without_a_name_are_counted_not_silently_dropped(tmp_path: Path) -> None:
    path, db, result = import_csv(
        tmp_path,
        "name,blog,x\n"
        "Ann,https://ann.example/feed,\n"
        ",https://nobody.example/feed,\n"
        ",,\n"  # an empty row is no contact at all: not reported
        "  ,,someone\n"
        "Cy,,cy\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"Imported 2 contacts from {path}."]
    assert result.stderr.splitlines() == ["skipped 2 rows without a name (rows 3, 5)"]
    listed = CliRunner().invoke(cli, ["--db", db, "contacts", "list", "--format", "json"])
    assert sorted(c["name"] for c in json.loads(listed.output)) == ["Ann", "Cy"]


def test_one_nameless_linkedin_row_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "Notes:\nsome note\n\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Grace,Hopper,https://www.linkedin.com/in/gracehopper,,Navy,,01 Jan 2020\n"
        ",,https://www.linkedin.com/in/hidden,,,,02 Jan 2020\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "l.db"), "contacts", "import", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"Imported 1 contact from {path}."]
    assert result.stderr.splitlines() == ["skipped 1 row without a name (row 6)"]


def test_a_bluesky_handle_must_look_like_one(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    bad = CliRunner().invoke(
        cli, ["--db", db, "contacts", "add", "Zed", "--bluesky", "not a handle!!"]
    )
    assert bad.exit_code == 2
    assert "--bluesky needs a handle like name.bsky.social" in bad.output
    for good in ("zed.bsky.social", "@Zed.example.com", "did:plc:ewvi7nxzyoun6zhxrhs64oiz"):
        ok = CliRunner().invoke(cli, ["--db", db, "contacts", "add", "Zed", "--bluesky", good])
        assert ok.exit_code == 0, ok.output


def test_importing_the_same_file_again_says_nothing_was_added(tmp_path: Path) -> None:
    path, db, first = import_csv(
        tmp_path, "name,blog\nAda,https://ada.example/feed\nBob,https://bob.example/feed\n"
    )
    assert first.output.splitlines()[0] == f"Imported 2 contacts from {path}."
    again = CliRunner().invoke(cli, ["--db", db, "contacts", "import", str(path)])
    assert again.output.splitlines()[0] == f"Imported 0 contacts from {path}; 2 already known."
    path.write_text("name,blog,x\nAda,https://ada.example/feed,ada\nCy,https://cy.example/f\n")
    third = CliRunner().invoke(cli, ["--db", db, "contacts", "import", str(path)])
    assert third.output.splitlines()[0] == f"Imported 1 contact from {path}; 1 updated."
