"""What every importer produces, and what they share: ids, slugs, times, HTML to Markdown.

An importer reads another tool's files into an `ImportPlan` (plain records, nothing written);
`statusgen.importers.writing` turns a plan into statusgen.toml entries and incident files.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from statusgen.authoring import DEFAULT_MESSAGES, slugify
from statusgen.config import Component, Group
from statusgen.errors import Problem, Problems, StatusgenError
from statusgen.text import is_loopback_host
from statusgen.vocabulary import (
    CLOSING_INCIDENT_STATUSES,
    COMPONENT_STATUSES,
    STARTED_MAINTENANCE_STATUSES,
    IncidentUpdateStatus,
)

DATE_SLUG = re.compile(r"^\d{4}-\d\d-\d\d-[a-z0-9][a-z0-9-]*$")
_HTML_TAG = re.compile(r"</?(p|br|a|ul|ol|li|strong|em|b|i|u|code|pre|h[1-6]|div|span|table|tr|td|blockquote)\b[^>]*>",
                       re.IGNORECASE)


class Leftover(Problem):
    """A value of the source that statusgen's format has no place for (or that was changed to fit).
    Reported as a problem is, but it does not stop the import."""


@dataclass(frozen=True)
class NewUpdate:
    at: datetime  # aware, in the offset the source gave
    status: str
    message: str  # Markdown
    components: tuple[tuple[str, str], ...] = ()  # statuses this update changes


@dataclass(frozen=True)
class NewNotice:
    slug: str
    source: str  # where it came from, for messages: a file or "incidents.json: <id>"
    title: str
    kind: str  # incident | maintenance
    components: tuple[tuple[str, str], ...]
    updates: tuple[NewUpdate, ...]
    body: str = ""
    started: datetime | None = None
    resolved: datetime | None = None
    impact: str | None = None
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    completed: datetime | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class SiteDefaults:
    """What a new statusgen.toml gets, when the repository has none yet."""

    title: str
    base_url: str
    timezone: str
    description: str = ""
    uptime_days: int | None = None


@dataclass(frozen=True)
class ImportPlan:
    source: str  # "cState", "Statusfy", "Statuspage"
    command: str  # "cstate", "statusfy", "statuspage"
    site: SiteDefaults
    groups: tuple[Group, ...]  # as the import will write them into statusgen.toml
    components: tuple[Component, ...]
    notices: tuple[NewNotice, ...]
    leftovers: tuple[Leftover, ...] = field(default=())


class TextTimestampLoader(yaml.SafeLoader):
    """Safe YAML that leaves timestamps as written, so their offsets (or lack of one) survive."""


TextTimestampLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                    lambda loader, node: loader.construct_scalar(node))


def parse_source_time(value: object, tz: tzinfo) -> datetime:
    """An aware datetime in the offset the source wrote; no offset means `tz`. Raises ValueError."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if re.match(r"^\d{4}-\d\d-\d\d$", text):
            text += "T00:00:00"
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            parsed = _other_formats(text)
    else:
        raise ValueError(f"found {value!r}; expected a date and time such as 2026-11-20T14:02:00Z")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


# Other forms Hugo accepts in front matter, e.g. "24 Feb 21 12:35 +0200" (RFC 822).
_FORMATS = ("%d %b %y %H:%M %z", "%d %b %Y %H:%M %z", "%d %b %y %H:%M", "%Y-%m-%d %H:%M:%S %z",
            "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M")


def _other_formats(text: str) -> datetime:
    for form in _FORMATS:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    raise ValueError(f"found {text!r}; expected a date and time such as 2026-11-20T14:02:00Z")


def source_time(problems: Problems, file: str, field_name: str, value: object, tz: tzinfo) -> datetime | None:
    try:
        return parse_source_time(value, tz)
    except ValueError:
        problems.add(file, field_name, f"found {value!r}; expected a date and time such as 2026-11-20T14:02:00Z "
                                       "or 2026-11-20 14:02:00")
        return None


def format_time(moment: datetime) -> str:
    """ISO 8601 with the moment's own offset (Z for UTC); a zone's offset is fixed as it was then."""
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    offset = moment.utcoffset()
    if offset is not None and offset == timedelta(0):
        return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec=spec) + "Z"
    return moment.isoformat(timespec=spec)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_TAG.search(text))


def to_markdown(text: str) -> str:
    """Markdown as it is; HTML (as some Statuspage exports carry) converted by markdownify."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not looks_like_html(text):
        return text
    from markdownify import markdownify  # imported on demand: only HTML bodies need it

    converted = markdownify(text, heading_style="ATX", bullets="-", escape_misc=False)
    return re.sub(r"\n{3,}", "\n\n", converted).strip()


def make_id(name: str, fallback: str) -> str:
    return slugify(name, fallback)


def dated_slug(moment: datetime | None, title: str, fallback: str) -> str:
    """`<date>-<title slug>`, the convention statusgen's own files follow."""
    base = slugify(title, fallback)
    if moment is None or DATE_SLUG.match(base):
        return base
    return f"{moment.strftime('%Y-%m-%d')}-{base}"


def unique_slugs(notices: list[NewNotice], suffixes: dict[str, str]) -> list[NewNotice]:
    """Give notices that share a slug each a suffix from their source id (never from their order),
    so a re-run with more history keeps every other file name."""
    counts: dict[str, int] = {}
    for notice in notices:
        counts[notice.slug] = counts.get(notice.slug, 0) + 1
    result, taken = [], set()
    for notice in sorted(notices, key=lambda n: (n.slug, n.source)):
        slug = notice.slug
        if counts[slug] > 1:
            slug = f"{slug}-{slugify(suffixes.get(notice.source, ''), 'x')}".strip("-")
        while slug in taken:
            slug += "-x"
        taken.add(slug)
        result.append(replace(notice, slug=slug))
    return result


def settle_incident(notice: NewNotice, leftovers: list[Leftover]) -> NewNotice:
    """Make an imported incident obey statusgen's rules without inventing history:
    updates oldest first, none before `started`, a closing `resolved` update if (and only if)
    it is resolved. Every change is reported."""
    updates = sorted(notice.updates, key=lambda u: u.at)
    started, resolved = notice.started, notice.resolved
    if updates and (started is None or updates[0].at < started):
        if started is not None:
            leftovers.append(Leftover(notice.source, "started", f"{format_time(started)} is after the first update; "
                                                                 f"started set to {format_time(updates[0].at)}"))
        started = updates[0].at
    if resolved is not None and started is not None and resolved < started:
        leftovers.append(Leftover(notice.source, "resolved", f"{format_time(resolved)} is before the start; "
                                                             f"set to {format_time(started)}"))
        resolved = started
    if resolved is None:
        # A resolution that a later update reopened stays; one that nothing reopened would
        # say the incident ended while the source says it did not.
        reopened_until = max((i for i, u in enumerate(updates) if u.status not in CLOSING_INCIDENT_STATUSES),
                             default=-1)
        relabelled = []
        for index, update in enumerate(updates):
            if update.status == IncidentUpdateStatus.RESOLVED and index > reopened_until:
                leftovers.append(Leftover(notice.source, "updates", f"the update at {format_time(update.at)} says "
                                          "resolved but the incident is not; imported as 'monitoring'"))
                update = replace(update, status="monitoring")
            relabelled.append(update)
        updates = relabelled
    else:
        closing = [i for i, u in enumerate(updates) if u.status == IncidentUpdateStatus.RESOLVED]
        if not closing or any(u.status != IncidentUpdateStatus.POSTMORTEM for u in updates[closing[-1] + 1:]):
            at = max([resolved] + [u.at for u in updates])
            updates.append(NewUpdate(at, "resolved", DEFAULT_MESSAGES["resolved"]))
            leftovers.append(Leftover(notice.source, "updates", f"no closing update; added a 'resolved' update at "
                                                                f"{format_time(at)}"))
    return replace(notice, updates=tuple(updates), started=started, resolved=resolved)


def settle_maintenance(notice: NewNotice, leftovers: list[Leftover]) -> NewNotice:
    """The maintenance counterpart: no in-progress update before the scheduled start."""
    updates = tuple(sorted(notice.updates, key=lambda u: u.at))
    start = notice.scheduled_start
    early = [u.at for u in updates if u.status in STARTED_MAINTENANCE_STATUSES]
    if start is not None and early and min(early) < start:
        leftovers.append(Leftover(notice.source, "scheduled_start", f"work began before the scheduled start "
                                  f"{format_time(start)}; set to {format_time(min(early))}"))
        start = min(early)
    return replace(notice, updates=updates, scheduled_start=start)


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_FRONT = re.compile(r"\A\ufeff?\s*---([a-z]*)[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
_TOML_FRONT = re.compile(r"\A\ufeff?\s*\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)


def read_markdown(root: Path, path: Path, problems: Problems) -> tuple[str, dict, str] | None:
    """(path relative to `root`, fields, body) of a source's Markdown file; None (with a problem) if
    unreadable."""
    file = path.relative_to(root).as_posix()
    read = read_front_matter(path.read_text(encoding="utf-8"), file, problems)
    return None if read is None else (file, *read)


def read_front_matter(text: str, file: str, problems: Problems) -> tuple[dict, str] | None:
    """(fields, body) of a Markdown file with YAML (`---`), TOML (`---toml` or `+++`) or JSON
    (`---json`) front matter; timestamps stay as written. None (with a problem) if unreadable."""
    toml_match = _TOML_FRONT.match(text)
    match = _FRONT.match(text)
    if toml_match:
        kind, front, body = "toml", toml_match.group(1), toml_match.group(2)
    elif match:
        kind, front, body = match.group(1) or "yaml", match.group(2), match.group(3)
    else:
        problems.add(file, "", "no front matter; expected the file to start with '---'")
        return None
    try:
        if kind in ("yaml", "yml"):
            data = yaml.load(front, Loader=TextTimestampLoader)
        elif kind == "toml":
            data = tomllib.loads(front)
        elif kind == "json":
            data = json.loads(front)
        else:
            problems.add(file, "", f"front matter marked {kind!r}; expected YAML, TOML or JSON")
            return None
    except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        problems.add(file, "", f"invalid {kind.upper()} front matter: {exc}")
        return None
    if not isinstance(data, dict):
        problems.add(file, "", "front matter is not a mapping; expected 'field: value' lines")
        return None
    return data, body


# The words status pages put in front of an update, in English and a few other languages.
UPDATE_LABELS = {
    "investigating": "investigating", "investigation": "investigating", "investigando": "investigating",
    "identified": "identified", "identificado": "identified", "identifiziert": "identified",
    "monitoring": "monitoring", "monitored": "monitoring", "monitoreando": "monitoring", "supervisando": "monitoring",
    "resolved": "resolved", "resuelto": "resolved", "solucionado": "resolved", "behoben": "resolved", "fixed": "resolved",
    "postmortem": "postmortem", "post-mortem": "postmortem", "post mortem": "postmortem",
}
MAINTENANCE_LABELS = {
    "scheduled": "scheduled", "planned": "scheduled", "programado": "scheduled",
    "in progress": "in_progress", "in_progress": "in_progress", "started": "in_progress", "en progreso": "in_progress",
    "verifying": "verifying", "verificando": "verifying",
    "completed": "completed", "complete": "completed", "resolved": "completed", "completado": "completed",
    "resuelto": "completed", "finished": "completed", "done": "completed",
}


def parse_severity_map(values: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {name.strip().lower(): status.strip() for name, status in values}


def site_folder(folder: Path, severities: dict[str, str]) -> Path:
    """The folder of a site to import, once --severity's statuses are known to be statusgen's."""
    for status in severities.values():
        if status not in COMPONENT_STATUSES:
            raise StatusgenError(f"--severity: found status {status!r}; expected one of: {', '.join(COMPONENT_STATUSES)}")
    folder = Path(folder)
    if not folder.is_dir():
        raise StatusgenError(f"DIRECTORY: {folder} is not a folder; expected the site's folder")
    return folder


def site_defaults(title: object, url: object, timezone_name: str | None, description: object,
                  where: tuple[str, str], leftovers: list[Leftover]) -> SiteDefaults:
    """A new statusgen.toml's [site] from the source's; a base URL statusgen does not accept is
    left to the operator (`where` names the file and field it came from)."""
    base_url = ensure_https(str(url or ""))
    if base_url is None:
        leftovers.append(Leftover(*where, f"{url!r} is not an https URL; set site.base_url in statusgen.toml"))
    return SiteDefaults(title=str(title or "Status"), base_url=base_url or "https://status.example.com/",
                        timezone=timezone_name or "UTC", description=str(description or ""))


def ensure_https(url: str | None) -> str | None:
    """A base URL statusgen accepts (https, or http on localhost), ending in '/'; else None."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.netloc and (parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback_host(parsed.hostname))):
        return url.rstrip("/") + "/"
    return None


def file_slug(stem: str, moment: datetime | None, title: str, fallback: str) -> str:
    """A slug from a source file's name: `2018-03-14_planned-maintenance` -> `2018-03-14-planned-maintenance`.
    A name that is only a date or a generated id takes the title instead."""
    base = slugify(stem, fallback)
    rest = re.sub(r"^\d{4}-\d\d-\d\d-?", "", base)
    if not rest or re.fullmatch(r"\d+", rest) or ("-" not in rest and any(ch.isdigit() for ch in rest)):
        named = dated_slug(moment, title, fallback)
        return f"{named}-{rest}" if re.fullmatch(r"\d+", rest or "x") else named
    return base if DATE_SLUG.match(base) else dated_slug(moment, base, fallback)
