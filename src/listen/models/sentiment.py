"""TextBlob's pattern sentiment (polarity, subjectivity) through its public API.

Only the `sentiment` feature group uses it, and the ablation dropped that group from the
default model (docs/classifier.md), so classifying posts does not import TextBlob (it pulls in
NLTK, over a second). A model trained with the group computes it here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _blob_class() -> Any:
    from textblob import TextBlob  # textblob (and NLTK): only when sentiment is computed

    return TextBlob


@lru_cache(maxsize=50_000)  # reposts, and the same corpus posts across cross-validation folds
def sentiment(text: str) -> tuple[float, float]:
    """(polarity in [-1, 1], subjectivity in [0, 1]) of `text`, English only."""
    polarity, subjectivity = _blob_class()(text).sentiment
    return float(polarity), float(subjectivity)
