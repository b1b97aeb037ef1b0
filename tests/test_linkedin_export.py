"""`listen import linkedin`: a LinkedIn export's activity files become engagements."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.errors import InputError
from listen.linkedin_export import read_linkedin_export
from listen.store import Store

EXPORT = Path(__file__).parent / "data" / "linkedin"
ACTIVITY = "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A"


def test_reads_comments_shares_and_reactions() -> None:
    reading = read_linkedin_export(EXPORT)
    assert reading.files == ("Comments.csv", "Shares.csv", "Reactions.csv")
    by_kind: dict[str, list[tuple[str, datetime | None, str]]] = {}
    for e in reading.engagements:
        assert (e.platform, e.detected_by) == ("linkedin", "import")
        by_kind.setdefault(e.kind, []).append((e.post_id, e.engaged_at, e.text))
    assert by_kind["comment"] == [
        (
            ACTIVITY + "7170423196453867520",
            datetime(2024, 3, 4, 9, 15, 22, tzinfo=UTC),
            "Great point, Helen. Following up is where the relationship starts.",
        ),
        (
            ACTIVITY + "7170811029384716288",
            datetime(2024, 3, 5, 17, 2, 10, tzinfo=UTC),
            'Congratulations on the launch!\nThe "quiet" part of networking is the follow-up.',
        ),
    ]
    assert [(p, t) for p, _, t in by_kind["share"]] == [
        (ACTIVITY + "7170999999999999999", "Worth reading: how small firms win bigger contracts.")
    ]
    assert len(by_kind["like"]) == 3  # LIKE, PRAISE and EMPATHY are all reactions
    assert reading.skipped == {"unreadable date": 1, "own post (nothing shared)": 1}


def test_missing_columns_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no LinkedIn activity files found"):
        read_linkedin_export(tmp_path)
    (tmp_path / "Reactions.csv").write_text("When,What\n2024-01-01,LIKE\n")
    with pytest.raises(InputError, match=r"Reactions\.csv: missing column\(s\) date, type, link"):
        read_linkedin_export(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        read_linkedin_export(tmp_path / "nope")


def test_cli_import_is_idempotent_and_errors_without_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "listen.db"
    first = runner.invoke(cli, ["--db", str(db), "import", "linkedin", str(EXPORT)])
    assert first.exit_code == 0, first.output
    assert (
        "Read Comments.csv, Shares.csv, Reactions.csv: 2 comment, 3 like, 1 share" in first.output
    )
    assert "6 new engagements (0 already known)" in first.output
    again = runner.invoke(cli, ["--db", str(db), "import", "linkedin", str(EXPORT)])
    assert "0 new engagements (6 already known)" in again.output
    with Store.open(db) as store:
        assert store.count("engagements") == 6

    broken = tmp_path / "export"
    broken.mkdir()
    shutil.copy(EXPORT / "Comments.csv", broken / "comments.csv")  # other capitalisation: fine
    (broken / "Shares.csv").write_bytes(b"\x00\x01PK binary")
    bad = runner.invoke(cli, ["--db", str(db), "import", "linkedin", str(broken)])
    assert bad.exit_code == 2
    assert "Shares.csv: not a CSV file (binary content)" in bad.output
    assert "Traceback" not in bad.output
