"""`listen serve` as a user runs it (a subprocess on a loopback port), the access token file,
and the mailed digest's buttons that lead to the app's confirm page."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.digest.render import render_html
from listen.errors import InputError
from listen.web.settings import load_or_create_token
from tests.digest.samples import sample_digest

LISTEN = [sys.executable, "-m", "listen"]


def start_server(db_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*LISTEN, "--db", str(db_path), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listen serve: http://localhost:"), line + process.stderr.read()
    return process, line.split()[2]


def today_when_built(url: str) -> httpx.Response:
    """Today as a browser ends up seeing it: the 'reading…' page reloads until it is built."""
    for _ in range(300):
        page = httpx.get(url, timeout=30)
        if "Reading today" not in page.text:
            return page
        time.sleep(0.1)
    raise AssertionError("Today was never built")


def test_serve_prints_its_url_and_serves_until_interrupted(db_path: Path) -> None:
    started = time.perf_counter()
    process, url = start_server(db_path, "--now", "2024-05-31T08:00:00Z", "--since", "2d")
    try:
        page = today_when_built(url)
        elapsed = time.perf_counter() - started
        assert page.status_code == 200 and "Which lighthouse should I visit first?" in page.text
        assert elapsed < 30  # (the bench measures start-up; here only that it answers)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


HEAVY = ("numpy", "sklearn", "sqlite_utils", "httpx", "feedparser", "websockets", "uvloop")


def test_serving_today_loads_no_heavy_dependency(db_path: Path) -> None:
    """Start-up stays light: no model, numpy, sqlite-utils, HTTP client or websockets are
    imported to serve Today (the server reports what it loaded as it exits)."""
    report = (
        "import atexit, sys\n"
        f"atexit.register(lambda: print(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
        "from listen.cli import main\n"
        "main()\n"
    )
    argv = ["--db", str(db_path), "serve", "--port", "0", "--now", "2024-05-31T08:00:00Z"]
    process = subprocess.Popen(
        [sys.executable, "-c", report, *argv], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[2]
    try:
        assert "data-post" in today_when_built(url).text
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert output.splitlines()[-1] == "[]", output


def test_a_port_in_use_is_one_line_and_exit_2(db_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--db", str(db_path), "serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: cannot listen on 127.0.0.1:{port}:")
    assert result.output.count("\n") == 1


def test_off_loopback_a_token_is_made_beside_the_config(tmp_path: Path, db_path: Path) -> None:
    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    config.write_text('[serve]\nhost = "192.0.2.1"\n', encoding="utf-8")
    # 192.0.2.1 (TEST-NET) is not this machine's: binding fails, after the token is made.
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--db", str(db_path), "serve", "--port", "0"]
    )
    assert result.exit_code == 2 and "cannot listen on 192.0.2.1:0" in result.output
    token_file = config.parent / "serve-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert len(token_file.read_text().strip()) >= 32


def test_the_token_is_kept_and_a_readable_token_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "serve-token"
    first = load_or_create_token(path)
    assert load_or_create_token(path) == first
    os.chmod(path, 0o644)
    with pytest.raises(InputError, match="readable by others"):
        load_or_create_token(path)


def test_mailed_buttons_link_to_the_confirm_page_only_when_public_url_is_set() -> None:
    digest = sample_digest()
    plain = render_html(digest)
    assert "/confirm?" not in plain
    linked = render_html(digest, actions_url="http://laptop.local:8150/")
    item = digest.reply[0]
    assert f"http://laptop.local:8150/confirm?post={item.post_id}&amp;action=comment" in linked
    assert linked.count("/confirm?") == 4 * (len(digest.reply) + len(digest.share))
