"""incidents/*.md -> frozen Incident / Maintenance records. Every problem is reported at once."""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from statusgen.cache import BuildCache, content_entry, digest
from statusgen.config import ID_PATTERN, Config
from statusgen.errors import Problems
from statusgen.model import (
    Content,
    Incident,
    Maintenance,
    Notice,
    Update,
    sort_newest_first,
)
from statusgen.parallel import ForkedMap
from statusgen.reading import SourceError, YamlError, load_yaml, read_source_and_stat
from statusgen.text import bad_character, shown
from statusgen.times import iso_utc, parse_time
from statusgen.vocabulary import (
    IMPACTS,
    INCIDENT_UPDATE_STATUSES,
    MAINTENANCE_UPDATE_STATUSES,
    STARTED_MAINTENANCE_STATUSES,
    IncidentUpdateStatus,
    component_entry_problem,
)

INCIDENTS_DIR = "incidents"
INCIDENT_KEYS = {"title", "type", "components", "started", "resolved", "impact", "updates", "notify"}
MAINTENANCE_KEYS = {"title", "type", "components", "scheduled_start", "scheduled_end",
                    "completed", "cancelled", "updates", "notify"}
UPDATE_KEYS = {"at", "status", "message", "components"}


class ContentLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML (the C parser when available) that leaves timestamps as text for our own parsing."""


ContentLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def incident_files(root: Path) -> list[Path]:
    """Every `*.md` entry under incidents/ (whatever its kind: `load_content` checks that)."""
    return scan_incident_files(root)[0]


def scan_incident_files(root: Path) -> tuple[list[Path], Problems]:
    """(the `*.md` entries under incidents/, problems with the other entries found there).

    Linked folders are not followed (they could lead out of the repository or in circles), and
    a file that is almost an incident file (`.MD`, `.markdown`) is an error rather than ignored.
    """
    found, problems = _scan(root)
    return [Path(path) for _, _, path in found], problems


def _scan(root: Path) -> tuple[list[tuple[str, str, str]], Problems]:
    """scan_incident_files's files as text, in the same order: (source, slug, path) each. A
    large history has tens of thousands, and a rebuild looks at nothing else of most of them."""
    problems = Problems()
    found: list[tuple[tuple[str, ...], str, str, str]] = []  # (the source's parts, source, slug, path)
    base = os.path.join(root, INCIDENTS_DIR)

    def unlistable(error: OSError) -> None:
        if not isinstance(error, FileNotFoundError):  # none yet, or removed meanwhile: nothing to read
            problems.add(os.path.relpath(error.filename, root).replace(os.sep, "/") + "/", "",
                         f"cannot be read ({error.strerror or error}); expected a folder statusgen can list "
                         "(the incidents in it would be left out)")

    for folder, folders, files in os.walk(base, onerror=unlistable):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in list(folders):
            source = f"{relative}/{name}"
            if name.endswith(".md"):
                problems.add(source, "", "a folder; expected an incident file (rename the folder)")
                folders.remove(name)
            elif os.path.islink(path := os.path.join(folder, name)):
                problems.add(source, "", f"a symbolic link to a folder ({shown(os.readlink(path))}); expected "
                                         "a real folder (statusgen does not follow linked folders)")
                folders.remove(name)
        folders.sort()
        parts = tuple(relative.split("/"))
        for name in files:
            if name.startswith(".#"):  # Emacs' lock beside a file being edited (a link to nowhere)
                continue
            stem, dot, extension = name.rpartition(".")
            if extension == "md" and dot:
                # pathlib's stem: '.md' alone is a name without a suffix
                found.append(((*parts, name), f"{relative}/{name}", stem if stem else name, os.path.join(folder, name)))
            elif dot and stem and extension.lower() in ("md", "markdown", "mdown", "mkd"):
                problems.add(f"{relative}/{name}", "",
                             f"found the extension {shown('.' + extension)}; expected '.md' (rename it to "
                             f"{shown(stem + '.md')}, or it is not read)")
    found.sort(key=lambda item: item[0])  # Path's own order: by parts
    return [(source, slug, path) for _, source, slug, path in found], problems


IncidentFile = tuple[str, str, str, bytes | None]  # (content key, source, slug, bytes; None: not read)
PARALLEL_PARSING = 400  # files; below it a process pool costs more than it saves
# How a file was when its bytes were read: (device, inode, size, modification time, change time),
# times in nanoseconds. Any write moves the change time, which no tool can set back.
Signature = tuple[int, int, int, int, int]
# A file changed this recently when it was read could change again within the same tick of the
# file system's clock, unseen by its signature: its signature is not kept (git's "racy" files).
RECENT_NS = 2_000_000_000
# source -> (its signature, its content key), for the settings the keys were made with
SourceIndex = dict[str, tuple[Signature, str]]


def signature(info: os.stat_result) -> Signature:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def validation_settings(config: Config) -> str:
    """The settings an incident file's validation reads: part of its content key."""
    # "timeline": files validated before the lifecycle rules existed are checked again
    return repr((config.component_ids, config.site.timezone, "timeline"))


def read_incident_files(config: Config, known: SourceIndex | None = None) \
        -> tuple[list[IncidentFile], list, SourceIndex]:
    """(every incident file in order with its content key, problems with the files found, the
    index of the files read or known, for the next call's `known`).

    The key hashes the file's bytes and the settings its validation reads: equal keys, equal
    records. A file whose signature equals the one `known` holds for it (an index kept since a
    call with the same settings) is not read: its key is the known one and its bytes None."""
    problems = Problems()
    seen: dict[str, str] = {}
    settings = validation_settings(config)
    files: list[IncidentFile] = []
    index: SourceIndex = {}
    known = known or {}
    found, scan_problems = _scan(config.root)
    problems.items.extend(scan_problems.items)
    recent = time.time_ns() - RECENT_NS
    for source, slug, path in found:
        if slug in seen:
            problems.add(source, "slug", f"duplicate slug {slug!r}, also used by {seen[slug]}; expected unique file names")
            continue
        seen[slug] = source
        entry = known.get(source)
        if entry is not None and _unchanged(path, entry[0]):
            files.append((entry[1], source, slug, None))
            index[source] = entry
            continue
        try:
            raw, info = read_source_and_stat(Path(path), config.root)
        except SourceError as exc:
            problems.add(source, "", str(exc))
            continue
        key = digest(settings, source, raw)
        files.append((key, source, slug, raw))
        if max(info.st_mtime_ns, info.st_ctime_ns) < recent:
            # The status of what was read: for a link, its target's, which the link's own status
            # (what _unchanged compares, and refuses for anything but a regular file) never equals.
            index[source] = (signature(info), key)
    return files, problems.items, index


def _unchanged(path: str, recorded: Signature) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and signature(info) == recorded


def _read_now(item: IncidentFile, config: Config) -> IncidentFile | SourceError:
    """An indexed file, read after all; keyed by the bytes read (it may have changed since)."""
    _, source, slug, _ = item
    try:
        raw = read_source_and_stat(config.root / source, config.root)[0]
    except SourceError as exc:
        return exc
    return digest(validation_settings(config), source, raw), source, slug, raw


# after_parse's work: notice -> (what to remember with it in the cache, a value for take)
Work = Callable[[Notice], tuple[list[str] | None, object]]
# after_parse's take: (notice, what was remembered with it or None, the work's value or None)
Take = Callable[[Notice, tuple[str, ...] | list[str] | None, object], None]


def load_content(config: Config, cache: BuildCache | None = None, jobs: int | None = None,
                 read: tuple[list[IncidentFile], list, SourceIndex] | None = None,
                 after_parse: tuple[Work, Take] | None = None,
                 meanwhile: Callable[[], None] | None = None) -> Content:
    """Read and validate every incident file; raise StatusgenError listing all problems.

    With a cache, a file whose bytes (and the settings its validation reads) are unchanged
    since the last run is not parsed again. `read`: what read_incident_files gave, if called.
    `after_parse`: (work, take): work(notice) runs where each file is parsed (maybe a worker
    process), for more work on the notices in the same processes; it gives (a list of strings
    the cache keeps with the notice, a value). take(notice, remembered, value) runs here for
    every notice: with the work's list and value where the file was parsed, with the list kept
    in the cache (value None) where it was not. `meanwhile` runs here while worker processes parse.
    """
    problems = Problems()
    notices: list[Notice] = []
    cache = cache or BuildCache.disabled()
    # Sixteen shards by the key's first hex digit: one changed file rewrites a sixteenth of it.
    shards = {digit: cache.load(f"content-{digit}") for digit in "0123456789abcdef"}
    cached = {key: entry for shard in shards.values() for key, entry in shard.items()}
    fresh: dict[str, tuple[Notice, tuple[str, ...] | list[str] | None]] = {}
    keys: dict[str, str] = {}
    files, found, _ = read if read is not None else read_incident_files(config)
    problems.items.extend(found)
    readable = []
    for item in files:
        if item[3] is None and item[0] not in cached:  # indexed, but the cache has no entry for it
            read_now = _read_now(item, config)
            if isinstance(read_now, SourceError):
                problems.add(item[1], "", str(read_now))
                continue
            item = read_now
        readable.append(item)
    files = readable
    to_parse = [(key, source, slug, raw) for key, source, slug, raw in files if key not in cached and raw is not None]
    with ForkedMap([partial(_parse, source, slug, raw, config, after_parse and after_parse[0])
                    for _, source, slug, raw in to_parse], jobs, PARALLEL_PARSING) as parsing:
        if meanwhile is not None:
            meanwhile()
        parsed = dict(zip((item[0] for item in to_parse), parsing.results()))
    for key, _, _, _ in files:
        if key in parsed:
            notice, found, (remembered, value) = parsed.pop(key)
        else:
            (notice, remembered), found, value = cached[key], [], None
        problems.items.extend(found)
        if notice is not None:
            if after_parse is not None:
                after_parse[1](notice, remembered, value)
            notices.append(notice)
            fresh[key] = (notice, remembered)
            keys[notice.slug] = key
    problems.raise_if_any()
    _save_changed_shards(cache, shards, fresh)
    ordered = sort_newest_first(notices)
    content = Content(
        incidents=tuple(n for n in ordered if isinstance(n, Incident)),
        maintenances=tuple(n for n in ordered if isinstance(n, Maintenance)),
        keys=keys,
    )
    content.__dict__["notices"] = ordered  # what Content.notices would sort again
    return content


def _save_changed_shards(cache: BuildCache, shards: dict[str, dict], fresh: dict) -> None:
    """Writes each content file whose keys are not those of the notices now read."""
    kept: dict[str, list[str]] = {digit: [] for digit in shards}
    for key in fresh:
        if key[:1] in kept:
            kept[key[:1]].append(key)
    for digit, shard in shards.items():
        if shard.keys() != set(kept[digit]):
            cache.save_entries(f"content-{digit}", {key: content_entry(*fresh[key]) for key in kept[digit]})


def _parse(source: str, slug: str, raw: bytes, config: Config, work: Work | None) \
        -> tuple[Notice | None, list, tuple[list[str] | None, object]]:
    problems = Problems()
    notice = parse_notice(source, slug, raw, config, problems)
    done = work(notice) if work is not None and notice is not None else (None, None)
    return notice, problems.items, done


_OPENING = re.compile(r"\A\ufeff?(\s*)---[ \t]*\r?\n")


def front_matter_bounds(text: str) -> tuple[int, int] | None:
    """(start, end) of the YAML in `text`: after the opening '---' line, up to the closing one.

    The closing line is python-frontmatter's boundary, the one splitter the build and the
    authoring commands share (the editor needs offsets, which python-frontmatter does not give).
    """
    opening = _OPENING.match(text)
    closing = YAMLHandler.FM_BOUNDARY.search(text, opening.end()) if opening else None
    if not opening or not closing:
        return None
    return opening.end(), closing.start()


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, file line number of the front matter's first line), or None."""
    stripped = text.lstrip("\ufeff")
    bounds = front_matter_bounds(stripped)
    if bounds is None:
        return None
    start, end = bounds
    closing = YAMLHandler.FM_BOUNDARY.match(stripped, end)
    assert closing is not None
    return stripped[start:end], stripped[closing.end():].strip(), stripped[:start].count("\n") + 1


def parse_notice(source: str, slug: str, raw: bytes, config: Config, problems: Problems) -> Notice | None:
    if not ID_PATTERN.match(slug):
        problems.add(source, "slug", f"found {slug!r}; expected a file name of lower-case letters, digits and '-' "
                                     "([a-z0-9][a-z0-9-]*), e.g. 2026-11-20-api-errors.md")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.add(source, "", "not UTF-8 text")
        return None
    parts = split_front_matter(text)
    if parts is None:
        problems.add(source, "", "no front matter; expected the file to start with '---', YAML fields, then '---'")
        return None
    front, body, first_line = parts
    try:
        data = load_yaml(front, ContentLoader, first_line)
    except YamlError as exc:
        problems.add(source, f"line {exc.line}", str(exc))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + first_line}" if mark is not None else "front matter"
        problems.add(source, line, f"invalid YAML: {getattr(exc, 'problem', None) or exc}")
        return None
    if not isinstance(data, dict):
        problems.add(source, "", "front matter is not a mapping; expected 'field: value' lines")
        return None
    return _Fields(source, data, config, problems).notice(slug, body)


class _Fields:
    def __init__(self, source: str, data: dict, config: Config, problems: Problems):
        self.source, self.data, self.config, self.problems = source, data, config, problems
        self.tz: tzinfo = config.site.tz
        self.ok = True
        self.indexed_updates: list[tuple[int, Update]] = []  # (index in the file, update), oldest first

    def error(self, field: str, message: str) -> None:
        self.ok = False
        self.problems.add(self.source, field, message)

    def text(self, field: str, value: str, multiline: bool = False) -> None:
        """Refuses characters some output (XML feeds, iCalendar) cannot carry."""
        problem = bad_character(value.replace("\r\n", "\n") if multiline else value, multiline)
        if problem:
            self.error(field, f"found {shown(value)}; {problem}")

    def time(self, field: str, value, required: bool) -> datetime | None:
        if value is None:
            if required:
                self.error(field, "missing; expected a date and time, e.g. 2026-11-20T14:02:00Z")
            return None
        try:
            return parse_time(value, self.tz)
        except ValueError as exc:
            self.error(field, f"found {value!r}; expected {exc}")
            return None

    def components(self, field: str, value) -> tuple[tuple[str, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.error(field, f"found {value!r}; expected a mapping of component id to status, e.g. 'api: partial_outage'")
            return ()
        known = self.config.component_ids
        result = []
        for component_id, status in value.items():
            problem = component_entry_problem(known, component_id, status)
            if problem:
                self.error(f"{field}.{component_id}", problem)
            else:
                result.append((component_id, status))
        return tuple(result)

    def notice(self, slug: str, body: str) -> Notice | None:
        data = self.data
        kind = data.get("type", "incident")
        if kind not in ("incident", "maintenance"):
            self.error("type", f"found {kind!r}; expected 'incident' or 'maintenance'")
            return None
        allowed = INCIDENT_KEYS if kind == "incident" else MAINTENANCE_KEYS
        for key in data:
            if key not in allowed:
                self.error(str(key), f"unknown field {key!r} for {'an' if kind == 'incident' else 'a'} {kind} "
                                     f"(known: {', '.join(sorted(allowed))})")
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            self.error("title", "missing; expected the incident's title as text" if title is None
                       else f"found {title!r}; expected non-empty text")
        else:
            self.text("title", title.strip())
        self.text("body", body, multiline=True)
        components = self.components("components", data.get("components"))
        statuses = INCIDENT_UPDATE_STATUSES if kind == "incident" else MAINTENANCE_UPDATE_STATUSES
        updates = self.updates(data.get("updates"), statuses, kind)
        common = dict(slug=slug, source=self.source, title=(title or "").strip() if isinstance(title, str) else "",
                      components=components, updates=updates, body=body)
        notify = data.get("notify", True)
        if not isinstance(notify, bool):
            self.error("notify", f"found {notify!r}; expected true or false (false: never pushed to subscribers)")
        if kind == "incident":
            return self.incident(common, notify is not False)
        return self.maintenance(common, notify is not False)

    def updates(self, value, statuses: tuple[str, ...], kind: str) -> tuple[Update, ...]:
        if value is None or value == []:
            self.error("updates", "missing; expected at least one update with 'at', 'status' and 'message'")
            return ()
        if not isinstance(value, list):
            self.error("updates", f"found {value!r}; expected a list of updates")
            return ()
        updates = []
        for index, item in enumerate(value):
            field = f"updates[{index}]"
            if not isinstance(item, dict):
                self.error(field, f"found {item!r}; expected a mapping with 'at', 'status' and 'message'")
                continue
            for key in item:
                if key not in UPDATE_KEYS:
                    self.error(f"{field}.{key}", f"unknown field {key!r} (known: {', '.join(sorted(UPDATE_KEYS))})")
            at = self.time(f"{field}.at", item.get("at"), required=True)
            status = item.get("status")
            if status not in statuses:
                self.error(f"{field}.status", f"found {status!r}; expected for {'an' if kind == 'incident' else 'a'} "
                                              f"{kind} one of: {', '.join(statuses)}")
            message = item.get("message")
            if not isinstance(message, str) or not message.strip():
                self.error(f"{field}.message", "missing; expected the update's text (Markdown)" if message is None
                           else f"found {message!r}; expected non-empty text")
                message = ""
            self.text(f"{field}.message", message.strip(), multiline=True)
            components = self.components(f"{field}.components", item.get("components"))
            if at is not None and status in statuses:
                updates.append((index, Update(at, status, message.strip(), components)))
        # Stable: updates at the same minute keep their order in the file.
        self.indexed_updates = sorted(updates, key=lambda pair: pair[1].at)
        return tuple(update for _, update in self.indexed_updates)

    def updates_before(self, start: datetime | None, start_field: str, statuses: tuple[str, ...]) -> None:
        """An update with one of `statuses` dated before the start is an error: it would say
        something happened before it began."""
        if start is None:
            return
        for index, update in self.indexed_updates:
            if update.status in statuses and update.at < start:
                self.error(f"updates[{index}].at",
                           f"found {self.data['updates'][index].get('at')!r} ({update.status}), before {start_field} "
                           f"({self.data.get(start_field)!r}); expected a time at or after {start_field}")

    def incident(self, common: dict, notify: bool = True) -> Incident | None:
        data = self.data
        started = self.time("started", data.get("started"), required=True)
        resolved = self.time("resolved", data.get("resolved"), required=False)
        if started and resolved and resolved < started:
            self.error("resolved", f"found {data.get('resolved')!r}, before started ({data.get('started')!r}); "
                                   "expected a time at or after 'started'")
        impact = data.get("impact")
        if impact is not None and impact not in IMPACTS:
            self.error("impact", f"found {impact!r}; expected one of: {', '.join(IMPACTS)}")
        self.updates_before(started, "started", INCIDENT_UPDATE_STATUSES)
        has_resolved_update = any(u.status == IncidentUpdateStatus.RESOLVED for u in common["updates"])
        last_resolved = max((pos for pos, (_, u) in enumerate(self.indexed_updates) if u.status == IncidentUpdateStatus.RESOLVED),
                            default=None)
        after_resolution = self.indexed_updates[last_resolved + 1:] if last_resolved is not None else []
        # Only the last `resolved` update needs the `resolved` time: an earlier one was reopened.
        reopened = any(u.status != IncidentUpdateStatus.POSTMORTEM for _, u in after_resolution)
        if has_resolved_update and data.get("resolved") is None and not reopened:
            self.error("resolved", "missing, but an update has status 'resolved'; expected the time the incident was resolved")
        if data.get("resolved") is not None and last_resolved is not None:
            closing = self.indexed_updates[last_resolved][1]
            for index, update in after_resolution:
                if update.status != IncidentUpdateStatus.POSTMORTEM:
                    self.error(f"updates[{index}]",
                               f"found status {update.status!r} at {self.data['updates'][index].get('at')!r}, after "
                               f"the last 'resolved' update ({iso_utc(closing.at)}) while 'resolved' is set; "
                               "expected 'postmortem', or reopen the incident first (statusgen reopen)")
        if data.get("resolved") is not None and common["updates"] and not has_resolved_update:
            self.error("updates", "no update has status 'resolved', but 'resolved' is set; "
                                  "expected a closing update with status: resolved")
        if not self.ok:
            return None
        assert started is not None  # required: missing is an error above
        return Incident(**common, started=started, resolved=resolved, impact=impact, notify=notify)

    def maintenance(self, common: dict, notify: bool = True) -> Maintenance | None:
        data = self.data
        start = self.time("scheduled_start", data.get("scheduled_start"), required=True)
        end = self.time("scheduled_end", data.get("scheduled_end"), required=True)
        completed = self.time("completed", data.get("completed"), required=False)
        if start and end and end <= start:
            self.error("scheduled_end", f"found {data.get('scheduled_end')!r}, not after scheduled_start "
                                        f"({data.get('scheduled_start')!r}); expected a later time")
        self.updates_before(start, "scheduled_start", STARTED_MAINTENANCE_STATUSES)
        if start and completed and completed < start:
            self.error("completed", f"found {data.get('completed')!r}, before scheduled_start "
                                    f"({data.get('scheduled_start')!r}); expected a time at or after the start")
        cancelled = data.get("cancelled", False)
        if cancelled is None:
            cancelled = False
        if not isinstance(cancelled, bool):
            self.error("cancelled", f"found {cancelled!r}; expected true or false")
        if not self.ok:
            return None
        assert start is not None and end is not None  # required: missing is an error above
        return Maintenance(**common, scheduled_start=start, scheduled_end=end, completed=completed,
                           cancelled=cancelled, notify=notify)
