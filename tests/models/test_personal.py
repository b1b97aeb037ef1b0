"""Learning one user's taste on top of the bundled model (listen.models.personal)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from listen.errors import InputError
from listen.models.classifier import LabelledPost, targets
from listen.models.features import PostForScoring
from listen.models.linear import contributions
from listen.models.model_file import default_model, load_model, save_model
from listen.models.personal import (
    fit_head,
    fit_on_top,
    same_columns,
    scaled_on_history,
    user_inputs,
    with_groups,
    with_heads_of,
)

START = datetime(2026, 4, 1, tzinfo=UTC)
BEES = [
    "Our hives came through the winter: all six colonies alive, two very strong.",
    "Question for other beekeepers: when do you add the first super in a cold spring?",
    "Varroa counts after the oxalic treatment were down to 1 per 300 bees.",
    "Lost a queen this week. The colony is raising a new one from a frame of eggs.",
    "Extracted 14 kg of lime honey today, the best harvest since we started.",
    "Does anyone use foundationless frames in the brood box? Worth it?",
]
OTHER = [
    "Our quarterly report on cloud spending is out, with the numbers by region.",
    "Monday again. Coffee first.",
    "New release of the parser: faster on big files, fixes the Windows paths bug.",
    "I just started a new role as head of data at a logistics company!",
    "Which CI service do you use for monorepos, and why?",
    "Hiring: two backend engineers, remote in the EU, salary on the posting.",
    "Thoughts on four-day weeks after a year of trying it? I have mixed feelings.",
    "Free course on statistics for journalists starts next month.",
]


def _example(i: int, text: str, label: str) -> LabelledPost:
    at = START + timedelta(hours=6 * i)
    post = PostForScoring(id=f"p{i}", platform="mastodon", text=text, created_at=at)
    return LabelledPost(post=post, label=label, at=at, as_of=at + timedelta(hours=1))


def _history(share_label: str = "skip") -> list[LabelledPost]:
    """A user who replies to beekeeping posts and nothing else."""
    examples = []
    for round_ in range(3):
        for k, text in enumerate(BEES):
            examples.append(_example(len(examples), f"{text} ({round_}{k})", "comment"))
        for k, text in enumerate(OTHER):
            label = share_label if "release" in text else "skip"
            examples.append(_example(len(examples), f"{text} ({round_}{k})", label))
    return examples


def test_the_learned_model_scores_exactly_what_its_fit_learned() -> None:
    """The exported linear model (trust · base + residual) gives each training post the
    logit the logistic regression computed on the base's columns (the personal features
    appended) and scores."""
    base, examples = default_model(), _history()
    model = fit_on_top(base, examples, version="user-test", c=4.0)
    scaled = scaled_on_history(np, with_groups(base), examples)
    inputs = user_inputs(np, scaled, examples)
    y = np.array([targets(e.label)[0] for e in examples])
    fit = fit_head(inputs, y, np.ones(len(examples)), 4.0)
    expected = fit.decision_function(inputs)
    found = contributions(model, [e.post for e in examples], [e.as_of for e in examples])
    assert np.allclose(found.logits[:, 0], expected, atol=1e-6)
    assert model.training["heads_learned"] == ["comment"]
    assert model.training["base"] == base.version


def test_a_head_without_positives_stays_as_the_base_has_it() -> None:
    base, examples = default_model(), _history()
    model = fit_on_top(base, examples, version="user-test")
    posts = [e.post for e in examples]
    moments = [e.as_of for e in examples]
    before = contributions(base, posts, moments).logits
    after = contributions(model, posts, moments).logits
    assert np.allclose(after[:, 1], before[:, 1])  # never shared: the share head is the base's
    assert not np.allclose(after[:, 0], before[:, 0])


def test_the_users_topic_ranks_first_on_new_posts() -> None:
    base, examples = default_model(), _history(share_label="share")
    model = fit_on_top(base, examples, version="user-test")
    fresh = [
        _example(100, "Swarm caught in the apple tree this morning, now in a spare hive.", "x"),
        _example(101, "Anyone tried a different entrance reducer for wasps? Ours fail.", "x"),
        _example(102, "Our team is hiring a product designer in Lisbon.", "x"),
        _example(103, "Just got promoted to engineering manager, a bit nervous!", "x"),
        _example(104, "What is your favourite book on negotiation?", "x"),
    ]
    posts, moments = [e.post for e in fresh], [e.as_of for e in fresh]
    logits = contributions(model, posts, moments).logits[:, 0]
    assert set(np.argsort(-logits)[:2].tolist()) == {0, 1}
    assert model.training["heads_learned"] == ["comment", "share"]


def test_a_history_with_nothing_to_learn_from_is_refused() -> None:
    examples = [_example(i, text, "skip") for i, text in enumerate(OTHER)]
    with pytest.raises(InputError, match="at least 2 you replied to"):
        fit_on_top(default_model(), examples, version="user-test")


def _with_contact(example: LabelledPost, engaged: int, prefix: str = "") -> LabelledPost:
    """The example as posted by a contact the user engaged with on `engaged` of 20 posts."""
    post = dataclasses.replace(
        example.post,
        id=prefix + example.post.id,
        contact_posts=20,
        contact_engaged_posts=engaged,
    )
    return dataclasses.replace(example, post=post)


def test_a_head_is_kept_exactly_beside_a_new_one(tmp_path: Path) -> None:
    """The install rule may keep the current model's comment head and take a new share head:
    one model, each head scoring exactly as the model it came from."""
    base = default_model()
    early = [
        _with_contact(e, 12 if e.label == "comment" else i % 5) for i, e in enumerate(_history())
    ]
    later = [_with_contact(e, 3 + i % 9, "later-") for i, e in enumerate(_history("share"))]
    later = [dataclasses.replace(e, at=e.at + timedelta(days=30)) for e in later]
    current = fit_on_top(base, early, version="current")
    new = fit_on_top(base, early + later, version="new")
    posts, moments = [e.post for e in later], [e.as_of for e in later]

    # The contact features are standardised on each history, and the current comment head
    # uses them: its scores cannot be copied onto the new model's scaling.
    assert not np.array_equal(new.engineered_mean, current.engineered_mean)
    assert with_heads_of(new, current, ["comment"]) is None
    refit = fit_on_top(base, early + later, version="new", scaling=current)
    mixed = with_heads_of(refit, current, ["comment"])
    assert mixed is not None and mixed.training["heads_kept_from"] == {"comment": "current"}
    logits = contributions(mixed, posts, moments).logits
    assert np.allclose(logits[:, 0], contributions(current, posts, moments).logits[:, 0])
    assert np.allclose(logits[:, 1], contributions(refit, posts, moments).logits[:, 1])
    assert not np.allclose(logits[:, 1], contributions(current, posts, moments).logits[:, 1])

    # A model file keeps float32: the installed model, read back, still lends its head.
    save_model(current, tmp_path / "current.json")
    saved = load_model(tmp_path / "current.json")
    assert not np.array_equal(saved.engineered_mean, current.engineered_mean)
    from_file = with_heads_of(refit, saved, ["comment"])
    assert from_file is not None
    expected = contributions(saved, posts, moments).logits[:, 0]
    found = contributions(from_file, posts, moments).logits[:, 0]
    assert np.allclose(found, expected, atol=1e-5)  # float32's precision

    # The bundled model gives those features no weight: its heads sit beside any fit.
    with_bundled = with_heads_of(new, base, ["share"])
    assert with_bundled is not None
    expected = contributions(base, posts, moments).logits[:, 1]
    assert np.allclose(contributions(with_bundled, posts, moments).logits[:, 1], expected)
    # A model reading other columns cannot lend a head.
    other = dataclasses.replace(base, blocks=base.blocks[:1])
    assert not same_columns(other, new) and with_heads_of(new, other, ["share"]) is None


def _by(example: LabelledPost, replied: int, shared: int, prefix: str) -> LabelledPost:
    """The example as posted by a contact whose 20 earlier posts the user replied to
    `replied` times and shared `shared` times."""
    post = dataclasses.replace(
        example.post,
        id=prefix + example.post.id,
        contact_posts=20,
        contact_engaged_posts=replied + shared,
        contact_replied_posts=replied,
        contact_shared_posts=shared,
    )
    return dataclasses.replace(example, post=post)


def test_whom_you_reply_to_and_whom_you_share_are_told_apart() -> None:
    """Zoe's posts get replies, Bob's get shared, about as often: the same text is worth a
    reply from Zoe and a share from Bob, which the engagement rate alone cannot say."""
    examples = []
    for round_ in range(3):
        for k, text in enumerate(OTHER):
            example = _example(len(examples), f"{text} ({round_}{k})", "x")
            examples.append(dataclasses.replace(_by(example, 12, 0, "zoe-"), label="comment"))
            examples.append(dataclasses.replace(_by(example, 0, 11, "bob-"), label="share"))
            examples.append(dataclasses.replace(_by(example, 1, 1, "ann-"), label="skip"))
    model = fit_on_top(default_model(), examples, version="user-test")
    assert "follow_up" in model.groups
    fresh = _example(200, "Slides from my talk on data contracts are up.", "x")
    posts = [_by(fresh, 12, 0, "zoe-").post, _by(fresh, 0, 11, "bob-").post]
    logits = contributions(model, posts, [fresh.as_of] * 2).logits
    assert logits[0, 0] > logits[1, 0] + 1.0  # a reply: Zoe's
    assert logits[1, 1] > logits[0, 1] + 1.0  # a share: Bob's


def test_personal_groups_add_columns_without_changing_a_score() -> None:
    base = default_model()
    extended = with_groups(base)
    assert extended.groups == (*base.groups, "follow_up", "asks")
    posts = [_by(e, 5, 3, "zoe-").post for e in _history()]
    moments = [START] * len(posts)
    before = contributions(base, posts, moments).logits
    after = contributions(extended, posts, moments).logits
    assert np.allclose(after, before, rtol=0, atol=1e-12)  # the same sums, in another order
    assert with_groups(extended) is extended


ASKING = [
    "Has anyone run Postgres on ZFS in production? Looking for advice before we migrate.",
    "Need advice: how do you onboard a junior engineer when the whole team is remote.",
    "Could someone recommend a book on negotiation for first-time managers",
    "Does anyone have a lightweight alternative to Jira for a team of five",
    "What do you use for secrets management in a small team, and would you pick it again",
    "Any tips for a first conference talk? I present in three weeks and I am nervous.",
]


def test_a_user_who_answers_people_asking_for_help_learns_it() -> None:
    """Replies only to posts asking for help, in words seen nowhere else in the history: the
    fit puts weight on the request flag (the `asks` group), not only on those words."""
    examples = []
    for round_ in range(3):
        for k, text in enumerate(ASKING):
            examples.append(_example(len(examples), f"{text} ({round_}{k})", "comment"))
        for k, text in enumerate(OTHER):
            examples.append(_example(len(examples), f"{text} ({round_}{k})", "skip"))
    model = fit_on_top(default_model(), examples, version="user-test")
    column = model.engineered_names.index("asks_for_help")
    assert model.engineered_coef[0, column] > 0
