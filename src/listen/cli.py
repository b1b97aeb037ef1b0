"""The `listen` command line: parse options, call `listen.app`, render the result."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.style import Style
from rich.table import Table
from rich.text import Text

from listen import app
from listen.clock import parse_iso, utcnow
from listen.config import Config, default_config_path, default_db_path, load_config
from listen.cron import Schedule, crontab, listen_command, systemd_units
from listen.digest.render import render, render_scores_text, render_text, score_to_dict
from listen.errors import ConfigError, InputError, ListenError, LockHeld
from listen.logfile import FILE_ONLY, attach_log_file, configure_logging
from listen.people.render import (
    circle_text,
    people_score_text,
    people_score_to_dict,
    story_text,
    story_to_dict,
)
from listen.redact import Redactor
from listen.text import clean_name, one_line
from listen.types import PLATFORMS, RunSummary, SourceOutcome

ProgressTask = Callable[..., None]

if TYPE_CHECKING:
    from listen.facts import RecentPost, RunRecord, Suggestion
    from listen.health import SourceHealth
    from listen.web.settings import WebSettings

EXIT_OK = 0
EXIT_SOURCES_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3


def exit_code_for(error: ListenError) -> int:
    """Documented exit codes: 2 for config/usage errors, 3 for a held lock, else 1."""
    if isinstance(error, ConfigError | InputError):
        return EXIT_USAGE
    if isinstance(error, LockHeld):
        return EXIT_LOCKED
    return EXIT_SOURCES_FAILED


@dataclass
class AppContext:
    """Global options, with the config and store opened on first use."""

    config_path: Path | None
    db_path: Path | None
    verbose: int
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    _config: Config | None = None
    _store: app.Store | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(
                self.config_path, self.env, required=self.config_path is not None
            )
            for note in self._config.deprecations:
                click.echo(f"listen: {note}", err=True)
        return self._config

    @property
    def resolved_db_path(self) -> Path:
        return self.db_path or default_db_path(self.env)

    @property
    def store(self) -> app.Store:
        if self._store is None:
            attach_log_file(self.resolved_db_path, self.env)
            self._store = app.open_store(
                self.resolved_db_path, timeout=self.config.collect.db_busy_timeout_seconds
            )
        return self._store

    @property
    def reading_store(self) -> app.Store:
        """The store for commands that only read: a missing database is not created."""
        if self._store is None and not self.resolved_db_path.exists():
            self._store = app.open_store_for_reading(self.resolved_db_path)
        return self.store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class ListenGroup(click.Group):
    """Turns `ListenError` into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        env = ctx.obj.env if isinstance(ctx.obj, AppContext) else dict(os.environ)
        try:
            return super().invoke(ctx)
        except ListenError as exc:
            message = Redactor.from_env(env)(str(exc))
            logging.getLogger("listen").error("%s", message, extra=FILE_ONLY)
            click.echo(f"Error: {message}", err=True)
            ctx.exit(exit_code_for(exc))


def _console(*, stderr: bool = False) -> Console:
    return Console(highlight=False, soft_wrap=True, stderr=stderr)


def _file_path(param: click.Parameter, value: Path | None) -> Path | None:
    """Refuse an empty `--db ''` (the current directory); expand a quoted `~/` as the shell
    would have (crontab lines and scripts quote paths)."""
    if value is not None and str(value) in ("", "."):
        raise click.BadParameter("needs a file path, not an empty one", param=param)
    return value.expanduser() if value is not None else None


# The `--format text|json` option several listing commands share.
text_or_json = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Text for people, JSON for scripts.",
)


@click.group(cls=ListenGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    callback=lambda ctx, param, value: _file_path(param, value),
    help="Config file (default: $LISTEN_CONFIG or the user config dir).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    callback=lambda ctx, param, value: _file_path(param, value),
    help="Database file (default: $LISTEN_DB or the user data dir).",
)
@click.option("-v", "--verbose", count=True, help="More output; -vv for debug logging.")
@click.version_option(package_name="listen")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None, verbose: int) -> None:
    """Stop lurking: collect your contacts' posts and see where to take part."""

    context = AppContext(config_path, db_path, verbose)
    configure_logging(verbose, context.env)
    ctx.obj = context
    ctx.call_on_close(context.close)


# -- collect ------------------------------------------------------------------------------------


@cli.command()
@click.option("--all", "poll_all", is_flag=True, help="Poll every source, not only the due ones.")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    type=click.Choice(["blog", "bluesky", "x", "mastodon"]),
    help="Only these platforms (repeatable).",
)
@click.pass_obj
def collect(obj: AppContext, poll_all: bool, platforms: tuple[str, ...]) -> None:
    """Poll due sources for new posts and your own activity."""
    with app.exclusive_run(obj.store):
        summary = collect_with_progress(
            obj.config,
            obj.store,
            app.CollectOptions(only_due=not poll_all, platforms=platforms or None),
        )
    render_run_summary(_console(), summary, failures=_console(stderr=True))
    render_x_reads(_console(), obj.config, obj.store, summary)
    if summary.failed:
        sys.exit(EXIT_SOURCES_FAILED)


@contextmanager
def progress_bar(console: Console | None, description: str) -> Iterator[ProgressTask]:
    """A transient progress bar on stderr, shown only on a terminal; yields an update function."""
    # rich.progress: only when a progress bar is shown
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = console or Console(stderr=True)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(**changes: Any) -> None:
            progress.update(task, **changes)

        yield update


def collect_with_progress(
    config: Config, store: app.Store, options: app.CollectOptions, console: Console | None = None
) -> RunSummary:
    """Run `app.collect` with a progress bar on a terminal."""
    with progress_bar(console, "Collecting") as update:

        def on_outcome(outcome: SourceOutcome) -> None:
            update(advance=1, description=f"Collecting {outcome.platform}")

        return app.collect(
            config,
            store,
            options,
            on_total=lambda total: update(total=total),
            on_outcome=on_outcome,
        )


def render_run_summary(
    console: Console, summary: RunSummary, failures: Console | None = None
) -> None:
    """One screen: new posts per platform, 304s; failures with their reason go to `failures`
    (stderr for `listen collect`, as for `listen run`)."""
    outcomes = summary.outcomes
    if not outcomes:
        console.print("Nothing to poll: no source is due (use --all to poll everything).")
        return
    # Light borders and short headers: the whole table fits a 60-column terminal untruncated.
    table = Table(
        title=f"Run {summary.run_id}: new posts and engagements",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
    )
    for column in ("platform", "sources", "posts", "engagements", "unchanged", "failed"):
        table.add_column(column, justify="left" if column == "platform" else "right", no_wrap=True)
    for platform in sorted({o.platform for o in outcomes}):
        mine = [o for o in outcomes if o.platform == platform]
        table.add_row(
            platform,
            str(len(mine)),
            str(sum(o.new_posts for o in mine)),
            str(sum(o.new_engagements for o in mine)),
            str(sum(o.not_modified for o in mine)),
            str(sum(1 for o in mine if o.error)),
        )
    console.print(table)
    seconds = summary.elapsed_seconds
    received = sum(o.bytes_received for o in outcomes)
    console.print(
        f"{len(outcomes)} sources polled in {seconds:.1f}s, {received / 1024:.0f} KiB received."
    )
    inbound = {p: sum(o.new_interactions for o in outcomes if o.platform == p) for p in PLATFORMS}
    if any(inbound.values()):
        parts = ", ".join(f"{p} {n}" for p, n in inbound.items() if n)
        console.print(f"{sum(inbound.values())} new interactions with you ({parts}).")
    by_error: dict[tuple[str, str], list[SourceOutcome]] = {}
    for outcome in summary.failed:
        by_error.setdefault((outcome.platform, outcome.error or ""), []).append(outcome)
    for (platform, error), failed in by_error.items():
        # One line per distinct error: a bad token fails every source of a platform alike.
        target = escape(one_line(failed[0].target))
        where = target if len(failed) == 1 else f"({len(failed)} sources)"
        (failures or console).print(
            f"[red]failed[/red] {platform} {where}: {escape(one_line(error))}"
        )


def render_x_reads(console: Console, config: Config, store: app.Store, summary: RunSummary) -> None:
    """X meters API reads by the month: show what is spent against the cap."""
    status = app.x_reads_to_show(config, store, summary)
    for line in status.lines() if status is not None else []:
        console.print(escape(line))


# -- posts --------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="How many posts.",
)
@text_or_json
@click.pass_obj
def posts(obj: AppContext, limit: int, fmt: str) -> None:
    """The newest collected posts."""
    rows = app.recent_posts(obj.reading_store, limit)
    if fmt == "json":
        click.echo(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
        return
    render_posts(_console(), rows)


def render_posts(console: Console, rows: Sequence[RecentPost]) -> None:
    if not rows:
        console.print("No posts yet: add contacts and run `listen collect`.")
        return
    table = Table(show_lines=False)
    for column in ("when", "platform", "contact", "post"):
        table.add_column(column, overflow="fold")
    for row in rows:
        headline = row.title or (row.text or "").split("\n")[0]
        table.add_row(
            (row.created_at or "")[:10],
            row.platform,
            escape(row.contact or row.author_handle or ""),
            linked(_excerpt(headline, 90), row.url),
        )
    console.print(table)


def linked(text: str, url: str | None) -> Text:
    """`text` as a terminal hyperlink to the post (http(s) only: the URL is untrusted)."""
    if url and url.lower().startswith(("http://", "https://")):
        return Text(text, style=Style(link=url))
    return Text(text)


def _excerpt(text: str, limit: int) -> str:
    text = one_line(text)  # post text is untrusted: no terminal escapes
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- mark ---------------------------------------------------------------------------------------


@cli.command()
@click.argument("post")
@click.argument("label", metavar="LABEL", type=click.Choice(app.MARK_LABELS))
@click.pass_obj
def mark(obj: AppContext, post: str, label: str) -> None:
    """Say what you did with POST (its id, or its link as the digest shows it).

    LABEL is comment, share, like, done (you took part some other way), skip (not worth it),
    irrelevant (it should not have been suggested) or intro (you introduced its author to
    someone). A reply to you listed under "They talked to you" is answered by marking its
    link comment or done.
    """
    post_id = app.mark_post(obj.store, post, label)
    click.echo(f"Marked {clean_name(post_id)} as {label}.")  # ids come from feeds: untrusted


# -- classify and train ------------------------------------------------------------------------


@cli.command()
@click.option("--rescore", is_flag=True, help="Score every post again (e.g. after `listen train`).")
@click.option(
    "--show",
    default=0,
    type=click.IntRange(0, 1_000),
    help="Then list the N most promising posts with their reasons.",
)
@click.option(
    "--file",
    "posts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Classify the posts of this JSON-lines file instead (no database): one JSON line each.",
)
@click.option(
    "--model",
    "model_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this model file (else the installed model, else the bundled one).",
)
@click.option(
    "--explain", "explain_ref", metavar="POST", help="Show what drove one stored post's scores."
)
@click.pass_obj
def classify(
    obj: AppContext,
    rescore: bool,
    show: int,
    posts_file: Path | None,
    model_file: Path | None,
    explain_ref: str | None,
) -> None:
    """Suggest an action (comment, share, like, skip) with reasons for each unscored post."""
    if posts_file is not None:
        classify_posts_file(obj, posts_file, model_file)
        return
    console = _console()
    if explain_ref is not None:
        explanation = app.explain_post(
            obj.store, app.data_dir(obj.store), explain_ref, model_file=model_file
        )
        render_explanation(console, explanation)
        return
    if model_file is not None:
        raise click.UsageError("--model goes with --file or --explain")
    summary = classify_with_progress(obj.config, obj.store, rescore=rescore)
    if not summary.scored and not app.has_posts(obj.store):
        console.print("No posts yet: add contacts and run `listen collect`.")
        return
    render_classify_summary(console, summary)
    if show:
        render_suggestions(console, app.suggestions(obj.store, show))


def classify_posts_file(obj: AppContext, posts_file: Path, model_file: Path | None) -> None:
    """`classify --file`: one JSON line per post on stdout; warnings on stderr."""
    result = app.classify_file(
        posts_file, directory=obj.resolved_db_path.parent, model_file=model_file
    )
    if result.model_problem:
        click.echo(f"listen: warning: using the bundled model: {result.model_problem}", err=True)
    for line in app.prediction_lines(result):
        click.echo(line)
    click.echo(
        f"listen: {len(result.predictions)} posts classified with model "
        f"{clean_name(result.model_version)} ({result.model_origin})",
        err=True,
    )


def render_explanation(console: Console, explanation: app.Explanation) -> None:
    """Per head: its probability, then the words and features that pushed it up and down."""
    if explanation.model_problem:
        problem = escape(explanation.model_problem)
        console.print(f"[yellow]warning[/yellow]: using the bundled model: {problem}")
    console.print(
        f"{escape(clean_name(explanation.post_id))}: {explanation.action} "
        f"(model {escape(explanation.model_version)}) — {escape('; '.join(explanation.reasons))}"
    )
    for head, found in explanation.heads.items():
        console.print(
            f"\n[bold]{head}[/bold] probability {found['probability']:.2f} "
            f"(starting point {found['base']:+.2f} in log-odds)"
        )
        for title, pushes in (("pushed up", found["up"]), ("pushed down", found["down"])):
            listed = ", ".join(f"{escape(name)} {value:+.2f}" for name, value in pushes)
            console.print(f"  {title}: {listed or 'nothing'}")


def classify_with_progress(
    config: Config, store: app.Store, *, rescore: bool = False, console: Console | None = None
) -> app.ClassifySummary:
    """Run `app.classify` with a progress bar on a terminal."""
    with progress_bar(console, "Classifying") as update:
        return app.classify(
            config,
            store,
            app.data_dir(store),
            rescore=rescore,
            on_total=lambda total: update(total=total),
            on_progress=lambda done: update(advance=done),
        )


def render_classify_summary(console: Console, summary: app.ClassifySummary) -> None:
    if summary.model_problem:
        console.print(
            f"[yellow]warning[/yellow]: using the default model: {escape(summary.model_problem)}"
        )
    if not summary.scored:
        console.print("Nothing to classify: every post is scored (use --rescore to redo them).")
        return
    counts = ", ".join(
        f"{summary.actions.get(action, 0)} {action}"
        for action in ("comment", "share", "like", "skip")
    )
    console.print(
        f"Classified {summary.scored} posts with model {escape(summary.model_version)} "
        f"({summary.model_origin}) in {summary.seconds:.1f}s: {counts}."
    )


def render_suggestions(console: Console, rows: Sequence[Suggestion]) -> None:
    """The most promising posts with their suggested action and reasons."""
    if not rows:
        console.print("No post is worth acting on yet.")
        return
    table = Table()
    for column in ("action", "p", "contact", "post", "why"):
        table.add_column(column, overflow="fold")
    for row in rows:
        headline = row.title or (row.text or "").split("\n")[0]
        probability = max(row.comment_probability, row.share_probability)
        table.add_row(
            row.action,
            f"{probability:.2f}",
            escape(row.contact or row.author_handle or ""),
            linked(_excerpt(headline, 60), row.url),
            escape("; ".join(row.reasons)),
        )
    console.print(table)


@cli.command()
@click.pass_obj
def train(obj: AppContext) -> None:
    """Learn from what you engaged with; install each head of the new model unless it does worse."""
    console = _console()
    with console.status("Training on your history…", spinner="dots"):
        report = app.train(obj.config, obj.store, app.data_dir(obj.store))
    render_train_report(console, report)


def render_train_report(console: Console, report: app.TrainReport) -> None:
    labels = ", ".join(f"{n} {label}" for label, n in sorted(report.labels.items()))
    console.print(
        f"Labelled posts: {labels}. Compared on {report.test_examples} (from "
        f"{report.split_at:%Y-%m-%d %H:%M}), each scored by a new model trained on about "
        f"{report.train_examples} others."
    )
    table = Table(title="Comparison, per head", title_justify="left")
    for column in ("scorer", "comment p@10", "AUC", "share p@10", "AUC"):
        table.add_column(column, justify="left" if column == "scorer" else "right")
    for name, heads in (
        ("rules", report.rules),
        (f"current: {report.current_version}", report.current),
        (f"new: {report.candidate_version}", report.candidate),
    ):
        cells = []
        for head in ("comment", "share"):
            metrics = heads[head]
            auc = "n/a" if metrics.roc_auc is None else f"{metrics.roc_auc:.3f}"
            cells += [f"{metrics.precision_at_10:.2f}", auc]
        table.add_row(escape(name), *cells)
    console.print(table)
    for comparison in report.comparisons:
        console.print(f"  {escape(comparison.explain())}")
    if report.recent:
        console.print(f"On the newest {report.recent[0].examples} of them:")
        for comparison in report.recent:
            console.print(f"  {escape(comparison.explain())}")
    if report.current_saw_test:
        console.print(
            "Note: the current model was trained on some of these posts, which favours it; "
            "it will be a fair race once more new posts are labelled."
        )
    if report.installed:
        console.print(
            f"[green]Installed[/green] {report.candidate_version} ({escape(str(report.path))}): "
            f"{escape(report.decision.removeprefix('installed: '))}. "
            "Run `listen classify --rescore` to apply it to scored posts."
        )
    else:
        console.print(f"{escape(report.decision[0].upper() + report.decision[1:])}.")


# -- contacts -----------------------------------------------------------------------------------


@cli.group()
def contacts() -> None:
    """Add, list, remove and import the people you follow."""


@contacts.command("add")
@click.argument("name")
@click.option("--priority", type=click.IntRange(1, 3), help="1 low, 2 normal, 3 high.")
@click.option("--notes", help="Free text kept with the contact.")
@click.option("--blog", "blogs", multiple=True, help="Feed URL (repeatable).")
@click.option("--bluesky", help="Handle or DID.")
@click.option("--x", "x_handle", help="Username.")
@click.option("--mastodon", help="user@instance.")
@click.option("--linkedin", help="Profile URL.")
@click.pass_obj
def contacts_add(
    obj: AppContext,
    name: str,
    priority: int | None,
    notes: str | None,
    blogs: tuple[str, ...],
    bluesky: str | None,
    x_handle: str | None,
    mastodon: str | None,
    linkedin: str | None,
) -> None:
    """Add a contact, or add identities to an existing one."""
    identities = [("blog", url) for url in blogs]
    for platform, handle in (
        ("bluesky", bluesky),
        ("x", x_handle),
        ("mastodon", mastodon),
        ("linkedin", linkedin),
    ):
        if handle:
            identities.append((platform, handle))
    try:
        saved = app.add_contact(
            obj.store, name, priority=priority, notes=notes, identities=identities
        )
    except app.IdentityProblem as exc:  # name the option the user typed
        raise InputError(f"--{exc.platform} {exc.problem}") from None
    click.echo(f"Saved {saved}.")


@contacts.command("list")
@text_or_json
@click.pass_obj
def contacts_list(obj: AppContext, fmt: str) -> None:
    """List contacts with their identities."""
    rows = app.list_contacts(obj.config, obj.reading_store)
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "name": r.name,
                        "priority": r.priority,
                        "notes": r.notes,
                        "platforms": sorted({p for p, _ in r.identities}),
                        "identities": [{"platform": p, "handle": h} for p, h in r.identities],
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    console = _console()
    if not rows:
        console.print("No contacts yet: `listen contacts add NAME --blog URL` or `import FILE`.")
        return
    table = Table()
    for column in ("name", "priority", "identities"):
        table.add_column(column, overflow="fold")
    for r in rows:
        idents = ", ".join(f"{p}: {h}" for p, h in r.identities)
        table.add_row(escape(r.name), str(r.priority), escape(idents))
    console.print(table)


@contacts.command("show")
@click.argument("name")
@text_or_json
@click.option(
    "--limit",
    default=40,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Timeline entries to show.",
)
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO 8601 time.")
@click.pass_obj
def contacts_show(obj: AppContext, name: str, fmt: str, limit: int, now_text: str | None) -> None:
    """One contact's story: identities, a timeline both ways, months, and the next step."""
    now = parse_now(now_text)
    story = app.contact_story(obj.config, obj.reading_store, name, now=now, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(story_to_dict(story), indent=2, ensure_ascii=False))
        return
    width = shutil.get_terminal_size((0, 0)).columns or 100
    click.echo(story_text(story, now=now, width=width), nl=False)


@contacts.command("suggest")
@text_or_json
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="How many people to list.",
)
@click.pass_obj
def contacts_suggest(obj: AppContext, fmt: str, limit: int) -> None:
    """People who engage with you but are not contacts, most engaged first."""
    found = app.suggest_contacts(obj.reading_store, limit=limit)
    if fmt == "json":
        rows = [
            {**asdict(s), "last_at": s.last_at.isoformat() if s.last_at else None} for s in found
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("Nobody outside your contacts has engaged with you lately.")
        return
    for s in found:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(s.kinds.items()))
        who = clean_name(s.display_name or s.handle)
        click.echo(f"{who} ({s.platform} {clean_name(s.handle)}): {s.interactions} ({kinds})")
        click.echo(f"  {one_line(s.command)}")


@contacts.command("remove")
@click.argument("name")
@click.pass_obj
def contacts_remove(obj: AppContext, name: str) -> None:
    """Remove a contact (their collected posts stay)."""
    app.remove_contact(obj.config, obj.store, name)
    click.echo(f"Removed {name}.")


@contacts.command("import")
@click.argument("source", required=False)
@click.option(
    "--from",
    "platform",
    type=click.Choice(["bluesky", "mastodon", "x"]),
    help="Import whom ACCOUNT (default: your own) follows on this platform.",
)
@click.option("--list", "list_id", help="A list instead: AT URI (Bluesky) or list id.")
@click.option("--dry-run", is_flag=True, help="Show what would be added and merged; save nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before a costly X import.")
@click.pass_obj
def contacts_import(
    obj: AppContext,
    source: str | None,
    platform: str | None,
    list_id: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Import contacts from a file (CSV, LinkedIn's Connections.csv, OPML), or whom you follow
    with --from bluesky|mastodon|x [ACCOUNT]."""
    if platform is not None:
        _import_follows(obj, platform, source, list_id, dry_run=dry_run, yes=yes)
        return
    if not source:
        raise InputError("give a FILE to import, or --from bluesky|mastodon|x")
    path = Path(source)
    imported = app.import_contacts_file(obj.store, path)
    saved = imported.saved
    more = [f"{imported.updated} updated"] if imported.updated else []
    more += [f"{imported.known} already known"] if imported.known else []
    tail = f"; {', '.join(more)}" if more else ""
    click.echo(f"Imported {saved} contact{'' if saved == 1 else 's'} from {path}{tail}.")
    for problem in imported.problems:
        click.echo(f"skipped {problem}", err=True)
    if nameless := imported.nameless_rows:
        shown = ", ".join(str(n) for n in nameless[:10]) + (", …" if len(nameless) > 10 else "")
        rows = "row" if len(nameless) == 1 else "rows"
        click.echo(f"skipped {len(nameless)} {rows} without a name ({rows} {shown})", err=True)


def _import_follows(
    obj: AppContext,
    platform: str,
    account: str | None,
    list_id: str | None,
    *,
    dry_run: bool,
    yes: bool,
) -> None:
    def confirm(quote: app.ImportQuote) -> bool:
        return click.confirm(f"{quote.line} Go on?", default=False, err=True)

    def progress(done: int, total: int | None) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{done:,}{f' / {total:,}' if total else ''} follows", nl=False, err=True)

    report = app.import_follows(
        obj.config,
        obj.store,
        platform,
        account,
        list_id=list_id,
        dry_run=dry_run,
        yes=yes,
        confirm=confirm,
        on_page=progress,
    )
    if sys.stderr.isatty():
        click.echo("", err=True)
    render_follows_import(report)


def render_follows_import(report: app.FollowsImportReport) -> None:
    """The cost first (X), then what was added, merged and suggested."""
    if report.quote is not None:
        click.echo(report.quote.line)
    if report.cancelled:
        click.echo("Nothing imported.")
        return
    where = f"{report.platform} {one_line(report.account)}"
    count = len(report.added)
    verb = "Would add" if report.dry_run else "Imported"
    click.echo(
        f"{verb} {count} new contact{'' if count == 1 else 's'} from {where}"
        f" ({report.already_known} already known, {report.skipped} suspended or deleted skipped,"
        f" {report.requests} requests{', resumed' if report.resumed else ''})."
    )
    if report.dry_run:
        for name in report.added:
            click.echo(f"  + {one_line(name)}")
    for merge in report.merges:
        verb = "would merge" if report.dry_run else "merged"
        click.echo(f"{verb} {one_line(merge.merged)} into {one_line(merge.kept)}: {merge.evidence}")
    for s in report.suggestions:
        click.echo(
            f"maybe one person: {one_line(s.a)} and {one_line(s.b)} ({one_line(s.reason)}):"
            f" listen contacts merge {shlex.quote(s.a)} {shlex.quote(s.b)}"
        )
    if report.spent:
        from listen.x_pricing import dollars  # only after an X import

        click.echo(f"X: this import cost {dollars(report.spent)}.")


@contacts.command("merge")
@click.argument("names", nargs=-1)
@click.option("--suggest", is_flag=True, help="List contacts that may be one person.")
@click.pass_obj
def contacts_merge(obj: AppContext, names: tuple[str, ...], suggest: bool) -> None:
    """Merge contact B into A (`merge A B`), or list suggestions (`merge --suggest`)."""
    if suggest:
        found = app.suggest_merges(obj.store)
        for s in found:
            click.echo(f"{s.a} + {s.b}: {one_line(s.reason)}")
        if not found:
            click.echo("No suggestions: verified matches are merged already.")
        return
    if len(names) != 2:
        raise InputError("merge takes two contact names (A B), or --suggest")
    done = app.merge_by_hand(obj.store, names[0], names[1])
    click.echo(f"Merged {done.merged} into {done.kept}.")


@contacts.command("split")
@click.argument("name")
@click.argument("platform", type=click.Choice(PLATFORMS))
@click.pass_obj
def contacts_split(obj: AppContext, name: str, platform: str) -> None:
    """Make NAME's PLATFORM account a contact of its own (never merged back automatically)."""
    new_name = app.split_by_hand(obj.store, name, platform)
    click.echo(f"Split {platform} from {name}: now {new_name}.")


@contacts.command("prioritize")
@click.option("--yes", is_flag=True, help="Apply the proposed priorities.")
@click.pass_obj
def contacts_prioritize(obj: AppContext, yes: bool) -> None:
    """Propose priority 3 for the people you interact with most (both ways) and 1 for those
    you never touched."""
    changes = app.propose_priorities(obj.store)
    for c in changes:
        times = "interaction" if c.engagements == 1 else "interactions"
        click.echo(f"{c.name}: {c.current} → {c.proposed} ({c.engagements} {times})")
    if not changes:
        click.echo("Priorities already match what you do.")
    elif yes:
        click.echo(f"Applied {app.apply_priorities(obj.store, changes)} priorities.")
    else:
        click.echo("Run again with --yes to apply.")


# -- run, status, cron (cron-driven operation) ------------------------------------------------


@cli.command()
@click.option(
    "-v", "--verbose", "verbose", count=True, help="Print the summary line (same as `listen -v`)."
)
@click.pass_obj
def run(obj: AppContext, verbose: int) -> None:
    """Collect due sources, detect participation and classify: the command for cron.

    Silent when all went well; -v prints one summary line. Failures go to stderr and the log.
    Exit codes: 0 ok, 1 some sources or steps failed, 2 usage/config error, 3 already running.
    """

    if verbose:  # `listen run -v` as well as `listen -v run`
        obj.verbose += verbose
        configure_logging(obj.verbose, obj.env)
    report = app.run_pipeline(obj.config, obj.store)
    for outcome in report.collect.failed:  # error text comes from remote servers: one_line
        where = f"{outcome.platform} {one_line(outcome.target)}"
        click.echo(f"failed: {where}: {one_line(outcome.error or '')}", err=True)
    for step in report.steps:
        if step.error:
            click.echo(f"failed: {step.name}: {one_line(step.error)}", err=True)
    if obj.verbose:
        click.echo(run_summary_line(report))
    logging.getLogger("listen").info("%s", run_summary_line(report), extra=FILE_ONLY)
    if report.failed:
        sys.exit(EXIT_SOURCES_FAILED)


def run_summary_line(report: app.PipelineReport) -> str:
    """`run 7: 12 sources polled (1 failed), 30 new posts, 2 new engagements; classify: …`."""
    summary = report.collect
    outcomes = summary.outcomes
    seconds = summary.elapsed_seconds
    parts = [
        f"run {summary.run_id}: {len(outcomes)} sources polled ({len(summary.failed)} failed)",
        f"{sum(o.new_posts for o in outcomes)} new posts",
        f"{sum(o.new_engagements for o in outcomes)} new engagements",
    ]
    steps = [f"{s.name}: {'failed' if s.error else s.detail or 'ok'}" for s in report.steps]
    return ", ".join(parts) + "".join(f"; {step}" for step in steps) + f" in {seconds:.1f}s"


@cli.command()
@text_or_json
@click.pass_obj
def status(obj: AppContext, fmt: str) -> None:
    """Each source's health: last success, errors, next poll; long-failing ones flagged."""
    report = app.status_report(obj.config, obj.reading_store)
    if fmt == "json":
        document = {
            "sources": [asdict(s) for s in report.sources],
            "alerts": len(report.alerts),
            "last_run": asdict(report.last_run) if report.last_run else None,
            "budgets": report.budgets,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        return
    console = Console(highlight=False)  # wraps long lines: the status must fit 60 columns
    render_last_run(console, report.last_run)
    render_budgets(console, report.budgets)
    if not report.sources:
        if obj.config.contacts:  # sources are made from the config's contacts at each run
            count = len(obj.config.contacts)
            console.print(f"No sources polled yet: `listen run` polls your {count} contact(s).")
        else:
            console.print("No sources: add contacts first (`listen contacts add`).")
        return
    render_source_health(console, report.sources)
    if report.alerts:
        console.print(f"[red]{len(report.alerts)} source(s) need attention.[/red]")


def render_last_run(console: Console, run_row: RunRecord | None) -> None:
    """One line: the last run's status, failed steps, and how many sources it polled."""
    if run_row is None:
        console.print("No run yet: `listen run` (see `listen cron` to schedule it).")
        return
    failed_steps = [
        str(e["step"])
        for e in run_row.errors
        if isinstance(e, dict) and e.get("step") not in (None, "collect")
    ]
    steps = f" ({', '.join(failed_steps)} failed)" if failed_steps else ""
    started = _short_time(str(run_row.started_at))
    console.print(
        f"Last run {run_row.id} ({run_row.command}): {run_row.status}{steps}, "
        f"started {started} UTC, {run_row.sources_polled} sources polled, "
        f"{run_row.sources_failed} failed."
    )


def render_budgets(console: Console, budgets: dict[str, object]) -> None:
    """The lines each platform's budget gives (X: dollars spent against the monthly budget)."""
    for platform, budget in budgets.items():
        lines = budget.get("lines") if isinstance(budget, dict) else None
        if isinstance(lines, list):
            for line in lines:
                console.print(escape(str(line)))
        else:
            console.print(f"{platform} read budget: {escape(str(budget))}")


def render_source_health(console: Console, sources: Sequence[SourceHealth]) -> None:
    """A table narrow enough for 60 columns (grouped by platform, long targets fold), then one
    line per problem."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True)
    table.add_column("source", overflow="fold", ratio=1)
    table.add_column("last ok", no_wrap=True)
    table.add_column("errors", justify="right", no_wrap=True)
    table.add_column("next poll", no_wrap=True)
    platform = None
    for s in sources:
        if s.platform != platform:
            platform = s.platform
            table.add_row(f"[bold]{escape(platform)}[/bold]")
        table.add_row(
            "  " + escape(_source_label(s, with_platform=False)),
            _short_time(s.last_success_at) or "never",
            str(s.error_count),
            (_short_time(s.next_poll_at) or "due") if s.enabled else "disabled",
            style="red" if s.alert else None,
        )
    console.print(table)
    for s in sources:
        if not (s.alert or s.last_error or s.backlog or s.note):
            continue
        last_error = f"last error: {s.last_error}" if s.last_error else None
        problem = "; ".join(one_line(p) for p in (s.alert, last_error, s.backlog, s.note) if p)
        label = escape(_source_label(s))
        console.print(f"[red]![/red] {label}: {escape(_excerpt(problem, 300))}")


def _source_label(source: SourceHealth, *, with_platform: bool = True) -> str:
    kind = f" ({source.kind})" if source.kind in ("self", "comments", "inbound") else ""
    target = one_line(source.target)
    if not with_platform:  # in the table, under a platform heading: the scheme is noise
        target = target.removeprefix("https://").removeprefix("http://")
    return f"{source.platform} {target}{kind}" if with_platform else f"{target}{kind}"


def _short_time(iso: str | None) -> str | None:
    """`2026-11-25T17:40:12+00:00` → `11-25 17:40` (UTC, like the database); another year's
    time → `2025-11-25`."""

    if not iso or len(iso) < 16:
        return iso or None
    if iso[:4] != str(utcnow().year):
        return iso[:10]
    return iso[5:16].replace("T", " ")


@cli.command()
@click.option("--systemd", is_flag=True, help="Print systemd user units instead of crontab lines.")
@click.option(
    "--digest-hour",
    default=7,
    show_default=True,
    type=click.IntRange(0, 23),
    help="Hour (local time) of the daily digest mail.",
)
@click.pass_obj
def cron(obj: AppContext, systemd: bool, digest_hour: int) -> None:
    """Print crontab lines (or systemd user timers) for hourly runs and a daily digest."""

    config_path = obj.config_path
    if config_path is None and default_config_path(obj.env).exists():
        config_path = default_config_path(obj.env)
    schedule = Schedule(listen_command(), config_path, obj.resolved_db_path)
    if not systemd:
        click.echo("# Add with `crontab -e`:")
        click.echo(crontab(schedule, digest_hour=digest_hour))
        return
    for name, text in systemd_units(schedule, digest_hour=digest_hour).items():
        click.echo(f"# ~/.config/systemd/user/{name}")
        click.echo(text)
    click.echo("# Secrets: LISTEN_...=value lines in ~/.config/listen/env (chmod 600). Then:")
    click.echo("# systemctl --user daemon-reload")
    click.echo("# systemctl --user enable --now listen-run.timer listen-digest.timer")


# -- digest, score, import (issue 7) ------------------------------------------------------------

_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_DURATION_DAYS = 3650  # ten years: longer windows reach before any post and overflow dates


def parse_duration(text: str, option: str) -> timedelta:
    """`90m`, `24h`, `30d`, `2w` → timedelta; anything else is a usage error."""
    text = text.strip().lower()
    number, unit = text[:-1], text[-1:]
    valid = unit in _DURATION_UNITS and number.isascii() and number.isdigit()
    if not valid or int(number) <= 0:
        raise InputError(f"{option} takes a duration like 24h, 30d or 2w, not {text!r}")
    if int(number) > MAX_DURATION_DAYS * 24 * 60:  # more minutes than the cap: cannot be valid
        raise InputError(f"{option} is at most {MAX_DURATION_DAYS} days, not {text!r}")
    duration = timedelta(**{_DURATION_UNITS[unit]: int(number)})
    if duration > timedelta(days=MAX_DURATION_DAYS):
        raise InputError(f"{option} is at most {MAX_DURATION_DAYS} days, not {text!r}")
    return duration


def parse_now(text: str | None) -> datetime:
    """`--now` (ISO 8601, for reproducible output) or the current time."""

    if not text:
        return utcnow()
    moment = parse_iso(text)
    if moment is None or not 1970 <= moment.year <= 9000:
        raise InputError(f"--now takes an ISO 8601 time like 2024-05-01T08:00:00Z, not {text!r}")
    return moment


@cli.command()
@click.option(
    "--since",
    "since_text",
    metavar="DURATION",
    help="Posts from this far back: 90m, 24h, 7d, 2w (default: digest.since_hours).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "json"]),
    default="text",
    show_default=True,
    help="html is one self-contained page, as mailed.",
)
@click.option("--email", is_flag=True, help="Mail it (text + HTML) to email.to.")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO 8601 time.")
@click.pass_obj
def digest(
    obj: AppContext,
    since_text: str | None,
    fmt: str,
    email: bool,
    output: Path | None,
    now_text: str | None,
) -> None:
    """The daily digest: reply, share, going cold, yesterday, participation."""

    since = parse_duration(since_text, "--since") if since_text else None
    now = parse_now(now_text)
    built = app.daily_digest(obj.config, obj.store, now=now, since=since, record=False)
    if fmt == "text" and output is None:  # to a terminal (or a pipe): fit its width
        rendered = render_text(built, width=shutil.get_terminal_size((0, 0)).columns)
    else:
        rendered = render(built, fmt)

    def show(text: str) -> None:
        click.echo(text, nl=False)

    def delivered(how: str, where: str) -> None:
        click.echo(f"{'Wrote' if how == 'written' else 'Mailed'} the digest to {where}.", err=True)

    screen = show if output is None and not email else None
    delivery = app.DigestDelivery(output=output, screen=screen, email=email)
    app.deliver_digest(
        obj.config, obj.store, built, rendered, delivery, now=now, on_delivered=delivered
    )


@cli.command()
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    type=click.Choice(list(PLATFORMS)),
    help="Only this platform (repeatable).",
)
@click.option(
    "--window",
    "window_text",
    default=None,
    metavar="DURATION",
    help="Score over this window: 7d, 2w, 30d (default: digest.score_window_days).",
)
@text_or_json
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO 8601 time.")
@click.pass_obj
def score(
    obj: AppContext,
    platforms: tuple[str, ...],
    window_text: str | None,
    fmt: str,
    now_text: str | None,
) -> None:
    """Participation score per platform (0-100) with its components and trend."""

    window = parse_duration(window_text, "--window") if window_text else None
    now = parse_now(now_text)
    scores = app.participation(
        obj.config,
        obj.reading_store,
        now=now,
        window=window,
        platforms=list(dict.fromkeys(platforms)) or None,  # `--platform x --platform x`: once
    )
    people = app.people_score(obj.config, obj.reading_store, now=now, window=window)
    if fmt == "json":
        document = {
            "scores": [score_to_dict(s) for s in scores],
            "people": people_score_to_dict(people),
        }
        click.echo(json.dumps(document, indent=2))
        return

    width = shutil.get_terminal_size((0, 0)).columns  # 0 through a pipe: lines stay whole
    click.echo(render_scores_text(scores, width=width), nl=False)
    click.echo(people_score_text(people, width=width))


@cli.group("import")
def import_group() -> None:
    """Import your own activity from platforms without an API."""


@import_group.command("linkedin")
@click.argument("export_dir", type=click.Path(path_type=Path))
@click.pass_obj
def import_linkedin(obj: AppContext, export_dir: Path) -> None:
    """Read Comments.csv, Shares.csv and Reactions.csv from an unzipped LinkedIn export."""

    summary = app.import_linkedin_export(obj.store, export_dir, now=utcnow())
    kinds = (
        ", ".join(
            f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in sorted(summary.by_kind.items())
        )
        or "nothing"
    )
    click.echo(
        f"Read {', '.join(summary.files)}: {kinds}; {summary.added} new engagements "
        f"({summary.read - summary.added} already known)."
    )
    for reason, count in sorted(summary.skipped.items()):
        click.echo(f"skipped {count} row{'' if count == 1 else 's'}: {reason}", err=True)


def demo_digest_and_scores(console: Console, config: Config, store: app.Store) -> None:
    """The demo's last steps: the digest as of the newest post, then the scores."""

    window = app.demo_window(store)
    if window is None:
        console.print("No posts collected: no digest to show.")
        return
    now, since = window.now, window.since
    console.print(
        f"\n[bold]Digest[/bold] (recorded data: 'now' is {now:%Y-%m-%d %H:%M} UTC, an hour "
        f"after the newest post, and the digest looks back {since.days} days to cover the rest)"
    )
    built = app.daily_digest(config, store, now=now, since=since)
    console.print(render_text(built), markup=False, highlight=False)
    if built.reply:
        top = built.reply[0]
        console.print(
            f"[bold]Take part[/bold]: you reply to {escape(top.contact)}'s post "
            f"(recorded with `listen mark {escape(top.post_id)} comment`)"
        )
        app.mark_post(store, top.post_id, "comment", now=now)
    console.print("\n[bold]Participation score per platform[/bold] (last 30 days)")
    scores = app.participation(config, store, now=now + timedelta(minutes=1))
    console.print(render_scores_text(scores), markup=False, highlight=False)
    demo_people(console, config, store, now + timedelta(minutes=1))


def demo_people(console: Console, config: Config, store: app.Store, now: datetime) -> None:
    """The demo's people step: the story of the contact who did most with your posts, the
    circle, and who engages with you without being a contact."""
    name = app.most_engaged_contact(store)
    if name is None:
        return
    console.print(f"\n[bold]People[/bold]: {escape(name)}'s story (`listen contacts show`)")
    story = app.contact_story(config, store, name, now=now, limit=12)
    console.print(story_text(story, now=now), markup=False, highlight=False)
    console.print("[bold]Your circle[/bold]")
    console.print(
        "\n".join(circle_text(app.circle_report(config, store, now=now), 100)[2:]),
        markup=False,
        highlight=False,
    )
    suggested = app.suggest_contacts(store, now=now, limit=3)
    if suggested:
        console.print("[bold]Not contacts yet[/bold] (`listen contacts suggest`)")
    for s in suggested:
        console.print(f"  {one_line(s.command)}  ({s.interactions} with you)", markup=False)


def demo_import_follows(
    console: Console, config: Config, store: app.Store, accounts: dict[str, str]
) -> None:
    """The demo's first-day step: whom one recorded account per platform follows."""
    console.print("\n[bold]First day: import whom you follow[/bold] (recorded follows)")
    for platform, account in accounts.items():
        report = app.import_follows(config, store, platform, account, yes=True)
        render_follows_import(report)
    people = app.people(store)
    several = [p for p in people if len(p.platforms) > 1]
    console.print(f"{len(people)} people; on more than one platform:")
    for person in several:
        console.print(f"  {escape(person.name)}: {', '.join(person.platforms)}")
    for line in app.x_read_status(config, store).lines():
        console.print(escape(line))


# -- demo ---------------------------------------------------------------------------------------


@cli.command()
@click.option("--serve", "then_serve", is_flag=True, help="Then serve the web app on its data.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8150,
    show_default=True,
    help="With --serve: the port to serve on.",
)
@click.option("--open", "open_browser", is_flag=True, help="With --serve: open the browser.")
@click.pass_obj
def demo(obj: AppContext, then_serve: bool, port: int, open_browser: bool) -> None:
    """Run listen end to end on bundled real data served from 127.0.0.1 (offline); with
    --serve, then show it in the web app (`listen serve` on the demo's database)."""
    from listen.demo import demo_workspace  # the loopback demo servers: only for `listen demo`

    console = _console()
    with demo_workspace() as workspace:
        console.print(
            f"[bold]listen demo[/bold]: loopback server at {workspace.server.base_url}, "
            f"throw-away database {workspace.db_path}"
        )
        with app.open_store(workspace.db_path) as store:
            console.print("\n[bold]1. Collect[/bold] (real collectors, real HTTP, recorded data)")
            summary = collect_with_progress(
                workspace.config, store, app.CollectOptions(only_due=False)
            )
            render_run_summary(console, summary)
            render_x_reads(console, workspace.config, store, summary)
            console.print("\n[bold]2. Collect again[/bold] (conditional GET: unchanged → 304)")
            again = collect_with_progress(
                workspace.config, store, app.CollectOptions(only_due=False)
            )
            render_run_summary(console, again)
            render_x_reads(console, workspace.config, store, again)
            console.print("\n[bold]Newest posts[/bold]")
            render_posts(console, app.recent_posts(store, 15))
            console.print("\n[bold]3. Classify[/bold] (suggested actions, with reasons)")
            render_classify_summary(console, classify_with_progress(workspace.config, store))
            render_suggestions(console, app.suggestions(store, 6))
            demo_digest_and_scores(console, workspace.config, store)
            demo_import_follows(console, workspace.config, store, workspace.follows)
            window = app.demo_window(store)
        if then_serve:
            from listen.web.settings import WebSettings  # the web app: only when serving

            console.print("\n[bold]The web app[/bold] on the demo's data (Ctrl-C ends the demo)")
            settings = WebSettings(workspace.config, workspace.db_path, "127.0.0.1", port)
            if window is not None:  # recorded data: 'now' is just after the demo's digest
                now = window.now + timedelta(minutes=1)
                settings = replace(settings, now=now, since=window.since)
            run_server(settings, open_browser)


# -- serve --------------------------------------------------------------------------------------


@cli.command()
@click.option("--host", help="Address to listen on (default: serve.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: serve.port, 8150).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in your browser.")
@click.option("--since", "since_text", metavar="DURATION", help="Today's look-back: 24h, 7d...")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO 8601 time.")
@click.pass_obj
def serve(
    obj: AppContext,
    host: str | None,
    port: int | None,
    open_browser: bool,
    since_text: str | None,
    now_text: str | None,
) -> None:
    """Serve the local web app: Today's digest with one-click marks, contacts, scores,
    sources and search. Off loopback it asks for a token (printed in the URL once)."""
    # the web app's settings: only for `listen serve`
    from listen.web.settings import WebSettings, is_loopback, load_or_create_token, token_path

    config = obj.config
    host = host or config.serve.host
    token = None
    if not is_loopback(host):
        token = load_or_create_token(token_path(config, obj.resolved_db_path))
    settings = WebSettings(
        config,
        obj.resolved_db_path,
        host,
        config.serve.port if port is None else port,
        token,
        now=parse_now(now_text) if now_text else None,
        since=parse_duration(since_text, "--since") if since_text else None,
    )
    obj.store.close()  # open (and migrate) it now: a bad database is one line here, not a page
    run_server(settings, open_browser)


def run_server(settings: WebSettings, open_browser: bool) -> None:
    """Bind, print the URL (and open it), then serve until Ctrl-C. The URL is printed as
    soon as the socket listens: connections wait in its backlog while the server starts."""
    from listen.web.settings import bind  # a plain socket: no web framework yet

    sock, settings = bind(settings)
    click.echo(f"listen serve: {settings.url()}  (Ctrl-C to stop)")
    if open_browser:
        import webbrowser  # only with --open

        webbrowser.open(settings.url())
    from listen.web.server import serve_on  # Starlette, uvicorn: only when serving

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops cleanly, then passes it on
        serve_on(settings, sock)
    click.echo("listen serve: stopped.")


def main() -> NoReturn:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="listen"))


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["PLATFORMS", "cli", "main"]
