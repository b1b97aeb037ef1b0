"""Secrets are masked in log records, tracebacks and error strings."""

from __future__ import annotations

import logging
from pathlib import Path

from listen.logfile import attach_log_file, log_path_for
from listen.redact import MASK, Redactor, secret_values

ENV = {
    "LISTEN_X_BEARER_TOKEN": "AAAAbearer%2Fsecret",
    "LISTEN_SMTP_PASSWORD": "hunter22",
    "LISTEN_CUSTOM_API_KEY": "custom-key-123",
    "LISTEN_DB": "/tmp/listen.db",  # not a secret
    "HOME": "/home/me",
}


def test_secret_values_come_from_listen_secret_variables():
    assert set(secret_values(ENV)) == {"AAAAbearer%2Fsecret", "hunter22", "custom-key-123"}


def test_redactor_masks_credentials_in_every_shape():
    redact = Redactor.from_env(ENV)
    cases = {
        "Authorization: Bearer abc.def-ghi": "Authorization: " + MASK,
        "{'authorization': 'Basic dXNlcjpwYXNz'}": "{'authorization': '" + MASK + "'}",
        "sent bearer eyJhbGciOi.payload.sig": "sent bearer " + MASK,
        "GET https://h/api?access_token=tok123&page=2": f"GET https://h/api?access_token={MASK}&page=2",
        "https://h/feed?token=abc": f"https://h/feed?token={MASK}",
        "smtp login hunter22 refused": f"smtp login {MASK} refused",
        "https://alice:pa55word@example.org/feed": f"https://alice:{MASK}@example.org/feed",
        '{"password": "pw1", "user": "bob"}': '{"password": "' + MASK + '", "user": "bob"}',
        "custom-key-123 and AAAAbearer%2Fsecret": f"{MASK} and {MASK}",
    }
    for raw, expected in cases.items():
        assert redact(raw) == expected, raw
    assert redact("HTTP 500 from https://example.org/feed.xml") == (
        "HTTP 500 from https://example.org/feed.xml"
    )


def test_log_file_masks_messages_args_and_tracebacks(tmp_path: Path):
    logger = logging.getLogger("test_redact_file")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = attach_log_file(tmp_path / "listen.db", ENV, logger=logger)
    assert handler is not None
    try:
        logger.info("calling with %s", "Authorization: Bearer zzz-top-secret")
        try:
            raise ValueError("login failed for hunter22")
        except ValueError:
            logger.exception("smtp %s", "error")
    finally:
        handler.close()
        logger.removeHandler(handler)
    text = log_path_for(tmp_path / "listen.db").read_text()
    assert "zzz-top-secret" not in text and "hunter22" not in text
    assert text.count(MASK) == 3 and "ValueError" in text  # message, source line, exception


def test_log_file_rotates(tmp_path: Path):
    logger = logging.getLogger("test_redact_rotate")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = attach_log_file(tmp_path / "listen.db", {}, logger=logger)
    assert handler is not None
    try:
        for i in range(50_000):
            logger.info("line %d %s", i, "x" * 120)
    finally:
        handler.close()
        logger.removeHandler(handler)
    logs = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("listen.log"))
    assert logs == ["listen.log", *(f"listen.log.{i}" for i in range(1, 6))]
    assert all((tmp_path / name).stat().st_size <= 1_000_100 for name in logs)
