"""The HTML digest in a real headless Chromium: the text is there, the page is not blank."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from listen.digest.render import render_html
from tests.digest.samples import sample_digest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason="chromium not installed (.ci/system-packages installs Debian's chromium)",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG with zlib: (width, height, channels, unfiltered rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def test_html_digest_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    page.write_text(render_html(sample_digest()), encoding="utf-8")

    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    for text in ("Reply to these", "Worth sharing", "Going cold", "Yesterday", "Participation"):
        assert text in dom.stdout
    assert "Who is going to the meetup on Thursday?" in dom.stdout
    # The hostile text arrived as text: the browser built no script or img element from it.
    assert "<script" not in dom.stdout
    assert "<img" not in dom.stdout
    assert "&lt;script&gt;" in dom.stdout
    assert "alert(1)" not in dom.stdout.split("<body")[0]

    shot = tmp_path / "digest.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert len(data) > 10_000
    width, height, channels, rows = png_pixels(data)
    assert (width, height) == (1000, 1400)
    # Not blank: many distinct colours (text, bar, badges) in the rendered area.
    colours = {
        rows[y][x * channels : x * channels + 3]
        for y in range(0, 900, 3)
        for x in range(0, width, 3)
    }
    assert len(colours) > 20
