"""Writing incident files: `new incident`, `new maintenance`, `update`, `resolve`, `reopen`, `cancel`.

Every change is validated with the same parser the build uses before anything touches the
disk, and files are replaced atomically, so a refused change leaves the file as it was.
"""

from __future__ import annotations

import difflib
import fcntl
import functools
import os
import re
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from slugify import slugify as transliterated_slug

from statusgen.config import Config
from statusgen.content import INCIDENTS_DIR, incident_files, parse_notice
from statusgen.errors import Problem, Problems, StatusgenError
from statusgen.files import atomic_write
from statusgen.front_matter import FrontMatterEditor, render_scalar, render_value_lines
from statusgen.model import Incident, Maintenance, Notice
from statusgen.reading import SourceError, read_source
from statusgen.text import bad_character, normalise_lines, shown
from statusgen.times import iso_utc
from statusgen.vocabulary import (
    INCIDENT_UPDATE_STATUSES,
    MAINTENANCE_UPDATE_STATUSES,
    REOPENING_STATUSES,
    STARTED_MAINTENANCE_STATUSES,
    IncidentUpdateStatus,
    MaintenanceUpdateStatus,
    component_entry_problem,
)

SLUG_MAX = 60
DEFAULT_MESSAGES = {
    "investigating": "We are investigating this issue.",
    "scheduled": "This maintenance is scheduled.",
    "resolved": "This incident has been resolved.",
    "completed": "This maintenance has been completed.",
    "cancelled": "This maintenance has been cancelled.",
}


def slugify(title: str, fallback: str) -> str:
    """Lower-case ASCII letters, digits and single dashes, at most SLUG_MAX characters.

    Other scripts are transliterated (`Ошибки API` -> `oshibki-api`, `straße` -> `strasse`)."""
    slug = re.sub(r"[^a-z0-9]+", "-", transliterated_slug(title).lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX + 1]
        # Cut at a word boundary when there is one in the second half.
        slug = cut.rsplit("-", 1)[0] if "-" in cut[SLUG_MAX // 2:] else slug[:SLUG_MAX]
        slug = slug.strip("-")
    return slug or fallback


def check_components(config: Config, components: tuple[tuple[str, str], ...], required: bool) -> None:
    problems = []
    if required and not components:
        problems.append("--component: missing; expected at least one ID=STATUS, e.g. --component api=partial_outage")
    seen = set()
    for component_id, status in components:
        problem = component_entry_problem(config.component_ids, component_id, status, f" in '{component_id}={status}'")
        if problem:
            problems.append(f"--component: {problem}")
        elif component_id in seen:
            problems.append(f"--component: {component_id!r} given twice; expected each component once")
        seen.add(component_id)
    if problems:
        raise StatusgenError(problems[0] if len(problems) == 1 else [Problem("", "", p) for p in problems])


def _check_text(option: str, value: str) -> str:
    # A message is Markdown over several lines: line endings and trailing spaces are normalised
    # (as an editor would), other control characters refused, as in a file.
    multiline = option == "--message"
    text = normalise_lines(value).strip() if multiline else value.strip()
    if not text:
        raise StatusgenError(f"{option}: found {shown(value)}; expected non-empty text")
    problem = bad_character(text, multiline)
    if problem:
        raise StatusgenError(f"{option}: found {shown(value)}; {problem}; nothing was written")
    return text


# Long enough for any other command to finish on a loaded machine; short enough that nobody
# waits on a hung one without being told.
LOCK_TIMEOUT = 30.0
_held_locks: set[Path] = set()


@contextmanager
def repository_lock(root: Path, timeout: float | None = None):
    """Hold the repository's authoring lock: an flock on the incidents/ folder itself.

    Writing commands read a file, change it and replace it; two at once would each write their
    own version and one update would be lost. The kernel releases an flock when its process
    ends however it ends, so a killed command never leaves a stale lock, and no lock file is
    left in the repository. Re-entrant within one process.
    """
    folder = (Path(root) / INCIDENTS_DIR).resolve()
    if folder in _held_locks:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileExistsError:
        raise StatusgenError(f"{INCIDENTS_DIR}: a file; expected the folder of incident files; "
                             "nothing was written") from None
    except OSError as exc:
        raise StatusgenError(f"{INCIDENTS_DIR}/: cannot be opened to take the authoring lock "
                             f"({exc.strerror or exc}); nothing was written") from None
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StatusgenError(
                        f"{INCIDENTS_DIR}/: another statusgen command has been changing incident files for "
                        f"{timeout:g} s and still holds the lock; nothing was written. Try again when it has "
                        "finished (the lock goes away with the process holding it).") from None
                time.sleep(0.02)
        _held_locks.add(folder)
        try:
            yield
        finally:
            _held_locks.discard(folder)
    finally:
        os.close(fd)  # releases the flock


def _locked(function):
    """Runs an authoring command under `repository_lock`, with the root made absolute (paths in
    messages are relative to it)."""
    @functools.wraps(function)
    def locked(config: Config, *args, **kwargs):
        with repository_lock(Path(config.root)):
            return function(_absolute(config), *args, **kwargs)
    return locked


def _free_path(config: Config, date_prefix: str, slug: str) -> Path:
    taken = {path.stem for path in incident_files(config.root)}
    base = f"{date_prefix}-{slug}"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return Path(config.root) / INCIDENTS_DIR / f"{candidate}.md"


def _validated(config: Config, path: Path, text: str) -> Notice:
    """Parse `text` as the file at `path` would be; raise with every problem if it is invalid."""
    source = path.relative_to(config.root).as_posix()
    problems = Problems()
    notice = parse_notice(source, path.stem, text.encode("utf-8"), config, problems)
    problems.raise_if_any()
    assert notice is not None
    return notice


def write_atomically(path: Path, text: str) -> None:
    # Through a link (reading refused any that leaves the repository) the target is replaced,
    # not the link.
    atomic_write(Path(os.path.realpath(path)), text.encode("utf-8"), durable=True)


def _write_valid(config: Config, path: Path, text: str, refusal: str = "nothing was written") -> Path:
    try:
        _validated(config, path, text)
    except StatusgenError as exc:
        raise StatusgenError([*exc.problems, Problem("", "", refusal)]) from None
    try:
        write_atomically(path, text)
    except OSError as exc:  # the file is replaced in one rename: until then it is as it was
        raise StatusgenError(f"{path.relative_to(config.root).as_posix()}: cannot be written "
                             f"({exc.strerror or exc}); nothing was written") from None
    return path


def _write_new(config: Config, kind: str, title: str, day: datetime, fields: str) -> Path:
    """Write incidents/<the day's date>-<slug>.md: the title, then `fields`, as front matter."""
    date_prefix = day.astimezone(config.site.tz).strftime("%Y-%m-%d")
    path = _free_path(config, date_prefix, slugify(title, kind))
    return _write_valid(config, path, f"---\ntitle: {render_scalar(title)}\n{fields}---\n")


def _components_block(components, newline="\n") -> str:
    return "".join(render_value_lines(cid, status, 2, newline) for cid, status in components)


def _first_update(at: datetime, status: str, message: str) -> str:
    return (f"updates:\n  - at: {iso_utc(at)}\n"
            + render_value_lines("status", status, 4, "\n")
            + render_value_lines("message", message, 4, "\n"))


@_locked
def new_incident(config: Config, title: str, components: tuple[tuple[str, str], ...],
                 message: str | None, at: datetime) -> Path:
    """Write incidents/<date>-<slug>.md with a first `investigating` update; return its path."""
    title = _check_text("TITLE", title)
    check_components(config, components, required=True)
    message = _check_text("--message", message) if message is not None else DEFAULT_MESSAGES["investigating"]
    return _write_new(config, "incident", title, at, f"components:\n{_components_block(components)}"
                      f"started: {iso_utc(at)}\n" + _first_update(at, "investigating", message))


@_locked
def new_maintenance(config: Config, title: str, components: tuple[tuple[str, str], ...],
                    start: datetime, end: datetime, message: str | None, now: datetime) -> Path:
    """Write incidents/<start date>-<slug>.md with a first `scheduled` update at `now`."""
    title = _check_text("TITLE", title)
    check_components(config, components, required=True)
    if end <= start:
        raise StatusgenError(f"--end: found {iso_utc(end)}, not after --start ({iso_utc(start)}); "
                             "expected a later time")
    message = _check_text("--message", message) if message is not None else DEFAULT_MESSAGES["scheduled"]
    return _write_new(config, "maintenance", title, start, "type: maintenance\n"
                      f"components:\n{_components_block(components)}"
                      f"scheduled_start: {iso_utc(start)}\nscheduled_end: {iso_utc(end)}\n"
                      + _first_update(now, "scheduled", message))


def find_notice_file(config: Config, reference: str) -> Path:
    """SLUG (a file name without .md) or the file's path, relative to the current folder or the root."""
    root = Path(config.root).resolve()
    incidents = root / INCIDENTS_DIR
    if reference.endswith(".md") or "/" in reference or os.sep in reference:
        given = Path(reference)
        candidates = [given, root / given] if not given.is_absolute() else [given]
        path = next((c.resolve() for c in candidates if c.is_file()), None)
        if path is None:
            raise StatusgenError(f"SLUG: no file {reference!r}; expected an incident file's slug or path")
        if not path.is_relative_to(incidents) or path.suffix != ".md":
            raise StatusgenError(f"SLUG: {reference!r} is not a .md file in {incidents}; "
                                 "expected an incident file of this status repository")
        return path
    files = incident_files(root)  # a link is kept as it is: reading checks where it leads
    matches = [p for p in files if p.stem == reference]
    if len(matches) > 1:
        raise StatusgenError(f"SLUG: {reference!r} names several files "
                             f"({', '.join(p.relative_to(root).as_posix() for p in matches)}); give the path instead")
    if not matches:
        close = difflib.get_close_matches(reference, [p.stem for p in files], n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise StatusgenError(f"SLUG: no incident file {reference!r} in {INCIDENTS_DIR}/{hint}")
    return matches[0]


def _load_for_edit(config: Config, reference: str) -> tuple[Path, str, str, Notice]:
    """The file `reference` names: its path, its path for messages, its text and its notice."""
    path = find_notice_file(config, reference)
    source = path.relative_to(config.root).as_posix()
    try:
        text = read_source(path, config.root).decode("utf-8")
    except SourceError as exc:
        raise StatusgenError(f"{source}: {exc}; nothing was written") from None
    except UnicodeDecodeError:
        raise StatusgenError(f"{source}: not UTF-8 text") from None
    try:
        notice = _validated(config, path, text)
    except StatusgenError as exc:
        raise StatusgenError([*exc.problems, Problem("", "", "fix these first; nothing was written")]) from None
    return path, source, text, notice


@_locked
def add_update(config: Config, reference: str, status: str, message: str, at: datetime,
               components: tuple[tuple[str, str], ...] = ()) -> Path:
    """Append an update to the file, keeping everything else in it as written.

    `components` go into the new update only: each status holds from `at` on, and the statuses
    before it stay on record. A closing status (`resolved` for an incident, `completed` for
    maintenance) also sets the matching time field, exactly as `resolve` does, so the file
    stays valid.
    """
    path, source, text, notice = _load_for_edit(config, reference)
    kind = "incident" if isinstance(notice, Incident) else "maintenance"
    statuses = INCIDENT_UPDATE_STATUSES if kind == "incident" else MAINTENANCE_UPDATE_STATUSES
    if status not in statuses:
        raise StatusgenError(f"--status: found {status!r}; expected for {'an' if kind == 'incident' else 'a'} "
                             f"{kind} one of: {', '.join(statuses)}")
    message = _check_text("--message", message)
    check_components(config, components, required=False)
    editor = FrontMatterEditor(text, source)
    if isinstance(notice, Incident) and notice.resolved is not None:
        if status == IncidentUpdateStatus.RESOLVED:
            raise StatusgenError(f"{source}: already resolved at {iso_utc(notice.resolved)}; nothing was written")
        if status != IncidentUpdateStatus.POSTMORTEM:
            raise StatusgenError(f"{source}: resolved at {iso_utc(notice.resolved)}; after that only a 'postmortem' "
                                 f"update may follow. If it is not over, reopen it: statusgen reopen {path.stem} "
                                 "--message M; nothing was written")
    if isinstance(notice, Incident) and status == IncidentUpdateStatus.RESOLVED:
        editor.set_top_level("resolved", iso_utc(at), after=("started",))
    if isinstance(notice, Maintenance) and status == MaintenanceUpdateStatus.COMPLETED:
        if any(u.status == MaintenanceUpdateStatus.COMPLETED for u in notice.updates):
            raise StatusgenError(f"{source}: already has a 'completed' update; nothing was written")
        _check_started(notice, source, at)
        if notice.completed is None:
            editor.set_top_level("completed", iso_utc(at), after=("scheduled_end", "scheduled_start"))
    editor.append_update(iso_utc(at), status, message, list(components))
    return _write_edit(config, path, editor)


def _check_started(maintenance: Maintenance, source: str, at: datetime) -> None:
    """Only a window that has started can be completed."""
    if maintenance.cancelled:
        raise StatusgenError(f"{source}: cancelled, so it cannot be completed; nothing was written")
    if at < maintenance.scheduled_start:
        raise StatusgenError(f"{source}: completed at {iso_utc(at)}, but the window has not started "
                             f"(scheduled_start {iso_utc(maintenance.scheduled_start)}). To call it off, use "
                             f"statusgen cancel {Path(source).stem}; nothing was written")


def _write_edit(config: Config, path: Path, editor: FrontMatterEditor) -> Path:
    return _write_valid(config, path, editor.result(), "the change was refused; nothing was written")


@_locked
def resolve(config: Config, reference: str, message: str | None, at: datetime) -> Path:
    """Close an incident (`resolved`) or a maintenance (`completed`) with a closing update.

    A window that has not started is not completed: that is `cancel`."""
    path, _, _, notice = _load_for_edit(config, reference)
    status = "resolved" if isinstance(notice, Incident) else "completed"
    return add_update(config, str(path), status, message if message is not None else DEFAULT_MESSAGES[status], at)


@_locked
def reopen(config: Config, reference: str, message: str, at: datetime, status: str = "investigating",
           components: tuple[tuple[str, str], ...] = ()) -> Path:
    """Clear an incident's `resolved` time and append an update that reopens it.

    The earlier `resolved` update stays in the history. Between it and this update the
    incident's components count as operational; from this update on they have the statuses in
    force at the resolution, overridden by `components`.
    """
    path, source, text, notice = _load_for_edit(config, reference)
    if not isinstance(notice, Incident):
        raise StatusgenError(f"{source}: a maintenance window is not reopened; add an update or plan a new "
                             "window with statusgen new maintenance. Nothing was written")
    if notice.resolved is None:
        raise StatusgenError(f"{source}: not resolved, so there is nothing to reopen; add an update with "
                             "statusgen update. Nothing was written")
    if status not in REOPENING_STATUSES:
        raise StatusgenError(f"--status: found {status!r}; expected one of: {', '.join(REOPENING_STATUSES)}")
    message = _check_text("--message", message)
    check_components(config, components, required=False)
    closing = [u for u in notice.updates if u.status == IncidentUpdateStatus.RESOLVED][-1]
    if at < closing.at or at < notice.resolved:
        latest = max(closing.at, notice.resolved)
        raise StatusgenError(f"--at: found {iso_utc(at)}, before the resolution ({iso_utc(latest)}); "
                             "expected the time it was reopened, at or after that")
    editor = FrontMatterEditor(text, source)
    editor.set_top_level_literal("resolved", "null", None)
    editor.append_update(iso_utc(at), status, message, list(components))
    return _write_edit(config, path, editor)


@_locked
def cancel(config: Config, reference: str, message: str | None, now: datetime) -> Path:
    """Cancel a maintenance window that has not started: set `cancelled: true` and append a
    `scheduled` update saying so. A window that has started is ended with `resolve`."""
    path, source, text, notice = _load_for_edit(config, reference)
    if not isinstance(notice, Maintenance):
        raise StatusgenError(f"{source}: an incident is not cancelled; close it with statusgen resolve. "
                             "Nothing was written")
    if notice.cancelled:
        raise StatusgenError(f"{source}: already cancelled; nothing was written")
    started = [u for u in notice.updates if u.status in STARTED_MAINTENANCE_STATUSES]
    if now >= notice.scheduled_start or started or notice.completed is not None:
        raise StatusgenError(f"{source}: the window has started (scheduled_start "
                             f"{iso_utc(notice.scheduled_start)}); a started window is not cancelled, so its "
                             f"history stays true. End it early with statusgen resolve {path.stem}; "
                             "nothing was written")
    message = _check_text("--message", message) if message is not None else DEFAULT_MESSAGES["cancelled"]
    editor = FrontMatterEditor(text, source)
    editor.set_top_level_literal("cancelled", "true", True, after=("completed", "scheduled_end", "scheduled_start"))
    editor.append_update(iso_utc(now), "scheduled", message, [])
    return _write_edit(config, path, editor)


def _absolute(config: Config) -> Config:
    """Paths in messages are relative to the root; resolving it once keeps them so."""
    root = Path(config.root).resolve()
    return config if Path(config.root) == root else replace(config, root=root)
