"""The emoticon shortcut in the fast sentiment loader changes no score."""

from __future__ import annotations

import json

import pytest

from listen.models import sentiment
from listen.models.sentiment import sentiment_analyzer
from tests.helpers import recordings

SHORT_TOKENS = ":) :-) :( :-( :D :-D <3 ;) :P :p xD 2022 3.5 @bob #tag (!) 10% ^_^ :'( B-)"


def sample_texts() -> list[str]:
    texts = [SHORT_TOKENS, f"Great talk {SHORT_TOKENS} not bad at all!", "Awful :( but :D"]
    for path in recordings("mastodon", "*.json") + recordings("twitter", "*.json"):
        stack: list[object] = [json.loads(path.read_text(encoding="utf-8"))]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                for key, item in value.items():
                    if key in ("text", "content") and isinstance(item, str):
                        texts.append(item[:400])
                    else:
                        stack.append(item)
            elif isinstance(value, list):
                stack.extend(value)
    return list(dict.fromkeys(texts))


def test_the_shortcut_is_in_place() -> None:
    source = "x = 1\nEMOTICONS = {}\n        if w in map(lambda e: e.lower(), e):\n"
    patched = sentiment._with_lowered_emoticons(source)
    assert sentiment._EMOTICON_LOOKUP_FAST in patched
    assert sentiment._with_lowered_emoticons("unrelated = 1\n") == "unrelated = 1\n"


def test_scores_equal_textblob_on_real_posts() -> None:
    from textblob import TextBlob

    texts = sample_texts()
    assert len(texts) > 50
    analyse = sentiment_analyzer()
    for text in texts:
        expected = TextBlob(text).sentiment
        polarity, subjectivity = analyse(text)
        assert polarity == pytest.approx(expected.polarity), text
        assert subjectivity == pytest.approx(expected.subjectivity), text
