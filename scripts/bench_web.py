"""`listen serve` on the 1M-post database, measured from outside with an HTTP client: how soon
it prints its URL and answers after starting (best of three starts, beside the best of three
`listen --help`), how soon Today's digest is built, how fast Today renders once built, how fast
search answers."""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

import listen

# Words of the bench corpus, from frequent to rare, and filtered searches.
SEARCHES = (
    "q=the",
    "q=data",
    "q=open+source",
    "q=kubernetes",
    "q=release&platform=blog",
    "q=zzzzunknown",
    "q=new&action=comment",
)
REPEATS = 3
STARTS = 3
TODAY_LOADS = 10
READING = "Reading today"  # the page Today answers with while its digest is being built


def listen_command() -> list[str]:
    script = Path(sys.executable).with_name("listen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "listen"]


def start(config: Path, db_path: Path, now: str) -> tuple[subprocess.Popen[str], str, float]:
    """Start the server; returns it, its URL and the seconds until it printed the URL."""
    started = time.perf_counter()
    argv = ["--config", str(config), "--db", str(db_path), "serve", "--port", "0", "--now", now]
    process = subprocess.Popen(
        [*listen_command(), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listen serve: "):
        process.kill()
        raise RuntimeError(f"listen serve did not start: {line}{process.stderr.read()}")
    return process, line.split()[2].rstrip("/"), time.perf_counter() - started


def timed_get(client: httpx.Client, url: str) -> float:
    began = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - began
    response.raise_for_status()
    return elapsed


def help_seconds() -> float:
    """`listen --help`, the fastest the command line starts on this machine right now (the
    baseline for start-up: the load of other processes slows both alike)."""
    runs = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run([*listen_command(), "--help"], capture_output=True, check=True)
        runs.append(time.perf_counter() - began)
    return min(runs)


def start_up(config: Path, db_path: Path, now: str) -> tuple[float, float, bool]:
    """Seconds until the URL is printed and until the first answer to GET /, and whether
    that answer was Today itself (else the page saying its digest is being built)."""
    began = time.perf_counter()
    process, url, printed = start(config, db_path, now)
    try:
        with httpx.Client(timeout=60) as client:
            first = client.get(url + "/")
            answered = time.perf_counter() - began
            first.raise_for_status()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return printed, answered, READING not in first.text


def today_built(client: httpx.Client, url: str) -> None:
    """Load Today until it is the digest, not the page saying it is being built."""
    while READING in client.get(url + "/").text:
        time.sleep(0.05)


def run(db_path: Path, now: str, folder: Path) -> dict[str, Any]:
    """Start-up, Today (until built, then warm loads) and search latencies, in seconds."""
    # As installed: pip byte-compiles, but an editable install under PYTHONDONTWRITEBYTECODE
    # would compile every changed module at each start (up to 5× --help here).
    compileall.compile_dir(Path(listen.__file__).parent, quiet=1)
    baseline = help_seconds()
    config = folder / "web-config.toml"
    config.write_text("[digest]\ntop = 10\n", encoding="utf-8")
    starts = [start_up(config, db_path, now) for _ in range(STARTS)]
    began = time.perf_counter()
    process, url, _ = start(config, db_path, now)
    try:
        with httpx.Client(timeout=60) as client:
            today_built(client, url)
            built = time.perf_counter() - began
            today = [timed_get(client, url + "/") for _ in range(TODAY_LOADS)]
            searches = {
                query: min(timed_get(client, f"{url}/posts?{query}") for _ in range(REPEATS))
                for query in SEARCHES
            }
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {
        "help_seconds": baseline,
        "startup_url_printed_seconds": min(s[0] for s in starts),
        "startup_first_response_seconds": min(s[1] for s in starts),
        "startup_first_response_was_today": [s[2] for s in starts],
        "startups": starts,
        "today_built_seconds": built,
        "today_median_seconds": statistics.median(today),
        "today_max_seconds": max(today),
        "search_seconds": searches,
        "search_median_seconds": statistics.median(searches.values()),
        "search_max_seconds": max(searches.values()),
    }
