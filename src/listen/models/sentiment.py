"""TextBlob's pattern sentiment (polarity, subjectivity), loaded fast and fully offline.

`import textblob` pulls in NLTK and SciPy (over a second). The PatternAnalyzer that
`TextBlob(text).sentiment` uses lives in `textblob/_text.py`, which needs only the standard
library and the bundled `en-sentiment.xml` lexicon (no corpus download). So we load that one
module by path and build the analyzer the same way `textblob.en` does. A test checks the
scores equal `TextBlob(text).sentiment`. If TextBlob's layout ever changes, we fall back to
the ordinary (slow) import.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SentimentFn = Callable[[str], tuple[float, float]]


@lru_cache(maxsize=1)
def sentiment_analyzer() -> SentimentFn:
    """A function text → (polarity in [-1, 1], subjectivity in [0, 1])."""
    try:
        return _fast_analyzer()
    except Exception as exc:  # an unexpected TextBlob layout: use the public API instead
        log.info("fast TextBlob sentiment unavailable (%s); importing textblob", exc)
        from textblob.en import sentiment  # textblob: only when sentiment is scored

        def analyse(text: str) -> tuple[float, float]:
            polarity, subjectivity = sentiment(text)
            return float(polarity), float(subjectivity)

        return analyse


# `assessments` lower-cases every emoticon of every mood for each short non-word token (numbers,
# handles...): a third of the time spent on sentiment. Lower-case them once instead; the lookup
# answers the same (membership in the same strings). If TextBlob's code changes, nothing is
# replaced and the module runs as shipped.
_EMOTICON_LOOKUP = "if w in map(lambda e: e.lower(), e):"
_EMOTICON_LOOKUP_FAST = "if w in _LISTEN_LOWER_EMOTICONS[_type, p]:"
_LOWER_EMOTICONS = (
    "\n_LISTEN_LOWER_EMOTICONS = {key: frozenset(e.lower() for e in value)"
    " for key, value in EMOTICONS.items()}\n"
)


def _with_lowered_emoticons(source: str) -> str:
    if source.count(_EMOTICON_LOOKUP) != 1 or "\nEMOTICONS = {" not in source:
        return source
    return source.replace(_EMOTICON_LOOKUP, _EMOTICON_LOOKUP_FAST) + _LOWER_EMOTICONS


# `find_tokens` (three quarters of the sentiment time) runs seven regex substitutions for
# contractions, two for line breaks, and walks every token through tuple startswith/endswith
# checks. The same answers, sooner: a contraction pattern that is a plain string and does not
# occur substitutes nothing; "\r\n" is a plain replace; the paragraph pattern needs a "\n";
# a token that neither starts with punctuation nor ends with punctuation or "." leaves the
# loop unchanged. Each edit applies only where the shipped code reads exactly as expected;
# tests compare the patched tokenizer with the shipped one on real and tricky texts.
_TOKENIZER_EDITS = (
    (
        """    for a, b in list(replace.items()):
        string = re.sub(a, b, string)""",
        """    for a, b in list(replace.items()):
        if a in string or a not in _LISTEN_LITERAL_PATTERNS:
            string = re.sub(a, b, string)""",
    ),
    (
        """    string = re.sub("\\r\\n", "\\n", string)
    string = re.sub(linebreak, " %s " % EOS, string)""",
        """    string = string.replace("\\r\\n", "\\n")
    if "\\n" in string or linebreak != r"\\n{2,}":
        string = re.sub(linebreak, " %s " % EOS, string)""",
    ),
    (
        """    tokens = []
    for t in TOKEN.findall(string + " "):
        if len(t) > 0:""",
        """    tokens = []
    _starts = frozenset(punctuation)
    _ends = _starts | {"."}
    for t in TOKEN.findall(string + " "):
        if t[0] not in _starts and t[-1] not in _ends:  # a plain word
            tokens.append(t)
            continue
        if len(t) > 0:""",
    ),
)


# The contraction patterns that match only themselves (all of TextBlob's).
_LITERAL_PATTERNS = (
    "\n_LISTEN_LITERAL_PATTERNS = frozenset(k for k in replacements if re.escape(k) == k)\n"
)


def _with_faster_tokenizer(source: str) -> str:
    if "\nreplacements = {" not in source:
        return source
    for old, new in _TOKENIZER_EDITS:
        if source.count(old) == 1:
            source = source.replace(old, new)
    return source + _LITERAL_PATTERNS


def _textblob_root() -> Path:
    spec = importlib.util.find_spec("textblob")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("textblob is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def text_module(*, edited: bool = True) -> Any:
    """`textblob/_text.py` loaded by path, with the edits above (or as shipped)."""
    root = _textblob_root()
    text_spec = importlib.util.spec_from_file_location("_listen_textblob_text", root / "_text.py")
    if text_spec is None or text_spec.loader is None:
        raise ImportError("textblob/_text.py not found")
    module = importlib.util.module_from_spec(text_spec)
    source = (root / "_text.py").read_text(encoding="utf-8")
    if edited:
        source = _with_faster_tokenizer(_with_lowered_emoticons(source))
    exec(compile(source, str(root / "_text.py"), "exec"), vars(module))
    return module


def _fast_analyzer() -> SentimentFn:
    root = _textblob_root()
    module = text_module()
    lexicon_dir = root / "en"

    base: Any = module.Sentiment

    class EnglishSentiment(base):
        """As `textblob.en.Sentiment`: adjectives also score as their -ly adverbs."""

        def load(self, path: str | None = None) -> None:
            base.load(self, path)
            if not path:
                for word, pos in list(dict.items(self)):  # type: ignore[var-annotated]
                    if "JJ" in pos:
                        if word.endswith("y"):
                            word = word[:-1] + "i"
                        if word.endswith("le"):
                            word = word[:-2]
                        p, s, i = pos["JJ"]
                        self.annotate(word + "ly", "RB", p, s, i)

    parser = module.Parser(
        lexicon=module.Lexicon(
            path=str(lexicon_dir / "en-lexicon.txt"),
            morphology=str(lexicon_dir / "en-morphology.txt"),
            context=str(lexicon_dir / "en-context.txt"),
            entities=str(lexicon_dir / "en-entities.txt"),
            language="en",
        ),
        default=("NN", "NNP", "CD"),
        language="en",
    )
    analyzer = EnglishSentiment(
        path=str(lexicon_dir / "en-sentiment.xml"),
        synset="wordnet_id",
        negations=("no", "not", "n't", "never"),
        modifiers=("RB",),
        modifier=lambda w: w.endswith("ly"),
        tokenizer=parser.find_tokens,
        language="en",
    )

    def analyse(text: str) -> tuple[float, float]:
        polarity, subjectivity = analyzer(text)
        return float(polarity), float(subjectivity)

    analyzer.load()  # now, not inside the first timed batch
    # The lexicon is a "lazy dict" that checks whether it is loaded on every lookup; it is
    # loaded, so look words up as a plain dict does (same answers, about 15% faster).
    for name in ("__contains__", "__getitem__", "get"):
        setattr(EnglishSentiment, name, getattr(dict, name))
    return analyse
