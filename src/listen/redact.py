"""Keep secrets out of logs and stored error messages.

`Redactor` masks the values of the LISTEN_* secret environment variables wherever they appear,
plus anything shaped like a credential: Authorization headers, bearer tokens, `token=` style
query parameters, passwords in URLs and quoted `"password": "value"` pairs. Ordinary words and
paths stay readable (`/etc/passwd`, a config key named `api_key`, "bearer token missing").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

from listen.config import SECRET_ENV

MASK = "[REDACTED]"
_MIN_SECRET_CHARS = 4
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY")
# Names whose `name=value` is a credential wherever it appears (query strings, form bodies, logs).
_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|oauth_token|oauth_token_secret|token|api_key|apikey"
    r"|secret|client_secret|password|passwd|app_password"
)
# Names too common in ordinary text to mask after a bare word boundary: only as a query
# parameter (`?key=…`, `&sig=…`) or as a quoted key (`"session": "…"`).
_QUERY_ONLY_NAMES = r"key|pwd|auth|signature|sig|session"
# What a credential looks like after `Bearer `: not an ordinary word (a digit, punctuation, or
# long) — so "bearer token missing" and "basic settings" stay readable.
_CREDENTIAL = r"(?=[A-Za-z0-9._~+/=%-]*[0-9._~+/=%]|[A-Za-z0-9._~+/=%-]{20})[A-Za-z0-9._~+/=%-]{6,}"
_SCHEMES = r"bearer|basic|token|digest|oauth|bot|negotiate"
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer abc / Authorization: Basic xyz (a header: a scheme, then credentials)
    (
        re.compile(
            rf"(?i)(\bauthorization\s*[:=]\s*)(?:(?:{_SCHEMES})\s+[^'\"\s,}}]+|{_CREDENTIAL})"
        ),
        r"\g<1>" + MASK,
    ),
    # 'authorization': 'x' / "Authorization": "x" (a dict or JSON value, quoted)
    (
        re.compile(r"""(?i)(['"]authorization['"]\s*:\s*(['"]))[^'"\r\n]+(?=\2)"""),
        r"\g<1>" + MASK,
    ),
    (re.compile(rf"(?i)\b(bearer|basic)\s+{_CREDENTIAL}"), r"\g<1> " + MASK),
    # ?access_token=...&token=... in URLs and form bodies
    (
        re.compile(
            rf"(?i)((?:[?&;#](?:{_SECRET_NAMES}|{_QUERY_ONLY_NAMES})|\b(?:{_SECRET_NAMES}))=)"
            r"[^&\s'\"#;]+"
        ),
        r"\g<1>" + MASK,
    ),
    # "password": "x", 'api_key': 'x' (JSON bodies, dict reprs): a quoted key and a quoted value.
    # Unquoted `password: x` is not masked: that is how messages name a config key or a file.
    (
        re.compile(
            rf"""(?i)((['"])(?:{_SECRET_NAMES}|{_QUERY_ONLY_NAMES})\2\s*:\s*(['"]))[^'"\r\n]+(?=\3)"""
        ),
        r"\g<1>" + MASK,
    ),
    # https://user:password@host
    (_URL_PASSWORD, r"\g<1>" + MASK + "@"),
)


def without_url_password(text: str) -> str:
    """`text` with the password of any `scheme://user:password@host` masked: feed URLs are
    shown by `listen status` and `contacts list` (the user part stays, to tell them apart)."""
    return _URL_PASSWORD.sub(r"\g<1>" + MASK + "@", text) if "@" in text else text


def secret_values(env: Mapping[str, str], names: Iterable[str] = ()) -> list[str]:
    """Values of the named variables and of every LISTEN_* variable that looks secret."""
    wanted = set(names)
    wanted.update(
        key
        for key in env
        if key.startswith("LISTEN_") and any(word in key for word in _SECRET_WORDS)
    )
    values = {env[key] for key in wanted if len(env.get(key, "")) >= _MIN_SECRET_CHARS}
    # Longest first, so a secret containing another is masked whole.
    return sorted(values, key=len, reverse=True)


class Redactor:
    """Callable that masks secrets in a string."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = [s for s in secrets if len(s) >= _MIN_SECRET_CHARS]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Redactor:
        return cls(secret_values(env, SECRET_ENV.values()))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record's message (and traceback) and masks secrets."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.redactor(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True
