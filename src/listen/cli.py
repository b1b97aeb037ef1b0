"""The `listen` command line: parse options, call `listen.app`, render the result."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from listen import app
from listen.config import Config, default_db_path, load_config
from listen.errors import ConfigError, InputError, ListenError, LockHeld
from listen.store import Store
from listen.types import PLATFORMS, RunSummary, SourceOutcome

if TYPE_CHECKING:
    from listen.digest.build import Digest

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
    _store: Store | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(
                self.config_path, self.env, required=self.config_path is not None
            )
        return self._config

    @property
    def resolved_db_path(self) -> Path:
        return self.db_path or default_db_path(self.env)

    @property
    def store(self) -> Store:
        if self._store is None:
            from listen.logfile import attach_log_file

            attach_log_file(self.resolved_db_path, self.env)
            self._store = app.open_store(
                self.resolved_db_path, timeout=self.config.collect.db_busy_timeout_seconds
            )
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class ListenGroup(click.Group):
    """Turns `ListenError` into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        from listen.logfile import FILE_ONLY
        from listen.redact import Redactor

        env = ctx.obj.env if isinstance(ctx.obj, AppContext) else dict(os.environ)
        try:
            return super().invoke(ctx)
        except ListenError as exc:
            message = Redactor.from_env(env)(str(exc))
            logging.getLogger("listen").error("%s", message, extra=FILE_ONLY)
            click.echo(f"Error: {message}", err=True)
            ctx.exit(exit_code_for(exc))
        except sqlite3.Error as exc:  # e.g. locked or corrupt database outside a transaction
            message = Redactor.from_env(env)(f"database error: {exc}")
            logging.getLogger("listen").error("%s", message, extra=FILE_ONLY)
            click.echo(f"Error: {message}", err=True)
            ctx.exit(EXIT_SOURCES_FAILED)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


@click.group(cls=ListenGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $LISTEN_CONFIG or the user config dir).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Database file (default: $LISTEN_DB or the user data dir).",
)
@click.option("-v", "--verbose", count=True, help="More output; -vv for debug logging.")
@click.version_option(package_name="listen")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None, verbose: int) -> None:
    """Stop lurking: collect your contacts' posts and see where to take part."""
    from listen.logfile import configure_logging

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
    render_run_summary(_console(), summary)
    render_x_reads(_console(), obj.config, obj.store, summary)
    if summary.failed:
        sys.exit(EXIT_SOURCES_FAILED)


def collect_with_progress(
    config: Config, store: Store, options: app.CollectOptions, console: Console | None = None
) -> RunSummary:
    """Run `app.collect` with a progress bar on a terminal."""
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
        task = progress.add_task("Collecting", total=None)

        def on_total(total: int) -> None:
            progress.update(task, total=total)

        def on_outcome(outcome: SourceOutcome) -> None:
            progress.update(task, advance=1, description=f"Collecting {outcome.platform}")

        return app.collect(config, store, options, on_total=on_total, on_outcome=on_outcome)


def render_run_summary(console: Console, summary: RunSummary) -> None:
    """One screen: new posts per platform, 304s, failures with their reason."""
    outcomes = summary.outcomes
    if not outcomes:
        console.print("Nothing to poll: no source is due (use --all to poll everything).")
        return
    table = Table(title=f"Run {summary.run_id}", title_justify="left")
    for column in ("platform", "sources", "new posts", "new engagements", "unchanged", "failed"):
        table.add_column(column, justify="left" if column == "platform" else "right")
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
    seconds = (summary.finished_at - summary.started_at).total_seconds()
    received = sum(o.bytes_received for o in outcomes)
    console.print(
        f"{len(outcomes)} sources polled in {seconds:.1f}s, {received / 1024:.0f} KiB received."
    )
    by_error: dict[tuple[str, str], list[SourceOutcome]] = {}
    for outcome in summary.failed:
        by_error.setdefault((outcome.platform, outcome.error or ""), []).append(outcome)
    for (platform, error), failed in by_error.items():
        # One line per distinct error: a bad token fails every source of a platform alike.
        where = escape(failed[0].target) if len(failed) == 1 else f"({len(failed)} sources)"
        console.print(f"[red]failed[/red] {platform} {where}: {escape(error)}")


def render_x_reads(console: Console, config: Config, store: Store, summary: RunSummary) -> None:
    """X meters API reads by the month: show what is spent against the cap."""
    if not any(o.platform == "x" for o in summary.outcomes) and not store.sources(platforms=["x"]):
        return
    spent, cap = app.x_read_status(config, store)
    console.print(f"X API reads this month: {spent} / {cap}")


# -- posts --------------------------------------------------------------------------------------


@cli.command()
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def posts(obj: AppContext, limit: int, fmt: str) -> None:
    """The newest collected posts."""
    rows = obj.store.recent_posts(limit)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    render_posts(_console(), rows)


def render_posts(console: Console, rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print("No posts yet: add contacts and run `listen collect`.")
        return
    table = Table(show_lines=False)
    for column in ("when", "platform", "contact", "post"):
        table.add_column(column, overflow="fold")
    for row in rows:
        headline = row["title"] or (row["text"] or "").split("\n")[0]
        table.add_row(
            (row["created_at"] or "")[:10],
            row["platform"],
            escape(row["contact"] or row["author_handle"] or ""),
            escape(_excerpt(headline, 90)),
        )
    console.print(table)


def _excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- mark ---------------------------------------------------------------------------------------


@cli.command()
@click.argument("post_id")
@click.argument("label", type=click.Choice(["comment", "share", "like", "skip", "done"]))
@click.pass_obj
def mark(obj: AppContext, post_id: str, label: str) -> None:
    """Say what you did with a post (or that it was not worth it: skip)."""
    from listen.clock import utcnow

    obj.store.mark_post(post_id, label, now=utcnow())
    click.echo(f"Marked {post_id} as {label}.")


# -- classify and train ------------------------------------------------------------------------


@cli.command()
@click.option("--rescore", is_flag=True, help="Score every post again (e.g. after `listen train`).")
@click.option(
    "--show",
    default=0,
    type=click.IntRange(0, 1_000),
    help="Then list the N most promising posts with their reasons.",
)
@click.pass_obj
def classify(obj: AppContext, rescore: bool, show: int) -> None:
    """Suggest an action (comment, share, like, skip) with reasons for each unscored post."""
    console = _console()
    summary = classify_with_progress(obj.config, obj.store, rescore=rescore)
    render_classify_summary(console, summary)
    if show:
        render_suggestions(console, obj.store.top_classified(show))


def classify_with_progress(
    config: Config, store: Store, *, rescore: bool = False, console: Console | None = None
) -> app.ClassifySummary:
    """Run `app.classify` with a progress bar on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = console or Console(stderr=True)
    with Progress(
        TextColumn("Classifying"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("classify", total=None)
        return app.classify(
            config,
            store,
            app.data_dir(store),
            rescore=rescore,
            on_total=lambda total: progress.update(task, total=total),
            on_progress=lambda done: progress.update(task, advance=done),
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


def render_suggestions(console: Console, rows: list[dict[str, Any]]) -> None:
    """The most promising posts with their suggested action and reasons."""
    if not rows:
        console.print("No post is worth acting on yet.")
        return
    table = Table()
    for column in ("action", "p", "contact", "post", "why"):
        table.add_column(column, overflow="fold")
    for row in rows:
        headline = row["title"] or (row["text"] or "").split("\n")[0]
        probability = max(row["comment_probability"], row["share_probability"])
        table.add_row(
            row["action"],
            f"{probability:.2f}",
            escape(row["contact"] or row["author_handle"] or ""),
            escape(_excerpt(headline, 60)),
            escape("; ".join(row["reasons"])),
        )
    console.print(table)


@cli.command()
@click.pass_obj
def train(obj: AppContext) -> None:
    """Learn from what you engaged with; install the new model only if it does better."""
    console = _console()
    with console.status("Training on your history…", spinner="dots"):
        report = app.train(obj.config, obj.store, app.data_dir(obj.store))
    render_train_report(console, report)


def render_train_report(console: Console, report: app.TrainReport) -> None:
    labels = ", ".join(f"{n} {label}" for label, n in sorted(report.labels.items()))
    console.print(
        f"Labelled posts: {labels}. Trained on {report.train_examples}, tested on the "
        f"{report.test_examples} newest (from {report.split_at:%Y-%m-%d %H:%M})."
    )
    table = Table(title="Hold-out comparison", title_justify="left")
    for column in ("scorer", "precision@10", "recall", "ROC AUC"):
        table.add_column(column, justify="left" if column == "scorer" else "right")
    for name, metrics in (
        ("rule baseline", report.rules),
        (f"current model ({report.current_version})", report.current),
        (f"new model ({report.candidate_version})", report.candidate),
    ):
        auc = "n/a" if metrics.roc_auc is None else f"{metrics.roc_auc:.3f}"
        table.add_row(escape(name), f"{metrics.precision_at_10:.2f}", f"{metrics.recall:.2f}", auc)
    console.print(table)
    if report.current_saw_test:
        console.print(
            "Note: the current model was trained on some of these posts, which favours it; "
            "it will be a fair race once more new posts are labelled."
        )
    if report.installed:
        console.print(
            f"[green]Installed[/green] {report.candidate_version} ({escape(str(report.path))}). "
            "Run `listen classify --rescore` to apply it to scored posts."
        )
    else:
        console.print("Kept the current model: the new one is not better on the newest posts.")


# -- contacts -----------------------------------------------------------------------------------


@cli.group()
def contacts() -> None:
    """Add, list, remove and import the people you follow."""


@contacts.command("add")
@click.argument("name")
@click.option("--priority", type=click.IntRange(1, 3), help="1 low, 2 normal, 3 high.")
@click.option("--notes")
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
    for url in blogs:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"--blog needs an http(s) feed URL, not {url!r}")
    if mastodon and "@" not in mastodon.lstrip("@"):
        raise InputError(f"--mastodon needs user@instance, not {mastodon!r}")
    identities = [("blog", url) for url in blogs]
    for platform, handle in (
        ("bluesky", bluesky),
        ("x", x_handle),
        ("mastodon", mastodon),
        ("linkedin", linkedin),
    ):
        if handle:
            identities.append((platform, handle))
    obj.store.upsert_contact(name, priority=priority, notes=notes, identities=identities)
    click.echo(f"Saved {name}.")


@contacts.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def contacts_list(obj: AppContext, fmt: str) -> None:
    """List contacts with their identities."""
    rows = obj.store.list_contacts()
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "name": r.name,
                        "priority": r.priority,
                        "notes": r.notes,
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


@contacts.command("remove")
@click.argument("name")
@click.pass_obj
def contacts_remove(obj: AppContext, name: str) -> None:
    """Remove a contact (their collected posts stay)."""
    if not obj.store.remove_contact(name):
        raise InputError(f"no contact named {name!r}")
    click.echo(f"Removed {name}.")


@contacts.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def contacts_import(obj: AppContext, path: Path) -> None:
    """Import contacts from CSV (incl. LinkedIn's Connections.csv) or OPML."""
    from listen.importers import read_contacts_file

    imported = read_contacts_file(path)
    problems = []
    saved = 0
    for contact in imported:
        try:
            app.import_contacts(
                obj.store, [(contact.name, contact.priority, contact.notes, contact.identities)]
            )
            saved += 1
        except InputError as exc:
            problems.append(f"{contact.name}: {exc}")
    click.echo(f"Imported {saved} contacts from {path}.")
    for problem in problems:
        click.echo(f"skipped {problem}", err=True)


# -- run, status, cron (cron-driven operation) ------------------------------------------------


@cli.command()
@click.pass_obj
def run(obj: AppContext) -> None:
    """Collect due sources, detect participation and classify: the command for cron.

    Silent when all went well; -v prints one summary line. Failures go to stderr and the log.
    Exit codes: 0 ok, 1 some sources or steps failed, 2 usage/config error, 3 already running.
    """
    from listen.logfile import FILE_ONLY

    report = app.run_pipeline(obj.config, obj.store)
    for outcome in report.collect.failed:
        click.echo(f"failed: {outcome.platform} {outcome.target}: {outcome.error}", err=True)
    for step in report.steps:
        if step.error:
            click.echo(f"failed: {step.name}: {step.error}", err=True)
    if obj.verbose:
        click.echo(run_summary_line(report))
    logging.getLogger("listen").info("%s", run_summary_line(report), extra=FILE_ONLY)
    if report.failed:
        sys.exit(EXIT_SOURCES_FAILED)


def run_summary_line(report: app.PipelineReport) -> str:
    """`run 7: 12 sources polled (1 failed), 30 new posts, 2 new engagements; classify: …`."""
    summary = report.collect
    outcomes = summary.outcomes
    seconds = (summary.finished_at - summary.started_at).total_seconds()
    parts = [
        f"run {summary.run_id}: {len(outcomes)} sources polled ({len(summary.failed)} failed)",
        f"{sum(o.new_posts for o in outcomes)} new posts",
        f"{sum(o.new_engagements for o in outcomes)} new engagements",
    ]
    steps = [f"{s.name}: {'failed' if s.error else s.detail or 'ok'}" for s in report.steps]
    return ", ".join(parts) + "".join(f"; {step}" for step in steps) + f" in {seconds:.1f}s"


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def status(obj: AppContext, fmt: str) -> None:
    """Each source's health: last success, errors, next poll; long-failing ones flagged."""
    import dataclasses

    report = app.status_report(obj.config, obj.store)
    if fmt == "json":
        document = {
            "sources": [dataclasses.asdict(s) for s in report.sources],
            "alerts": len(report.alerts),
            "last_run": report.last_run,
            "budgets": report.budgets,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        return
    console = _console()
    if report.last_run:
        run_row = report.last_run
        console.print(
            f"Last run {run_row['id']} ({run_row['command']}): {run_row['status']}, started "
            f"{run_row['started_at']}, {run_row['sources_polled']} polled, "
            f"{run_row['sources_failed']} failed."
        )
    else:
        console.print("No run yet: `listen run` (see `listen cron` to schedule it).")
    for platform, budget in report.budgets.items():
        if isinstance(budget, dict) and {"reads_this_month", "monthly_cap"} <= budget.keys():
            console.print(
                f"{platform} reads this month: {budget['reads_this_month']} of "
                f"{budget['monthly_cap']} {budget.get('unit', '')} ({budget.get('left', '?')} left)"
            )
        else:
            console.print(f"{platform} read budget: {escape(str(budget))}")
    if not report.sources:
        console.print("No sources: add contacts first.")
        return
    table = Table()
    for column in ("platform", "kind", "target", "last success", "errors", "last error", "next"):
        table.add_column(column, overflow="fold", justify="right" if column == "errors" else "left")
    for s in report.sources:
        style = "red" if s.alert else None
        table.add_row(
            s.platform,
            s.kind,
            escape(_excerpt(s.target, 60)),
            (s.last_success_at or "never")[:16],
            str(s.error_count),
            escape(_excerpt(s.alert or s.last_error or "", 60)),
            (s.next_poll_at or "now")[:16] if s.enabled else "disabled",
            style=style,
        )
    console.print(table)
    if report.alerts:
        console.print(f"[red]{len(report.alerts)} source(s) need attention.[/red]")


@cli.command()
@click.option("--systemd", is_flag=True, help="Print systemd user units instead of crontab lines.")
@click.option("--digest-hour", default=7, show_default=True, type=click.IntRange(0, 23))
@click.pass_obj
def cron(obj: AppContext, systemd: bool, digest_hour: int) -> None:
    """Print crontab lines (or systemd user timers) for hourly runs and a daily digest."""
    from listen.config import default_config_path
    from listen.cron import Schedule, crontab, listen_command, systemd_units

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


def parse_duration(text: str, option: str) -> timedelta:
    """`90m`, `24h`, `30d`, `2w` → timedelta; anything else is a usage error."""
    text = text.strip().lower()
    number, unit = text[:-1], text[-1:]
    if unit not in _DURATION_UNITS or not number.isdigit() or int(number) <= 0:
        raise InputError(f"{option} takes a duration like 24h, 30d or 2w, not {text!r}")
    return timedelta(**{_DURATION_UNITS[unit]: int(number)})


def parse_now(text: str | None) -> datetime:
    """`--now` (ISO 8601, for reproducible output) or the current time."""
    from listen.clock import parse_iso, utcnow

    if not text:
        return utcnow()
    moment = parse_iso(text)
    if moment is None:
        raise InputError(f"--now takes an ISO 8601 time like 2024-05-01T08:00:00Z, not {text!r}")
    return moment


def digest_subject(digest: Digest) -> str:
    if digest.empty:
        return "listen: a quiet day"
    return (
        f"listen: {len(digest.reply)} to reply, {len(digest.share)} to share, "
        f"{len(digest.cold)} going cold"
    )


@cli.command()
@click.option(
    "--since", "since_text", help="Posts from this far back (default: digest.since_hours)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "json"]),
    default="text",
    show_default=True,
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
    from listen.digest.render import render, render_html, render_text

    since = parse_duration(since_text, "--since") if since_text else None
    built = app.daily_digest(obj.config, obj.store, now=parse_now(now_text), since=since)
    rendered = render(built, fmt)
    if output is not None:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"Wrote the digest to {output}.", err=True)
    elif not email:
        click.echo(rendered, nl=False)
    if email:
        from listen.digest.send import send_digest

        to = send_digest(
            obj.config,
            subject=digest_subject(built),
            text=render_text(built),
            html=render_html(built),
        )
        click.echo(f"Mailed the digest to {to}.", err=True)


@cli.command()
@click.option("--platform", "platforms", multiple=True, type=click.Choice(list(PLATFORMS)))
@click.option("--window", "window_text", default=None, help="Score window (default 30d).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
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
    from listen.digest.render import render_scores_text, score_to_dict

    window = parse_duration(window_text, "--window") if window_text else None
    scores = app.participation(
        obj.config,
        obj.store,
        now=parse_now(now_text),
        window=window,
        platforms=platforms or None,
    )
    if fmt == "json":
        click.echo(json.dumps([score_to_dict(s) for s in scores], indent=2))
        return
    click.echo(render_scores_text(scores), nl=False)


@cli.group("import")
def import_group() -> None:
    """Import your own activity from platforms without an API."""


@import_group.command("linkedin")
@click.argument("export_dir", type=click.Path(path_type=Path))
@click.pass_obj
def import_linkedin(obj: AppContext, export_dir: Path) -> None:
    """Read Comments.csv, Shares.csv and Reactions.csv from an unzipped LinkedIn export."""
    from listen.clock import utcnow

    summary = app.import_linkedin_export(obj.store, export_dir, now=utcnow())
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.by_kind.items())) or "nothing"
    click.echo(
        f"Read {', '.join(summary.files)}: {kinds}; {summary.added} new engagements "
        f"({summary.read - summary.added} already known)."
    )
    for reason, count in sorted(summary.skipped.items()):
        click.echo(f"skipped {count} rows: {reason}", err=True)


# The recorded demo data spans years (some items carry no real date): look back this far at most.
DEMO_MAX_LOOKBACK_DAYS = 3650


def demo_digest_and_scores(console: Console, config: Config, store: Store) -> None:
    """The demo's last steps: the digest as of the newest post, then the scores."""
    from listen.digest.render import render_scores_text, render_text

    oldest, newest = store.post_time_range()
    if oldest is None or newest is None:
        console.print("No posts collected: no digest to show.")
        return
    now = newest + timedelta(hours=1)
    since = min(now - oldest, timedelta(days=DEMO_MAX_LOOKBACK_DAYS))
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
        store.mark_post(top.post_id, "comment", now=now)
    console.print("\n[bold]Participation score per platform[/bold] (last 30 days)")
    scores = app.participation(config, store, now=now + timedelta(minutes=1))
    console.print(render_scores_text(scores), markup=False, highlight=False)


# -- demo ---------------------------------------------------------------------------------------


@cli.command()
@click.pass_obj
def demo(obj: AppContext) -> None:
    """Run listen end to end on bundled real data served from 127.0.0.1 (offline)."""
    from listen.demo import demo_workspace

    console = _console()
    with demo_workspace() as workspace:
        console.print(
            f"[bold]listen demo[/bold]: loopback server at {workspace.server.base_url}, "
            f"throw-away database {workspace.db_path}"
        )
        with Store.open(workspace.db_path) as store:
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
            render_posts(console, store.recent_posts(15))
            console.print("\n[bold]3. Classify[/bold] (suggested actions, with reasons)")
            render_classify_summary(console, classify_with_progress(workspace.config, store))
            render_suggestions(console, store.top_classified(6))
            demo_digest_and_scores(console, workspace.config, store)


def main() -> NoReturn:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="listen"))


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["PLATFORMS", "cli", "main"]
