"""The fast offline sentiment equals TextBlob's own PatternAnalyzer."""

from __future__ import annotations

import pytest

from listen.models.sentiment import sentiment_analyzer

TEXTS = [
    "This is a great and wonderful talk!",
    "Terrible news, really not good.",
    "I am not happy about this at all",
    "So excited to share our new paper! Thoroughly enjoyed writing it.",
    "Anyone know a good place for lunch near the station?",
    "The train is late again.",
    "What an absolutely horrible, awful day :(",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_fast_sentiment_matches_textblob(text: str) -> None:
    from textblob import TextBlob

    expected = TextBlob(text).sentiment
    polarity, subjectivity = sentiment_analyzer()(text)
    assert polarity == pytest.approx(expected.polarity)
    assert subjectivity == pytest.approx(expected.subjectivity)


def test_sentiment_separates_positive_from_negative() -> None:
    analyse = sentiment_analyzer()
    assert analyse("What a wonderful, brilliant result")[0] > 0.5
    assert analyse("What a horrible, awful result")[0] < -0.5
