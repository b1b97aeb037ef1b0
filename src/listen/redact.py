"""Keep secrets out of logs and stored error messages.

`Redactor` masks the values of the LISTEN_* secret environment variables wherever they appear,
plus anything shaped like a credential: Authorization headers, bearer tokens, `token=` style
query parameters, passwords in URLs and `key: value` pairs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

MASK = "[REDACTED]"
_MIN_SECRET_CHARS = 4
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY")
_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|oauth_token|oauth_token_secret|token|api_key|apikey"
    r"|key|secret|client_secret|password|passwd|pwd|auth|signature|sig|session|app_password"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer abc / Authorization: Basic xyz / 'authorization': 'x'
    (
        re.compile(r"""(?i)(\bauthorization['"]?\s*[:=]\s*['"]?)[^'"\r\n,}]+"""),
        r"\g<1>" + MASK,
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=%-]+"), r"\g<1> " + MASK),
    # ?access_token=...&token=... in URLs and form bodies
    (
        re.compile(rf"(?i)([?&;]|\b)((?:{_SECRET_NAMES})=)[^&\s'\"#;]+"),
        r"\g<1>\g<2>" + MASK,
    ),
    # "password": "x", password: x, api_key='x'
    (
        re.compile(rf"""(?i)(\b(?:{_SECRET_NAMES})['"]?\s*:\s*['"]?)[^'"\s,}}]+"""),
        r"\g<1>" + MASK,
    ),
    # https://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@"), r"\g<1>" + MASK + "@"),
)


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
        from listen.config import SECRET_ENV

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
