"""`listen classify` and `listen train` through click's CliRunner (and once as a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.models.model_file import default_model
from listen.store import Store
from tests.helpers import sql
from tests.models.classifier_history import generate_history

BUNDLED = default_model().version


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "listen.db"
    with Store.open(path) as store:
        generate_history(store, days=30)
    return path


def run(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"LISTEN_CONFIG": ""})


def test_classify_fills_classifications_for_every_post(db: Path) -> None:
    result = run(db, "classify")
    assert result.exit_code == 0, result.output
    with Store.open(db) as store:
        posts = store.count("posts")
        assert posts == 120
        assert store.count("classifications") == posts
        rows = sql(
            store,
            "SELECT model_version, comment_probability, share_probability, action, reasons"
            " FROM classifications",
        )
    assert {r[0] for r in rows} == {BUNDLED}
    assert all(0 <= r[1] <= 1 and 0 <= r[2] <= 1 for r in rows)
    assert {r[3] for r in rows} <= {"comment", "share", "like", "skip"}
    assert all(1 <= len(json.loads(r[4])) <= 2 for r in rows)
    assert f"Classified {posts} posts with model {BUNDLED} (default)" in result.output

    again = run(db, "classify", "--show", "3")
    assert again.exit_code == 0
    assert "Nothing to classify" in again.output
    assert again.output.count("points to a reply") + again.output.count("worth passing on") >= 1
    with Store.open(db) as store:
        top = store.top_classified(3)
    assert len(top) == 3
    assert all(row.action != "skip" for row in top)
    scores = [max(row.comment_probability, row.share_probability) for row in top]
    assert scores == sorted(scores, reverse=True)


def test_train_prints_the_comparison_and_installs_a_better_model(db: Path) -> None:
    result = run(db, "train")
    assert result.exit_code == 0, result.output
    assert "Comparison, per head" in result.output
    assert "each scored by a new model trained on about" in result.output
    for name in ("rules", f"current: {BUNDLED}", "new: user-"):
        assert name in result.output
    assert "Installed user-" in result.output
    assert "comment: the new model is better" in result.output
    assert "worse on neither" in result.output
    assert (db.parent / "models" / "current").exists()

    rescored = run(db, "classify", "--rescore")
    assert rescored.exit_code == 0, rescored.output
    assert "(installed)" in rescored.output
    with Store.open(db) as store:
        versions = {r[0] for r in sql(store, "SELECT model_version FROM classifications")}
    assert len(versions) == 1 and versions.pop().startswith("user-")


def test_classify_warns_and_uses_the_default_model_when_the_installed_one_is_damaged(
    db: Path,
) -> None:
    models = db.parent / "models"
    models.mkdir()
    (models / "user-1.json").write_text('{"format": "listen-engagement-model"}')
    (models / "current").write_text("user-1.json\n")
    result = run(db, "classify")
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "using the default model" in result.output
    with Store.open(db) as store:
        assert store.count("classifications") == store.count("posts")


def test_train_without_history_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path / "empty.db", "train")
    assert result.exit_code == 2
    assert "not enough history" in result.output


def test_classify_as_a_subprocess(db: Path) -> None:
    config = db.parent / "config.toml"
    config.write_text("[digest]\nresponse_window_days = 3\n")
    done = subprocess.run(
        [sys.executable, "-m", "listen", "--db", str(db), "classify"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "LISTEN_CONFIG": str(config), "HOME": str(db.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert "Classified 120 posts" in done.stdout


POSTS = [
    {
        "id": "a",
        "platform": "mastodon",
        "title": None,
        "text": "Defended my PhD thesis this morning. Six years. I can't quite believe it.",
    },
    {"id": "b", "platform": "blog", "title": "Release notes", "text": "v2.0 is out: " + "x" * 100},
    {"id": "empty", "platform": "x", "text": ""},
    {"id": "huge", "platform": "blog", "text": "long words " * 10_000, "priority": 3},
    {"id": "dated", "platform": "x", "text": "hi", "created_at": "2026-01-01T10:00:00+00:00"},
]


def write_posts(path: Path, rows: list[dict], extra: str = "") -> Path:  # type: ignore[type-arg]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n" + extra, encoding="utf-8")
    return path


def test_classify_file_prints_one_json_line_per_post_without_a_database(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", POSTS, "\n")  # a blank line is fine
    db = tmp_path / "never.db"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "classify", "--file", str(posts)], env={"LISTEN_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "empty", "huge", "dated"]
    for line in lines:
        assert set(line) == {"id", "action", "comment_probability", "share_probability", "reasons"}
        assert line["action"] in {"comment", "share", "like", "skip"} and line["reasons"]
    assert lines[0]["action"] == "comment"
    assert f"5 posts classified with model {BUNDLED} (default)" in result.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not a JSON object"),
        ("[1, 2]", "not a JSON object"),
        ('{"platform": "x", "text": "hi"}', 'needs an "id"'),
        ('{"id": "q", "text": "hi"}', 'needs a "platform"'),
        ('{"id": "q", "platform": "x", "text": 5}', '"text" and "title" must be strings'),
        ('{"id": "q", "platform": "x", "created_at": "yesterday"}', '"created_at" must be'),
        ('{"id": "q", "platform": "x", "priority": 7}', '"priority" must be 1, 2 or 3'),
        ('{"id": true, "platform": "x", "text": "hi"}', 'needs an "id"'),
        ('{"id": "  ", "platform": "x", "text": "hi"}', 'needs an "id"'),
    ],
)
def test_a_bad_line_is_named_and_is_a_usage_error(tmp_path: Path, line: str, problem: str) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", POSTS[:2], line + "\n")
    result = CliRunner().invoke(cli, ["classify", "--file", str(posts)], env={"LISTEN_CONFIG": ""})
    assert result.exit_code == 2, result.output
    assert f"posts.jsonl, line 3: {problem}" in result.output
    assert "Traceback" not in result.output
    assert result.stdout.count("{") == 0  # nothing scored before the file is known good


def test_numeric_ids_and_null_texts_are_read(tmp_path: Path) -> None:
    """Exports from other tools: an id that is a number, a text that is null, "Blog"."""
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"id": 17, "platform": "x", "text": "Defended my PhD thesis this morning."}\n'
        '{"id": "n", "platform": "mastodon", "text": null, "title": null}\n'
        '{"id": "b", "platform": "Blog", "title": "Notes", "text": "What I learned."}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["classify", "--file", str(posts)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["17", "n", "b"]
    assert lines[1]["action"] == "skip"


def test_classify_file_errors_for_missing_and_binary_files(tmp_path: Path) -> None:
    missing = CliRunner().invoke(
        cli, ["classify", "--file", str(tmp_path / "nope.jsonl")], env={"LISTEN_CONFIG": ""}
    )
    assert missing.exit_code == 2 and "cannot read" in missing.output
    binary = tmp_path / "b.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    result = CliRunner().invoke(cli, ["classify", "--file", str(binary)], env={"LISTEN_CONFIG": ""})
    assert result.exit_code == 2 and "not UTF-8" in result.output


def test_a_model_from_a_newer_listen_is_named_and_the_bundled_one_used(tmp_path: Path) -> None:
    from listen.models.model_file import FORMAT_VERSION, default_model, model_to_document

    document = model_to_document(default_model())
    document["format_version"] = FORMAT_VERSION + 1
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(document))
    posts = write_posts(tmp_path / "posts.jsonl", POSTS[:1])
    result = CliRunner().invoke(
        cli, ["classify", "--file", str(posts), "--model", str(newer)], env={"LISTEN_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    assert "made by a newer listen" in result.stderr and "upgrade listen" in result.stderr
    assert "using the bundled model" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_classify_file_with_a_model_file(tmp_path: Path) -> None:
    import dataclasses

    from listen.models.model_file import default_model, save_model

    model = dataclasses.replace(default_model(), version="mine-7")
    save_model(model, tmp_path / "mine.json")
    posts = write_posts(tmp_path / "posts.jsonl", POSTS[:2])
    result = CliRunner().invoke(
        cli,
        ["classify", "--file", str(posts), "--model", str(tmp_path / "mine.json")],
        env={"LISTEN_CONFIG": ""},
    )
    assert result.exit_code == 0, result.output
    assert "2 posts classified with model mine-7 (file)" in result.stderr


def test_classify_file_as_a_subprocess(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", POSTS)
    done = subprocess.run(
        [sys.executable, "-m", "listen", "classify", "--file", str(posts)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "LISTEN_CONFIG": "", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == len(POSTS)


def test_explain_shows_what_pushed_each_probability(db: Path) -> None:
    with Store.open(db) as store:
        post_id = store.recent_posts(1)[0].id
    result = run(db, "classify", "--explain", post_id)
    assert result.exit_code == 0, result.output
    for words in ("comment probability", "share probability", "pushed up", "pushed down"):
        assert words in result.output
    unknown = run(db, "classify", "--explain", "no-such-post")
    assert unknown.exit_code == 2 and "no stored post" in unknown.output


def test_demo_shows_suggested_actions() -> None:
    result = CliRunner().invoke(cli, ["demo"], env={"LISTEN_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert "3. Classify" in result.output
    assert "Classified" in result.output
    assert any(action in result.output for action in ("comment", "share"))
