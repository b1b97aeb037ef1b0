"""Classifying posts from a file (no database), and explaining one stored post's scores.

`listen classify --file` is the public way to evaluate any model: one JSON object a line in,
one JSON line a post out. Every line is checked before anything is scored, and a bad one is
named by its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from listen.clock import parse_iso, utcnow
from listen.errors import InputError
from listen.store import Store
from listen.text import printable

if TYPE_CHECKING:  # numpy loads only when a model is used
    from listen.models.features import PostForScoring
    from listen.models.model_file import LoadedModel
    from listen.models.rules import Prediction

MAX_LINE_CHARS = 1_000_000  # a post of 100 kB is fine; a megabyte on one line is not a post
BATCH = 2_000
FIELDS = ("id", "platform", "title", "text", "created_at", "priority")


@dataclass(frozen=True)
class FileClassification:
    """The model used (and why not the requested one, if so) and a prediction per post."""

    model_version: str
    model_origin: str
    model_problem: str | None
    predictions: list[Prediction]


def load_model_for(directory: Path | None, model_file: Path | None) -> LoadedModel:
    """The model to use: `model_file` if given (the bundled one, saying why, if it cannot be
    used), else the installed one, else the bundled one."""
    # numpy: only when a model is used
    from listen.models.model_file import (
        LoadedModel,
        ModelFileError,
        default_model,
        load_current_model,
        load_model,
    )

    if model_file is None:
        return load_current_model(directory)
    try:
        return LoadedModel(load_model(model_file), "file")
    except ModelFileError as exc:
        return LoadedModel(default_model(), "default", str(exc))


def read_posts(path: Path) -> list[PostForScoring]:
    """The posts of a JSON-lines file; a bad line is an `InputError` naming it."""
    try:
        with path.open(encoding="utf-8") as handle:
            return [
                post
                for number, line in enumerate(handle, start=1)
                if (post := _post(path, number, line))
            ]
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _post(path: Path, number: int, line: str) -> PostForScoring | None:
    from listen.models.features import PostForScoring  # numpy: only when posts are read

    if not line.strip():
        return None
    where = f"{path}, line {number}"
    if len(line) > MAX_LINE_CHARS:
        raise InputError(f"{where}: longer than {MAX_LINE_CHARS:,} characters")
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        raise InputError(f"{where}: not a JSON object") from None
    if not isinstance(row, dict):
        raise InputError(f"{where}: not a JSON object")
    post_id, platform = _post_id(row.get("id")), row.get("platform")
    if not post_id.strip():
        raise InputError(f'{where}: needs an "id" (a non-empty string or a number)')
    if not isinstance(platform, str) or not platform.strip():
        raise InputError(f'{where}: needs a "platform" (a string)')
    text, title = row.get("text") or "", row.get("title")  # null text: an empty post
    if not isinstance(text, str) or (title is not None and not isinstance(title, str)):
        raise InputError(f'{where}: "text" and "title" must be strings')
    platform = printable(platform).strip().lower()
    return PostForScoring(
        id=printable(post_id),
        platform=platform,
        text=printable(text),
        title=printable(title) if title else None,
        kind="article" if platform == "blog" else "post",
        created_at=_created_at(where, row.get("created_at")),
        contact_priority=_priority(where, row.get("priority", 2)),
    )


def _post_id(value: Any) -> str:
    """A post id as text: a string as it is, an integer in decimal (ids exported from other
    tools often are numbers); anything else is no id."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _created_at(where: str, value: Any) -> datetime | None:
    if value is None:
        return None
    moment = parse_iso(value) if isinstance(value, str) else None
    if moment is None:
        raise InputError(f'{where}: "created_at" must be an ISO 8601 time')
    return moment


def _priority(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3:
        raise InputError(f'{where}: "priority" must be 1, 2 or 3')
    return value


def classify_file(
    path: Path,
    *,
    directory: Path | None = None,
    model_file: Path | None = None,
    now: datetime | None = None,
) -> FileClassification:
    """Classify every post of a JSON-lines file, touching no database."""
    from listen.models.linear import predict  # numpy: only when a model is used

    posts = read_posts(path)
    loaded = load_model_for(directory, model_file)
    moment = now or utcnow()
    predictions: list[Prediction] = []
    for start in range(0, len(posts), BATCH):
        predictions.extend(predict(loaded.model, posts[start : start + BATCH], moment))
    return FileClassification(loaded.model.version, loaded.origin, loaded.problem, predictions)


def prediction_lines(result: FileClassification) -> Iterator[str]:
    """One JSON line per post: its id, the suggested action, both probabilities, the reasons."""
    for p in result.predictions:
        yield json.dumps(
            {
                "id": p.post_id,
                "action": p.action,
                "comment_probability": p.comment_probability,
                "share_probability": p.share_probability,
                "reasons": list(p.reasons),
            },
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class Explanation:
    """What pushed each head's probability of one post up or down."""

    post_id: str
    model_version: str
    model_problem: str | None
    action: str
    reasons: tuple[str, ...]
    heads: dict[str, dict[str, Any]]  # head → probability, base, up, down


def explain_post(
    store: Store,
    directory: Path | None,
    ref: str,
    *,
    model_file: Path | None = None,
    now: datetime | None = None,
) -> Explanation:
    """Explain the model's scores for the stored post `ref` (its id or link)."""
    # numpy: only when a model is used
    from listen.models.features import post_from_row
    from listen.models.linear import HEADS, contributions, predict
    from listen.models.reasons import explain

    post_id = store.resolve_post(ref)
    rows = store.posts_for_scoring(rescore=True, only=post_id)
    if not rows:
        raise InputError(f"no stored post with id or link {ref!r}")
    post = post_from_row(rows[0])
    loaded = load_model_for(directory, model_file)
    moment = now or utcnow()
    (prediction,) = predict(loaded.model, [post], moment)
    found = contributions(loaded.model, [post], moment)
    heads = {}
    for h, head in enumerate(HEADS):
        probability = (prediction.comment_probability, prediction.share_probability)[h]
        heads[head] = {"probability": probability, **explain(loaded.model, found, 0, h)}
    return Explanation(
        post.id, loaded.model.version, loaded.problem, prediction.action, prediction.reasons, heads
    )
