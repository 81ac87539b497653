"""The `[[notify]]` channels and the `[site]` notify settings of statusgen.toml.

Only the *names* of the environment variables that hold secrets are in the file; their values
are read when `statusgen notify` runs (secrets.py), so `check` and `build` never need them.
This module imports nothing from the rest of statusgen but errors, so config.py can use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from statusgen.errors import Problems
from statusgen.text import is_loopback_host

KINDS = ("webhook", "slack", "teams", "discord", "google_chat", "telegram", "ntfy", "mastodon", "email")
NOTICE_KINDS = ("incident", "maintenance")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}

# Settings every channel takes, then the ones each kind takes (required ones first in the tuple).
COMMON_KEYS = {"name", "kind", "components", "notices"}
KIND_KEYS = {
    "webhook": {"url_env", "secret_env"},
    "slack": {"url_env"},
    "teams": {"url_env"},
    "discord": {"url_env"},
    "google_chat": {"url_env"},
    "ntfy": {"url_env", "token_env"},
    "telegram": {"token_env", "chat_id", "api_url"},
    "mastodon": {"instance", "token_env", "visibility"},
    "email": {"smtp_host", "smtp_port", "starttls", "tls", "from", "to", "username_env", "password_env",
              "unsubscribe"},
}
REQUIRED_ENV = {"webhook": ("url_env",), "slack": ("url_env",), "teams": ("url_env",), "discord": ("url_env",),
                "google_chat": ("url_env",), "ntfy": ("url_env",), "telegram": ("token_env",),
                "mastodon": ("token_env",), "email": ()}
MASTODON_VISIBILITY = ("public", "unlisted", "private")


@dataclass(frozen=True)
class Reminder:
    """A maintenance reminder `before` the window starts; `label` ("24h") goes into its stable id."""

    before: timedelta
    label: str


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    components: tuple[str, ...] = ()  # empty: every component
    notices: tuple[str, ...] = NOTICE_KINDS
    url_env: str | None = None
    secret_env: str | None = None
    token_env: str | None = None
    instance: str | None = None  # mastodon
    visibility: str = "public"  # mastodon
    chat_id: str | None = None  # telegram
    api_url: str = "https://api.telegram.org"  # telegram (a local Bot API server also works)
    smtp_host: str | None = None  # email
    smtp_port: int = 587
    starttls: bool = True
    tls: bool = False
    sender: str | None = None  # email `from`
    to: tuple[str, ...] = ()
    username_env: str | None = None
    password_env: str | None = None
    unsubscribe: str | None = None  # default: mailto the list address

    @property
    def secret_envs(self) -> tuple[str, ...]:
        names = (self.url_env, self.secret_env, self.token_env, self.username_env, self.password_env)
        return tuple(n for n in names if n)


def web_url_problem(value: str) -> str | None:
    """Why `value` is not an https URL (http only for loopback), or None."""
    parsed = urlparse(value)
    if parsed.scheme == "http" and is_loopback_host(parsed.hostname):
        return None
    if parsed.scheme != "https" or not parsed.netloc:
        return "expected an absolute https URL (http only for localhost)"
    return None


def parse_reminders(problems: Problems, file: str, value) -> tuple[Reminder, ...]:
    if value is None:
        return ()
    found = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        match = DURATION.match(item) if isinstance(item, str) else None
        if not match or int(match.group(1)) == 0:
            problems.add(file, "site.remind_before",
                         f"found {item!r}; expected a list of durations such as [\"24h\", \"1h\", \"30m\", \"2d\"]")
            continue
        count, unit = int(match.group(1)), match.group(2)
        found.append(Reminder(timedelta(minutes=count * UNIT_MINUTES[unit]), f"{count}{unit}"))
    unique = {r.before: r for r in found}
    return tuple(sorted(unique.values(), key=lambda r: -r.before.total_seconds()))


def parse_hub(problems: Problems, file: str, value) -> str | None:
    if value is None:
        return None
    problem = web_url_problem(value) if isinstance(value, str) else "expected an absolute https URL"
    if problem:
        problems.add(file, "site.websub_hub", f"found {value!r}; {problem}")
        return None
    return value


class _Fields:
    """One [[notify]] table: typed reads that record problems instead of raising."""

    def __init__(self, problems: Problems, file: str, table: dict, where: str):
        self.problems, self.file, self.table, self.where = problems, file, table, where
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.ok = False
        self.problems.add(self.file, f"{self.where}.{key}", message)

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                self.error(key, "missing; expected a text value")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"found {value!r}; expected non-empty text")
            return None
        return value.strip()

    def env(self, key: str, required: bool) -> str | None:
        value = self.text(key, required)
        if value is not None and not ENV_NAME.match(value):
            self.error(key, f"found {value!r}; expected the NAME of an environment variable "
                            "(letters, digits, '_'), which holds the secret")
            return None
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.error(key, f"found {value!r}; expected true or false")
            return default
        return value

    def choices(self, key: str, allowed: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.table.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.error(key, f"found {value!r}; expected a non-empty list, from: {', '.join(allowed)}")
            return default
        unknown = [v for v in value if v not in allowed]
        if unknown:
            self.error(key, f"found {unknown[0]!r}; expected one of: {', '.join(allowed)}")
            return default
        return tuple(dict.fromkeys(value))


def parse_channels(problems: Problems, file: str, items: list[dict],
                   component_ids: tuple[str, ...]) -> tuple:
    channels, seen = [], set()
    for index, table in enumerate(items):
        f = _Fields(problems, file, table, f"notify[{index}]")
        name = f.text("name", required=True)
        if name is not None and not NAME.match(name):
            f.error("name", f"found {name!r}; expected letters, digits, '-', '_' or '.'")
        elif name in seen:
            f.error("name", f"duplicate channel name {name!r}; expected unique names")
        elif name:
            seen.add(name)
        kind = f.text("kind", required=True)
        if kind is not None and kind not in KINDS:
            f.error("kind", f"found {kind!r}; expected one of: {', '.join(KINDS)}")
            kind = None
        if kind is None:
            continue
        allowed = COMMON_KEYS | KIND_KEYS[kind]
        for key in table:
            if key not in allowed:
                f.error(key, f"unknown setting {key!r} for a {kind} channel (known: {', '.join(sorted(allowed))})")
        channel = _channel(f, name or "", kind, component_ids)
        if f.ok and name:
            channels.append(channel)
    return tuple(channels)


def _channel(f: _Fields, name: str, kind: str, component_ids: tuple[str, ...]) -> Channel:
    components = f.choices("components", component_ids, ())
    notices = f.choices("notices", NOTICE_KINDS, NOTICE_KINDS)
    required = REQUIRED_ENV[kind]
    envs: dict[str, Any] = {key: f.env(key, key in required) for key in ("url_env", "secret_env", "token_env",
                                                          "username_env", "password_env") if key in KIND_KEYS[kind]}
    extra: dict = {}
    if kind == "mastodon":
        instance = f.text("instance", required=True)
        if instance is not None and web_url_problem(instance):
            f.error("instance", f"found {instance!r}; {web_url_problem(instance)}, e.g. \"https://mastodon.social\"")
        extra["instance"] = instance
        visibility = f.text("visibility") or "public"
        if visibility not in MASTODON_VISIBILITY:
            f.error("visibility", f"found {visibility!r}; expected one of: {', '.join(MASTODON_VISIBILITY)}")
        extra["visibility"] = visibility
    elif kind == "telegram":
        chat_id = f.table.get("chat_id")
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            chat_id = str(chat_id)
        if not isinstance(chat_id, str) or not re.match(r"^(-?\d+|@[A-Za-z0-9_]{5,})$", chat_id):
            f.error("chat_id", f"found {chat_id!r}; expected a chat id such as -1001234567890 or a channel "
                               "username such as \"@example_status\"")
        extra["chat_id"] = chat_id
        api_url = f.text("api_url")
        if api_url is not None and web_url_problem(api_url):
            f.error("api_url", f"found {api_url!r}; {web_url_problem(api_url)}")
        extra["api_url"] = (api_url or Channel.api_url).rstrip("/")
    elif kind == "email":
        extra = _email(f)
    return Channel(name=name, kind=kind, components=components, notices=notices, **envs, **extra)


def _email(f: _Fields) -> dict:
    host = f.text("smtp_host", required=True)
    starttls, tls = f.flag("starttls", True), f.flag("tls", False)
    port = f.table.get("smtp_port", 465 if tls else 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        f.error("smtp_port", f"found {port!r}; expected a port number from 1 to 65535")
    if starttls and tls:
        f.error("tls", "found true together with starttls = true; expected one of them "
                       "(tls = true for port 465, starttls = true for port 587)")
    if not starttls and not tls and host is not None and not is_loopback_host(host):
        f.error("starttls", f"found false (and tls is false) for {host!r}; expected starttls = true or tls = true "
                            "(plain SMTP is only allowed to localhost)")
    sender = f.text("from", required=True)
    if sender is not None and "@" not in sender:
        f.error("from", f"found {sender!r}; expected an email address such as \"status@example.com\"")
    to = f.table.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
        f.error("to", f"found {f.table.get('to')!r}; expected a list of addresses, e.g. [\"status-announce@lists.example.com\"]")
        to = []
    unsubscribe = f.text("unsubscribe")
    if unsubscribe is not None and not unsubscribe.startswith(("mailto:", "https:")):
        f.error("unsubscribe", f"found {unsubscribe!r}; expected a mailto: or https: address")
    if (f.table.get("username_env") is None) != (f.table.get("password_env") is None):
        f.error("password_env" if f.table.get("password_env") is None else "username_env",
                "missing; expected username_env and password_env together (or neither)")
    return {"smtp_host": host, "smtp_port": port if isinstance(port, int) else 587, "starttls": starttls,
            "tls": tls, "sender": sender, "to": tuple(to), "unsubscribe": unsubscribe}
