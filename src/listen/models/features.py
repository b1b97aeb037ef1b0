"""Features of a post for the engagement classifier: pure functions, no I/O.

Two parts: the text itself (word 1-2 grams and character 2-5 grams inside words, weighted
TF-IDF by the model) and small groups of engineered features (the post's shape, its platform,
the contact's history with the user, sentiment, keyword cues). A model keeps only the groups
an ablation showed to help (docs/classifier.md); the others are never computed for it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from listen.clock import parse_iso

if TYPE_CHECKING:  # listen.facts builds many dataclasses (~60 ms): not needed to load a model
    from listen.facts import PostToScore

MODEL_TEXT_CHARS = 3_000  # long articles: the first 3,000 characters say what they are about
SENTIMENT_CHARS = 400  # the opening sets the tone
MAX_DAYS = 90.0
MAX_AGE_HOURS = 72.0  # older than three days is simply "old"
LENGTH_CAP_CHARS = 2_000  # past a long post's length, length says nothing more
CHAR_NGRAMS = (2, 5)  # scikit-learn's char_wb analyzer, ngram_range=(2, 5), unless a model says

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@[\w.\-]+(?:@[\w.\-]+)?")
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55]")
TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def _cue(*patterns: str) -> re.Pattern[str]:
    """One pattern matching any of `patterns` in lower-cased text. A shared leading word
    boundary is hoisted out of the alternation, which makes a search about twice as fast."""
    bounded = [p.removeprefix(r"\b") for p in patterns if p.startswith(r"\b")]
    others = [p for p in patterns if not p.startswith(r"\b")]
    alternatives = [f"(?:{p})" for p in others]
    if bounded:
        alternatives.insert(0, r"\b(?:" + "|".join(f"(?:{p})" for p in bounded) + ")")
    return re.compile("|".join(alternatives))


# Cues: what a post asks or announces, in English. The keyword rules (the baseline) are built on
# them; as model features they are one of the ablated groups. Order matters for rule reasons.
CUES: dict[str, re.Pattern[str]] = {
    "request": _cue(
        r"\banyone (?:know|have|tried|recommend|use)",
        r"\blooking for (?:a |an |some )?(?:recommendation|suggestion|advice|tips?|pointers|"
        r"good|great|someone|a tool|a book|a library|feedback|help)",
        r"\brecommend(?:ation)?s?\b",
        r"\bsuggestions?\b",
        r"\bany (?:tips|ideas|advice|pointers|thoughts)\b",
        r"\b(?:can|could) (?:someone|anyone|you)\b",
        r"\bneed (?:help|advice)\b",
        r"\bhelp me\b",
        r"\bwho (?:should|can|do) (?:i|we)\b",
        r"\bwhat (?:do|would) you (?:use|recommend|suggest|think)\b",
        r"\bhas anyone\b",
        r"\bdoes anyone\b",
    ),
    "question": _cue(r"\?\s*(?:$|\n|[^\w/=&])", r"\?$", r"\bthoughts\?", r"\bcurious (?:how|what)"),
    "new_role": _cue(
        r"\bnew (?:role|job|position|chapter)\b",
        r"\b(?:i'?m|i am|i have|i've) (?:joined|joining|started|starting)\b",
        r"\b(?:joined|joining) (?:the team at|\w+ as)\b",
        r"\bstart(?:ed|ing)? (?:a new|my new)\b",
        r"\bfirst day (?:at|as)\b",
        r"\bpromoted to\b",
        r"\bexcited to (?:announce|share) (?:that )?i\b",
    ),
    "open_to_work": _cue(
        r"\bopen to work\b",
        r"\blaid off\b",
        r"\blost my job\b",
        r"\blooking for (?:my next|a new) (?:role|job|opportunity|position)\b",
        r"\bjob search\b",
    ),
    "launch": _cue(
        r"\blaunch(?:ed|ing)?\b",
        r"\bshipped\b",
        r"\bjust released\b",
        r"\bnow available\b",
        r"\bannouncing\b",
        r"\bintroducing\b",
        r"\bv\d+(?:\.\d+)+ (?:is )?(?:out|released|live)\b",
        r"\bis (?:now )?live\b",
        r"\bgeneral availability\b",
    ),
    "publication": _cue(
        r"\b(?:new|my|our|latest) (?:paper|book|article|preprint|essay|post|blog post|talk|"
        r"podcast episode|newsletter)\b",
        r"\bpublished\b",
        r"\bpreprint\b",
        r"\baccepted (?:at|to|in)\b",
        r"\bjust (?:wrote|posted)\b",
        r"\bout now\b",
        r"\bi wrote\b",
    ),
    "anniversary": _cue(
        r"\banniversary\b",
        r"\b\d+ years? (?:at|since|ago today|of)\b",
        r"\bbirthday\b",
        r"\bcelebrating \d+\b",
        r"\bmilestone\b",
    ),
    "resource": _cue(
        r"\bguide\b",
        r"\btutorial\b",
        r"\bcheat ?sheet\b",
        r"\bchecklist\b",
        r"\bslides\b",
        r"\bresources?\b",
        r"\btemplates?\b",
        r"\btoolkit\b",
        r"\bfree (?:course|ebook|book|workshop)\b",
        r"\blist of\b",
        r"\bhow to\b",
        r"\blessons? learned\b",
        r"\bdeep dive\b",
        r"\bwrite-?up\b",
        r"\bopen[- ]sourced?\b",
        r"\bdataset\b",
        r"\breading list\b",
        r"\bworth (?:a )?read(?:ing)?\b",
    ),
    "gratitude": _cue(r"\bthank(?:s| you)\b", r"\bgrateful\b", r"\bshout-?out\b"),
}
CUE_NAMES: tuple[str, ...] = tuple(CUES)
# Each cue without its hoisted leading word boundary: it matches wherever the cue does (and
# more), yet runs ~2.5x faster (the regex engine can skip to the alternatives' first letters).
# Most posts show no cue, so `post_cues` asks it first and runs the real pattern only on a hit.
_CUE_PREFILTERS: dict[str, re.Pattern[str] | None] = {
    name: re.compile(pattern.pattern.removeprefix(r"\b"))
    if pattern.pattern.startswith(r"\b(?:")
    else None
    for name, pattern in CUES.items()
}

PLATFORM_NAMES: tuple[str, ...] = ("blog", "bluesky", "x", "mastodon", "linkedin")


@dataclass(frozen=True, slots=True)
class PostForScoring:
    """A post plus what we know of its author's history with the user, as of scoring time."""

    id: str
    platform: str
    text: str = ""
    title: str | None = None
    kind: str = "post"
    url: str | None = None
    created_at: datetime | None = None
    reply_to: str | None = None
    contact_id: int | None = None
    contact_name: str | None = None
    contact_priority: int = 2
    last_engaged_at: datetime | None = None  # the user's last engagement with this contact
    contact_posts: int = 0  # the contact's earlier posts ...
    contact_engaged_posts: int = 0  # ... and how many of them the user engaged with,
    contact_replied_posts: int = 0  # replied to
    contact_shared_posts: int = 0  # and shared (quoted, reposted)
    # True only for the bundled training corpus. Trained on both, a model puts the difference
    # between the corpus and the user's own history here (the user may never share, say),
    # instead of in whatever feature happens to tell the two apart.
    corpus_example: bool = False


@dataclass(frozen=True, slots=True)
class PostCues:
    """Which cues a post shows, for the rules, features and reasons."""

    flags: frozenset[str]
    question_marks: int
    links: int


def raw_text(post: PostForScoring) -> str:
    """Title and text, capped."""
    text = f"{post.title}\n{post.text}" if post.title else post.text
    return text[:MODEL_TEXT_CHARS]


def model_text(post: PostForScoring) -> str:
    """Title and text, capped; links and @mentions replaced by placeholder words (a handle
    says who, not what the post is about)."""
    return _MENTION.sub(" atmention ", _URL.sub(" linkurl ", raw_text(post)))


def text_terms(text: str) -> list[str]:
    """Lower-cased word tokens and bigrams, exactly as scikit-learn's TfidfVectorizer(1, 2)."""
    tokens = TOKEN_PATTERN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def word_char_grams(word: str, ngrams: tuple[int, int] = CHAR_NGRAMS) -> list[str]:
    """The character n-grams of one word padded with spaces, as scikit-learn's char_wb."""
    padded = f" {word} "
    size = len(padded)
    low, high = ngrams
    if size > high:  # most words: every n-gram of every length
        return [padded[i : i + n] for n in range(low, high + 1) for i in range(size - n + 1)]
    grams: list[str] = []
    for n in range(low, high + 1):
        if size <= n:  # a short word counts once, whole
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def char_terms(text: str, ngrams: tuple[int, int] = CHAR_NGRAMS) -> list[str]:
    """Character n-grams inside words, exactly as TfidfVectorizer(analyzer="char_wb")."""
    return [gram for word in text.lower().split() for gram in word_char_grams(word, ngrams)]


def post_cues(post: PostForScoring) -> PostCues:
    """The cues in a post's title and text."""
    text, found_links = _URL.subn(" ", raw_text(post))  # one pass: the links counted as they go
    text = text.lower()
    links = found_links + (1 if post.url and post.kind == "article" else 0)
    flags = frozenset(name for name in CUES if _has_cue(name, text))
    return PostCues(flags=flags, question_marks=text.count("?"), links=links)


def _has_cue(name: str, lowered: str) -> bool:
    """Whether cue `name` is in a lowered text without its links (the prefilter first)."""
    pre = _CUE_PREFILTERS[name]
    return (pre is None or pre.search(lowered) is not None) and bool(CUES[name].search(lowered))


def days_since_engaged(post: PostForScoring, now: datetime) -> float | None:
    """Days since the user last engaged with this post's author; None if never."""
    if post.last_engaged_at is None:
        return None
    return max(0.0, (now - post.last_engaged_at).total_seconds() / 86_400)


# -- engineered feature groups ------------------------------------------------------------------


def _shape(post: PostForScoring, now: datetime) -> list[float]:
    raw = raw_text(post)
    text, links = _URL.subn(" ", raw)  # an article's own address is not a link in it
    return [
        math.log1p(min(len(raw), LENGTH_CAP_CHARS)),
        float(min(links, 5)),
        float(min(text.count("?"), 5)),
        float(min(text.count("!"), 5)),
        float(min(len(_HASHTAG.findall(text)), 10)),
        float(min(len(_MENTION.findall(text)), 10)),
        float(min(len(_EMOJI.findall(text)), 10)),
        1.0 if (post.reply_to or post.kind == "reply") else 0.0,
        1.0 if post.kind == "article" or post.platform == "blog" else 0.0,
    ]


def _platform(post: PostForScoring, now: datetime) -> list[float]:
    return [1.0 if post.platform == name else 0.0 for name in PLATFORM_NAMES]


def _contact(post: PostForScoring, now: datetime) -> list[float]:
    since = days_since_engaged(post, now)
    age_hours = (
        max(0.0, (now - post.created_at).total_seconds() / 3600) if post.created_at else 24.0
    )
    rate = _shrunk_rate(post.contact_engaged_posts, post.contact_posts)
    return [
        float(post.contact_priority - 2),
        math.log1p(min(since, MAX_DAYS)) if since is not None else math.log1p(MAX_DAYS),
        1.0 if since is None else 0.0,
        rate,
        math.log1p(min(age_hours, MAX_AGE_HOURS)),
    ]


def _shrunk_rate(count: int, posts: int) -> float:
    """`count` of a contact's `posts`, shrunk towards 0 for a contact with few posts (five
    posts' worth of nothing added), so one reply to one post is not a rate of 1."""
    return count / (posts + 5) if posts else 0.0


def _follow_up(post: PostForScoring, now: datetime) -> list[float]:
    """How often the user replied to and shared this contact's earlier posts (shrunk like the
    engagement rate): whom you answer is a habit."""
    return [
        _shrunk_rate(post.contact_replied_posts, post.contact_posts),
        _shrunk_rate(post.contact_shared_posts, post.contact_posts),
    ]


def _asks(post: PostForScoring, now: datetime) -> list[float]:
    """Whether the post asks for help or asks a question: what a reply answers (two cues, not
    all of them: the others cost a regex each on every post scored)."""
    text = _URL.sub(" ", raw_text(post)).lower()
    return [1.0 if _has_cue("request", text) else 0.0, 1.0 if _has_cue("question", text) else 0.0]


def _sentiment(post: PostForScoring, now: datetime) -> list[float]:
    from listen.models.sentiment import sentiment  # textblob: only if a model uses sentiment

    return list(sentiment(_URL.sub(" ", raw_text(post)[:SENTIMENT_CHARS])))


def _cue_flags(post: PostForScoring, now: datetime) -> list[float]:
    flags = post_cues(post).flags
    return [1.0 if name in flags else 0.0 for name in CUE_NAMES]


def _corpus(post: PostForScoring, now: datetime) -> list[float]:
    return [1.0 if post.corpus_example else 0.0]


GroupFn = Callable[[PostForScoring, datetime], list[float]]

# name → (feature names, function). `corpus` is bookkeeping, not an ablated group: every model
# has it, so a model trained on the corpus plus a user's history can tell the two apart.
FEATURE_GROUPS: dict[str, tuple[tuple[str, ...], GroupFn]] = {
    "shape": (
        (
            "log_chars",
            "links",
            "question_marks",
            "exclamations",
            "hashtags",
            "mentions",
            "emojis",
            "is_reply",
            "is_article",
        ),
        _shape,
    ),
    "platform": (tuple(f"platform_{name}" for name in PLATFORM_NAMES), _platform),
    "contact": (
        (
            "priority",
            "log_days_since_engaged",
            "never_engaged",
            "contact_engagement_rate",
            "log_age_hours",
        ),
        _contact,
    ),
    "follow_up": (("contact_reply_rate", "contact_share_rate"), _follow_up),
    "asks": (("asks_for_help", "asks_a_question"), _asks),
    "sentiment": (("polarity", "subjectivity"), _sentiment),
    "cues": (tuple(f"cue_{name}" for name in CUE_NAMES), _cue_flags),
    "corpus": (("corpus_example",), _corpus),
}
ABLATED_GROUPS: tuple[str, ...] = ("shape", "platform", "contact", "sentiment", "cues")


def engineered_names(groups: Sequence[str]) -> tuple[str, ...]:
    """The feature names of `groups`, in their order."""
    return tuple(name for group in groups for name in FEATURE_GROUPS[group][0])


def engineered_vector(
    post: PostForScoring, now: datetime, groups: Sequence[str] = tuple(FEATURE_GROUPS)
) -> list[float]:
    """The engineered features of one post, group after group."""
    return [value for group in groups for value in FEATURE_GROUPS[group][1](post, now)]


def engineered_matrix(
    posts: Sequence[PostForScoring], now: datetime | Sequence[datetime], groups: Sequence[str]
) -> list[list[float]]:
    """Engineered features for many posts; `now` is one time or one per post."""
    moments = [now] * len(posts) if isinstance(now, datetime) else now
    functions = [FEATURE_GROUPS[group][1] for group in groups]
    return [
        [value for function in functions for value in function(post, moment)]
        for post, moment in zip(posts, moments, strict=True)
    ]


def post_from_row(row: PostToScore) -> PostForScoring:
    """A `PostForScoring` from a `Store.posts_for_scoring()` record."""
    return PostForScoring(
        id=row.id,
        platform=row.platform,
        text=row.text or "",
        title=row.title,
        kind=row.kind or "post",
        url=row.url,
        created_at=parse_iso(row.created_at) or parse_iso(row.collected_at),
        reply_to=row.reply_to,
        contact_id=row.contact_id,
        contact_name=row.contact_name,
        contact_priority=int(row.contact_priority or 2),
        last_engaged_at=parse_iso(row.last_engaged_at),
        contact_posts=int(row.contact_posts or 0),
        contact_engaged_posts=int(row.contact_engaged_posts or 0),
        contact_replied_posts=int(row.contact_replied_posts or 0),
        contact_shared_posts=int(row.contact_shared_posts or 0),
    )
