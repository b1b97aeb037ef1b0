"""Contact lists from other tools → `ImportedContact` values (pure parsing, no database)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from listen.errors import InputError
from listen.text import clean_name

# CSV header aliases → platform (or contact field). Lower-cased, spaces/underscores folded.
_COLUMN_ALIASES = {
    "name": "name",
    "fullname": "name",
    "contact": "name",
    "priority": "priority",
    "notes": "notes",
    "blog": "blog",
    "feed": "blog",
    "feedurl": "blog",
    "rss": "blog",
    "bluesky": "bluesky",
    "bsky": "bluesky",
    "x": "x",
    "twitter": "x",
    "mastodon": "mastodon",
    "fediverse": "mastodon",
    "linkedin": "linkedin",
    "profileurl": "linkedin",
}
_LINKEDIN_HEADER = ("first name", "last name")
MAX_IMPORT_BYTES = 20_000_000


@dataclass(frozen=True, slots=True)
class ImportedContact:
    """One contact read from a file."""

    name: str
    priority: int | None = None
    notes: str | None = None
    identities: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ContactsFile:
    """What a contacts file held: the contacts, and the CSV rows skipped for having no name."""

    contacts: list[ImportedContact]
    nameless_rows: list[int] = field(default_factory=list)


def read_contacts_file(path: Path) -> ContactsFile:
    """Parse a CSV (including LinkedIn's Connections.csv) or OPML file by its content."""
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise InputError(f"{path}: file too large to import")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data.startswith(b"PK\x03\x04"):
        raise InputError(f"{path}: a zip archive: unzip it and import the CSV inside")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if path.suffix.lower() in (".opml", ".xml") or head.startswith((b"<?xml", b"<opml")):
        return ContactsFile(parse_opml(data, str(path)))
    return ContactsFile(*_parse_csv(decode_text(data), str(path)))


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 as Excel saves CSV."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_csv(text: str, where: str = "<csv>") -> list[ImportedContact]:
    """Generic CSV with a header row, or LinkedIn's export (notes lines before the header)."""
    return _parse_csv(text, where)[0]


def _parse_csv(text: str, where: str) -> tuple[list[ImportedContact], list[int]]:
    """The contacts, and the numbers of the rows that had values but no name."""
    # LinkedIn puts notes above the header; skip them without re-joining lines, so line breaks
    # inside quoted fields survive as they were.
    start = offset = 0
    for i, line in enumerate(text.splitlines(keepends=True)[:20]):
        lowered = line.lower()
        if all(word in lowered for word in _LINKEDIN_HEADER):
            start, text = i, text[offset:]
            break
        offset += len(line)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise InputError(f"{where}: not valid CSV: {exc}") from None
    if not fieldnames:
        raise InputError(f"{where}: no header row")
    headers = {h: _fold(h) for h in fieldnames if h}
    is_linkedin = {"firstname", "lastname"} <= set(headers.values())
    if not is_linkedin and "name" not in {_COLUMN_ALIASES.get(v) for v in headers.values()}:
        raise InputError(
            f"{where}: needs a 'name' column (or LinkedIn's 'First Name'/'Last Name'); "
            f"found {shown_headers(fieldnames)}"
        )
    contacts = []
    nameless: list[int] = []
    for row_number, row in enumerate(_rows(reader, where), start=start + 2):
        fields = {headers[k]: (v or "").strip() for k, v in row.items() if k in headers}
        if is_linkedin:
            name = f"{fields.get('firstname', '')} {fields.get('lastname', '')}".strip()
            position = ", ".join(v for v in (fields.get("position"), fields.get("company")) if v)
            notes = position or None
        else:
            name = next((v for k, v in fields.items() if _COLUMN_ALIASES.get(k) == "name"), "")
            notes = next((v for k, v in fields.items() if k == "notes"), None) or None
        if not name:
            if any(fields.values()):
                nameless.append(row_number)
            continue
        priority = None
        raw_priority = fields.get("priority", "")
        if raw_priority:
            if raw_priority not in ("1", "2", "3"):
                raise InputError(f"{where}: row {row_number}: priority must be 1, 2 or 3")
            priority = int(raw_priority)
        identities: list[tuple[str, str]] = []
        for key, value in fields.items():
            # LinkedIn's Connections.csv calls the profile link "URL".
            platform = "linkedin" if is_linkedin and key == "url" else _COLUMN_ALIASES.get(key)
            if not value or platform in (None, "name", "priority", "notes"):
                continue
            identities.extend((platform, part) for part in value.split() if part)
        contacts.append(ImportedContact(name, priority, notes, identities))
    return contacts, nameless


def parse_opml(data: bytes, where: str = "<opml>") -> list[ImportedContact]:
    """Each outline with an `xmlUrl` becomes a contact (named by its title) with a blog feed."""
    from defusedxml import ElementTree  # defusedxml: only when XML is parsed
    from defusedxml.common import DefusedXmlException  # defusedxml: only when XML is parsed

    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise InputError(f"{where}: not valid OPML: {exc}") from None
    by_name: dict[str, ImportedContact] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue
        if not url.startswith(("http://", "https://")):
            continue
        name = (outline.get("title") or outline.get("text") or url).strip()
        contact = by_name.setdefault(name, ImportedContact(name))
        contact.identities.append(("blog", url))
    if not by_name and root.tag != "opml":
        raise InputError(f"{where}: not an OPML document")
    return list(by_name.values())


def _rows(reader: csv.DictReader[str], where: str) -> Iterator[dict[str | Any, Any]]:
    """The reader's rows, with a malformed line reported as `InputError`."""
    try:
        yield from reader
    except csv.Error as exc:
        raise InputError(f"{where}: not valid CSV (line {reader.line_num}): {exc}") from None


def shown_headers(headers: Sequence[str]) -> str:
    """The first few headers for an error line: printable and short, whatever the file holds."""

    shown = ", ".join(clean_name(h)[:40] for h in headers[:6])
    return shown + (", …" if len(headers) > 6 else "")


def _fold(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())
