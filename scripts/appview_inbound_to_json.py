"""One-off: AppView test snapshots of what people do with a user's posts (bluesky-social/atproto,
packages/bsky/tests/views/__snapshots__/{notifications,thread,quotes}.test.ts.snap) → JSON
recordings in tests/data/bluesky/, made well-formed like scripts/appview_snapshot_to_json.py.

The snapshots hide ids behind placeholders. Here each `record(n)` becomes one at:// URI used
consistently across the file: a record shown with its author (a notification, a post view) is
that author's, of its `$type`'s collection; any other (a like's subject, a reply's parent, a
notification's `reasonSubject`) is a post of the viewer, the user whose notifications or
thread these are. `user(n)` becomes the DID of the profile's handle (the viewer's elsewhere),
`cids(n)` a CID, 1970 dates ascending 2024 timestamps. Nothing else changes.

    python scripts/appview_inbound_to_json.py SNAP_FILE "EXPORT NAME" VIEWER_HANDLE > out.json
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from appview_snapshot_to_json import cid_for, did_for, snapshot, tid_for

PLACEHOLDER = re.compile(r"^(record|cids|user)\(\d+\)$")


class Inbound:
    def __init__(self, viewer: str) -> None:
        self.viewer = did_for(viewer)
        self.records: dict[str, str] = {}
        self.clock = datetime(2024, 11, 18, 9, 0, tzinfo=UTC)

    def authored(self, value: Any) -> None:
        """Pass 1: records shown with their author are that author's."""
        if isinstance(value, list):
            for item in value:
                self.authored(item)
            return
        if not isinstance(value, dict):
            return
        uri, author = value.get("uri"), value.get("author")
        if isinstance(uri, str) and uri.startswith("record(") and isinstance(author, dict):
            record = value.get("record") or value.get("value") or {}
            collection = record.get("$type", "app.bsky.feed.post")
            did = did_for(author["handle"])
            self.records.setdefault(uri, f"at://{did}/{collection}/{tid_for(uri + did)}")
        for item in value.values():
            self.authored(item)

    def uri(self, placeholder: str) -> str:
        if placeholder not in self.records:
            tid = tid_for(placeholder + self.viewer)
            self.records[placeholder] = f"at://{self.viewer}/app.bsky.feed.post/{tid}"
        return self.records[placeholder]

    def fix(self, value: Any, did: str = "") -> Any:
        """Pass 2: replace every placeholder."""
        if isinstance(value, list):
            return [self.fix(v, did) for v in value]
        if isinstance(value, dict):
            own = did_for(value["handle"]) if isinstance(value.get("handle"), str) else did
            return {k: self.fix_key(k, v, own) for k, v in value.items()}
        return value

    def fix_key(self, key: str, value: Any, did: str) -> Any:
        if not isinstance(value, str):
            return self.fix(value, did)
        if key in ("createdAt", "indexedAt") and value.startswith("1970"):
            self.clock += timedelta(minutes=37)
            return self.clock.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if not PLACEHOLDER.match(value):
            return value
        if value.startswith("record("):
            return self.uri(value)
        if value.startswith("cids("):
            return cid_for(value + did)
        return did or self.viewer  # user(n): a profile's DID; in a facet, the viewer's


def main() -> None:
    path, name, viewer = sys.argv[1], sys.argv[2], sys.argv[3]
    value = snapshot(Path(path).read_text(encoding="utf-8"), name)
    converter = Inbound(viewer)
    converter.authored(value)
    json.dump(converter.fix(value), sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
