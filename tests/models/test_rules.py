"""The keyword-rule baseline and the reasons it gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from listen.models.features import PostForScoring
from listen.models.rules import Thresholds, choose_action, predict_rules

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def one(text: str, **kwargs: object):  # type: ignore[no-untyped-def]
    p = PostForScoring(id="p", platform="x", text=text, **kwargs)  # type: ignore[arg-type]
    return predict_rules([p], NOW)[0]


def test_request_for_a_recommendation_is_worth_a_comment() -> None:
    prediction = one("Anyone know a good CI runner for a small team? Suggestions welcome")
    assert prediction.action == "comment"
    assert prediction.reasons[0] == "asks for a recommendation"
    assert prediction.comment_probability > prediction.share_probability


def test_new_role_asks_for_congratulations() -> None:
    prediction = one("Excited to share that I've joined Hooli as Head of Product")
    assert prediction.action == "comment"
    assert "announces a new role: congratulate" in prediction.reasons


def test_resource_with_a_link_is_worth_a_share() -> None:
    prediction = one("A free guide to accessible forms, bookmark it https://example.com/guide")
    assert prediction.action == "share"
    assert prediction.reasons[0] == "shares a resource your network would value"


def test_small_talk_is_skipped() -> None:
    prediction = one("Lunch at my desk again.")
    assert prediction.action == "skip"
    assert prediction.reasons == ("nothing here asks for a response",)


def test_neglected_high_priority_contact_is_a_reason_and_raises_the_score() -> None:
    text = "Back from the conference, lots of notes."
    plain = one(text)
    neglected = one(text, contact_priority=3, last_engaged_at=NOW - timedelta(days=23))
    assert neglected.comment_probability > plain.comment_probability
    assert "high-priority contact you haven't engaged with in 3 weeks" in neglected.reasons
    recent = one(text, contact_priority=3, last_engaged_at=NOW - timedelta(days=2))
    assert not any("haven't engaged" in r for r in recent.reasons)


def test_choose_action() -> None:
    t = Thresholds(comment=0.5, share=0.5, like=0.3)
    assert choose_action(0.9, 0.6, t) == "comment"
    assert choose_action(0.6, 0.9, t) == "share"
    assert choose_action(0.4, 0.35, t) == "like"
    assert choose_action(0.1, 0.2, t) == "skip"


def test_reasons_for_each_action() -> None:
    from listen.models.features import post_cues
    from listen.models.rules import reasons_for

    def reasons(action: str, days: int, **kwargs: object) -> tuple[str, ...]:
        p = PostForScoring(
            id="p",
            platform="x",
            contact_priority=3,
            last_engaged_at=NOW - timedelta(days=days),
            **{"text": "Anyone know a good bakery?", **kwargs},  # type: ignore[arg-type]
        )
        return reasons_for(p, post_cues(p), action, NOW)

    assert reasons("comment", 800) == (
        "asks for a recommendation",
        "high-priority contact you haven't engaged with in 2 years",
    )
    assert reasons("like", 130, text="Coffee.") == (
        "high-priority contact you haven't engaged with in 4 months",
    )
    assert reasons("like", 2, text="Coffee.") == ("worth a like to stay in touch",)
    often = reasons(
        "share", 2, text="Nice.", contact_name="Zoe", contact_posts=10, contact_engaged_posts=6
    )
    assert often == ("you often engage with Zoe",)
    # A skip is explained as a skip, never with a reason to engage.
    assert reasons("skip", 800) == ("less relevant to you than other posts",)
    assert reasons("skip", 800, text="Coffee.") == ("nothing here asks for a response",)
    assert reasons("skip", 800, contact_name="Bob", contact_posts=9) == (
        "you rarely engage with Bob",
    )
