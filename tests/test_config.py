from pathlib import Path

import pytest

from listen.config import load_config, parse_config
from listen.errors import ConfigError


def test_example_config_is_valid() -> None:
    config = load_config(Path(__file__).parent.parent / "config.example.toml", {}, required=True)
    assert [c.name for c in config.contacts] == ["Grace Hopper", "Alan Turing"]
    assert config.contacts[0].identities()[0] == ("blog", "https://grace.example.org/feed.xml")
    assert config.x.monthly_budget_usd == 5.0 and config.x.monthly_read_cap is None


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml", {}, required=True)


def test_missing_default_file_gives_defaults(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    config = load_config(None, env)
    assert config.contacts == ()
    assert config.collect.interval_minutes == 60


def test_typo_key_names_file_key_and_suggestion(write_config) -> None:
    path = write_config('[[contacts]]\nname = "A"\nprority = 3\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, {}, required=True)
    message = str(info.value)
    assert str(path) in message
    assert "contacts[0].prority" in message
    assert "did you mean 'priority'" in message


def test_unknown_section(write_config) -> None:
    with pytest.raises(ConfigError, match="blug: unknown key; did you mean 'blog'"):
        load_config(write_config("[blug]\n"), {}, required=True)


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ("[collect]\nconcurrency = 'many'\n", "collect.concurrency", "a whole number"),
        ("[collect]\nconcurrency = 0\n", "collect.concurrency", "at least 1"),
        ("[[contacts]]\nname = 'A'\npriority = 7\n", "contacts[0].priority", "1 (low)"),
        ("[[contacts]]\nname = 'A'\nblog = ['ftp://x']\n", "contacts[0].blog", "http(s)"),
        ("[[contacts]]\npriority = 2\n", "contacts[0].name", "required"),
        ("[mastodon]\naccount = 'nobody'\n", "mastodon.account", "user@instance"),
        ("[me]\ncomment_names = 'Ada'\n", "me.comment_names", "list of str"),
        ("contacts = 3\n", "contacts", "array of tables"),
    ],
)
def test_bad_values(write_config, toml: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write_config(toml), {}, required=True)
    assert info.value.key == key
    assert problem in info.value.problem


def test_invalid_toml(write_config) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write_config("[collect\n"), {}, required=True)


def test_secrets_come_from_env_only() -> None:
    config = parse_config({}, path=None, env={"LISTEN_X_BEARER_TOKEN": "s3cret"})
    assert config.secret("x_bearer_token") == "s3cret"
    assert config.secret("smtp_password") is None
    assert "s3cret" not in repr(config)


def test_single_blog_string_is_accepted() -> None:
    config = parse_config(
        {"contacts": [{"name": "A", "blog": "https://a.example/feed"}]}, path=None, env={}
    )
    assert config.contacts[0].blog == ["https://a.example/feed"]


def test_config_round_trips_through_toml(tmp_path):
    from listen.config import config_to_toml, load_config, parse_config

    original = parse_config(
        {
            "collect": {"concurrency": 3, "timeout_seconds": 2.5},
            "mastodon": {"account": "me@example.social"},
            "contacts": [{"name": 'Ann "Q" Lee', "priority": 3, "blog": ["https://a.example/f"]}],
        },
        path=None,
        env={},
    )
    path = tmp_path / "config.toml"
    path.write_text(config_to_toml(original), encoding="utf-8")
    loaded = load_config(path, {})
    assert (loaded.collect, loaded.mastodon, loaded.contacts) == (
        original.collect,
        original.mastodon,
        original.contacts,
    )
