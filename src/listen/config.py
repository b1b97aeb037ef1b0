"""TOML configuration → typed, validated `Config`.

Every section is a dataclass; its fields are the allowed keys, so a typo'd key or a wrong type
becomes one `ConfigError` naming the file, the key and the problem. Secrets never live here:
they are read from the environment (see `Config.secret`).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from listen.errors import ConfigError
from listen.identities import identity_problem

APP_NAME = "listen"

# Environment variables holding secrets, by purpose. Never stored, never logged.
SECRET_ENV = {
    "x_bearer_token": "LISTEN_X_BEARER_TOKEN",
    "x_consumer_key": "LISTEN_X_CONSUMER_KEY",
    "x_consumer_secret": "LISTEN_X_CONSUMER_SECRET",
    "x_access_token": "LISTEN_X_ACCESS_TOKEN",
    "x_access_token_secret": "LISTEN_X_ACCESS_TOKEN_SECRET",
    "bluesky_app_password": "LISTEN_BLUESKY_APP_PASSWORD",
    "mastodon_access_token": "LISTEN_MASTODON_ACCESS_TOKEN",
    "smtp_password": "LISTEN_SMTP_PASSWORD",
}


@dataclass(frozen=True, slots=True)
class MeConfig:
    """Who the user is, for recognising their own comments on blogs."""

    name: str = ""
    comment_names: list[str] = field(default_factory=list)
    site: str = ""
    feed: str = ""  # your blog's feed, for comments on your posts (default: found from `site`)


@dataclass(frozen=True, slots=True)
class CollectConfig:
    """How politely and how fast to poll."""

    interval_minutes: int = 60
    concurrency: int = 16
    per_host_concurrency: int = 8
    timeout_seconds: float = 20.0
    max_response_bytes: int = 10_000_000
    user_agent: str = "listen/0.1 (+https://github.com/listen-app/listen)"
    max_backoff_hours: float = 24.0
    # Reliability: `listen status` flags a source failing this many times or this long.
    failing_after_errors: int = 5
    failing_after_hours: float = 24.0
    db_busy_timeout_seconds: float = 30.0
    # What people do with your posts (replies, mentions, quotes, reposts, likes, follows).
    inbound: bool = True
    inbound_days: int = 14  # your posts this recent are checked without notifications


@dataclass(frozen=True, slots=True)
class BlogConfig:
    """RSS / Atom / JSON Feed polling."""

    enabled: bool = True
    comment_feed_days: int = 14


@dataclass(frozen=True, slots=True)
class BlueskyConfig:
    """Bluesky: your handle and the AppView to read from."""

    enabled: bool = True
    handle: str = ""
    base_url: str = "https://public.api.bsky.app"
    pds_url: str = "https://bsky.social"  # used when your DID document cannot be read
    plc_url: str = "https://plc.directory"  # where did:plc documents are resolved
    page_limit: int = 50
    max_pages: int = 5


@dataclass(frozen=True, slots=True)
class XConfig:
    """X (Twitter) API v2: your username, your monthly budget and X's prices."""

    enabled: bool = True
    username: str = ""
    base_url: str = "https://api.x.com"
    monthly_budget_usd: float = 5.0
    price_post_read_usd: float = 0.005
    price_user_read_usd: float = 0.010
    price_owned_read_usd: float = 0.001
    page_limit: int = 100
    max_pages: int = 3
    # Deprecated (X had a monthly Post cap before pay-per-use): a cap in posts or requests.
    # Given either, the budget counts in that unit instead of dollars.
    monthly_read_cap: int | None = None
    read_unit: str = "usd"  # "usd"; or, deprecated, "posts" / "requests" with monthly_read_cap

    @property
    def in_dollars(self) -> bool:
        return self.read_unit == "usd"

    @property
    def monthly_allowance(self) -> int:
        """The month's budget in the unit reads are counted in (micro-dollars, or the old cap)."""
        if self.in_dollars:
            return round(self.monthly_budget_usd * 1_000_000)
        return LEGACY_READ_CAP if self.monthly_read_cap is None else self.monthly_read_cap


LEGACY_READ_CAP = 100  # the old default of x.monthly_read_cap


@dataclass(frozen=True, slots=True)
class MastodonConfig:
    """Mastodon: your account as user@instance."""

    enabled: bool = True
    account: str = ""
    scheme: str = "https"
    page_limit: int = 40
    max_pages: int = 5


@dataclass(frozen=True, slots=True)
class DigestConfig:
    """The daily digest and the participation score."""

    top: int = 10
    since_hours: int = 24
    response_window_days: int = 3
    cold_after_days: int = 14
    score_window_days: int = 30
    explore_share: float = 0.1  # of each section's slots: posts the model is unsure about
    reply_back_hours: int = 24  # a contact's reply unanswered this long opens the digest


@dataclass(frozen=True, slots=True)
class CircleConfig:
    """The people you keep in touch with."""

    weekly_goal: int = 50  # distinct contacts to interact with, either way, each week
    untouched_days: int = 30  # a contact with no interaction for this long is untouched


@dataclass(frozen=True, slots=True)
class EmailConfig:
    """Where the digest is mailed; the password comes from LISTEN_SMTP_PASSWORD."""

    to: str = ""
    sender: str = ""
    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    username: str = ""


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """`listen serve`: where the web app listens, and the address mailed digests link to."""

    host: str = "127.0.0.1"
    port: int = 8150
    public_url: str = ""  # e.g. http://laptop.local:8150: the mailed digest's buttons go there


@dataclass(frozen=True, slots=True)
class ContactConfig:
    """A contact declared in the config file."""

    name: str
    priority: int = 2
    notes: str = ""
    blog: list[str] = field(default_factory=list)
    bluesky: str = ""
    x: str = ""
    mastodon: str = ""
    linkedin: str = ""

    def identities(self) -> list[tuple[str, str]]:
        """(platform, handle) pairs, one per feed or handle given."""
        pairs = [("blog", url) for url in self.blog]
        for platform in ("bluesky", "x", "mastodon", "linkedin"):
            handle = getattr(self, platform)
            if handle:
                pairs.append((platform, handle))
        return pairs


SECTIONS: dict[str, type] = {
    "me": MeConfig,
    "collect": CollectConfig,
    "blog": BlogConfig,
    "bluesky": BlueskyConfig,
    "x": XConfig,
    "mastodon": MastodonConfig,
    "digest": DigestConfig,
    "circle": CircleConfig,
    "email": EmailConfig,
    "serve": ServeConfig,
}


@dataclass(frozen=True)
class Config:
    """The whole configuration plus where it came from and the environment for secrets."""

    path: Path | None = None
    me: MeConfig = field(default_factory=MeConfig)
    collect: CollectConfig = field(default_factory=CollectConfig)
    blog: BlogConfig = field(default_factory=BlogConfig)
    bluesky: BlueskyConfig = field(default_factory=BlueskyConfig)
    x: XConfig = field(default_factory=XConfig)
    mastodon: MastodonConfig = field(default_factory=MastodonConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    circle: CircleConfig = field(default_factory=CircleConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    contacts: tuple[ContactConfig, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    deprecations: tuple[str, ...] = ()  # one line each, for the CLI to show on stderr

    def secret(self, purpose: str) -> str | None:
        """The secret for `purpose` from its environment variable, or None if unset."""
        value = self.env.get(SECRET_ENV[purpose], "")
        return value or None


def default_config_path(env: Mapping[str, str]) -> Path:
    """LISTEN_CONFIG, else the platform's user config dir."""
    if env.get("LISTEN_CONFIG"):
        return Path(env["LISTEN_CONFIG"]).expanduser()
    import platformdirs  # platformdirs: only when no path is given

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_db_path(env: Mapping[str, str]) -> Path:
    """LISTEN_DB, else the platform's user data dir."""
    if env.get("LISTEN_DB"):
        return Path(env["LISTEN_DB"]).expanduser()
    import platformdirs  # platformdirs: only when no path is given

    return Path(platformdirs.user_data_dir(APP_NAME)) / "listen.db"


def load_config(
    path: Path | None = None, env: Mapping[str, str] | None = None, *, required: bool = False
) -> Config:
    """Read and validate the config. A missing file is an error only when `required`."""
    env = dict(os.environ) if env is None else dict(env)
    if path is None:
        path = default_config_path(env)
        required = required or bool(env.get("LISTEN_CONFIG"))
    if not path.exists():
        if required:
            raise ConfigError(str(path), "file not found (see config.example.toml)")
        return Config(path=None, env=env)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # Notepad writes a BOM
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read: {exc}") from None
    return parse_config(data, path=path, env=env)


def parse_config(data: Mapping[str, Any], *, path: Path | None, env: Mapping[str, str]) -> Config:
    """Validate a parsed TOML document into a `Config`."""
    where = str(path) if path else "<config>"
    allowed = [*SECTIONS, "contacts"]
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if key == "contacts":
            continue
        if key not in SECTIONS:
            raise ConfigError(where, _unknown(key, allowed), key=key)
        if not isinstance(value, dict):
            raise ConfigError(where, "must be a table, e.g. [" + key + "]", key=key)
        sections[key] = _build(SECTIONS[key], value, where, key)
    raw_contacts = data.get("contacts", [])
    if not isinstance(raw_contacts, list):
        raise ConfigError(where, "must be an array of tables: [[contacts]]", key="contacts")
    contacts = []
    seen_names: dict[str, int] = {}
    for i, raw in enumerate(raw_contacts):
        prefix = f"contacts[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(where, "must be a table", key=prefix)
        if isinstance(raw.get("blog"), str):
            raw = {**raw, "blog": [raw["blog"]]}
        contact = _build(ContactConfig, raw, where, prefix)
        if not contact.name.strip():
            raise ConfigError(where, "must not be empty", key=f"{prefix}.name")
        if not 1 <= contact.priority <= 3:
            raise ConfigError(where, "must be 1 (low), 2 or 3 (high)", key=f"{prefix}.priority")
        for platform, handle in contact.identities():
            if problem := identity_problem(platform, handle):
                raise ConfigError(where, problem, key=f"{prefix}.{platform}")
        twin = seen_names.setdefault(contact.name.strip(), i)
        if twin != i:
            raise ConfigError(
                where, f"{contact.name!r} is also contacts[{twin}]", key=f"{prefix}.name"
            )
        contacts.append(contact)
    deprecations: list[str] = []
    if "x" in sections:
        sections["x"] = _legacy_x_cap(sections["x"], data.get("x", {}), deprecations)
    config = Config(
        path=path,
        contacts=tuple(contacts),
        env=dict(env),
        deprecations=tuple(deprecations),
        **sections,
    )
    _check_values(config, where)
    _check_limits(config, where)
    return config


def _legacy_x_cap(x: XConfig, raw: Mapping[str, Any], notes: list[str]) -> XConfig:
    """The pre-2026 `monthly_read_cap` / `read_unit` still work, with a one-line deprecation."""
    if "monthly_read_cap" not in raw and "read_unit" not in raw:
        return x
    unit = x.read_unit if "read_unit" in raw else "posts"
    if unit == "usd":
        return x
    cap = LEGACY_READ_CAP if x.monthly_read_cap is None else x.monthly_read_cap
    notes.append(
        f"x.monthly_read_cap is deprecated (X bills in dollars now): counting {cap} {unit} a "
        f"month; set x.monthly_budget_usd instead (e.g. {cap * x.price_post_read_usd:.2f} "
        f"for {cap} posts)"
    )
    return dataclasses.replace(x, read_unit=unit, monthly_read_cap=cap)


def _check_values(config: Config, where: str) -> None:
    if config.collect.concurrency < 1:
        raise ConfigError(where, "must be at least 1", key="collect.concurrency")
    if config.collect.per_host_concurrency < 1:
        raise ConfigError(where, "must be at least 1", key="collect.per_host_concurrency")
    if config.collect.timeout_seconds <= 0:
        raise ConfigError(where, "must be positive", key="collect.timeout_seconds")
    if config.collect.max_response_bytes < 1024:
        raise ConfigError(where, "must be at least 1024", key="collect.max_response_bytes")
    if config.x.monthly_read_cap is not None and config.x.monthly_read_cap < 0:
        raise ConfigError(where, "must not be negative", key="x.monthly_read_cap")
    if config.x.read_unit not in ("usd", "posts", "requests"):
        raise ConfigError(
            where, "must be 'usd' (or, deprecated, 'posts' or 'requests')", key="x.read_unit"
        )
    for key in (
        "monthly_budget_usd",
        "price_post_read_usd",
        "price_user_read_usd",
        "price_owned_read_usd",
    ):
        if getattr(config.x, key) < 0:
            raise ConfigError(where, "must not be negative", key=f"x.{key}")
    if config.x.price_post_read_usd <= 0:
        raise ConfigError(where, "must be positive", key="x.price_post_read_usd")
    if config.mastodon.account and "@" not in config.mastodon.account.lstrip("@"):
        raise ConfigError(where, "must look like user@instance", key="mastodon.account")
    if config.mastodon.scheme not in ("http", "https"):
        raise ConfigError(where, "must be https (or http for a local test)", key="mastodon.scheme")
    if config.serve.public_url and not config.serve.public_url.startswith(("http://", "https://")):
        raise ConfigError(where, "must be an http(s) URL", key="serve.public_url")


# Numeric keys a wrong value would silently break (a zero window scores nothing), with the
# smallest and largest allowed value (None: no upper bound).
NUMERIC_LIMITS: dict[str, tuple[float, float | None]] = {
    "collect.interval_minutes": (1, None),
    "collect.max_backoff_hours": (0.01, None),
    "blog.comment_feed_days": (0, None),
    "bluesky.page_limit": (1, None),  # collectors clamp large page sizes to the API's maximum
    "bluesky.max_pages": (1, None),
    "x.page_limit": (1, None),
    "x.max_pages": (1, None),
    "mastodon.page_limit": (1, None),
    "mastodon.max_pages": (1, None),
    "digest.top": (1, 1000),
    "serve.port": (1, 65535),
    "digest.since_hours": (1, 24 * 3650),  # ten years at most: longer overflows date arithmetic
    "digest.response_window_days": (1, 3650),
    "digest.cold_after_days": (1, 3650),
    "digest.score_window_days": (1, 3650),
    "digest.explore_share": (0, 0.5),
    "digest.reply_back_hours": (0, 24 * 3650),
    "collect.inbound_days": (1, 36500),
    "circle.weekly_goal": (1, 1_000_000),
    "circle.untouched_days": (1, 3650),
    "email.port": (1, 65535),
}


def _check_limits(config: Config, where: str) -> None:
    for key, (low, high) in NUMERIC_LIMITS.items():
        section, name = key.split(".")
        value = getattr(getattr(config, section), name)
        if value < low or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            raise ConfigError(where, f"must be {bounds}, not {shown}", key=key)


# Which secret environment variables belong to which config section.
_SECRET_SECTIONS = {"x": "x_", "bluesky": "bluesky_", "mastodon": "mastodon_", "email": "smtp_"}


def _refuse_secret(where: str, section: str, key: str) -> None:
    """A password or token typed into the config is told where it goes instead."""
    prefix = _SECRET_SECTIONS.get(section)
    if prefix is None or not any(w in key.lower() for w in ("password", "token", "secret")):
        return
    names = [env for purpose, env in SECRET_ENV.items() if purpose.startswith(prefix)]
    # Worded without "name: value" so that log redaction leaves the message readable.
    alternatives = f" (or {', '.join(names[1:])})" if len(names) > 1 else ""
    raise ConfigError(
        where,
        f"{section}.{key} is a secret, read only from the environment: set {names[0]}"
        f"{alternatives} there and remove it from this file",
    )


def _unknown(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(allowed)}"
    return f"unknown key{hint}"


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """`typing.get_type_hints`, once per class (it is slow, and runs for every contact)."""
    return typing.get_type_hints(cls)


def _build(cls: type, values: Mapping[str, Any], where: str, prefix: str) -> Any:
    """Instantiate dataclass `cls` from `values`, checking names and types."""
    hints = _type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            _refuse_secret(where, prefix, key)
            raise ConfigError(where, _unknown(key, list(fields)), key=f"{prefix}.{key}")
        kwargs[key] = _coerce(value, hints[key], where, f"{prefix}.{key}")
    missing = [
        name
        for name, f in fields.items()
        if f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
        and name not in kwargs
    ]
    if missing:
        raise ConfigError(where, "is required", key=f"{prefix}.{missing[0]}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, where: str, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list) or not all(isinstance(v, item_type) for v in value):
            raise ConfigError(where, f"must be a list of {item_type.__name__}", key=key)
        return list(value)
    if origin in (types.UnionType, typing.Union):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool):
        raise ConfigError(where, "must be a whole number", key=key)
    if not isinstance(value, hint):
        names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
        raise ConfigError(where, f"must be {names.get(hint, hint.__name__)}", key=key)
    return value


def config_to_toml(config: Config) -> str:
    """The config as TOML text `load_config` reads back (secrets stay in the environment)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return json.dumps(v)  # strings, numbers and lists of strings are valid TOML this way

    lines: list[str] = []
    for name in SECTIONS:
        lines.append(f"[{name}]")
        section = dataclasses.asdict(getattr(config, name)).items()
        lines += [f"{k} = {value(v)}" for k, v in section if v is not None]
    for contact in config.contacts:
        lines.append("[[contacts]]")
        lines += [f"{k} = {value(v)}" for k, v in dataclasses.asdict(contact).items()]
    return "\n".join(lines) + "\n"
