"""What every importer produces, and what they share: ids, slugs, times, HTML to Markdown.

An importer reads another tool's files into an `ImportPlan` (plain records, nothing written);
`statusgen.importers.writing` turns a plan into statusgen.toml entries and incident files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from statusgen.authoring import DEFAULT_MESSAGES, slugify
from statusgen.errors import Problems

DATE_SLUG = re.compile(r"^\d{4}-\d\d-\d\d-[a-z0-9][a-z0-9-]*$")
_HTML_TAG = re.compile(r"</?(p|br|a|ul|ol|li|strong|em|b|i|u|code|pre|h[1-6]|div|span|table|tr|td|blockquote)\b[^>]*>",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Leftover:
    """A value of the source that statusgen's format has no place for (or that was changed to fit)."""

    file: str
    field: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.detail}" if self.field else f"{self.file}: {self.detail}"


@dataclass(frozen=True)
class NewGroup:
    id: str
    name: str
    description: str | None = None


@dataclass(frozen=True)
class NewComponent:
    id: str
    name: str
    group: str | None = None
    description: str | None = None
    slo: float | None = None


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


@dataclass(frozen=True)
class ImportPlan:
    source: str  # "cState", "Statusfy", "Statuspage"
    command: str  # "cstate", "statusfy", "statuspage"
    site: SiteDefaults
    groups: tuple[NewGroup, ...]
    components: tuple[NewComponent, ...]
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
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    else:
        raise ValueError(f"found {value!r}; expected a date and time such as 2026-11-20T14:02:00Z")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


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
        relabelled = []
        for update in updates:
            if update.status == "resolved":
                leftovers.append(Leftover(notice.source, "updates", f"the update at {format_time(update.at)} says "
                                          "resolved but the incident is not; imported as 'monitoring'"))
                update = replace(update, status="monitoring")
            relabelled.append(update)
        updates = relabelled
    else:
        closing = [i for i, u in enumerate(updates) if u.status == "resolved"]
        if not closing or any(u.status != "postmortem" for u in updates[closing[-1] + 1:]):
            at = max([resolved] + [u.at for u in updates])
            updates.append(NewUpdate(at, "resolved", DEFAULT_MESSAGES["resolved"]))
            leftovers.append(Leftover(notice.source, "updates", f"no closing update; added a 'resolved' update at "
                                                                f"{format_time(at)}"))
    return replace(notice, updates=tuple(updates), started=started, resolved=resolved)


def settle_maintenance(notice: NewNotice, leftovers: list[Leftover]) -> NewNotice:
    """The maintenance counterpart: no in-progress update before the scheduled start."""
    updates = tuple(sorted(notice.updates, key=lambda u: u.at))
    start = notice.scheduled_start
    early = [u.at for u in updates if u.status in ("in_progress", "verifying", "completed")]
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
