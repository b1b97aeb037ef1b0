"""Training, prediction, evaluation and safe model files."""

from __future__ import annotations

import dataclasses
import json
import random
import time
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
    LabelledPost,
    Metrics,
    evaluate,
    export_model,
    feature_table,
    fit_pipeline,
    is_improvement,
    measure_scoring,
    seed_examples,
    time_split,
)
from listen.models.features import PostForScoring, post_from_row
from listen.models.linear import predict, predict_probabilities
from listen.models.model_file import (
    ModelFileError,
    default_model,
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
def seeds() -> list[LabelledPost]:
    return seed_examples()


def test_seed_set_is_large_and_varied(seeds: list[LabelledPost]) -> None:
    assert len(seeds) >= 600
    assert {e.label for e in seeds} == {"comment", "share", "skip"}
    assert {e.post.platform for e in seeds} == {"blog", "bluesky", "x", "mastodon", "linkedin"}
    assert len({e.post.text for e in seeds}) > 0.85 * len(seeds)  # short chatter repeats


def test_exported_model_predicts_exactly_like_the_scikit_learn_pipeline(
    seeds: list[LabelledPost],
) -> None:
    train, test = seeds[:500], seeds[500:700]
    features, heads = fit_pipeline(train)
    model = export_model(features, heads, version="t")
    table = feature_table([e.post for e in test], [e.as_of for e in test])
    matrix = features.transform(table)
    expected = np.column_stack([head.predict_proba(matrix)[:, 1] for head in heads])
    got = predict_probabilities(model, [e.post for e in test], [e.as_of for e in test])
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_shipped_default_model_is_what_the_seed_set_and_this_code_produce(
    seeds: list[LabelledPost],
) -> None:
    """Fails when features, cues or training change without `scripts/build_default_model.py`."""
    from listen.models.classifier import fit_model

    shipped = default_model()
    fresh = fit_model(seeds, version="fresh")
    assert fresh.terms == shipped.terms
    posts = [e.post for e in seeds[::7]]
    np.testing.assert_allclose(
        predict_probabilities(fresh, posts, NOW),
        predict_probabilities(shipped, posts, NOW),
        atol=1e-4,
    )


def test_default_model_beats_the_rules_on_the_seed_hold_out() -> None:
    metrics = default_model().metrics
    assert metrics["model"]["roc_auc"] > metrics["rules"]["roc_auc"]


def test_predictions_have_actions_and_reasons(seeds: list[LabelledPost]) -> None:
    posts = [
        PostForScoring(id="a", platform="x", text="Anyone know a good orchestrator? Suggestions?"),
        PostForScoring(
            id="b",
            platform="bluesky",
            text="Free checklist for incident reviews https://example.com/c",
        ),
        PostForScoring(id="c", platform="mastodon", text="Rainy morning. Coffee."),
        PostForScoring(id="d", platform="linkedin", text="I've joined Globex as CTO!"),
    ]
    by_id = {p.post_id: p for p in predict(default_model(), posts, NOW)}
    assert by_id["a"].action == "comment"
    assert by_id["a"].reasons[0] == "asks for a recommendation"
    assert by_id["b"].action == "share"
    assert by_id["b"].reasons[0] == "shares a resource your network would value"
    assert by_id["c"].action == "skip"
    assert by_id["d"].action == "comment"
    assert by_id["d"].reasons[0] == "announces a new role: congratulate"
    for p in by_id.values():
        assert 0.0 <= p.comment_probability <= 1.0 and 0.0 <= p.share_probability <= 1.0
        assert 1 <= len(p.reasons) <= 2


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = default_model()
    save_model(model, tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    posts = [e.post for e in seed_examples()[:50]]
    np.testing.assert_allclose(
        predict_probabilities(loaded, posts, NOW), predict_probabilities(model, posts, NOW)
    )
    assert loaded.version == model.version and loaded.metrics == model.metrics


def _tamper_coefficient(document: dict) -> bytes:  # type: ignore[type-arg]
    document["model"]["heads"]["comment"]["engineered_coef"][0] += 5.0
    return json.dumps(document).encode()


def _tamper_with_checksum(document: dict) -> bytes:  # type: ignore[type-arg]
    from listen.models.model_file import _checksum

    document["model"]["heads"]["comment"]["text_coef"] = [1.0]  # wrong length
    document["sha256"] = _checksum(document["model"])
    return json.dumps(document).encode()


def _other_features(document: dict) -> bytes:  # type: ignore[type-arg]
    from listen.models.model_file import _checksum

    document["model"]["engineered_names"] = ["polarity"]
    document["sha256"] = _checksum(document["model"])
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_tamper_coefficient, "checksum mismatch"),
        (_tamper_with_checksum, "malformed model file"),
        (_other_features, "other features"),
        (lambda d: json.dumps(d).encode()[:5000], "not JSON"),
        (lambda d: b"\x80\x04\x95pickle-bytes", "not JSON"),
        (lambda d: b'{"format": "something-else"}', "not a listen model file"),
        (lambda d: b"[1, 2, 3]", "not a listen model file"),
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
    document = json.loads(path.read_text())
    path.write_bytes(_tamper_coefficient(document))
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


def test_is_improvement_guard() -> None:
    current = Metrics(0.6, 0.7, 0.70, 100, 40)
    assert is_improvement(Metrics(0.7, 0.7, 0.80, 100, 40), current)
    assert not is_improvement(Metrics(0.7, 0.7, 0.702, 100, 40), current)  # within noise
    assert not is_improvement(Metrics(0.5, 0.9, 0.90, 100, 40), current)  # less precise at 10
    assert not is_improvement(Metrics(1.0, 1.0, None, 10, 0), current)  # cannot be measured


def test_evaluate_metrics_on_a_hand_made_ranking() -> None:
    examples = [_example(i, NOW) for i in range(4)]
    examples = [
        dataclasses.replace(e, label=lab)
        for e, lab in zip(examples, ["comment", "skip", "share", "skip"], strict=True)
    ]
    preds = predict_rules([e.post for e in examples], NOW)
    scored = [
        dataclasses.replace(p, comment_probability=s, share_probability=0.0, action=a)
        for p, s, a in zip(
            preds, [0.9, 0.8, 0.7, 0.1], ["comment", "comment", "skip", "skip"], strict=True
        )
    ]
    metrics = evaluate(scored, examples)
    assert metrics.precision_at_10 == 0.5
    assert metrics.recall == 0.5
    assert metrics.roc_auc == pytest.approx(0.75)


def test_default_model_loads_fast_and_scores_fast() -> None:
    started = time.perf_counter()
    default_model()
    assert time.perf_counter() - started < 0.5
    performance = measure_scoring(2_000)
    assert performance.load_seconds < 0.5
    assert performance.posts_per_second > 1_000  # the bench measures the real figure


# -- learning from the user's history ------------------------------------------------------------


def test_training_learns_the_users_topic_and_contact(history: History) -> None:
    directory = history.data_dir
    now = history.last_post_at + timedelta(days=5)
    report = app.train(Config(), history.store, directory, now=now)
    assert report.installed, report
    assert report.candidate.roc_auc is not None and report.current.roc_auc is not None
    assert report.candidate.roc_auc >= report.current.roc_auc + 0.2
    assert report.candidate.precision_at_10 > report.current.precision_at_10
    assert report.train_examples > report.test_examples > 0
    loaded = load_current_model(directory)
    assert loaded.origin == "installed" and loaded.model.version == report.candidate_version
    assert loaded.model.metrics["model"]["roc_auc"] == report.candidate.roc_auc

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
    before = evaluate(predict(default_model(), posts, when), examples)
    predictions = predict(loaded.model, posts, when)
    after = evaluate(predictions, examples)
    assert before.roc_auc is not None and after.roc_auc is not None
    assert after.roc_auc > before.roc_auc + 0.2
    assert after.precision_at_10 > before.precision_at_10

    # The user never shares: the learned model stops suggesting it, and says why it suggests.
    assert not any(p.action == "share" for p in predictions)
    by_id = {p.post_id: p for p in predictions}
    zoe = [by_id[i] for i in new_ids[:4]]
    assert any("you often engage with Zoe" in p.reasons for p in zoe)
    bees = [by_id[i] for i in new_ids[4:8]]
    assert any("like posts you took part in before" in p.reasons for p in bees)


def test_a_model_that_is_not_better_is_not_installed(tmp_path: Path) -> None:
    from listen.store import Store

    # The user does exactly what the default model suggests: nothing to improve on.
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
        for day in range(30):
            specs = [
                ("ann", fill(rng.choice(requests), rng), True),
                ("bob", rng.choice(chatter), False),
                ("cat", rng.choice(chatter), False),
            ]
            add_posts(store, contacts, day, specs)
        end = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=40)
        report = app.train(Config(), store, tmp_path, now=end)
    assert not report.installed
    assert report.path is None
    assert not (tmp_path / "models").exists()
    assert load_current_model(tmp_path).origin == "default"


def test_training_needs_enough_history(tmp_path: Path) -> None:
    from listen.store import Store

    with Store.open(tmp_path / "listen.db") as store, pytest.raises(InputError, match="enough"):
        app.train(Config(), store, tmp_path)


def _labelled(i: int, at: datetime, label: str) -> LabelledPost:
    return dataclasses.replace(_example(i, at), label=label)


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
    assert second.train_examples + second.test_examples == sum(second.labels.values())
    assert second.current.roc_auc is not None and second.current.roc_auc > 0.9


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


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_cleanly(raw: bytes) -> None:
    from listen.models.model_file import model_from_bytes

    with pytest.raises(ModelFileError):
        model_from_bytes(raw, "fuzz")


@settings(max_examples=150, deadline=None)
@given(
    key=st.sampled_from(
        [
            "version",
            "terms",
            "idf",
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
    from listen.models.model_file import _checksum, model_from_bytes

    document = _small_document()
    document["model"][key] = value
    document["sha256"] = _checksum(document["model"])
    try:
        model = model_from_bytes(json.dumps(document).encode(), "fuzz")
    except ModelFileError:
        return
    predict(model, [PostForScoring(id="x", platform="x", text="Anyone know a good tool?")], NOW)
