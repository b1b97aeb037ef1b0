"""One-off: AppView test snapshots (bluesky-social/atproto, packages/bsky/tests/views/
__snapshots__/*.snap) → the JSON recordings in tests/data/bluesky/.

The snapshots hide ids behind placeholders; like the earlier appview_* files, they are replaced
by well-formed values: `user(n)` by a `did:plc:` derived from the profile's handle (so one
handle has one DID in every file), `cids(n)` by a CID, `record(n)` by an at:// URI of the right
collection, and 1970 dates by ascending 2024 timestamps. Nothing else changes.

    python scripts/appview_snapshot_to_json.py SNAP_FILE "EXPORT NAME" > out.json
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

B32 = "abcdefghijklmnopqrstuvwxyz234567"


def _b32(seed: str, length: int) -> str:
    digest = hashlib.sha512(seed.encode()).digest()
    return "".join(B32[b % 32] for b in digest[:length])


def did_for(handle: str) -> str:
    return "did:plc:" + _b32("did:" + handle, 24)


def cid_for(seed: str) -> str:
    return "bafyrei" + _b32("cid:" + seed, 52)


def tid_for(seed: str) -> str:
    return "3l" + _b32("tid:" + seed, 11)


def snapshot(text: str, name: str) -> Any:
    """The JS value a vitest snapshot export holds, as Python data."""
    start = text.index(f"exports[`{name}`] = `") + len(f"exports[`{name}`] = `")
    body = text[start : text.index("\n`;", start)]
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", body))


class Wellformed:
    def __init__(self, viewer: str) -> None:
        self.viewer_did = did_for(viewer)
        self.clock = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

    def stamp(self) -> str:
        self.clock += timedelta(minutes=37)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def fix(self, value: Any, owner: str = "", collection: str = "app.bsky.graph.follow") -> Any:
        if isinstance(value, list):
            return [self.fix(v, owner, collection) for v in value]
        if not isinstance(value, dict):
            return value
        did = did_for(value["handle"]) if isinstance(value.get("handle"), str) else None
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "did" and did:
                out[key] = did
            elif key == "avatar" and did:
                out[key] = f"https://cdn.bsky.app/img/avatar/plain/{did}/{cid_for(did)}@jpeg"
            elif key in ("createdAt", "indexedAt") and str(item).startswith("1970"):
                out[key] = self.stamp()
            elif key in ("following", "followedBy", "uri") and str(item).startswith("record("):
                author = (
                    self.viewer_did if key == "following" else (did or owner or self.viewer_did)
                )
                out[key] = f"at://{author}/{collection}/{tid_for(str(item) + key + author)}"
            elif key == "cid" and str(item).startswith("cids("):
                out[key] = cid_for(str(item) + owner)
            else:
                out[key] = self.fix(item, did or owner, collection)
        return out


def main() -> None:
    path, name = sys.argv[1], sys.argv[2]
    viewer = sys.argv[3] if len(sys.argv) > 3 else "viewer.test"
    collection = sys.argv[4] if len(sys.argv) > 4 else "app.bsky.graph.follow"
    value = snapshot(Path(path).read_text(encoding="utf-8"), name)
    json.dump(
        Wellformed(viewer).fix(value, "", collection), sys.stdout, indent=1, ensure_ascii=False
    )
    print()


if __name__ == "__main__":
    main()
