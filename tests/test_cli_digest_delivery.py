"""A digest counts as shown (and later as lurked) only once it reached the user."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.store import Store
from listen.types import Post
from tests.digest.test_send import free_port
from tests.helpers import add_contact_posts, classify, sql

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)
NOW_ARG = "2024-05-31T08:00:00Z"


def shown_count(db: Path) -> int:
    with Store.open(db) as store:
        return int(sql(store, "SELECT count(*) FROM digest_items")[0][0])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "listen.db"
    with Store.open(path) as store:
        add_contact_posts(
            store,
            "Ann",
            "bluesky",
            "ann.bsky.social",
            [
                Post(
                    "at://ann/1",
                    "bluesky",
                    url="https://bsky.app/profile/ann/post/1",
                    text="Anyone going to the meetup? Who wants to share a table",
                    created_at=NOW - timedelta(hours=3),
                )
            ],
            now=NOW,
        )
        classify(store, "at://ann/1", "comment", 0.9, 0.2, '["asks a question"]')
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_unwritable_output_is_one_line_exit_2_and_records_nothing(db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = invoke("--db", str(db), "digest", "--now", NOW_ARG, "--output", f"{blocker}/d.txt")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: cannot write {blocker}/d.txt: ")
    assert len(result.output.strip().splitlines()) == 1
    assert shown_count(db) == 0
    ok = invoke("--db", str(db), "digest", "--now", NOW_ARG, "--output", str(tmp_path / "d.txt"))
    assert ok.exit_code == 0, ok.output
    assert "Anyone going to the meetup?" in (tmp_path / "d.txt").read_text()
    assert shown_count(db) == 1


def test_failed_mail_records_nothing(db: Path, write_config) -> None:
    port = free_port()  # nothing listens there: connection refused
    config = write_config(f'[email]\nto = "me@example.org"\nhost = "127.0.0.1"\nport = {port}\n')
    result = invoke("--config", str(config), "--db", str(db), "digest", "--now", NOW_ARG, "--email")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: cannot send mail via 127.0.0.1:{port}: [Errno 111] Connection refused"
    ]
    assert shown_count(db) == 0


@pytest.fixture
def plain_smtp() -> Iterator[tuple[int, list[Message]]]:
    from aiosmtpd.controller import Controller

    received: list[Message] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(email.message_from_bytes(envelope.original_content))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_mailed_digest_is_recorded_once_sent(db: Path, write_config, plain_smtp) -> None:
    port, received = plain_smtp
    config = write_config(
        f'[email]\nto = "me@example.org"\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\n'
    )
    result = invoke("--config", str(config), "--db", str(db), "digest", "--now", NOW_ARG, "--email")
    assert result.exit_code == 0, result.output
    assert len(received) == 1
    assert received[0]["To"] == "me@example.org"
    assert shown_count(db) == 1


def test_email_without_a_config_file_names_the_file_to_create(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--db", str(db), "digest", "--now", NOW_ARG, "--email"],
        env={"LISTEN_CONFIG": "", "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
    )
    assert result.exit_code == 2
    expected = tmp_path / "xdg" / "listen" / "config.toml"
    assert result.output == f"Error: {expected}: email.to: is required for --email\n"
    assert shown_count(db) == 0
