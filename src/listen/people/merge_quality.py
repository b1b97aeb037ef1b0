"""How well identity resolution merges, measured on profiles whose true owner is known."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from listen.people.identity import ProfileKey, Resolution


@dataclass(frozen=True, slots=True)
class MergeQuality:
    """Pair counts and rates: a pair is two profiles put (or truly belonging) together."""

    profiles: int
    merged_pairs: int
    correct_merged_pairs: int
    true_pairs: int
    verified_pairs: int
    verified_pairs_merged: int
    suggestions: int
    correct_suggestions: int

    @property
    def precision(self) -> float:
        return self.correct_merged_pairs / self.merged_pairs if self.merged_pairs else 1.0

    @property
    def recall_verified(self) -> float:
        return self.verified_pairs_merged / self.verified_pairs if self.verified_pairs else 1.0

    @property
    def recall_all(self) -> float:
        return self.correct_merged_pairs / self.true_pairs if self.true_pairs else 1.0

    def rows(self) -> list[tuple[str, str]]:
        """The table `scripts/identity_quality.py` prints."""
        return [
            ("profiles", str(self.profiles)),
            ("true same-person pairs", str(self.true_pairs)),
            ("  of which verifiable", str(self.verified_pairs)),
            ("pairs merged", str(self.merged_pairs)),
            ("  correct", str(self.correct_merged_pairs)),
            ("merge precision", f"{self.precision:.3f}"),
            ("recall, verifiable pairs", f"{self.recall_verified:.3f}"),
            ("recall, all true pairs", f"{self.recall_all:.3f}"),
            ("suggestions", str(self.suggestions)),
            ("  correct", str(self.correct_suggestions)),
        ]


def _pairs(groups: Sequence[Sequence[ProfileKey]]) -> set[frozenset[ProfileKey]]:
    return {frozenset(pair) for group in groups for pair in combinations(group, 2)}


def measure_merges(
    resolution: Resolution,
    owner: Mapping[ProfileKey, str],
    verifiable: Mapping[ProfileKey, bool],
) -> MergeQuality:
    """Compare the resolution's people with the true owners of each profile."""
    by_owner: dict[str, list[ProfileKey]] = {}
    for key, person in owner.items():
        by_owner.setdefault(person, []).append(key)
    truth = _pairs(list(by_owner.values()))
    verified = {pair for pair in truth if all(verifiable.get(key, False) for key in pair)}
    merged = _pairs(resolution.people)
    suggested = {frozenset((s.a, s.b)) for s in resolution.suggestions}
    return MergeQuality(
        profiles=len(owner),
        merged_pairs=len(merged),
        correct_merged_pairs=len(merged & truth),
        true_pairs=len(truth),
        verified_pairs=len(verified),
        verified_pairs_merged=len(merged & verified),
        suggestions=len(suggested),
        correct_suggestions=len(suggested & truth),
    )
