"""Print the merge precision / recall table of identity resolution on the known-truth fixture
(tests/data/identity/profiles.json, built by scripts/make_identity_fixture.py).

    .venv/bin/python scripts/identity_quality.py [--errors]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.identity_fixture import load_fixture

from listen.people.identity import resolve_identities
from listen.people.merge_quality import measure_merges


def main() -> None:
    fixture = load_fixture()
    resolution = resolve_identities(fixture.profiles)
    quality = measure_merges(resolution, fixture.owner, fixture.verifiable)
    width = max(len(name) for name, _ in quality.rows())
    print(f"{'measure':<{width}}  value")
    for name, value in quality.rows():
        print(f"{name:<{width}}  {value}")
    if "--errors" in sys.argv:
        for group in resolution.people:
            owners = {fixture.owner[key] for key in group}
            if len(owners) > 1:
                print("wrong merge:", group)
        for s in resolution.suggestions:
            print(
                "suggestion:", s.kind, s.a, s.b, s.detail, fixture.owner[s.a] == fixture.owner[s.b]
            )


if __name__ == "__main__":
    main()
