"""`listen cron`: ready-to-paste crontab lines and systemd user units for the current install."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Schedule:
    """What to schedule, with absolute paths so cron's bare environment finds everything."""

    command: tuple[str, ...]  # how to start listen, e.g. ("/home/me/.venv/bin/listen",)
    config_path: Path | None
    db_path: Path | None

    def invocation(self, *args: str) -> str:
        words = list(self.command)
        if self.config_path:
            words += ["--config", str(self.config_path.expanduser().resolve())]
        if self.db_path:
            words += ["--db", str(self.db_path.expanduser().resolve())]
        return shlex.join([*words, *args])


def listen_command(argv0: str | None = None, python: str | None = None) -> tuple[str, ...]:
    """The absolute path of the running `listen` script, else `python -m listen`."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    python = sys.executable if python is None else python
    candidates = [Path(argv0)] if Path(argv0).name == "listen" else []
    candidates.append(Path(python).parent / "listen")
    for candidate in candidates:
        if candidate.is_file():
            return (str(candidate.resolve()),)
    return (str(Path(python).absolute()), "-m", "listen")


def crontab(schedule: Schedule, *, digest_hour: int = 7) -> str:
    """Hourly `listen run` (at a fixed odd minute) and the daily digest by email."""
    return "\n".join(
        [
            "# listen: collect + classify every hour, mail the digest every morning.",
            "# Secrets (LISTEN_*_TOKEN, LISTEN_SMTP_PASSWORD ...) must be set in the crontab,",
            "# e.g. LISTEN_SMTP_PASSWORD=... on a line of its own above these.",
            f"17 * * * * {_cron_escape(schedule.invocation('run'))}",
            f"0 {digest_hour} * * * {_cron_escape(schedule.invocation('digest', '--email'))}",
        ]
    )


def systemd_units(schedule: Schedule, *, digest_hour: int = 7) -> dict[str, str]:
    """User units (file name → content) for `systemctl --user enable --now listen-*.timer`."""
    env_file = "EnvironmentFile=-%h/.config/listen/env"
    units = {}
    for name, args, calendar, what in (
        ("listen-run", ("run",), "hourly", "collect and classify"),
        ("listen-digest", ("digest", "--email"), f"*-*-* {digest_hour:02d}:00:00", "mail digest"),
    ):
        units[f"{name}.service"] = "\n".join(
            [
                "[Unit]",
                f"Description=listen: {what}",
                "",
                "[Service]",
                "Type=oneshot",
                env_file,
                "ExecStart=" + schedule.invocation(*args).replace("%", "%%"),
                "",
            ]
        )
        units[f"{name}.timer"] = "\n".join(
            [
                "[Unit]",
                f"Description=listen: {what} ({calendar})",
                "",
                "[Timer]",
                f"OnCalendar={calendar}",
                "RandomizedDelaySec=300",
                "Persistent=true",
                "",
                "[Install]",
                "WantedBy=timers.target",
                "",
            ]
        )
    return units


def _cron_escape(command: str) -> str:
    """cron turns an unescaped % into a newline."""
    return command.replace("%", "\\%")
