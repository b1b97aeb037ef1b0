#!/usr/bin/env python3
"""Does `listen train` learn a user's taste? Simulated users over 12 weeks, through listen.

    .venv/bin/python scripts/learning_curve.py [--worlds N] [--compare-explore] [--json FILE]

Each persona follows 40 contacts who post 30 corpus posts a day (the bundled corpus, shuffled
per world). Every evening listen classifies the new posts with the installed model and builds
the real digest (`app.daily_digest`: the top `digest.top` per section, some slots for posts it
is unsure about); the persona sees only those, acts on the ones it likes (`app.mark_post`:
reply, share or like) and ignores the rest, which become lurked (skip labels) after the
response window. `listen train` (`app.train`) runs after weeks 2, 4 and 10; a refused or
impossible training keeps the current model and the reason is recorded. Then each head's
precision@10 is measured on every post of weeks 11-12 against what the persona would do,
for the model installed after each training and for the default model.

Posts are stored with `Store.save_result`, the call `app.collect` makes with each poll's
result; no network collector runs. The feed's posts are held out of the corpus: the starting
("default") model of each world is built like the bundled one (same spec, same thresholds)
from the other corpus posts, and every `listen train` learns on top of it, so no model is
scored on a post it was fitted on with the policy's label.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from listen import app
from listen.config import Config, DigestConfig
from listen.errors import InputError
from listen.models.classifier import (
    DEFAULT_SPEC,
    corpus_rows,
    fit_model,
    labelled_from_row,
)
from listen.models.evaluation import precision_at
from listen.models.features import post_from_row
from listen.models.linear import LinearModel, contributions
from listen.models.model_file import default_model, install_model, load_current_model
from listen.store import Store
from listen.types import CollectResult, Post

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
DAYS = 84
POSTS_PER_DAY = 30  # 2,520 posts in the feed; the other ~1,600 corpus posts are the prior
CONTACTS = 40
AT_HOME = 0.8
TOP = 5  # per digest section: about 10 of the day's 30 posts are shown
TRAIN_AFTER_WEEKS = (2, 4, 10)
EVALUATE_DAYS = range(70, 84)  # weeks 11 and 12
PLATFORM_HANDLES = {
    "blog": "https://{n}.example.com/feed.xml",
    "bluesky": "{n}.example.com",
    "x": "{n}",
    "mastodon": "{n}@example.social",
    "linkedin": "https://www.linkedin.com/in/{n}",
}

Taste = Callable[[dict[str, Any], random.Random], str | None]


# The topic replier's third topic: software. One field alone (data/ML/AI, the first choice)
# gave about 5 posts to share in weeks 11-12, so a top 10 could not score above 0.5.
SOFTWARE = ("data/ML/AI", "software engineering", "devops/cloud", "open source")


def topic_replier(row: dict[str, Any], rng: random.Random) -> str | None:
    """Replies on two topics only (security, climate); shares resources on a third (software)."""
    if row["field"] in ("security", "climate") and row["label"] != "skip":
        return "comment"
    if row["field"] in SOFTWARE and row["label"] == "share":
        return "share"
    return None


def research_sharer(row: dict[str, Any], rng: random.Random) -> str | None:
    """Shares research and tools only; replies only to people asking for help (questions and
    requests for advice: the corpus's writers used the two kinds for the same posts, so a
    taste for one but not the other is not in the text)."""
    if row["kind"] in ("research", "release", "dataset"):
        return "share"
    if row["kind"] in ("advice-request", "question"):
        return "comment"
    return None


def mostly_liker(row: dict[str, Any], rng: random.Random) -> str | None:
    """Likes most things; replies only to life events and losses; shares job openings."""
    if row["kind"] in ("life-event", "loss"):
        return "comment"
    if row["kind"] == "job":
        return "share"
    return "like" if row["label"] != "skip" and rng.random() < 0.8 else None


def policy_follower(row: dict[str, Any], rng: random.Random) -> str | None:
    """Does what the label policy says (a control: the default model should already fit)."""
    return row["label"] if row["label"] != "skip" else None


PERSONAS: dict[str, Taste] = {
    "topic replier": topic_replier,
    "research sharer": research_sharer,
    "mostly likes": mostly_liker,
    "policy follower": policy_follower,
}


@dataclass
class Run:
    """One persona in one world: what happened at each training and the models it left."""

    persona: str
    explore: float
    trainings: list[str] = field(default_factory=list)
    models: dict[str, LinearModel] = field(default_factory=dict)
    shown: int = 0
    acted: int = 0


def make_world(store: Store) -> dict[tuple[int, str], Any]:
    """Contacts with an identity on every platform; (contact, platform) → its source."""
    index = {}
    for i in range(CONTACTS):
        name = f"c{i:02d}"
        identities = [(p, handle.format(n=name)) for p, handle in PLATFORM_HANDLES.items()]
        index[store.upsert_contact(f"Contact {i:02d}", priority=2, identities=identities)] = i
    store.sync_sources({}, list(PLATFORM_HANDLES))
    return {(index[s.contact_id], s.platform): s for s in store.sources() if s.contact_id}


def collect_day(
    store: Store, sources: dict[tuple[int, str], Any], rows: list[dict[str, Any]], day: int
) -> None:
    """Store the day's posts as the collectors would return them, one poll per post."""
    for k, row in enumerate(rows):
        created = START + timedelta(days=day, minutes=20 * k + 10)
        contact = int(row["contact"])
        post = Post(
            id=row["sim_id"],
            platform=row["platform"],
            url=f"https://example.com/{row['sim_id']}",
            author_handle=f"c{contact:02d}",
            title=row.get("title") or None,
            text=row["text"],
            created_at=created,
            raw_kind="article" if row["platform"] == "blog" else "post",
        )
        collected = created + timedelta(minutes=30)
        store.save_result(
            sources[contact, row["platform"]],
            CollectResult(posts=(post,)),
            now=collected,
            next_poll_at=collected + timedelta(hours=1),
        )


def live_day(
    config: Config,
    store: Store,
    folder: Path,
    run: Run,
    taste: Taste,
    day: int,
    by_id: dict[str, Any],
    rng: random.Random,
) -> None:
    """The evening: classify, digest (recorded as shown), and the persona acts on what it saw."""
    evening = START + timedelta(days=day, hours=22)
    app.classify(config, store, folder, now=evening)
    digest = app.daily_digest(config, store, now=evening, record=True)
    for item in (*digest.reply, *digest.share):
        run.shown += 1
        action = taste(by_id[item.post_id], rng)
        if action is not None:
            run.acted += 1
            app.mark_post(store, item.post_id, action, now=evening + timedelta(hours=1))


def train_now(
    config: Config, store: Store, folder: Path, run: Run, week: int, base: LinearModel
) -> None:
    """`listen train`; a refusal or an impossible training keeps the current model."""
    moment = START + timedelta(days=7 * week - 1, hours=23, minutes=30)
    try:
        report = app.train(config, store, folder, now=moment, base=base)
        run.trainings.append(
            f"week {week}: {report.decision} ({'; '.join(c.explain() for c in report.comparisons)}"
            f"; newest: {'; '.join(c.explain() for c in report.recent)})"
        )
    except InputError as exc:
        run.trainings.append(f"week {week}: kept the current model: {exc}")
    run.models[f"after {week} weeks"] = load_current_model(folder).model


def simulate(
    persona: str, world: World, explore: float, seed: int
) -> tuple[Run, dict[str, dict[str, float]]]:
    """One persona over 12 weeks: what happened, and each model's precision@10 on weeks 11-12."""
    taste = PERSONAS[persona]
    rng = random.Random(seed)
    config = Config(digest=DigestConfig(top=TOP, explore_share=explore))
    run = Run(persona, explore)
    rows = world.feed
    by_id = {r["sim_id"]: r for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        install_model(world.default, folder)
        with Store.open(folder / "listen.db") as store:
            sources = make_world(store)
            for day in range(DAYS):
                collect_day(
                    store, sources, rows[day * POSTS_PER_DAY : (day + 1) * POSTS_PER_DAY], day
                )
                if day < EVALUATE_DAYS[0]:
                    live_day(config, store, folder, run, taste, day, by_id, rng)
                if (day + 1) % 7 == 0 and (day + 1) // 7 in TRAIN_AFTER_WEEKS:
                    train_now(config, store, folder, run, (day + 1) // 7, world.default)
            run.models = {"default": world.default, **run.models}
            evaluation = evaluate(store, run, taste, by_id, seed)
    return run, evaluation


def evaluate(
    store: Store, run: Run, taste: Taste, by_id: dict[str, Any], seed: int
) -> dict[str, dict[str, float]]:
    """Precision@10 of each head of each model on all posts of weeks 11-12."""
    first = START + timedelta(days=EVALUATE_DAYS[0])
    stored = [r for r in store.posts_for_scoring(rescore=True) if r.id in by_id]
    posts = [post_from_row(r) for r in stored]
    posts = [p for p in posts if p.created_at is not None and p.created_at >= first]
    rng = random.Random(seed + 1)
    truth = [taste(by_id[p.id], rng) for p in posts]
    moments = [p.created_at + timedelta(hours=1) for p in posts if p.created_at is not None]
    found = {}
    for name, model in run.models.items():
        logits = contributions(model, posts, moments).logits  # unrounded: no ties at 1.0
        found[name] = {
            head: precision_at(logits[:, h].tolist(), [int(t == head) for t in truth])
            for h, head in enumerate(("comment", "share"))
        }
    found["positives"] = {h: float(sum(t == h for t in truth)) for h in ("comment", "share")}
    return found


@dataclass(frozen=True)
class World:
    """One shuffle of the corpus: the feed, and the starting model built from the rest."""

    feed: list[dict[str, Any]]
    default: LinearModel


def author(row: dict[str, Any], home: dict[str, int], rng: random.Random) -> int:
    """Who posts `row`: people mostly write about their own field, so a post is by its
    field's contact `AT_HOME` of the time, else by anyone."""
    return home[row["field"]] if rng.random() < AT_HOME else rng.randrange(CONTACTS)


def make_world_posts(seed: int) -> World:
    """The corpus shuffled: the first posts become the feed (each given a contact and a
    simulation id); the default model is fitted on the rest."""
    rows = corpus_rows()
    random.Random(seed).shuffle(rows)
    needed = DAYS * POSTS_PER_DAY
    if len(rows) < needed + 500:
        sys.exit(f"the corpus has {len(rows)} posts; the simulation needs {needed + 500}")
    rng = random.Random(seed + 7)
    home = {f: rng.randrange(CONTACTS) for f in sorted({r["field"] for r in rows})}
    feed = [
        {**row, "sim_id": f"sim-{i:05d}", "contact": author(row, home, rng)}
        for i, row in enumerate(rows[:needed])
    ]
    prior = [labelled_from_row(row) for row in rows[needed:]]
    shipped = default_model()
    model = fit_model(
        prior, version="sim-default", spec=DEFAULT_SPEC, thresholds=shipped.thresholds
    )
    return World(feed, model)


COLUMNS = ("default", "after 2 weeks", "after 4 weeks", "after 10 weeks")


def table(results: list[dict[str, Any]], compare_explore: bool) -> str:
    head = "| persona | world | " + " | ".join(f"{c} (comment / share)" for c in COLUMNS)
    if compare_explore:
        head += " | after 10 weeks, no explore slots"
    lines = [
        head + " | positives in weeks 11-12 |",
        "|---|---:|" + "---:|" * (len(COLUMNS) + 1 + compare_explore),
    ]
    for r in results:
        cells = [f"{r['p10'][c]['comment']:.2f} / {r['p10'][c]['share']:.2f}" for c in COLUMNS]
        if compare_explore:
            other = r["no_explore"]["after 10 weeks"]
            cells.append(f"{other['comment']:.2f} / {other['share']:.2f}")
        positives = r["p10"]["positives"]
        cells.append(f"{positives['comment']:.0f} / {positives['share']:.0f}")
        lines.append(f"| {r['persona']} | {r['world']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mean_table(results: list[dict[str, Any]]) -> str:
    """Each persona's precision@10 averaged over the worlds, and how far each training moved
    it from the default (the issue's targets: +0.2 after 2 weeks, +0.4 or 0.9 after 4)."""
    lines = [
        "| persona | worlds | " + " | ".join(f"{c} (comment / share)" for c in COLUMNS)
        + " | positives in weeks 11-12 |",
        "|---|---:|" + "---:|" * (len(COLUMNS) + 1),
    ]  # fmt: skip
    for persona in dict.fromkeys(r["persona"] for r in results):
        mine = [r for r in results if r["persona"] == persona]

        def mean(column: str, head: str, rows: list[dict[str, Any]] = mine) -> float:
            return sum(r["p10"][column][head] for r in rows) / len(rows)

        cells = []
        for column in COLUMNS:
            c, s = mean(column, "comment"), mean(column, "share")
            base_c, base_s = mean("default", "comment"), mean("default", "share")
            gain = "" if column == "default" else f" ({c - base_c:+.2f} / {s - base_s:+.2f})"
            cells.append(f"{c:.2f} / {s:.2f}{gain}")
        cells.append(f"{mean('positives', 'comment'):.0f} / {mean('positives', 'share'):.0f}")
        lines.append(f"| {persona} | {len(mine)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--worlds", type=int, default=1)
    parser.add_argument("--first-world", type=int, default=0, help="the first world's seed")
    parser.add_argument("--personas", nargs="*", default=list(PERSONAS))
    parser.add_argument(
        "--compare-explore", action="store_true", help="also run without explore slots"
    )
    parser.add_argument("--explore", type=float, default=0.1, help="digest.explore_share")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--tables-from", type=Path, help="print the tables of a --json file")
    args = parser.parse_args()
    if args.tables_from:
        stored = json.loads(args.tables_from.read_text("utf-8"))
        print(mean_table(stored) + "\n\n" + table(stored, "no_explore" in stored[0]))
        return
    results = []
    for world in range(args.first_world, args.first_world + args.worlds):
        posts = make_world_posts(world)
        for persona in args.personas:
            run, p10 = simulate(persona, posts, args.explore, world)
            result = {
                "persona": persona,
                "world": world,
                "p10": p10,
                "trainings": run.trainings,
                "shown": run.shown,
                "acted": run.acted,
            }
            if args.compare_explore:
                other, other_p10 = simulate(persona, posts, 0.0, world)
                result["no_explore"] = other_p10
                result["no_explore_trainings"] = other.trainings
            results.append(result)
            print(json.dumps(result), flush=True)
    print()
    print(mean_table(results) + "\n\n" + table(results, args.compare_explore))
    for r in results:
        print(f"\n{r['persona']} (world {r['world']}): shown {r['shown']}, acted on {r['acted']}")
        for line in r["trainings"]:
            print(f"  {line}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
