"""Feature extraction on hand-written posts."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta

import pytest

from listen.models.features import (
    FEATURE_GROUPS,
    LENGTH_CAP_CHARS,
    MODEL_TEXT_CHARS,
    PostForScoring,
    char_terms,
    engineered_names,
    engineered_vector,
    model_text,
    post_cues,
    text_terms,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def post(text: str, **kwargs: object) -> PostForScoring:
    return PostForScoring(
        id="p1", platform=str(kwargs.pop("platform", "bluesky")), text=text, **kwargs
    )  # type: ignore[arg-type]


ALL = engineered_names(tuple(FEATURE_GROUPS))


def feature(vector: list[float], name: str) -> float:
    return vector[ALL.index(name)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Anyone know a good Rust web framework? Looking for recommendations.",
            {"request", "question"},
        ),
        ("Can someone recommend a book on negotiation", {"request"}),
        ("Some personal news: I've joined Globex as Staff Engineer!", {"new_role"}),
        ("Today is my first day at Initech.", {"new_role"}),
        ("I was laid off this week; open to work in data roles.", {"open_to_work"}),
        ("We just launched v2.0 of our scheduler", {"launch"}),
        ("Our paper was accepted at NeurIPS", {"publication"}),
        ("10 years at Globex today", {"anniversary"}),
        ("A free guide to threat modelling, bookmark it", {"resource"}),
        ("Coffee number three. It's one of those days.", set()),
    ],
)
def test_cues(text: str, expected: set[str]) -> None:
    assert set(post_cues(post(text)).flags) == expected


def test_question_mark_inside_a_link_is_not_a_question() -> None:
    cues = post_cues(post("Worth a look https://example.com/page?id=3&x=1"))
    assert "question" not in cues.flags
    assert cues.question_marks == 0
    assert cues.links == 1


def test_engineered_vector_for_a_reply_from_a_neglected_high_priority_contact() -> None:
    p = post(
        "Thanks, that's a great point!",
        kind="reply",
        reply_to="p0",
        created_at=NOW - timedelta(hours=5),
        contact_priority=3,
        last_engaged_at=NOW - timedelta(days=30),
        contact_posts=15,
        contact_engaged_posts=5,
        contact_replied_posts=3,
        contact_shared_posts=1,
    )
    vector = engineered_vector(p, NOW)
    assert len(vector) == len(ALL)
    assert feature(vector, "is_reply") == 1.0
    assert feature(vector, "priority") == 1.0
    assert feature(vector, "log_days_since_engaged") == pytest.approx(math.log1p(30))
    assert feature(vector, "never_engaged") == 0.0
    assert feature(vector, "contact_engagement_rate") == pytest.approx(5 / 20)
    assert feature(vector, "contact_reply_rate") == pytest.approx(3 / 20)
    assert feature(vector, "contact_share_rate") == pytest.approx(1 / 20)
    assert feature(vector, "log_age_hours") == pytest.approx(math.log1p(5))
    assert feature(vector, "cue_gratitude") == 1.0
    assert feature(vector, "platform_bluesky") == 1.0
    assert feature(vector, "log_chars") == pytest.approx(math.log1p(len(p.text)))


def test_engineered_vector_for_a_contact_never_engaged_with() -> None:
    vector = engineered_vector(post("Monday. Let's go.", contact_priority=1), NOW)
    assert feature(vector, "never_engaged") == 1.0
    assert feature(vector, "contact_reply_rate") == feature(vector, "contact_share_rate") == 0.0
    assert feature(vector, "priority") == -1.0
    assert feature(vector, "is_reply") == 0.0
    assert feature(vector, "links") == 0.0


def test_post_shape() -> None:
    p = post("Big day!! 🎉🎉 @ana@mastodon.social and @bo thanks #release #oss https://x.y/z?a=1")
    vector = engineered_vector(p, NOW, ("shape",))
    names = engineered_names(("shape",))
    shape = dict(zip(names, vector, strict=True))
    assert shape["exclamations"] == 2 and shape["emojis"] == 2
    assert shape["mentions"] == 2 and shape["hashtags"] == 2
    assert shape["links"] == 1 and shape["question_marks"] == 0  # the link's "?" is no question


def test_long_text_is_capped() -> None:
    long = post("word " * 50_000, platform="blog", kind="article")
    assert len(model_text(long)) <= MODEL_TEXT_CHARS
    capped = math.log1p(LENGTH_CAP_CHARS)  # past a long post's length, length says no more
    assert feature(engineered_vector(long, NOW), "log_chars") == pytest.approx(capped)
    longish = post("word " * (LENGTH_CAP_CHARS // 5 + 100), platform="blog", kind="article")
    assert feature(engineered_vector(longish, NOW), "log_chars") == pytest.approx(capped)


def test_an_articles_own_address_is_not_a_link_in_it() -> None:
    """A blog article always has an address; counting it as a link made every real article
    look like the corpus's link-sharing posts (docs/classifier.md)."""
    article = dataclasses.replace(
        post("Some notes on hiring my first engineer.", platform="blog", kind="article"),
        url="https://example.com/notes",
    )
    assert feature(engineered_vector(article, NOW), "links") == 0
    linked = post("Notes: https://example.com/notes", platform="blog", kind="article")
    assert feature(engineered_vector(linked, NOW), "links") == 1


def test_text_terms_match_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    text = model_text(post("Anyone know a GOOD tool? See https://example.com/x — it's naïve; a b"))
    analyzer = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    assert text_terms(text) == analyzer(text)
    assert "linkurl" in text_terms(text)


@pytest.mark.parametrize(
    "text",
    [
        "Anyone know a GOOD tool? See https://example.com/x — it's naïve; a b",
        "Wir haben heute die Disputation bestanden 🎓  endlich!\n\tDanke an alle",
        "博士論文の審査に合格しました。ありがとう！ a ab abc abcd",
        "",
        "   ",
    ],
)
def test_char_terms_match_scikit_learn(text: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert char_terms(text) == analyzer(text)


def test_mentions_become_one_placeholder_word() -> None:
    text = model_text(post("thanks @ana@mastodon.social and @bo.bsky.social!"))
    assert "ana" not in text and "bsky" not in text
    assert text.count("atmention") == 2


def test_asking_for_help_and_asking_a_question() -> None:
    def asks(text: str) -> tuple[float, float]:
        vector = engineered_vector(post(text), NOW, ("asks",))
        return vector[0], vector[1]

    assert asks("Has anyone moved a monorepo to Bazel? Need advice before we start.") == (1, 1)
    assert asks("Which CI service do you use for monorepos, and why?") == (0, 1)
    assert asks("Worth a look https://example.com/page?id=3&x=1") == (0, 0)  # a link's "?"
    assert asks("Shipped the new parser today.") == (0, 0)
