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


def test_redactor_still_masks_credentials_in_other_shapes():
    redact = Redactor([])
    cases = {
        "Authorization: ghp_0123456789abcdef": "Authorization: " + MASK,
        '{"session": "s3ss10n", "n": 1}': '{"session": "' + MASK + '", "n": 1}',
        "{'api_key': 'k-999'}": "{'api_key': '" + MASK + "'}",
        "https://h/x?sig=abc&key=k1": f"https://h/x?sig={MASK}&key={MASK}",
        "posted password=hunter2 in the form": f"posted password={MASK} in the form",
        "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAA": "Bearer " + MASK,
    }
    for raw, expected in cases.items():
        assert redact(raw) == expected, raw


ORDINARY_TEXT = [
    "cannot open database /etc/passwd: file is not a database",
    "/tmp/c.toml: x.api_key: unknown key; expected one of enabled, username",
    "/tmp/c.toml: collect.password: unknown key",
    "email.password is a secret, read only from the environment: set LISTEN_SMTP_PASSWORD",
    "bearer token missing: set LISTEN_X_BEARER_TOKEN",
    "uses basic settings, authorization: denied by the server",
    "session: expired; secret: not shown; token: none given",
    "sort key=name, 3 posts in /home/me/secret-notes/passwords.txt",
    "HTTP 401 Unauthorized from https://example.org/api/v1/accounts/verify_credentials",
]


def test_redactor_leaves_ordinary_words_and_paths_alone():
    redact = Redactor.from_env(ENV)
    for text in ORDINARY_TEXT:
        assert redact(text) == text


def test_cli_errors_name_files_and_config_keys_unmasked(tmp_path: Path):
    from click.testing import CliRunner

    from listen.cli import cli

    not_a_db = tmp_path / "passwd"
    not_a_db.write_text("root:x:0:0:root:/root:/bin/bash\n" * 50)
    result = CliRunner().invoke(cli, ["--db", str(not_a_db), "status"], env=ENV)
    assert result.exit_code != 0
    assert f"{not_a_db}: file is not a database" in result.output
    assert MASK not in result.output
    for key in ("api_key", "password", "session"):
        config = tmp_path / "config.toml"
        config.write_text(f"[collect]\n{key} = 3\n")
        args = ["--config", str(config), "--db", str(tmp_path / "l.db"), "status"]
        result = CliRunner().invoke(cli, args, env=ENV)
        assert result.exit_code == 2
        assert f"collect.{key}: unknown key" in result.output
        assert MASK not in result.output
