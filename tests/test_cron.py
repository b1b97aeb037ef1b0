"""`listen cron`: crontab lines and systemd units with absolute paths."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from listen.cli import cli
from listen.cron import Schedule, crontab, listen_command, systemd_units


def test_listen_command_prefers_the_script_beside_the_interpreter(tmp_path: Path):
    script = tmp_path / "bin" / "listen"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    python = tmp_path / "bin" / "python"
    assert listen_command("pytest", str(python)) == (str(script.resolve()),)
    assert listen_command("x", str(tmp_path / "nowhere" / "python")) == (
        str(tmp_path / "nowhere" / "python"),
        "-m",
        "listen",
    )


def test_crontab_and_systemd_text(tmp_path: Path):
    schedule = Schedule(("/opt/my env/bin/listen",), tmp_path / "c 50%.toml", tmp_path / "l.db")
    lines = [line for line in crontab(schedule, digest_hour=6).splitlines() if line[:1] != "#"]
    config = str((tmp_path / "c 50%.toml").resolve()).replace("%", "\\%")
    assert lines == [
        f"17 * * * * '/opt/my env/bin/listen' --config '{config}' --db {tmp_path / 'l.db'} run",
        f"0 6 * * * '/opt/my env/bin/listen' --config '{config}' --db {tmp_path / 'l.db'}"
        " digest --email",
    ]
    units = systemd_units(schedule, digest_hour=6)
    assert sorted(units) == [
        "listen-digest.service",
        "listen-digest.timer",
        "listen-run.service",
        "listen-run.timer",
    ]
    assert "OnCalendar=hourly" in units["listen-run.timer"]
    assert "OnCalendar=*-*-* 06:00:00" in units["listen-digest.timer"]
    assert "50%%.toml" in units["listen-run.service"]
    assert "Type=oneshot" in units["listen-digest.service"]


def test_cli_prints_the_current_executable_and_paths(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("")
    db = tmp_path / "data" / "listen.db"
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", str(db), "cron"])
    assert result.exit_code == 0, result.output
    run_line = next(line for line in result.output.splitlines() if line.endswith(" run"))
    executable = run_line.split()[5]
    assert os.path.isabs(executable)
    assert f"--config {config} --db {db} run" in run_line
    assert not db.exists()  # printing cron lines creates nothing
    systemd = CliRunner().invoke(cli, ["--db", str(db), "cron", "--systemd"])
    assert "# ~/.config/systemd/user/listen-run.timer" in systemd.output


def test_installed_script_prints_itself():
    script = Path(sys.executable).parent / "listen"
    result = subprocess.run(
        [str(script), "--db", "/tmp/x/listen.db", "cron"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"17 * * * * {script.resolve()} --db /tmp/x/listen.db run" in result.stdout
