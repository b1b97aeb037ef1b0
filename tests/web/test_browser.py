"""The web app in a real browser: Debian's Chromium driven by its chromedriver through
selenium, on `listen demo --serve` (the demo's recorded data, served as a user starts it).

Each test also takes its page's screenshot: into docs/screenshots/ when LISTEN_SCREENSHOTS=1
(how the README's pictures are made), else into the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
INSTALLED = os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

if not INSTALLED and os.environ.get("CI"):  # CI installs them (.ci/system-packages): must run
    pytest.fail("chromium and chromium-driver are not installed", pytrace=False)
pytestmark = pytest.mark.skipif(
    not INSTALLED, reason="chromium + chromium-driver not installed (.ci/system-packages)"
)


@dataclass
class Demo:
    url: str
    db_path: Path
    process: subprocess.Popen[str]


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    """`listen demo --serve --port 0`: runs the demo, then serves its database."""
    process = subprocess.Popen(
        [sys.executable, "-m", "listen", "demo", "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stdout is not None
    db_path, seen = None, []
    for line in process.stdout:
        seen.append(line)
        if found := re.search(r"throw-away database (\S+)", line):
            db_path = Path(found.group(1))
        if line.startswith("listen serve: http://"):
            url = line.split()[2].rstrip("/")
            break
    else:
        pytest.fail("the demo ended without serving:\n" + "".join(seen[-30:]))
    assert db_path is not None
    yield Demo(url, db_path, process)
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1200,1000",
        "--force-device-scale-factor=1",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def screenshot(browser: Any, name: str, tmp_path: Path) -> Path:
    """The whole page as a PNG (the window grown to the page's height first)."""
    folder = SHOTS if os.environ.get("LISTEN_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1200, min(max(int(height) + 40, 600), 4000))
    path = folder / f"{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1200, 1000)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    return path


def wait(browser: Any, condition: Any, seconds: float = 15) -> Any:
    """Poll `condition` until it holds. An element the page replaced while it was read (a
    card swapped after a mark) is stale, not a failure: poll again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    stale = (StaleElementReferenceException,)
    return WebDriverWait(browser, seconds, ignored_exceptions=stale).until(condition)


def mark_of(db_path: Path, post_id: str) -> str | None:
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("SELECT label FROM marks WHERE post_id = ?", (post_id,)).fetchone()
    return row[0] if row else None


def open_today(browser: Any, url: str | None = None) -> None:
    """Load (or reload) Today and wait for its digest: while it is built the page says
    "Reading today's digest…" and reloads itself."""
    from selenium.webdriver.common.by import By

    if url is None:
        browser.refresh()
    else:
        browser.get(url + "/")
    wait(browser, lambda b: b.find_elements(By.ID, "s-reply"), 60)


def reply_cards(browser: Any) -> list[Any]:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, "section:has(#s-reply) article.card")


def test_today_click_replied_records_the_mark_and_the_post_leaves(
    demo: Demo, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    open_today(browser, demo.url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Today"
    screenshot(browser, "today", tmp_path)
    cards = reply_cards(browser)
    assert len(cards) >= 2
    post_id = cards[0].get_attribute("data-post")
    assert mark_of(demo.db_path, post_id) is None
    cards[0].find_element(By.CSS_SELECTOR, "button[value=comment]").click()
    wait(browser, seen.staleness_of(cards[0]))  # removed in place: no reload
    assert "Marked: Replied." in browser.find_element(By.ID, "status").text
    assert mark_of(demo.db_path, post_id) == "comment"
    open_today(browser)
    assert post_id not in [c.get_attribute("data-post") for c in reply_cards(browser)]


def test_search_from_the_header(demo: Demo, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_today(browser, demo.url)
    headline = reply_cards(browser)[0].find_element(By.TAG_NAME, "h3").text
    word = max(re.findall(r"[A-Za-z]{5,}", headline), key=len)
    box = browser.find_element(By.ID, "nav-q")
    box.send_keys(word, Keys.ENTER)
    wait(browser, lambda b: "/posts" in b.current_url)
    results = browser.find_elements(By.CSS_SELECTOR, "article.card")
    assert results
    assert word.lower() in browser.find_element(By.CSS_SELECTOR, "section.list").text.lower()
    assert browser.find_element(By.ID, "q").get_attribute("value") == word
    screenshot(browser, "posts", tmp_path)


def test_open_a_contact(demo: Demo, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_today(browser, demo.url)
    link = reply_cards(browser)[0].find_element(By.CSS_SELECTOR, ".meta a")
    name = link.text
    link.click()
    wait(browser, lambda b: "/contact?name=" in b.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == name
    assert browser.find_elements(By.CSS_SELECTOR, "#s-ids ~ table tbody tr")
    assert browser.find_element(By.ID, "priority").is_displayed()
    # The story: a next step, when each of you last reached the other, six months as a
    # sparkline and in numbers, what of theirs is open, one timeline both ways.
    step = browser.find_element(By.CSS_SELECTOR, "section:has(#s-next) p")
    assert step.find_element(By.CSS_SELECTOR, ".tag").text and len(step.text) > 10
    for moment in ("last-out", "last-in"):
        assert re.fullmatch(
            r"never|(just now|\d+ [hd] ago) \(\d\d \w{3} \d{4}\)",
            browser.find_element(By.ID, moment).text,
        )
    spark = browser.find_element(By.CSS_SELECTOR, ".spark")
    assert re.fullmatch("[▁▂▃▄▅▆▇█]{6}", spark.text) and spark.get_attribute("aria-label")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.months tbody tr")) == 2
    opened = browser.find_elements(By.CSS_SELECTOR, "section:has(#s-open) article.card")
    count = browser.find_element(By.CSS_SELECTOR, "#s-open .count").text
    assert count == f"({len(opened)})"  # (the recorded posts are mostly older than 14 days)
    moments = browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")
    assert moments and moments[0].find_element(By.TAG_NAME, "strong").text in (
        "They posted",
        "You → them",
        "Them → you",
    )
    screenshot(browser, "contact", tmp_path)


def test_the_charts_render(demo: Demo, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(demo.url + "/score")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart:not(.circle)")
    assert len(charts) >= 2 and len(charts) % 2 == 0  # components and trend per platform
    circle = browser.find_element(By.CSS_SELECTOR, "svg.chart.circle")  # the people line
    for chart in [circle, *charts]:
        assert chart.size["width"] > 200 and chart.size["height"] > 50
    for trend in browser.find_elements(By.CSS_SELECTOR, "svg.trend")[:2]:
        points = trend.find_elements(By.CSS_SELECTOR, "rect.point")
        assert len(points) == 12 and all(p.is_displayed() for p in points)
    assert circle.find_element(By.CSS_SELECTOR, "line.goal").size["width"] > 200
    labels = [t.text for t in circle.find_elements(By.CSS_SELECTOR, "text")]
    assert [t for t in labels if re.fullmatch(r"goal \d+", t)]
    people = browser.find_element(By.ID, "p-people").text
    assert re.fullmatch(r"People: \d+ / \d+ this week( \([+-]\d+ against last week\))?", people)
    assert re.match(
        r"You did good for \d+ (person|people)", browser.find_element(By.ID, "helped").text
    )
    screenshot(browser, "score", tmp_path)
    browser.get(demo.url + "/sources")
    assert browser.find_elements(By.CSS_SELECTOR, "table.sources tbody tr")
    screenshot(browser, "sources", tmp_path)


def test_keyboard_only(demo: Demo, browser: Any) -> None:
    """Tab from the top: the skip link first, a visible focus ring, then the buttons in
    reading order; Enter on one marks its post and focus moves to the next post."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_today(browser, demo.url)
    keys = ActionChains(browser)

    def focused() -> Any:
        return browser.switch_to.active_element

    keys.send_keys(Keys.TAB).perform()
    assert focused().get_attribute("class") == "skip" and focused().is_displayed()
    assert focused().value_of_css_property("outline-style") != "none"
    first = reply_cards(browser)[0]
    target = first.find_element(By.CSS_SELECTOR, "button[value=comment]")
    for _ in range(60):  # nav links, search, then each card's links and buttons in order
        if focused() == target:
            break
        keys.send_keys(Keys.TAB).perform()
    assert focused() == target
    assert target.value_of_css_property("outline-style") == "solid"
    post_id = first.get_attribute("data-post")
    keys.send_keys(Keys.ENTER).perform()
    wait(browser, lambda b: mark_of(demo.db_path, post_id) == "comment")
    wait(browser, lambda b: focused().tag_name == "button")
    assert focused().get_attribute("value") == "comment"  # the next post's first button
