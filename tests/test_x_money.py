"""X in money: prices from the config, the day's repeats billed once, the budget in dollars."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from listen.app.x_budget import x_budget_status
from listen.cli import cli
from listen.clock import utcnow
from listen.config import parse_config
from listen.errors import ConfigError
from listen.store import Store
from listen.x_pricing import XPrices, dollars

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_default_prices_and_overrides() -> None:
    default = parse_config({}, path=None, env={})
    assert XPrices.from_config(default.x) == XPrices(5_000, 10_000, 1_000)
    assert default.x.monthly_allowance == 5_000_000 and default.deprecations == ()
    cheaper = parse_config(
        {"x": {"monthly_budget_usd": 20, "price_post_read_usd": 0.004}}, path=None, env={}
    )
    assert XPrices.from_config(cheaper.x).post_read == 4_000
    assert cheaper.x.monthly_allowance == 20_000_000


def test_the_old_read_cap_is_still_read_with_one_deprecation_line() -> None:
    config = parse_config({"x": {"monthly_read_cap": 300}}, path=None, env={})
    assert (config.x.read_unit, config.x.monthly_allowance) == ("posts", 300)
    (line,) = config.deprecations
    assert "x.monthly_read_cap is deprecated" in line and "monthly_budget_usd" in line
    assert "\n" not in line


@pytest.mark.parametrize("key", ["monthly_budget_usd", "price_user_read_usd"])
def test_negative_money_is_refused(key: str) -> None:
    with pytest.raises(ConfigError, match=f"x.{key}: must not be negative"):
        parse_config({"x": {key: -1}}, path=None, env={})


def test_dollars() -> None:
    assert dollars(5_000) == "$0.005"
    assert dollars(59_000) == "$0.059"
    assert dollars(5_000_000) == "$5.00"
    assert dollars(1_234_560_000) == "$1,234.56"


def test_a_post_read_twice_in_a_utc_day_is_billed_once_at_its_higher_price(tmp_path: Path) -> None:
    with Store.open(tmp_path / "l.db") as store:
        # Your likes (owned, $0.001) include a post a contact's timeline ($0.005) also returned.
        assert store.charge_x_poll("2026-11", 3 * 1_000, ["a", "b", "c"], 1_000, now=NOW) == 3_000
        assert store.charge_x_poll("2026-11", 2 * 5_000, ["c", "d"], 5_000, now=NOW) == 9_000
        # Read again later that day, in any order: nothing more.
        assert store.charge_x_poll("2026-11", 2 * 1_000, ["c", "d"], 1_000, now=NOW) == 0
        # "a" again at the higher price: the difference, plus the poll's user lookup.
        assert store.charge_x_poll("2026-11", 10_000 + 5_000, ["a"], 5_000, now=NOW) == 14_000
        assert store.api_spend("x", "2026-11") == 26_000
        # The next UTC day bills again.
        tomorrow = NOW + timedelta(days=1)
        assert store.charge_x_poll("2026-11", 5_000, ["c"], 5_000, now=tomorrow) == 5_000


def test_status_shows_dollars_and_posts_left(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    with Store.open(db) as store:
        store.upsert_contact("Jack", identities=[("x", "jack")])
        store.sync_sources({}, ["x"])
        store.charge_x_poll(utcnow().strftime("%Y-%m"), 1_230_000, [], 5_000, now=utcnow())
        status = x_budget_status(parse_config({}, path=None, env={}), store, utcnow())
        assert (status.spent, status.left, status.posts_left) == (1_230_000, 3_770_000, 754)
    config = tmp_path / "c.toml"
    config.write_text("[x]\nmonthly_budget_usd = 5\n")
    args = ["--config", str(config), "--db", str(db), "status"]
    text = CliRunner().invoke(cli, args).output
    assert "X budget this month: $1.23 / $5.00 ($3.77 left: 754 posts at $0.005)" in text
    document = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).output)
    assert document["budgets"]["x"]["spent_usd"] == 1.23
    assert document["budgets"]["x"]["posts_left"] == 754


def test_x_own_usage_figure_is_shown_when_it_differs_by_more_than_ten_percent() -> None:
    from listen.budget import XBudgetStatus

    close = XBudgetStatus(1_000_000, 5_000_000, "usd", XPrices(), reported=1_050_000)
    far = XBudgetStatus(1_000_000, 5_000_000, "usd", XPrices(), reported=1_500_000)
    assert len(close.lines()) == 1
    assert far.lines()[1] == "X reports $1.50 of post reads this month"


def test_the_cli_prints_the_deprecation_once_on_stderr(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[x]\nmonthly_read_cap = 100\n")
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--db", str(tmp_path / "l.db"), "status"]
    )
    assert result.exit_code == 0
    assert result.stderr.count("x.monthly_read_cap is deprecated") == 1
    assert "deprecated" not in result.stdout


def test_reconcile_with_x_usage_once_a_day(tmp_path: Path, httpserver: HTTPServer) -> None:
    from listen.app.x_budget import reconcile_x_usage

    # HAND-MADE body in the documented shape of GET /2/usage/tweets (no recording exists).
    usage = {"data": {"project_usage": "300", "project_cap": "10000", "cap_reset_day": 1}}
    httpserver.expect_request("/2/usage/tweets").respond_with_json(usage)
    config = parse_config(
        {"x": {"base_url": httpserver.url_for("/").rstrip("/")}},
        path=None,
        env={"LISTEN_X_BEARER_TOKEN": "t0ken"},
    )
    with Store.open(tmp_path / "l.db") as store:
        store.charge_x_poll(NOW.strftime("%Y-%m"), 1_000_000, [], 5_000, now=NOW)
        assert reconcile_x_usage(config, store, NOW) == 300 * 5_000
        assert reconcile_x_usage(config, store, NOW + timedelta(hours=2)) == 1_500_000
        assert len(httpserver.log) == 1  # once a day
        request = httpserver.log[0][0]
        assert request.headers["Authorization"] == "Bearer t0ken"
        lines = x_budget_status(config, store, NOW).lines()
    assert lines == [
        "X budget this month: $1.00 / $5.00 ($4.00 left: 800 posts at $0.005)",
        "X reports $1.50 of post reads this month",
    ]
