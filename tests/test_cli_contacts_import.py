"""Imported contacts pass the same identity checks as `listen contacts add`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from listen.cli import cli


def test_import_skips_contacts_with_bad_identities_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "name,blog,mastodon\n"
        "Ann,ftp://ann.example/feed,\n"
        "Bob,https://bob.example/feed,bob\n"
        "Cy,https://cy.example/feed,cy@hachyderm.io\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(cli, ["--db", db, "contacts", "import", str(path)])
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
    path = tmp_path / "people.csv"
    path.write_text(
        "name,blog\n"
        "Eve\x1b[2J\x1b]0;pwned\x07,ftp://eve.example/feed\n"
        "Mal\x1b[31mlory,https://mallory.example/feed\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(cli, ["--db", db, "contacts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "skipped Eve[2J]0;pwned: blog needs an http(s) feed URL" in result.output
    listed = CliRunner().invoke(cli, ["--db", db, "contacts", "list", "--format", "json"])
    assert [c["name"] for c in json.loads(listed.output)] == ["Mal[31mlory"]
