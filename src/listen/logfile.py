"""Logging for cron: a rotating file beside the database, with secrets masked everywhere."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Mapping
from pathlib import Path

from listen.redact import RedactingFilter, Redactor

LOG_FILENAME = "listen.log"
# `log.info(..., extra=FILE_ONLY)`: for the log file, not stderr (the CLI already printed it).
FILE_ONLY = {"file_only": True}
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def log_path_for(db_path: Path) -> Path:
    """The log file lives in the data directory, next to the database."""
    return db_path.with_name(LOG_FILENAME)


def configure_logging(verbose: int, env: Mapping[str, str]) -> None:
    """stderr gets errors (warnings with -v, debug with -vv); every handler masks secrets.

    Replaces the handlers a previous call installed, so repeated CLI invocations in one process
    (tests) write to the current stderr.
    """

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_listen_stderr", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._listen_stderr = True  # type: ignore[attr-defined]
    levels = {0: logging.ERROR, 1: logging.WARNING}
    handler.setLevel(levels.get(verbose, logging.DEBUG))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(Redactor.from_env(env)))
    handler.addFilter(lambda record: not getattr(record, "file_only", False))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
    # Chatty libraries stay quiet unless debugging.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)


def attach_log_file(
    db_path: Path,
    env: Mapping[str, str],
    *,
    level: int = logging.INFO,
    logger: logging.Logger | None = None,
) -> logging.Handler | None:
    """Log to `listen.log` beside the database (rotated at 1 MB, 5 kept); None if unwritable."""
    logger = logger or logging.getLogger()
    path = log_path_for(db_path).resolve()
    for handler in list(logger.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            if Path(handler.baseFilename) == path:
                return handler
            logger.removeHandler(handler)  # another database's log from an earlier invocation
            handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Opened now, not at the first record: a log that cannot be written is one line here,
        # not a "--- Logging error ---" traceback in the middle of a run.
        handler = _LogFile(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=False
        )
    except OSError as exc:
        _say_unwritable(path, exc)
        return None
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter(Redactor.from_env(env)))
    handler.owner = logger
    logger.addHandler(handler)
    return handler


class _LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file; if writing fails later (disk full, rotation refused), says so in
    one line and leaves the logger: the run goes on without its log."""

    owner: logging.Logger | None = None  # the logger it is attached to

    def handleError(self, record: logging.LogRecord) -> None:
        if self.owner is not None:
            self.owner.removeHandler(self)
        self.close()
        _say_unwritable(Path(self.baseFilename), sys.exc_info()[1])


def _say_unwritable(path: Path, exc: BaseException | None) -> None:
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    logging.getLogger("listen").error(
        "cannot write the log file %s (%s); going on without it", path, reason
    )
