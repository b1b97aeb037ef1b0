"""Sentiment through TextBlob's public API, loaded only by a model that uses it."""

from __future__ import annotations

import subprocess
import sys

from listen.models.sentiment import sentiment


def test_sentiment_is_textblobs_own() -> None:
    from textblob import TextBlob

    for text in ("This is a great and wonderful talk!", "Terrible news, really not good.", ""):
        expected = TextBlob(text).sentiment
        assert sentiment(text) == (expected.polarity, expected.subjectivity)
    assert sentiment("What a wonderful, brilliant result")[0] > 0.5
    assert sentiment("What a horrible, awful result")[0] < -0.5


def test_scoring_with_the_default_model_does_not_import_textblob() -> None:
    """The ablation dropped sentiment: classifying posts never loads TextBlob (or NLTK)."""
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from listen.models.features import PostForScoring\n"
        "from listen.models.linear import predict\n"
        "from listen.models.model_file import default_model\n"
        "model = default_model()\n"
        "assert 'sentiment' not in model.groups, model.groups\n"
        "post = PostForScoring(id='a', platform='x', text='What a wonderful day!')\n"
        "predict(model, [post], datetime(2026, 1, 1, tzinfo=UTC))\n"
        "print(sorted(m for m in ('textblob', 'nltk', 'sklearn', 'scipy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
