"""`listen classify` and `listen train` through click's CliRunner (and once as a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.store import Store
from tests.helpers import sql
from tests.models.classifier_history import generate_history


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
    assert {r[0] for r in rows} == {"seed-1"}
    assert all(0 <= r[1] <= 1 and 0 <= r[2] <= 1 for r in rows)
    assert {r[3] for r in rows} <= {"comment", "share", "like", "skip"}
    assert all(1 <= len(json.loads(r[4])) <= 2 for r in rows)
    assert f"Classified {posts} posts with model seed-1 (default)" in result.output

    again = run(db, "classify", "--show", "3")
    assert again.exit_code == 0
    assert "Nothing to classify" in again.output
    assert (
        again.output.count("asks for a recommendation") + again.output.count("shares a resource")
        >= 1
    )
    with Store.open(db) as store:
        top = store.top_classified(3)
    assert len(top) == 3
    assert all(row.action != "skip" for row in top)
    scores = [max(row.comment_probability, row.share_probability) for row in top]
    assert scores == sorted(scores, reverse=True)


def test_train_prints_the_comparison_and_installs_a_better_model(db: Path) -> None:
    result = run(db, "train")
    assert result.exit_code == 0, result.output
    assert "Hold-out comparison" in result.output
    for name in ("rule baseline", "current model (seed-1)", "new model (user-"):
        assert name in result.output
    assert "Installed user-" in result.output
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


def test_demo_shows_suggested_actions() -> None:
    result = CliRunner().invoke(cli, ["demo"], env={"LISTEN_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert "3. Classify" in result.output
    assert "Classified" in result.output
    assert any(action in result.output for action in ("comment", "share"))
