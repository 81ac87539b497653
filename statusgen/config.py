"""statusgen.toml -> frozen Config. Every problem in the file is reported at once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from statusgen.errors import Problems, StatusgenError
from statusgen.i18n import resolve_language
from statusgen.notify.config import Channel, Reminder, parse_channels, parse_hub, parse_reminders
from statusgen.reading import SourceError, read_source
from statusgen.text import bad_character, mailto_problem, shown, url_problem
from statusgen.vocabulary import ComponentStatus

CONFIG_FILE = "statusgen.toml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_COMPONENT_IDS = {"status"}
DEFAULT_UPTIME_WEIGHTS = {
    ComponentStatus.MAJOR_OUTAGE: 1.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
    ComponentStatus.DEGRADED_PERFORMANCE: 0.0,
    ComponentStatus.UNDER_MAINTENANCE: 0.0,
}


@dataclass(frozen=True)
class Site:
    title: str
    base_url: str  # always ends with "/"
    description: str
    timezone: str
    language: str
    support_url: str | None
    uptime_days: int
    feed_entries: int
    stale_after: int = 60  # minutes after a build when the page script warns the copy is old; 0: never
    websub_hub: str | None = None
    remind_before: tuple[Reminder, ...] = ()  # longest first

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    description: str | None = None


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    group: str | None = None
    description: str | None = None
    slo: float | None = None
    since: date | None = None  # first day with data (site timezone); earlier days show "no data"


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    scheme: str  # "s3" or "file"
    bucket: str  # bucket name, or the directory for file://
    prefix: str  # "" or ends with "/"
    region: str | None = None
    endpoint_url: str | None = None
    cloudfront_distribution_id: str | None = None
    # (glob pattern, Cache-Control value); first match wins, before the defaults
    cache_control: tuple[tuple[str, str], ...] = ()
    max_delete_fraction: float = 0.25
    # glob patterns of the files uploaded gzip-compressed (Content-Encoding: gzip); () = none
    gzip: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    root: Path
    site: Site
    groups: tuple[Group, ...]
    components: tuple[Component, ...]
    targets: tuple[Target, ...] = ()
    uptime_weights: tuple[tuple[str, float], ...] = tuple(DEFAULT_UPTIME_WEIGHTS.items())
    notify: tuple[Channel, ...] = ()

    @property
    def component_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.components)

    def component(self, component_id: str) -> Component:
        return next(c for c in self.components if c.id == component_id)

    def group(self, group_id: str) -> Group:
        return next(g for g in self.groups if g.id == group_id)

    def url(self, path: str = "") -> str:
        return self.site.base_url + path.lstrip("/")


class _Reader:
    """Typed access to one TOML table, recording problems instead of raising."""

    def __init__(self, problems: Problems, file: str, table: dict, where: str):
        self.problems, self.file, self.table, self.where = problems, file, table, where

    def _field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.table:
            if key not in allowed:
                self.problems.add(
                    self.file, self._field(key),
                    f"unknown setting {key!r} (known: {', '.join(sorted(allowed))})",
                )

    def text(self, key: str, required: bool = False, default: str | None = None,
             multiline: bool = False) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                self.problems.add(self.file, self._field(key), "missing; expected a text value")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.problems.add(self.file, self._field(key), f"found {value!r}; expected non-empty text")
            return default
        problem = bad_character(value.replace("\r\n", "\n") if multiline else value, multiline)
        if problem:
            self.problems.add(self.file, self._field(key), f"found {shown(value)}; {problem}")
            return default
        return value

    def site_url(self, key: str, required: bool = False, mailto: bool = False) -> str | None:
        """An absolute https URL (http for localhost) with no query or fragment; or mailto:ADDRESS."""
        value = self.text(key, required=required)
        if value is None:
            return None
        is_mailto = mailto and value.lower().startswith("mailto:")
        problem = mailto_problem(value) if is_mailto else url_problem(value, query_allowed=mailto)
        if problem:
            expected = ("an absolute https URL such as 'https://example.com/support', or mailto:ADDRESS such as "
                        "'mailto:support@example.com'" if mailto else
                        "an absolute https URL (http only for localhost) without query or fragment, "
                        "such as 'https://status.example.com/'")
            self.problems.add(self.file, self._field(key), f"found {shown(value)}; expected {expected} ({problem})")
            return None
        return value

    def number(self, key: str, low: float, high: float, default, integer: bool = False):
        value = self.table.get(key)
        if value is None:
            return default
        kind = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            what = "a whole number" if integer else "a number"
            self.problems.add(
                self.file, self._field(key), f"found {value!r}; expected {what} from {low} to {high}"
            )
            return default
        return value

    def day(self, key: str) -> date | None:
        value = self.table.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        if type(value) is not date:  # a TOML date, not a date and time
            self.problems.add(self.file, self._field(key), f"found {value!r}; expected a date such as 2026-11-01")
            return None
        return value

    def identifier(self, key: str) -> str | None:
        value = self.text(key, required=True)
        if value is not None and not ID_PATTERN.match(value):
            self.problems.add(
                self.file, self._field(key),
                f"found {value!r}; expected lower-case letters, digits and '-' ([a-z0-9][a-z0-9-]*)",
            )
            return None
        return value


def load_config(root: Path) -> Config:
    path = Path(root) / CONFIG_FILE
    file = CONFIG_FILE
    if not path.exists() and not path.is_symlink():
        raise StatusgenError(
            f"{file}: not found in {Path(root).resolve()} (run 'statusgen init DIR' to create a status repository, or pass --root)"
        )
    try:
        data = tomllib.loads(read_source(path, Path(root)).decode("utf-8"))
    except SourceError as exc:
        raise StatusgenError(f"{file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise StatusgenError(f"{file}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise StatusgenError(f"{file}: not UTF-8 text") from None
    except RecursionError:
        raise StatusgenError(f"{file}: nested too deeply; expected plain tables and arrays") from None

    problems = Problems()
    top = _Reader(problems, file, data, "")
    top.check_keys({"site", "groups", "components", "targets", "uptime", "notify"})

    site = _parse_site(problems, file, _table(problems, file, data, "site"), Path(root))
    groups = _parse_groups(problems, file, _array(problems, file, data, "groups"))
    components = _parse_components(
        problems, file, _array(problems, file, data, "components"), {g.id for g in groups}
    )
    targets = _parse_targets(problems, file, _array(problems, file, data, "targets"), Path(root))
    weights = _parse_weights(problems, file, _table(problems, file, data, "uptime"))
    channels = parse_channels(problems, file, _array(problems, file, data, "notify"), tuple(c.id for c in components))
    if not components and "components" in data:
        problems.add(file, "components", "empty; expected at least one [[components]] entry")
    problems.raise_if_any()
    return Config(Path(root), site, groups, components, targets, weights, channels)


def _table(problems: Problems, file: str, data: dict, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.add(file, key, f"expected a [{key}] table")
        return {}
    return value


def _array(problems: Problems, file: str, data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.add(file, key, f"expected [[{key}]] entries")
        return []
    return value


def _parse_site(problems: Problems, file: str, table: dict, root: Path | None = None) -> Site:
    r = _Reader(problems, file, table, "site")
    r.check_keys({"title", "base_url", "description", "timezone", "language", "support_url",
                  "uptime_days", "feed_entries", "stale_after", "websub_hub", "remind_before"})
    title = r.text("title", required=True) or ""
    base_url = r.site_url("base_url", required=True) or "http://localhost/"
    if not base_url.endswith("/"):
        base_url += "/"
    tz_name = r.text("timezone", default="UTC") or "UTC"
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        problems.add(file, "site.timezone", f"found {shown(tz_name)}; expected an IANA time zone such as 'Europe/Berlin' or 'UTC'")
        tz_name = "UTC"
    language = r.text("language", default="en") or "en"
    try:
        language = resolve_language(language, root).tag
    except ValueError as exc:
        problems.add(file, "site.language", str(exc))
        language = "en"
    return Site(
        title=title,
        base_url=base_url,
        description=r.text("description", default="", multiline=True) or "",
        timezone=tz_name,
        language=language,
        support_url=r.site_url("support_url", mailto=True),
        uptime_days=r.number("uptime_days", 1, 366, 90, integer=True),
        feed_entries=r.number("feed_entries", 1, 10000, 100, integer=True),
        stale_after=r.number("stale_after", 0, 525600, 60, integer=True),
        websub_hub=parse_hub(problems, file, table.get("websub_hub")),
        remind_before=parse_reminders(problems, file, table.get("remind_before")),
    )


def _parse_groups(problems: Problems, file: str, items: list[dict]) -> tuple[Group, ...]:
    groups, seen = [], set()
    for index, table in enumerate(items):
        r = _Reader(problems, file, table, f"groups[{index}]")
        r.check_keys({"id", "name", "description"})
        group_id, name = r.identifier("id"), r.text("name", required=True)
        if group_id in seen:
            problems.add(file, f"groups[{index}].id", f"duplicate group id {group_id!r}; expected unique ids")
        elif group_id and name:
            seen.add(group_id)
            groups.append(Group(group_id, name, r.text("description", multiline=True)))
    return tuple(groups)


def _parse_components(problems: Problems, file: str, items: list[dict], group_ids: set[str]) -> tuple[Component, ...]:
    components, seen = [], set()
    for index, table in enumerate(items):
        r = _Reader(problems, file, table, f"components[{index}]")
        r.check_keys({"id", "name", "group", "description", "slo", "since"})
        component_id, name = r.identifier("id"), r.text("name", required=True)
        group = r.text("group")
        if group is not None and group not in group_ids:
            known = ", ".join(sorted(group_ids)) or "none defined"
            problems.add(file, f"components[{index}].group", f"unknown group {group!r} (known: {known})")
        slo = r.number("slo", 0.0, 100.0, None)
        if component_id in RESERVED_COMPONENT_IDS:
            problems.add(file, f"components[{index}].id", f"found {component_id!r}, which is reserved "
                                                          "(badges/status.svg is the overall badge); expected another id")
        elif component_id in seen:
            problems.add(file, f"components[{index}].id", f"duplicate component id {component_id!r}; expected unique ids")
        elif component_id and name:
            seen.add(component_id)
            components.append(Component(component_id, name, group, r.text("description", multiline=True),
                                        float(slo) if slo is not None else None, r.day("since")))
    return tuple(components)


def _parse_weights(problems: Problems, file: str, table: dict) -> tuple[tuple[str, float], ...]:
    r = _Reader(problems, file, table, "uptime")
    r.check_keys(set(DEFAULT_UPTIME_WEIGHTS))
    return tuple(
        (status, float(r.number(status, 0.0, 1.0, default))) for status, default in DEFAULT_UPTIME_WEIGHTS.items()
    )


def _parse_targets(problems: Problems, file: str, items: list[dict], root: Path) -> tuple[Target, ...]:
    targets, seen = [], set()
    for index, table in enumerate(items):
        where = f"targets[{index}]"
        r = _Reader(problems, file, table, where)
        r.check_keys({"name", "url", "region", "endpoint_url", "cloudfront_distribution_id",
                      "cache_control", "max_delete_fraction", "gzip"})
        name = r.text("name", required=True)
        url = r.text("url", required=True)
        if name in seen:
            problems.add(file, f"{where}.name", f"duplicate target name {name!r}; expected unique names")
        problem = target_url_problem(url) if url is not None else None
        if problem:
            problems.add(file, f"{where}.url", f"found {shown(redacted(url or ''))}; expected s3://BUCKET/[PREFIX/] "
                                               f"or file://DIRECTORY ({problem})")
            continue
        parsed = urlsplit(url or "")
        cache_control = _parse_cache_control(problems, file, where, table.get("cache_control", {}))
        target = Target(
            name=name or "",
            url=url or "",
            scheme=parsed.scheme,
            bucket=parsed.netloc if parsed.scheme == "s3" else (parsed.netloc + parsed.path),
            prefix=_prefix(parsed.path) if parsed.scheme == "s3" else "",
            region=r.text("region"),
            endpoint_url=_endpoint_url(problems, file, where, table.get("endpoint_url")),
            cloudfront_distribution_id=r.text("cloudfront_distribution_id"),
            cache_control=cache_control,
            max_delete_fraction=float(r.number("max_delete_fraction", 0.0, 1.0, 0.25)),
            gzip=_parse_gzip(problems, file, where, table.get("gzip", False), parsed.scheme),
        )
        if name and url and name not in seen:
            seen.add(name)
            targets.append((index, target))
    _refuse_overlaps(problems, file, targets, root)
    return tuple(target for _, target in targets)


_BUCKET = re.compile(r"\A[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")


def target_url_problem(url: str) -> str | None:
    """Why a target's url is not a clean s3:// or file:// URL, or None."""
    if bad_character(url) or any(char.isspace() or char == "\\" for char in url):
        return "it contains a space, backslash, line break or control character"
    parsed = urlsplit(url)
    if parsed.scheme not in ("s3", "file"):
        return "it does not start with s3:// or file://"
    if parsed.query or parsed.fragment or url.endswith(("?", "#")):
        return "it has a query (?…) or fragment (#…)"
    if "@" in parsed.netloc:
        return "it carries a user name or password; credentials come from the AWS credential chain"
    if parsed.scheme == "s3":
        if not _BUCKET.match(parsed.netloc):
            return "expected a bucket name (3-63 lower-case letters, digits, '.' and '-') after s3://"
        if any(part in (".", "..") for part in parsed.path.split("/")) or "//" in parsed.path:
            return "its prefix has an empty, '.' or '..' segment"
    elif not parsed.netloc + parsed.path:
        return "expected a directory after file://"
    return None


def redacted(url: str) -> str:
    """`url` with any user name and password before the host replaced by '***'."""
    return re.sub(r"(?<=//)[^/?#]*@", "***@", url)


def _endpoint_url(problems: Problems, file: str, where: str, value) -> str | None:
    if value is None:
        return None
    problem = "expected text" if not isinstance(value, str) else url_problem(value)
    if problem:
        shown_value = shown(redacted(value)) if isinstance(value, str) else repr(value)
        problems.add(file, f"{where}.endpoint_url",
                     f"found {shown_value}; expected an absolute https URL (http only for localhost), "
                     f"such as 'https://s3.example.com' ({problem})")
        return None
    return value


def _refuse_overlaps(problems: Problems, file: str, targets: list[tuple[int, Target]], root: Path) -> None:
    """Two targets where one lies inside the other: publishing the outer one would delete the
    inner one's site as files that are gone."""
    for position, (index, target) in enumerate(targets):
        for other_index, other in targets[:position]:
            if _overlaps(target, other, root):
                problems.add(file, f"targets[{index}].url",
                             f"{target.url} overlaps targets[{other_index}] ({other.name}: {other.url}); "
                             "expected targets that neither equal nor lie inside one another, since "
                             "publishing to the outer one would delete the inner one's files")


def _overlaps(a: Target, b: Target, root: Path) -> bool:
    if a.scheme != b.scheme:
        return False
    if a.scheme == "s3":
        return a.bucket == b.bucket and a.endpoint_url == b.endpoint_url and \
            (a.prefix.startswith(b.prefix) or b.prefix.startswith(a.prefix))
    first, second = (_directory_of(t, root) for t in (a, b))
    return first.is_relative_to(second) or second.is_relative_to(first)


def _directory_of(target: Target, root: Path) -> Path:
    directory = Path(target.bucket).expanduser()
    return (directory if directory.is_absolute() else root / directory).resolve()


def _prefix(path: str) -> str:
    path = path.strip("/")
    return f"{path}/" if path else ""


def _parse_cache_control(problems: Problems, file: str, where: str, value) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        problems.add(file, f"{where}.cache_control",
                     f"found {value!r}; expected a table of glob pattern = \"Cache-Control value\"")
        return ()
    return tuple(value.items())


# `gzip = true`: the pages, styles, scripts and images a browser loads (browsers always accept
# gzip). Not the API, feeds, calendar or badge JSON: pollers such as plain curl do not ask for it.
DEFAULT_GZIP = ("*.html", "*.css", "*.js", "*.svg")


def _parse_gzip(problems: Problems, file: str, where: str, value, scheme: str) -> tuple[str, ...]:
    if value is False:
        return ()
    patterns = DEFAULT_GZIP if value is True else value
    if not isinstance(patterns, list | tuple) or not all(isinstance(p, str) and p.strip() for p in patterns):
        problems.add(file, f"{where}.gzip", f"found {value!r}; expected true, false, or a list of glob "
                                            'patterns such as ["*.html", "*.css", "*.js", "*.svg"]')
        return ()
    if patterns and scheme == "file":
        problems.add(file, f"{where}.gzip",
                     "a file:// target keeps no headers, so a web server would send compressed bytes as "
                     "they are; expected gzip only on s3:// targets (let the web server compress instead)")
        return ()
    return tuple(patterns)
