"""`post_cues` asks a cheaper superset pattern first; the cues it finds must not change."""

from __future__ import annotations

from listen.models.classifier import corpus_rows
from listen.models.features import _URL, CUES, MODEL_TEXT_CHARS, PostForScoring, post_cues

TRICKY = [
    "overlooking for a tool, anyone know?",
    "Has anyone tried this? thoughts?",
    "we launched v2.1 is out",
    "relaunched, unshipped, prelaunch",
    "new role! I'm joining the team at acme",
    "thank you all, grateful",
    "a guideline, not a guide",
    "",
]


def corpus_texts() -> list[str]:
    return [
        f"{row['title']}\n{row['text']}" if row.get("title") else row["text"]
        for row in corpus_rows()
    ]


def test_prefiltered_cues_equal_the_plain_search() -> None:
    texts = TRICKY + corpus_texts()
    with_cues = 0
    for text in texts:
        post = PostForScoring(id="x", platform="x", text=text)
        plain = _URL.sub(" ", text[:MODEL_TEXT_CHARS]).lower()  # as post_cues reads it
        expected = frozenset(name for name, pattern in CUES.items() if pattern.search(plain))
        assert post_cues(post).flags == expected, text
        with_cues += bool(expected)
    assert with_cues > 100  # the data exercises the real patterns, not only the prefilters
