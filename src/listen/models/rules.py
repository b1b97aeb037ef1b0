"""The keyword-rule baseline and the reasons shown next to every suggestion.

The rules are the floor a trained model must beat; the reasons explain any model's
suggestion in words the user can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from listen.models.features import PostCues, PostForScoring, days_since_engaged, post_cues

RULES_VERSION = "rules-1"

ACTIONS: tuple[str, ...] = ("comment", "share", "like", "skip")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Probabilities above which an action is suggested."""

    comment: float = 0.5
    share: float = 0.5
    like: float = 0.3


@dataclass(frozen=True, slots=True)
class Prediction:
    """What to do with one post, and why."""

    post_id: str
    comment_probability: float
    share_probability: float
    action: str
    reasons: tuple[str, ...]

    @property
    def engage_score(self) -> float:
        return max(self.comment_probability, self.share_probability)


# Why a post is worth a comment, strongest first.
COMMENT_REASONS: tuple[tuple[str, str], ...] = (
    ("open_to_work", "is looking for work: offer an intro or a lead"),
    ("new_role", "announces a new role: congratulate"),
    ("request", "asks for a recommendation"),
    ("anniversary", "marks a milestone: congratulate"),
    ("launch", "announces a launch: congratulate or try it"),
    ("publication", "published something new: read it and respond"),
    ("question", "asks a question you could answer"),
)
SHARE_REASONS: tuple[tuple[str, str], ...] = (
    ("resource", "shares a resource your network would value"),
    ("publication", "new work your network may want to read"),
    ("launch", "a launch worth passing on"),
)

NEGLECTED_AFTER_DAYS = 21.0


def choose_action(comment: float, share: float, thresholds: Thresholds) -> str:
    """The suggested action for a pair of probabilities."""
    if comment >= thresholds.comment and comment >= share:
        return "comment"
    if share >= thresholds.share:
        return "share"
    if comment >= thresholds.comment:
        return "comment"
    if max(comment, share) >= thresholds.like:
        return "like"
    return "skip"


def reasons_for(
    post: PostForScoring,
    cues: PostCues,
    action: str,
    now: datetime,
    limit: int = 2,
    *,
    similar: bool = False,
) -> tuple[str, ...]:
    """One or two reasons for `action`, from the post's cues and the contact's history;
    `similar`: a model learned from the user finds its words like those they took part in."""
    if action == "skip":
        return (_skip_reason(post, cues),)
    found: list[str] = []
    table = SHARE_REASONS if action == "share" else COMMENT_REASONS
    other = COMMENT_REASONS if action == "share" else SHARE_REASONS
    for name, text in (*table, *other):
        if name in cues.flags:
            found.append(text)
            break
    neglected = neglect_reason(post, now)
    if neglected:
        found.append(neglected)
    if similar and len(found) < limit:
        found.append("like posts you took part in before")
    if len(found) < limit and engages_often(post):
        found.append(f"you often engage with {post.contact_name or 'this contact'}")
    if not found:
        found.append(_FALLBACK_REASONS[action])
    return tuple(found[:limit])


_FALLBACK_REASONS = {
    "comment": "a good moment to join the conversation",
    "share": "likely of interest to your network",
    "like": "worth a like to stay in touch",
}


def engages_often(post: PostForScoring) -> bool:
    return post.contact_posts >= 3 and post.contact_engaged_posts / post.contact_posts >= 0.5


def _skip_reason(post: PostForScoring, cues: PostCues) -> str:
    if post.contact_posts >= 5 and post.contact_engaged_posts == 0:
        return f"you rarely engage with {post.contact_name or 'this contact'}"
    if any(name in cues.flags for name, _ in (*COMMENT_REASONS, *SHARE_REASONS)):
        return "less relevant to you than other posts"
    return "nothing here asks for a response"


def neglect_reason(post: PostForScoring, now: datetime) -> str | None:
    if post.contact_priority < 3:
        return None
    since = days_since_engaged(post, now)
    if since is None:
        return "high-priority contact you haven't engaged with yet"
    if since >= NEGLECTED_AFTER_DAYS:
        return f"high-priority contact you haven't engaged with in {_duration(since)}"
    return None


def _duration(days: float) -> str:
    """3 weeks, 4 months, 2 years."""
    if days < 60:
        return f"{int(days // 7)} weeks"
    if days < 730:
        return f"{int(days // 30.4)} months"
    return f"{int(days // 365.25)} years"


def rule_scores(post: PostForScoring, cues: PostCues, now: datetime) -> tuple[float, float]:
    """Keyword-rule probabilities (comment, share): hand-set weights, no learning."""
    f = cues.flags
    comment = 0.1
    comment += 0.45 if "request" in f else 0.0
    comment += 0.45 if "open_to_work" in f else 0.0
    comment += 0.45 if "new_role" in f else 0.0
    comment += 0.35 if "anniversary" in f else 0.0
    comment += 0.25 if "question" in f and "request" not in f else 0.0
    comment += 0.2 if "launch" in f or "publication" in f else 0.0
    comment += 0.1 * (post.contact_priority - 2)
    if neglect_reason(post, now):
        comment += 0.1
    share = 0.1
    share += 0.45 if "resource" in f else 0.0
    share += 0.3 if "publication" in f or "launch" in f else 0.0
    share += 0.1 if cues.links else 0.0
    share -= 0.1 if "question" in f or "request" in f else 0.0
    share += 0.05 * (post.contact_priority - 2)
    return _clip(comment), _clip(share)


def _clip(value: float) -> float:
    return round(min(0.95, max(0.02, value)), 4)


def predict_rules(
    posts: Sequence[PostForScoring], now: datetime, thresholds: Thresholds | None = None
) -> list[Prediction]:
    """The baseline's predictions for `posts`."""
    thresholds = thresholds or Thresholds()
    result = []
    for post in posts:
        cues = post_cues(post)
        comment, share = rule_scores(post, cues, now)
        action = choose_action(comment, share, thresholds)
        result.append(
            Prediction(post.id, comment, share, action, reasons_for(post, cues, action, now))
        )
    return result
