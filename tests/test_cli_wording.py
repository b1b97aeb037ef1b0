"""Messages read as English and point to the next step: one row, one day, three likes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from listen.cli import cli
from tests.helpers import DATA


def test_linkedin_import_counts(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(cli, ["--db", db, "import", "linkedin", str(DATA / "linkedin")])
    assert result.exit_code == 0, result.output
    assert ": 2 comments, 3 likes, 1 share; 6 new engagements" in result.output
    assert "skipped 1 row: own post (nothing shared)" in result.output
    assert "1 rows" not in result.output


def test_score_over_one_day_says_day(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    args = ["--db", db, "score", "--platform", "linkedin", "--window", "24h"]
    result = CliRunner().invoke(cli, [*args, "--now", "2024-05-31T08:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "vs previous 1 day\n" in result.output
    monthly = CliRunner().invoke(cli, ["--db", db, "score", "--platform", "linkedin"])
    assert "vs previous 30 days\n" in monthly.output


def test_classify_on_an_empty_database_points_to_collect(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(cli, ["--db", db, "classify", "--show", "3"])
    assert (result.exit_code, result.output) == (
        0,
        "No posts yet: add contacts and run `listen collect`.\n",
    )


def test_a_platform_given_twice_is_scored_once(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(
        cli, ["--db", db, "score", "--platform", "x", "--platform", "x", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert [s["platform"] for s in json.loads(result.output)["scores"]] == ["x"]


def test_linkedin_file_with_a_binary_header_is_one_printable_line(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "Comments.csv").write_bytes(b"\x1b]0;pwned\x07garbage\xff,x\n1,2\n")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "l.db"), "import", "linkedin", str(export)]
    )
    assert result.exit_code == 2
    assert "Comments.csv: missing column(s) date, link, message; found " in result.output
    assert len(result.output.splitlines()) == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
