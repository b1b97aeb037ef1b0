"""Config values that would silently break things are refused; editors' encodings load."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.config import NUMERIC_LIMITS, load_config
from listen.errors import ConfigError


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("digest", "top", "0", "digest.top: must be between 1 and 1000, not 0"),
        ("digest", "top", "-1", "digest.top: must be between 1 and 1000, not -1"),
        ("digest", "since_hours", "0", "digest.since_hours: must be between 1 and 87600, not 0"),
        ("digest", "score_window_days", "0", "digest.score_window_days: must be between 1 and"),
        ("digest", "response_window_days", "-2", "digest.response_window_days: must be between"),
        ("digest", "cold_after_days", "0", "digest.cold_after_days: must be between 1 and 3650"),
        ("email", "port", "99999", "email.port: must be between 1 and 65535, not 99999"),
        ("email", "port", "0", "email.port: must be between 1 and 65535"),
        ("collect", "interval_minutes", "0", "collect.interval_minutes: must be at least 1"),
        ("collect", "max_backoff_hours", "0", "collect.max_backoff_hours: must be at least"),
        ("blog", "comment_feed_days", "-1", "blog.comment_feed_days: must be at least 0"),
        ("x", "max_pages", "0", "x.max_pages: must be at least 1"),
        ("mastodon", "page_limit", "-5", "mastodon.page_limit: must be at least 1"),
    ],
)
def test_out_of_range_value_is_a_config_error(
    write_config, section: str, key: str, value: str, message: str
) -> None:
    path = write_config(f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_every_limit_names_a_real_key_and_the_defaults_pass() -> None:
    config = load_config(Path("/nonexistent/listen.toml"), {})  # defaults only
    for key in NUMERIC_LIMITS:
        section, name = key.split(".")
        assert hasattr(getattr(config, section), name), key


def test_example_config_passes_the_limits() -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    config = load_config(example, {})
    assert config.digest.top >= 1


def test_cli_reports_a_zero_score_window_in_one_line_with_exit_2(write_config, tmp_path) -> None:
    path = write_config("[digest]\nscore_window_days = 0\n")
    result = CliRunner().invoke(
        cli, ["--config", str(path), "--db", str(tmp_path / "l.db"), "score"]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {path}: digest.score_window_days: must be between 1 and 3650, not 0"
    ]


def test_a_config_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf[digest]\r\ntop = 5\r\n")
    assert load_config(path, {}).digest.top == 5


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[email]\npassword = "hunter2hunter2"\n',
            "email.password is a secret, read only from the environment: set "
            "LISTEN_SMTP_PASSWORD there and remove it from this file",
        ),
        (
            '[bluesky]\napp_password = "abcd-efgh-ijkl"\n',
            "bluesky.app_password is a secret, read only from the environment: set "
            "LISTEN_BLUESKY_APP_PASSWORD there",
        ),
        (
            '[x]\nbearer_token = "AAAAAAAAAAAAAAAAAAAAAA"\n',
            "x.bearer_token is a secret, read only from the environment: set "
            "LISTEN_X_BEARER_TOKEN (or LISTEN_X_CONSUMER_KEY, ",
        ),
    ],
)
def test_a_secret_typed_into_the_config_is_told_where_it_goes(
    write_config, tmp_path: Path, toml: str, expected: str
) -> None:
    path = write_config(toml)
    result = CliRunner().invoke(
        cli, ["--config", str(path), "--db", str(tmp_path / "l.db"), "digest"]
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {path}: {expected}")  # readable after redaction
    assert toml.split('"')[1] not in result.output


def test_two_contacts_with_one_name_is_a_config_error(write_config) -> None:
    path = write_config('[[contacts]]\nname = "Ann"\n\n[[contacts]]\nname = "Ann "\nx = "ann"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value) == f"{path}: contacts[1].name: 'Ann ' is also contacts[0]"
