"""A LinkedIn data export (Comments.csv, Shares.csv, Reactions.csv) → engagements.

LinkedIn has no API for your own activity, but "Get a copy of your data" gives CSV files:
Comments.csv (Date, Link, Message), Shares.csv (Date, ShareLink, ShareCommentary, SharedUrl,
MediaUrl, Visibility) and Reactions.csv (Date, Type, Link). Dates are "YYYY-MM-DD HH:MM:SS" UTC.
Pure parsing: no database.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from listen.errors import InputError
from listen.text import cap
from listen.types import Engagement

MAX_EXPORT_FILE_BYTES = 50_000_000
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M", "%Y-%m-%d")

# file name → (engagement kind, the columns it must have)
EXPORT_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Comments.csv": ("comment", ("date", "link", "message")),
    "Shares.csv": ("share", ("date", "sharelink", "sharedurl")),
    "Reactions.csv": ("like", ("date", "type", "link")),
}


@dataclass(frozen=True, slots=True)
class ExportReading:
    """What was read from an export folder."""

    engagements: tuple[Engagement, ...]
    files: tuple[str, ...]
    skipped: dict[str, int] = field(default_factory=dict)  # reason → rows


def read_linkedin_export(directory: Path) -> ExportReading:
    """Read the three activity files that exist in `directory`; at least one must."""
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder (unzip the LinkedIn export first)")
    engagements: list[Engagement] = []
    files = []
    skipped: Counter[str] = Counter()
    for name in EXPORT_FILES:
        path = _find(directory, name)
        if path is None:
            continue
        found, skips = parse_export_file(name, _read_text(path), str(path))
        engagements.extend(found)
        skipped.update(skips)
        files.append(path.name)
    if not files:
        raise InputError(
            f"{directory}: no LinkedIn activity files found; expected one of "
            f"{', '.join(EXPORT_FILES)}"
        )
    return ExportReading(tuple(engagements), tuple(files), dict(skipped))


def _find(directory: Path, name: str) -> Path | None:
    """The file, matched case-insensitively (exports differ in capitalisation)."""
    exact = directory / name
    if exact.is_file():
        return exact
    for child in directory.iterdir():
        if child.name.lower() == name.lower() and child.is_file():
            return child
    return None


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_EXPORT_FILE_BYTES:
            raise InputError(f"{path}: file too large to import")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: not a CSV file (binary content)")
    return data.decode("utf-8-sig", errors="replace")


def parse_export_file(name: str, text: str, where: str) -> tuple[list[Engagement], Counter[str]]:
    """Parse one export file's text into engagements, counting the rows skipped and why."""
    kind, required = EXPORT_FILES[name]
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(f"{where}: not a valid CSV file: {exc}") from None
    columns = {_fold(h): h for h in header if h}
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(
            f"{where}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(header) or 'no header'}"
        )
    engagements = []
    skipped: Counter[str] = Counter()
    try:
        for row in reader:
            fields = {key: (row.get(original) or "").strip() for key, original in columns.items()}
            moment = parse_export_date(fields["date"])
            if moment is None:
                skipped["unreadable date"] += 1
                continue
            if name == "Shares.csv":
                target, text_value = fields["sharedurl"], fields.get("sharecommentary", "")
                if not target:
                    skipped["own post (nothing shared)"] += 1
                    continue
                url = fields["sharelink"] or None
            else:
                target, url = fields["link"], fields["link"]
                text_value = fields.get("message", "")
            if not target.startswith(("http://", "https://")):
                skipped["no link"] += 1
                continue
            engagements.append(
                Engagement(
                    id=_engagement_id(kind, target, fields["date"]),
                    post_id=target,
                    platform="linkedin",
                    kind=kind,
                    engaged_at=moment,
                    detected_by="import",
                    url=url,
                    text=cap(text_value.replace("\r\n", "\n"), 5000),
                )
            )
    except csv.Error as exc:
        raise InputError(f"{where}: not a valid CSV file: {exc}") from None
    return engagements, skipped


def parse_export_date(value: str) -> datetime | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _fold(header: str) -> str:
    return "".join(header.lower().split()).replace("_", "")


def _engagement_id(kind: str, target: str, date: str) -> str:
    digest = hashlib.sha1(f"{kind}|{target}|{date}".encode()).hexdigest()[:20]
    return f"linkedin-export:{kind}:{digest}"
