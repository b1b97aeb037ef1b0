"""Training, prediction, evaluation and safe model files."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listen import app
from listen.config import Config
from listen.errors import InputError
from listen.models.classifier import (
    DEFAULT_SPEC,
    LabelledPost,
    ModelSpec,
    corpus_examples,
    corpus_rows,
    export_model,
    fit_pipeline,
    measure_scoring,
    time_split,
)
from listen.models.evaluation import InstallDecision, evaluate_heads
from listen.models.features import PostForScoring, post_from_row
from listen.models.linear import contributions, predict, predict_probabilities
from listen.models.model_file import (
    ModelFileError,
    default_model,
    document_bytes,
    install_model,
    load_current_model,
    load_model,
    model_to_document,
    save_model,
)
from listen.models.rules import predict_rules
from tests.models.classifier_history import BEEKEEPING, GENERIC, History, add_posts, fill

NOW = datetime(2026, 1, 15, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def corpus() -> list[LabelledPost]:
    return corpus_examples()


def test_corpus_is_large_and_varied() -> None:
    rows = corpus_rows()
    assert len(rows) >= 3_000
    assert {r["label"] for r in rows} == {"comment", "share", "skip"}
    assert {r["platform"] for r in rows} == {"blog", "bluesky", "x", "mastodon", "linkedin"}
    languages = {r["lang"] for r in rows}
    assert len(languages) >= 8
    assert sum(r["lang"] != "en" for r in rows) >= 0.12 * len(rows)
    assert len({r["field"] for r in rows}) >= 10
    assert sum(bool(r["hard"]) for r in rows) >= len(rows) / 4
    assert len({r["text"] for r in rows}) == len(rows)


def test_exported_model_predicts_exactly_like_the_scikit_learn_pipeline(
    corpus: list[LabelledPost],
) -> None:
    """Word and char blocks, every feature group, calibrated heads: the plain-array model
    gives scikit-learn's probabilities."""
    spec = ModelSpec(groups=("shape", "platform", "contact", "cues"), calibration_folds=3)
    train, test = corpus[::5], corpus[1::23]
    fitted = fit_pipeline(train, spec=spec)
    model = export_model(fitted, version="t")
    posts = [dataclasses.replace(e.post, corpus_example=False, contact_priority=3) for e in test]
    moments = [NOW] * len(posts)
    matrix = fitted.matrix(posts, moments)
    expected = np.column_stack([head.predict_proba(matrix)[:, 1] for head in fitted.heads])
    got = predict_probabilities(model, posts, moments)
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_shipped_default_model_is_what_the_corpus_and_this_code_produce(
    corpus: list[LabelledPost],
) -> None:
    """Fails when features, the corpus or training change without
    `scripts/build_default_model.py`."""
    from listen.models.classifier import fit_model

    shipped = default_model()
    fresh = fit_model(corpus, version="fresh", spec=DEFAULT_SPEC)
    assert [b.terms for b in fresh.blocks] == [b.terms for b in shipped.blocks]
    assert fresh.groups == shipped.groups
    posts = [e.post for e in corpus[::7]]
    np.testing.assert_allclose(
        predict_probabilities(fresh, posts, NOW),
        predict_probabilities(shipped, posts, NOW),
        atol=1e-4,
    )


def test_default_model_meets_the_targets_on_the_test_set() -> None:
    """Measured, not tuned: the test set is never used to fit or choose (docs/classifier.md)."""
    from listen.models.classifier import labelled_from_row
    from listen.models.evaluation import label_report, policy_label, predict_examples

    path = Path(__file__).parent.parent / "data" / "classifier" / "test_set.jsonl"
    examples = [labelled_from_row(json.loads(line), corpus=False) for line in path.open()]
    truth = [e.label for e in examples]
    found = {}
    for name, scorer in (("model", default_model()), ("rules", None)):
        predictions = predict_examples(scorer, examples)
        report = label_report(truth, [policy_label(p.action) for p in predictions])
        heads = evaluate_heads(predictions, examples)
        found[name] = (report, heads)
    report, heads = found["model"]
    assert report["macro_f1"] >= 0.80
    assert report["labels"]["comment"]["recall"] >= 0.75
    assert report["labels"]["share"]["recall"] >= 0.65
    assert heads["comment"].precision_at_10 >= 0.9 and heads["share"].precision_at_10 >= 0.9
    rules_report, rules_heads = found["rules"]
    assert report["macro_f1"] > rules_report["macro_f1"]
    for head in ("comment", "share"):
        assert report["labels"][head]["recall"] > rules_report["labels"][head]["recall"]
        assert heads[head].precision_at_10 >= rules_heads[head].precision_at_10


def test_predictions_have_actions_and_reasons_naming_what_drove_them() -> None:
    posts = [
        PostForScoring(
            id="a",
            platform="mastodon",
            text="Defended my PhD thesis this morning. Six years. I can't quite believe it.",
        ),
        PostForScoring(
            id="b",
            platform="bluesky",
            text="We released v2.0 of our open-source geospatial library: 3x faster tiling, "
            "new docs and migration guide https://github.com/example/geo/releases",
        ),
        PostForScoring(
            id="c",
            platform="linkedin",
            text="Only 48 hours left! 40% off all our courses with code SPRING40 🔥🔥",
        ),
    ]
    by_id = {p.post_id: p for p in predict(default_model(), posts, NOW)}
    assert by_id["a"].action == "comment"
    assert by_id["b"].action == "share"
    assert by_id["c"].action == "skip"
    assert by_id["a"].reasons[0].startswith("points to a reply: ")
    # the words named are the post's own, and the first is what added most to the comment logit
    found = contributions(default_model(), posts[:1], NOW)
    strongest = found.word_names[int(np.argmax(found.word_values[:, 0]))]
    assert by_id["a"].reasons[0].startswith(f"points to a reply: “{strongest}”")
    named = re.findall(r"“([^”]+)”", by_id["a"].reasons[0])
    assert named and all(word in posts[0].text.lower() for word in named)
    assert by_id["b"].reasons[0].startswith("worth passing on: ")
    assert by_id["c"].reasons[0].startswith("points away from a reply or a share: ")
    for p in by_id.values():
        assert 0.0 <= p.comment_probability <= 1.0 and 0.0 <= p.share_probability <= 1.0
        assert 1 <= len(p.reasons) <= 2


def test_empty_and_huge_texts_are_scored() -> None:
    posts = [
        PostForScoring(id="empty", platform="x", text=""),
        PostForScoring(id="blank", platform="x", text="   \n\t "),
        PostForScoring(id="huge", platform="blog", kind="article", text="word " * 20_000),
    ]
    predictions = predict(default_model(), posts, NOW)
    assert [p.post_id for p in predictions] == ["empty", "blank", "huge"]
    assert all(p.reasons for p in predictions)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = default_model()
    save_model(model, tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    posts = [e.post for e in corpus_examples()[:50]]
    np.testing.assert_allclose(
        predict_probabilities(loaded, posts, NOW), predict_probabilities(model, posts, NOW)
    )
    assert loaded.version == model.version and loaded.metrics == model.metrics


def _stale_checksum(document: dict) -> bytes:  # type: ignore[type-arg]
    """The document's payload edited after signing: the header keeps the old SHA-256."""
    header, _, _ = document_bytes(document).partition(b"\n")
    document["model"]["heads"]["comment"]["engineered_coef"][0] += 5.0
    _, _, payload = document_bytes(document).partition(b"\n")
    return header + b"\n" + payload


def _re_signed(edit):  # type: ignore[no-untyped-def]
    """A payload edited and signed again: the checksum passes, validation must catch it."""

    def tamper(document: dict) -> bytes:  # type: ignore[type-arg]
        edit(document["model"])
        return document_bytes(document)

    return tamper


def _wrong_length(model: dict) -> None:  # type: ignore[type-arg]
    model["blocks"]["char"]["coef"]["comment"] = [1.0]


def _other_features(model: dict) -> None:  # type: ignore[type-arg]
    model["engineered_names"] = ["polarity", "subjectivity"]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_stale_checksum, "checksum mismatch"),
        (_re_signed(_wrong_length), "malformed model file"),
        (_re_signed(_other_features), "other features"),
        (_re_signed(lambda m: m["blocks"]["char"].update(ngrams=[5, 2])), "malformed"),
        (lambda d: document_bytes(d)[:5000], "checksum mismatch"),
        (lambda d: b"\x80\x04\x95pickle-bytes", "not JSON"),
        (lambda d: b'{"format": "something-else"}', "not a listen model file"),
        (lambda d: b"[1, 2, 3]", "not a listen model file"),
        (lambda d: document_bytes({**d, "format_version": 99}), "made by a newer listen"),
        (lambda d: json.dumps({**d, "format_version": 1}).encode(), "older listen"),
    ],
)
def test_tampered_model_file_is_refused(tmp_path: Path, tamper, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.json"
    path.write_bytes(tamper(model_to_document(default_model())))
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_a_tampered_installed_model_falls_back_to_the_default(tmp_path: Path) -> None:
    model = dataclasses.replace(default_model(), version="user-1")
    path = install_model(model, tmp_path)
    assert load_current_model(tmp_path).origin == "installed"
    path.write_bytes(_stale_checksum(model_to_document(model)))
    loaded = load_current_model(tmp_path)
    assert loaded.origin == "default"
    assert loaded.model.version == default_model().version
    assert loaded.problem and "checksum mismatch" in loaded.problem


def test_model_pointer_cannot_escape_the_models_directory(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "current").write_text("../../etc/passwd\n")
    loaded = load_current_model(tmp_path)
    assert loaded.origin == "default"
    assert loaded.problem and "invalid model name" in loaded.problem
    (tmp_path / "models" / "current").write_bytes(b"\xff\xfe\x00garbage")
    loaded = load_current_model(tmp_path)
    assert loaded.origin == "default"
    assert loaded.problem and "unreadable" in loaded.problem


def _example(i: int, at: datetime) -> LabelledPost:
    post = PostForScoring(id=f"p{i}", platform="x", text=f"post {i}")
    return LabelledPost(post=post, label="skip", at=at, as_of=at)


def test_time_split_never_trains_on_the_future() -> None:
    rng = random.Random(1)
    moments = [NOW + timedelta(hours=rng.randrange(0, 500)) for _ in range(200)]
    examples = [_example(i, at) for i, at in enumerate(moments)]
    rng.shuffle(examples)
    train, test = time_split(examples, 0.25)
    assert len(train) + len(test) == 200
    assert 130 <= len(train) <= 150
    assert max(e.at for e in train) < min(e.at for e in test)


def test_time_split_sends_ties_at_the_boundary_to_the_test_side() -> None:
    examples = [_example(i, NOW + timedelta(days=min(i, 5))) for i in range(10)]
    train, test = time_split(examples, 0.5)
    assert max(e.at for e in train) < min(e.at for e in test)
    assert [e.post.id for e in train] == ["p0", "p1", "p2", "p3", "p4"]


def _good_and_noise(rng: random.Random) -> tuple[list[int], list[float], list[float]]:
    """52 posts (12 positives), a ranking that mostly puts them first, and random scores."""
    labels = [1] * 12 + [0] * 40
    good = [0.6 + 0.4 * rng.random() if y else 0.7 * rng.random() for y in labels]
    noise = [rng.random() for _ in labels]
    return labels, good, noise


def test_a_head_is_better_only_when_resampling_agrees() -> None:
    from listen.models.evaluation import compare_head, install_decision

    rng = random.Random(3)
    labels, good, noise = _good_and_noise(rng)
    clearly = compare_head("comment", good, noise, labels)
    assert clearly.verdict == "better" and clearly.wins is not None and clearly.wins >= 0.9
    same = compare_head("share", noise, [n + 0.01 * rng.random() for n in noise], labels)
    assert same.verdict == "unclear"
    assert install_decision([clearly, same]) == InstallDecision(
        ("comment", "share"), "installed: the new model is better on comment, worse on neither"
    )
    assert install_decision([same]) == InstallDecision(  # no evidence either way: the newer one
        ("share",),
        "installed: the new model, trained on more of your history, is worse on neither",
    )
    worse = compare_head("share", noise, good, labels)
    assert worse.verdict == "worse"
    assert install_decision([clearly, worse]) == InstallDecision(
        ("comment",),
        "installed: the new model's comment head (better on comment); kept the current share "
        "head: the new one is worse on share",
    )
    refused = install_decision([clearly, worse], mixable=False)
    assert not refused.installed
    assert refused.reason.startswith("kept the current model: the new one is worse on share")


def test_a_consistent_but_tiny_difference_is_no_difference() -> None:
    """Two models that agree but for a few swapped posts: every resample says the same, the
    AUCs differ by 0.01, and neither is better or worse (the case that kept an older model)."""
    from listen.models.evaluation import compare_head

    labels = [1] * 100 + [0] * 100
    current = [float(i) for i in range(200, 100, -1)] + [float(i) for i in range(100, 0, -1)]
    candidate = list(current)
    for k in range(20):  # 20 replies each ranked just below 5 skips: AUC 1.00 → 0.99
        candidate[80 + k] = current[104] - 0.01 * (k + 1)
    found = compare_head("comment", candidate, current, labels)
    assert found.current_auc == 1.0 and found.candidate_auc is not None
    assert 0.985 < found.candidate_auc < 1.0
    assert found.wins is not None and found.wins <= 0.1  # consistent ...
    assert found.verdict == "unclear"  # ... but immaterial
    reverse = compare_head("comment", current, candidate, labels)
    assert reverse.wins is not None and reverse.wins >= 0.9 and reverse.verdict == "unclear"


def test_one_post_in_a_small_top_10_does_not_veto_a_better_ranking() -> None:
    """The case that refused good models: 40 posts, the candidate ranks far better overall
    but has one more miss in its top 10 than the current model."""
    from listen.models.evaluation import compare_head, precision_at

    labels = [1] * 10 + [0] * 30
    current = [0.5] * 40  # ranks nothing: every post alike
    current[:9] = [0.9] * 9  # ... except nine hits at the top
    candidate = [0.9 - 0.01 * i for i in range(8)] + [0.3, 0.3] + [0.2] * 30
    candidate[10] = 0.95  # one miss at the very top
    assert precision_at(candidate, labels) < precision_at(current, labels)
    result = compare_head("comment", candidate, current, labels)
    assert result.candidate_auc is not None and result.current_auc is not None
    assert result.candidate_auc > result.current_auc
    assert result.verdict != "worse"


def test_a_model_worse_than_chance_is_never_installed() -> None:
    from listen.models.evaluation import compare_head, install_decision

    labels = [1] * 10 + [0] * 30
    inverted = [0.1] * 10 + [0.9] * 30  # ranks every positive last
    worse_still = [0.05] * 10 + [0.95] * 30
    result = compare_head("comment", inverted, worse_still, labels)
    assert result.verdict == "below chance"
    assert "worse than chance" in result.explain()
    assert install_decision([result]) == InstallDecision(
        (), "kept the current model: the new one ranks worse than chance on comment"
    )


def test_a_head_at_chance_is_never_installed() -> None:
    """The issue's case: a model with AUC 0.43 installed because the others were worse still.
    A head at or below 0.5 is never "better" and never replaces the current one's; the other
    head is judged on its own. Heads that cannot be measured install nothing."""
    from listen.models.evaluation import compare_head, install_decision

    rng = random.Random(11)
    labels = [1] * 6 + [0] * 34
    near_chance = [0.1, 0.25, 0.4, 0.45, 0.55, 0.6] + [i / 33 for i in range(34)]
    awful = [0.0] * 6 + [1.0] * 34
    at_chance = compare_head("comment", near_chance, awful, labels)
    assert at_chance.candidate_auc is not None and at_chance.candidate_auc <= 0.5
    assert at_chance.verdict == "unclear" and "no better than chance" in at_chance.explain()
    decision = install_decision([at_chance])
    assert decision == InstallDecision(
        (), "kept the current model: the new one ranks no better than chance on comment"
    )
    good = [0.6 + 0.4 * rng.random() if y else 0.7 * rng.random() for y in labels]
    share = compare_head("share", good, near_chance, labels)
    assert install_decision([at_chance, share]).heads == ("share",)  # the comment head stays
    unmeasured = compare_head("share", good, near_chance, [0] * len(labels))
    assert install_decision([unmeasured]) == InstallDecision(
        (), "kept the current model: neither head could show the new one above chance"
    )


def test_a_head_without_positives_is_not_measured() -> None:
    from listen.models.evaluation import compare_head

    result = compare_head("share", [0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [0, 0, 0])
    assert result.verdict == "unmeasured"
    assert result.explain() == "share: cannot be measured: the newest posts hold 0 shares among 3"


def test_evaluate_heads_on_a_hand_made_ranking() -> None:
    examples = [_example(i, NOW) for i in range(4)]
    examples = [
        dataclasses.replace(e, label=lab)
        for e, lab in zip(examples, ["comment", "skip", "share", "skip"], strict=True)
    ]
    preds = predict_rules([e.post for e in examples], NOW)
    scored = [
        dataclasses.replace(p, comment_probability=c, share_probability=s)
        for p, c, s in zip(preds, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.9, 0.3], strict=True)
    ]
    heads = evaluate_heads(scored, examples)
    assert heads["comment"].precision_at_10 == 0.25  # 1 of the 4 (all in the top 10)
    assert heads["comment"].roc_auc == pytest.approx(1.0)
    assert heads["share"].roc_auc == pytest.approx(1.0)
    assert heads["share"].positives == 1 and heads["share"].examples == 4


def test_default_model_loads_fast_with_its_imports_and_scores_fast() -> None:
    import subprocess
    import sys

    # CPU time of a fresh process: steady on this shared machine, unlike wall time
    code = (
        "import time\nstarted = time.process_time()\n"
        "from listen.models.model_file import default_model\ndefault_model()\n"
        "print(time.process_time() - started)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert float(done.stdout) < 0.5, done.stderr
    performance = measure_scoring(2_000)
    assert performance.load_seconds < 0.5
    # a guard against gross regressions: every post here is new to the word cache, on a
    # shared machine; scripts/bench.py measures the target (docs/performance.md)
    assert performance.posts_per_second > 500


# -- learning from the user's history ------------------------------------------------------------


def test_training_learns_the_users_topic_and_contact(history: History) -> None:
    directory = history.data_dir
    now = history.last_post_at + timedelta(days=5)
    report = app.train(Config(), history.store, directory, now=now)
    assert report.installed, report
    new, old = report.candidate["comment"], report.current["comment"]
    assert new.roc_auc is not None and old.roc_auc is not None
    assert new.roc_auc >= old.roc_auc + 0.2
    assert new.precision_at_10 > old.precision_at_10
    verdicts = {c.head: c.verdict for c in report.comparisons}
    assert verdicts == {"comment": "better", "share": "unmeasured"}  # the user never shares
    assert report.decision.startswith("installed: the new model is better on comment")
    # The bundled model never learned from the user: every labelled post is compared on.
    assert report.test_examples == sum(report.labels.values())
    assert report.train_examples == report.test_examples - math.ceil(report.test_examples / 5)
    loaded = load_current_model(directory)
    assert loaded.origin == "installed" and loaded.model.version == report.candidate_version
    assert loaded.model.metrics["model"]["comment"]["roc_auc"] == new.roc_auc
    # Whom the user answers is learned: the comment head weighs how often you reply to them.
    reply_rate = loaded.model.engineered_names.index("contact_reply_rate")
    assert loaded.model.engineered_coef[0, reply_rate] > 0

    # New posts, after training: Zoe's and the beekeeping ones must now rank above the rest.
    rng = random.Random(99)
    specs = [("zoe", fill(rng.choice(GENERIC), rng), False) for _ in range(4)]
    specs += [("ann", fill(rng.choice(BEEKEEPING), rng), False) for _ in range(4)]
    specs += [("bob", fill(rng.choice(GENERIC), rng), False) for _ in range(8)]
    new_ids = add_posts(history.store, history.contact_ids, 60, specs)
    wanted = set(new_ids[:8])
    rows = [r for r in history.store.posts_for_scoring() if r.id in set(new_ids)]
    posts = [post_from_row(r) for r in rows]
    when = history.last_post_at + timedelta(days=25)
    examples = [LabelledPost(p, "comment" if p.id in wanted else "skip", when, when) for p in posts]
    before = evaluate_heads(predict(default_model(), posts, when), examples)["comment"]
    predictions = predict(loaded.model, posts, when)
    after = evaluate_heads(predictions, examples)["comment"]
    assert before.roc_auc is not None and after.roc_auc is not None
    assert after.roc_auc > before.roc_auc + 0.2
    assert after.precision_at_10 > before.precision_at_10

    # The user never shares: the learned model stops suggesting it, and says why it suggests.
    assert not any(p.action == "share" for p in predictions)
    by_id = {p.post_id: p for p in predictions}
    zoe = [by_id[i] for i in new_ids[:4]]
    assert any("you often engage with Zoe" in p.reasons for p in zoe)
    bees = [by_id[i] for i in new_ids[4:8]]
    assert any(p.reasons[0].startswith("like posts you replied to: ") for p in bees)


def test_the_newest_posts_are_compared_on_their_own(tmp_path: Path) -> None:
    """For a month the user answered small talk and ignored requests; lately the reverse.
    Over the whole history the new model is far better; on the newest quarter (the new habit)
    the comparison shows it ranking below the default, which still fits the new habit."""
    from listen.store import Store

    rng = random.Random(5)
    with Store.open(tmp_path / "listen.db") as store:
        from tests.models.classifier_history import make_contacts

        contacts = make_contacts(store)
        requests = [GENERIC[0], GENERIC[3]]
        chatter = [
            "Lunch at my desk again.",
            "Rainy morning. Coffee number three.",
            "Monday. Let's go.",
            "The train is late again.",
        ]
        for day in range(40):
            lately = day >= 30
            specs = [
                ("ann", fill(rng.choice(requests), rng), lately),
                ("bob", rng.choice(chatter), not lately),
                ("cat", rng.choice(chatter), not lately),
            ]
            add_posts(store, contacts, day, specs)
        end = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=45)
        report = app.train(Config(), store, tmp_path, now=end)
    overall = next(c for c in report.comparisons if c.head == "comment")
    lately = next(c for c in report.recent if c.head == "comment")
    assert overall.verdict == "better", overall
    assert lately.examples == overall.examples // 4
    assert lately.candidate_auc is not None and lately.current_auc is not None
    assert lately.candidate_auc < lately.current_auc, lately


def test_a_new_model_worse_on_the_newest_posts_is_not_installed() -> None:
    from listen.models.evaluation import compare_head, install_decision

    labels, good, noise = _good_and_noise(random.Random(3))
    overall = compare_head("comment", good, noise, labels)
    lately = compare_head("comment", noise, good, labels)
    assert (overall.verdict, lately.verdict) == ("better", "worse")
    assert install_decision([overall], [lately]) == InstallDecision(
        (),
        "kept the current model: the new one is worse on comment on your newest posts "
        "(have your habits changed lately?)",
    )
    assert install_decision([overall], [overall]).installed


def test_training_needs_enough_history(tmp_path: Path) -> None:
    from listen.store import Store

    with Store.open(tmp_path / "listen.db") as store, pytest.raises(InputError, match="enough"):
        app.train(Config(), store, tmp_path)


def _labelled(i: int, at: datetime, label: str) -> LabelledPost:
    return dataclasses.replace(_example(i, at), label=label)


def test_cross_validation_scores_each_post_once_by_a_model_that_did_not_see_it() -> None:
    from listen.models.evaluation import cross_validated
    from listen.models.linear import LinearModel

    examples = [_labelled(i, NOW + timedelta(days=i), "skip") for i in range(23)]
    pool = examples[8:]
    seen: list[set[str]] = []
    bundled = default_model()

    def fit(train: list[LabelledPost]) -> LinearModel:
        seen.append({e.post.id for e in train})
        return dataclasses.replace(bundled, version=f"fold-{len(seen)}")

    predictions = cross_validated(fit, examples, pool)
    assert sorted(p.post_id for p in predictions) == sorted(e.post.id for e in pool)
    assert len(seen) == 5
    everyone = {e.post.id for e in examples}
    held = [everyone - ids for ids in seen]
    assert all(ids <= {e.post.id for e in pool} for ids in held)  # older posts always learned from
    assert sorted(i for ids in held for i in ids) == sorted(e.post.id for e in pool)
    assert {len(ids) for ids in held} == {3}


def test_the_bundled_model_is_compared_on_every_labelled_post() -> None:
    from listen.models.classifier import evaluation_pool

    examples = [
        _labelled(i, NOW + timedelta(days=i), "comment" if i % 3 == 0 else "skip")
        for i in range(30)
    ]
    pool, saw = evaluation_pool(examples, 0.25, None)
    assert (len(pool), saw) == (30, False)
    pool, saw = evaluation_pool(examples, 0.25, NOW + timedelta(days=10, hours=1))
    assert (len(pool), saw) == (19, False) and min(e.at for e in pool) > NOW + timedelta(days=10)


def test_holdout_split_tests_on_what_the_current_model_has_not_seen() -> None:
    from listen.models.classifier import holdout_split

    examples = [
        _labelled(i, NOW + timedelta(days=i), "comment" if i % 3 == 0 else "skip")
        for i in range(60)
    ]
    past, future, saw = holdout_split(examples, 0.25, None)
    assert (len(past), len(future), saw) == (45, 15, False)

    trained_until = NOW + timedelta(days=39)  # 20 posts came after the current model
    past, future, saw = holdout_split(examples, 0.25, trained_until)
    assert not saw
    assert len(future) == 20 and min(e.at for e in future) > trained_until
    assert max(e.at for e in past) <= trained_until

    late = NOW + timedelta(days=55)  # only 4 unseen posts: too few, so it says it is unfair
    past, future, saw = holdout_split(examples, 0.25, late)
    assert saw and len(future) == 15


def test_retraining_later_is_a_fair_race(history: History) -> None:
    first = app.train(Config(), history.store, history.data_dir, now=history.last_post_at)
    assert first.installed
    trained_until = load_current_model(history.data_dir).model.training["trained_until"]
    assert datetime.fromisoformat(trained_until) < history.last_post_at

    rng = random.Random(7)
    for day in range(40, 55):
        specs = [("zoe", fill(rng.choice(GENERIC), rng), True)]
        specs += [("bob", fill(rng.choice(BEEKEEPING), rng), True)]
        specs += [("ann", fill(rng.choice(GENERIC), rng), False)]
        add_posts(history.store, history.contact_ids, day, specs)
    later = history.last_post_at + timedelta(days=20)
    second = app.train(Config(), history.store, history.data_dir, now=later)
    assert not second.current_saw_test
    # Tested on exactly the labelled posts newer than the installed model's data.
    assert second.split_at > datetime.fromisoformat(trained_until)
    assert second.test_examples >= 45
    assert second.test_examples < sum(second.labels.values())
    current = second.current["comment"]
    assert current.roc_auc is not None and current.roc_auc > 0.9


def test_a_head_the_new_model_would_worsen_is_kept_as_it_was(tmp_path: Path) -> None:
    """Ann's notes, replied to at random, are ranked well only by a current model that has
    memorised them; the new one, cross-validated, cannot rank them. Bob's guides are shared,
    which the new one learned. `listen train` installs the new share head beside the current
    comment head, which scores exactly as before."""
    from listen.app.classifier import training_history
    from listen.models.history import history_examples
    from listen.models.personal import fit_on_top
    from listen.store import Store
    from tests.models.classifier_history import START, make_contacts

    rng = random.Random(8)
    with Store.open(tmp_path / "listen.db") as store:
        contacts = make_contacts(store)
        for day in range(40):
            topic = rng.choice(["soil", "tides", "kites", "glue"])
            note = f"Notes on {topic} {day}, item {rng.random():.6f}"
            add_posts(store, contacts, day, [("ann", note, rng.random() < 0.4)])
            guide = fill(rng.choice([GENERIC[1], GENERIC[4]]), rng)
            add_posts(store, contacts, day, [("bob", guide, True)], engaged_kind="share")
            add_posts(store, contacts, day, [("cat", "Rainy morning. Coffee number three.", False)])
        now = START + timedelta(days=45)
        examples = history_examples(training_history(store), now)
        no_shares = [
            dataclasses.replace(e, label="skip") if e.label == "share" else e for e in examples
        ]
        current = fit_on_top(default_model(), no_shares, version="memorised", c=1e4)
        current = dataclasses.replace(
            current, training={**current.training, "trained_until": START.isoformat()}
        )
        install_model(current, tmp_path)
        report = app.train(Config(), store, tmp_path, now=now)
    assert report.heads == ("share",), report.decision
    assert report.decision.startswith("installed: the new model's share head (no worse there)"), (
        report.decision
    )
    assert "kept the current comment head: the new one" in report.decision
    installed = load_current_model(tmp_path).model
    assert installed.version == report.candidate_version
    assert installed.training["heads_kept_from"] == {"comment": "memorised"}
    posts, moments = [e.post for e in examples], [e.as_of for e in examples]
    now_scores = contributions(installed, posts, moments).logits
    before = contributions(current, posts, moments).logits
    assert np.allclose(now_scores[:, 0], before[:, 0])
    assert not np.allclose(now_scores[:, 1], before[:, 1])


_document_cache: dict[str, bytes] = {}


def _small_document() -> dict:  # type: ignore[type-arg]
    if "doc" not in _document_cache:
        _document_cache["doc"] = json.dumps(model_to_document(default_model())).encode()
    return json.loads(_document_cache["doc"])  # type: ignore[no-any-return]


_json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_cleanly(raw: bytes) -> None:
    from listen.models.model_file import model_from_bytes

    with pytest.raises(ModelFileError):
        model_from_bytes(raw, "fuzz")


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(
        [
            "version",
            "blocks",
            "groups",
            "engineered_mean",
            "engineered_scale",
            "heads",
            "thresholds",
            "metrics",
            "engineered_names",
            "created_at",
        ]
    ),
    value=_json_values,
)
def test_edited_and_re_signed_documents_load_or_fail_cleanly(key: str, value: object) -> None:
    """Even with a recomputed checksum, a bad field is a ModelFileError, never a crash."""
    from listen.models.model_file import model_from_bytes

    document = _small_document()
    document["model"][key] = value
    raw = document_bytes(document)
    try:
        model = model_from_bytes(raw, "fuzz")
    except ModelFileError:
        return
    predict(model, [PostForScoring(id="x", platform="x", text="Anyone know a good tool?")], NOW)
