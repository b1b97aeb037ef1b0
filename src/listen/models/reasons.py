"""Reasons in words a user understands, from what actually moved a model's probabilities.

A linear model's logit is a sum: each word of the post (its word and character n-grams
together) and each engineered feature adds or takes away. The reasons name the biggest of
those in the direction of the suggestion, then what listen knows of the contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from listen.models.features import PLATFORM_NAMES, PostForScoring
from listen.models.rules import engages_often, neglect_reason

if TYPE_CHECKING:
    from listen.models.linear import Contributions, LinearModel

MIN_CONTRIBUTION = 0.15  # logit: smaller pushes are not worth naming
MAX_NAMED = 3
# Words that move a score but tell a person nothing ("with", "the"): not named as reasons
# (`listen classify --explain` still shows them).
_FUNCTION_WORDS = """
a an the and or but of to in on at by for from with into about after as is are was were be
been it its it's this that these those there their they them then than so if just also very
more most some such only over have has had will would could should can which what when where
who how our we us i you your
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
PLACEHOLDERS = {"linkurl": "a link", "atmention": "an @mention"}

# feature → (words when present / above average, words when absent / below; None: not named).
# A missing emoji, hashtag, @mention or "!" can move a score, but is no reason a person would give.
# The cue words also tell the circle (listen.app.relationships) what a reply answered.
CUE_WORDS = {
    "request": "a request for recommendations",
    "question": "a question",
    "new_role": "news of a new role",
    "open_to_work": "looking for work",
    "launch": "a launch",
    "publication": "a new publication",
    "anniversary": "a milestone",
    "resource": "a resource",
    "gratitude": "thanks",
}

FEATURE_WORDS: dict[str, tuple[str | None, str | None]] = {
    "log_chars": ("its length", "its brevity"),
    "links": ("its link", "having no link"),
    "question_marks": ("its question", "having no “?”"),
    "exclamations": ("its exclamation marks", None),
    "hashtags": ("its hashtags", None),
    "mentions": ("its @mentions", None),
    "emojis": ("its emoji", None),
    "is_reply": ("being a reply", "not being a reply"),
    "is_article": ("being an article", "being a short post"),
    "priority": ("the contact's high priority", "the contact's low priority"),
    "log_days_since_engaged": ("time since you last engaged with them", None),
    "never_engaged": ("never having engaged with them", None),
    "contact_engagement_rate": ("how often you engage with them", None),
    "contact_reply_rate": ("how often you reply to them", None),
    "contact_share_rate": ("how often you share their posts", None),
    "asks_for_help": ("its request for help", None),
    "asks_a_question": ("its question", None),
    "log_age_hours": ("its age", "its freshness"),
    "polarity": ("its tone", "its tone"),
    "subjectivity": ("how personal it sounds", None),
    "corpus_example": (None, None),
    **{
        f"platform_{p}": (f"being on {'X' if p == 'x' else p.title()}", None)
        for p in PLATFORM_NAMES
    },
}
ABOVE_AVERAGE = ("log_chars", "priority", "log_age_hours", "polarity")  # else: present = nonzero

PHRASES = {
    ("comment", False): "points to a reply: {}",
    ("share", False): "worth passing on: {}",
    ("like", False): "worth a like: {}",
    ("skip", False): "points away from a reply or a share: {}",
    ("comment", True): "like posts you replied to: {}",
    ("share", True): "like posts you shared: {}",
    ("like", True): "like posts you liked: {}",
    ("skip", True): "unlike posts you took part in: {}",
}
FALLBACK = {
    "comment": "a good moment to join the conversation",
    "share": "likely of interest to your network",
    "like": "worth a like to stay in touch",
    "skip": "nothing here asks for a response",
}


def describe_word(name: str) -> str:
    return PLACEHOLDERS.get(name, f"“{name}”")


def describe_feature(name: str, raw: float, mean: float) -> str | None:
    """A feature as the user reads it, given its value; None when not worth naming."""
    if name.startswith("cue_"):
        return CUE_WORDS.get(name[4:]) if raw else None
    present, absent = FEATURE_WORDS.get(name, (None, None))
    on = raw > mean if name in ABOVE_AVERAGE else raw != 0
    return present if on else absent


def direction(action: str, probabilities: Sequence[float]) -> tuple[int, float]:
    """(head, sign): which head's logit explains `action`, and whether pushes up (+1) or
    down (-1) are the reasons."""
    if action == "comment":
        return 0, 1.0
    if action == "share":
        return 1, 1.0
    head = 0 if probabilities[0] >= probabilities[1] else 1
    return head, 1.0 if action == "like" else -1.0


def _top_words(
    np: Any, found: Contributions, heads: Any, signs: Any
) -> list[list[tuple[float, str]]]:
    """Per post, its strongest words in its direction, strongest first."""
    n = len(heads)
    rows = found.word_rows
    per_post: list[list[tuple[float, str]]] = [[] for _ in range(n)]
    if not len(rows):
        return per_post
    value = signs[rows] * found.word_values[np.arange(len(rows)), heads[rows]]
    chosen = np.flatnonzero(value >= MIN_CONTRIBUTION)
    order = chosen[np.lexsort((-value[chosen], rows[chosen]))]
    for k in order.tolist():
        mine = per_post[rows[k]]
        name = found.word_names[k]
        if len(mine) < MAX_NAMED and name not in FUNCTION_WORDS:
            mine.append((float(value[k]), describe_word(name)))
    return per_post


def _top_features(
    np: Any, model: LinearModel, found: Contributions, heads: Any, signs: Any
) -> list[list[tuple[float, str]]]:
    """Per post, its strongest engineered features in its direction, strongest first."""
    n = len(heads)
    per_post: list[list[tuple[float, str]]] = [[] for _ in range(n)]
    if not n or not len(model.engineered_names):
        return per_post
    values = signs[:, None] * found.feature_values[np.arange(n), heads, :]
    order = np.argsort(-values, axis=1)[:, :MAX_NAMED]
    names, means = model.engineered_names, model.engineered_mean
    strong = np.take_along_axis(values, order, 1) >= MIN_CONTRIBUTION
    for i, k in zip(*np.nonzero(strong), strict=True):
        column = int(order[i, k])
        words = describe_feature(names[column], found.features[i, column], means[column])
        if words is not None:
            per_post[i].append((float(values[i, column]), words))
    return per_post


def batch_reasons(
    model: LinearModel,
    posts: Sequence[PostForScoring],
    moments: Sequence[datetime],
    found: Contributions,
    actions: Sequence[str],
    limit: int = 2,
) -> list[tuple[str, ...]]:
    """One or two reasons per post: what drove its suggestion most, then the contact."""
    import numpy as np  # numpy: only when a model is used

    from listen.models.linear import LEARNED_PREFIX  # linear imports this module: a cycle

    learned = model.version.startswith(LEARNED_PREFIX)
    logits = found.logits.tolist()
    chosen = [direction(action, row) for action, row in zip(actions, logits, strict=True)]
    heads = np.asarray([h for h, _ in chosen], dtype=np.intp)
    signs = np.asarray([s for _, s in chosen], dtype=float)
    words = _top_words(np, found, heads, signs)
    features = _top_features(np, model, found, heads, signs)
    result = []
    for i, (post, moment, action) in enumerate(zip(posts, moments, actions, strict=True)):
        pushes = sorted([*words[i], *features[i]], reverse=True)[:MAX_NAMED]
        found_reasons = []
        if pushes:
            names = ", ".join(dict.fromkeys(name for _, name in pushes))  # "?" and a question
            found_reasons.append(PHRASES[action, learned].format(names))
        if action != "skip":
            found_reasons.extend(_contact_reasons(post, moment))
        result.append(tuple(found_reasons[:limit]) or (FALLBACK[action],))
    return result


def _contact_reasons(post: PostForScoring, now: datetime) -> list[str]:
    found = []
    neglected = neglect_reason(post, now)
    if neglected:
        found.append(neglected)
    if engages_often(post):
        found.append(f"you often engage with {post.contact_name or 'this contact'}")
    return found


def explain(
    model: LinearModel, found: Contributions, i: int, head: int, top: int = 8
) -> dict[str, Any]:
    """For `listen classify --explain`: what pushed head `head` of post `i` up and down."""
    rows = found.word_rows
    mine = [
        (float(found.word_values[k, head]), describe_word(found.word_names[k]))
        for k in range(len(rows))
        if rows[k] == i
    ]
    for k, name in enumerate(model.engineered_names):
        words = describe_feature(name, found.features[i, k], model.engineered_mean[k])
        value = float(found.feature_values[i, head, k])
        if abs(value) > 1e-9:
            mine.append((value, words or name))
    up = sorted((v for v in mine if v[0] > 0), reverse=True)[:top]
    down = sorted(v for v in mine if v[0] < 0)[:top]
    return {
        "base": float(model.intercept[head]),
        "up": [(name, round(value, 3)) for value, name in up],
        "down": [(name, round(value, 3)) for value, name in down],
    }
