"""The edited TextBlob tokenizer returns exactly what the shipped one does."""

from __future__ import annotations

import json
from pathlib import Path

from listen.models import sentiment
from listen.models.features import SENTIMENT_CHARS
from tests.models.test_sentiment_emoticons import sample_texts

SEED = Path(sentiment.__file__).parent / "data" / "seed_posts.jsonl"

TRICKY = [
    "",
    " ",
    "I can't, won't and shouldn't. You'd've thought we'll see; they're here, I'm there.",
    "Dr. Smith met Mr. Jones at 5 p.m. in the U.S. (etc.) e.g. this... or that!? Really?!",
    "Line one\r\nLine two\r\n\r\nNew paragraph\n\n\nAnother\nsame paragraph",
    "\"Quoted,\" she said. 'Single' and “curly” ‘quotes’ — (brackets) [more] {braces}",
    "(!) sarcasm ( ! ) :-) : ) :( <3 ♥ xD X-D ;-) o.O :'( >:[ =/ #tag @user $5 ^_^ a+b |x| ~y",
    "...leading dots and trailing dots... and T. De Smedt, A.B.C. and Jan. 5th.",
    "***bold*** __under__ `code` -- dashes -- 3.14 1,000 10% 2024-05-01",
    "n't 'd 's 'll 're 've 'm alone",
]


def texts() -> list[str]:
    found = list(TRICKY)
    for line in SEED.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        found.append(" ".join(str(record.get(k) or "") for k in ("title", "text")))
    found += sample_texts()
    return list(dict.fromkeys([*found, *(t[:SENTIMENT_CHARS] for t in found)]))


def test_every_edit_applies_to_the_installed_textblob() -> None:
    source = (sentiment._textblob_root() / "_text.py").read_text(encoding="utf-8")
    for old, _ in sentiment._TOKENIZER_EDITS:
        assert source.count(old) == 1


def test_edited_tokenizer_equals_the_shipped_one() -> None:
    shipped = sentiment.text_module(edited=False)
    edited = sentiment.text_module()
    assert edited.find_tokens.__code__.co_code != shipped.find_tokens.__code__.co_code
    cases = texts()
    assert len(cases) > 300
    for text in cases:
        assert edited.find_tokens(text) == shipped.find_tokens(text), text


def test_unknown_source_is_left_alone() -> None:
    assert sentiment._with_faster_tokenizer("x = 1\n") == "x = 1\n"


def test_sentiment_equals_textblob_on_seed_and_real_posts() -> None:
    from textblob import TextBlob

    analyse = sentiment.sentiment_analyzer()
    for text in texts():
        expected = TextBlob(text).sentiment
        assert analyse(text) == (expected.polarity, expected.subjectivity), text
