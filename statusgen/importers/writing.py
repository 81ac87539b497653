"""An ImportPlan -> statusgen.toml entries and incidents/*.md, validated in full before anything is written.

statusgen.toml is only ever appended to (the user's comments and layout stay as they are) or
created. Incident files are written only where no file is, or where the same bytes already
are (a re-run), or with `force` where this import's own file names are.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from statusgen.build import check
from statusgen.config import CONFIG_FILE, ID_PATTERN, Component, Group
from statusgen.content import INCIDENT_KEYS, INCIDENTS_DIR, scan_incident_files
from statusgen.errors import Problem, Problems, StatusgenError
from statusgen.files import atomic_write
from statusgen.front_matter import render_value_lines
from statusgen.importers.common import ImportPlan, NewNotice, format_time
from statusgen.reading import SourceError, read_source

# Imported history is never pushed to subscribers as news, once the format can say so.
SUPPORTS_NOTIFY = "notify" in INCIDENT_KEYS
Entry = TypeVar("Entry", Group, Component)


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    config_created: bool
    groups_added: tuple[str, ...]
    components_added: tuple[str, ...]
    written: tuple[str, ...]  # paths relative to the root
    unchanged: tuple[str, ...]


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_blocks(groups: list[Group], components: list[Component]) -> str:
    lines: list[str] = []
    for group in groups:
        lines += ["", "[[groups]]", f"id = {toml_string(group.id)}", f"name = {toml_string(group.name)}"]
        if group.description:
            lines.append(f"description = {toml_string(group.description)}")
    for component in components:
        lines += ["", "[[components]]", f"id = {toml_string(component.id)}", f"name = {toml_string(component.name)}"]
        if component.group:
            lines.append(f"group = {toml_string(component.group)}")
        if component.description:
            lines.append(f"description = {toml_string(component.description)}")
        if component.slo is not None:
            lines.append(f"slo = {component.slo!r}")
        if component.since is not None:
            lines.append(f"since = {component.since.isoformat()}")
    return "\n".join(lines) + "\n" if lines else ""


def _new_config_text(plan: ImportPlan, groups, components) -> str:
    site = plan.site
    head = [f"# Created by `statusgen import {plan.command}` from a {plan.source} site.", "", "[site]",
            f"title = {toml_string(site.title)}", f"base_url = {toml_string(site.base_url)}"]
    if site.description:
        head.append(f"description = {toml_string(site.description)}")
    head.append(f"timezone = {toml_string(site.timezone)}")
    if site.uptime_days is not None:
        head.append(f"uptime_days = {site.uptime_days}")
    return "\n".join(head) + "\n" + _toml_blocks(groups, components)


def _merge_config(plan: ImportPlan, existing_text: str | None) -> tuple[str, ImportPlan, list, list, Problems]:
    """The new statusgen.toml text, the plan with ids mapped onto existing components of the same
    name, and what was added."""
    problems = Problems()
    existing: dict = {}
    if existing_text is not None:
        try:
            existing = tomllib.loads(existing_text)
        except tomllib.TOMLDecodeError as exc:
            raise StatusgenError(f"{CONFIG_FILE}: invalid TOML: {exc}; nothing was written") from None
    group_ids, new_groups = _match_existing("groups", existing, plan.groups, problems)
    component_ids, added = _match_existing("components", existing, plan.components, problems)
    new_components = [replace(c, group=group_ids.get(c.group) if c.group else None) for c in added]

    def remap(pairs):
        return tuple((component_ids.get(cid, cid), status) for cid, status in pairs)

    notices = tuple(replace(n, components=remap(n.components),
                            updates=tuple(replace(u, components=remap(u.components)) for u in n.updates))
                    for n in plan.notices)
    plan = replace(plan, notices=notices)
    if existing_text is None:
        text = _new_config_text(plan, new_groups, new_components)
    else:
        blocks = _toml_blocks(new_groups, new_components)
        text = existing_text
        if blocks:
            text += ("" if text.endswith("\n") or not text else "\n")
            text += f"\n# Added by `statusgen import {plan.command}` from a {plan.source} site." + blocks
    return text, plan, new_groups, new_components, problems


def _match_existing(table: str, existing: dict, entries: tuple[Entry, ...],
                    problems: Problems) -> tuple[dict[str, str], list[Entry]]:
    """Each entry's id in statusgen.toml (an entry of `table` there with the same name keeps its id),
    and the entries it does not have yet. An id taken there by another name is a problem."""
    old: dict = {e.get("id"): e.get("name") for e in existing.get(table, []) if isinstance(e, dict)}
    by_name = {str(name).casefold(): eid for eid, name in old.items() if isinstance(name, str)}
    ids = {entry.id: by_name.get(entry.name.casefold(), entry.id) for entry in entries}
    added = []
    for entry in entries:
        eid = ids[entry.id]
        if eid not in old:
            added.append(replace(entry, id=eid))
        elif old[eid] != entry.name:
            problems.add(CONFIG_FILE, f"{table}.{eid}", f"already named {old[eid]!r}; the import wants the id "
                                                        f"{eid!r} for {entry.name!r}")
    return ids, added


def _status_map(key: str, pairs, indent: int) -> str:
    if not pairs:
        return ""
    pad = " " * indent
    return f"{pad}{key}:\n" + "".join(f"{pad}  {cid}: {status}\n" for cid, status in pairs)


def render_notice(notice: NewNotice) -> str:
    lines = ["---\n", render_value_lines("title", notice.title, 0, "\n")]
    if notice.kind == "maintenance":
        lines.append("type: maintenance\n")
    lines.append(_status_map("components", notice.components, 0))
    if notice.kind == "incident":
        assert notice.started is not None  # every importer sets it
        lines.append(f"started: {format_time(notice.started)}\n")
        if notice.resolved is not None:
            lines.append(f"resolved: {format_time(notice.resolved)}\n")
        if notice.impact is not None:
            lines.append(f"impact: {notice.impact}\n")
    else:
        assert notice.scheduled_start is not None and notice.scheduled_end is not None  # every importer sets them
        lines.append(f"scheduled_start: {format_time(notice.scheduled_start)}\n")
        lines.append(f"scheduled_end: {format_time(notice.scheduled_end)}\n")
        if notice.completed is not None:
            lines.append(f"completed: {format_time(notice.completed)}\n")
        if notice.cancelled:
            lines.append("cancelled: true\n")
    if SUPPORTS_NOTIFY:
        lines.append("notify: false\n")
    lines.append("updates:\n")
    for update in notice.updates:
        lines.append(f"  - at: {format_time(update.at)}\n")
        lines.append(f"    status: {update.status}\n")
        lines.append(render_value_lines("message", update.message.strip(), 4, "\n"))
        lines.append(_status_map("components", update.components, 4))
    lines.append("---\n")
    if notice.body.strip():
        lines.append(notice.body.strip() + "\n")
    return "".join(lines)


def _check_slug(notice: NewNotice, problems: Problems) -> bool:
    if not ID_PATTERN.match(notice.slug) or len(notice.slug) > 120:
        problems.add(notice.source, "slug", f"derived {notice.slug!r}; expected lower-case letters, digits and '-'")
        return False
    return True


def import_plan(root: Path, plan: ImportPlan, force: bool = False) -> ImportResult:
    """Validate the whole repository as it would be after the import, then write; or raise with
    every problem and write nothing."""
    root = Path(root).resolve()
    config_path = root / CONFIG_FILE
    before: dict[str, bytes] = {}  # the bytes of each existing file the import would replace
    try:
        existing_text = config_path.read_text(encoding="utf-8") if config_path.exists() else None
        if existing_text is not None:
            before[CONFIG_FILE] = config_path.read_bytes()
    except (OSError, UnicodeDecodeError) as exc:
        raise StatusgenError(f"{CONFIG_FILE}: cannot be read ({getattr(exc, 'strerror', None) or exc}); "
                             "nothing was written") from None
    config_text, plan, new_groups, new_components, problems = _merge_config(plan, existing_text)

    found, scan_problems = scan_incident_files(root)  # a folder that cannot be listed hides its slugs
    scan_problems.raise_if_any()
    existing_files = {p.relative_to(root).as_posix(): p for p in found}
    existing_slugs = {Path(rel).stem: rel for rel in existing_files}
    planned: dict[str, str] = {}
    to_write, unchanged = {}, []
    for notice in plan.notices:
        if not _check_slug(notice, problems):
            continue
        relative = f"{INCIDENTS_DIR}/{notice.slug}.md"
        text = render_notice(notice)
        planned[relative] = text
        other = existing_slugs.get(notice.slug)
        if other is not None and other != relative:
            problems.add(other, "slug", f"{notice.slug!r} is taken; the import of {notice.source} would write "
                                        f"{relative}; rename one of them")
        elif relative in existing_files:
            try:
                before[relative] = read_source(existing_files[relative], root)
            except SourceError as exc:
                problems.add(relative, "", str(exc))
                continue
            if before[relative] == text.encode("utf-8"):
                unchanged.append(relative)
            elif force:
                to_write[relative] = text
            else:
                problems.add(relative, "", f"exists and differs from what the import of {notice.source} would "
                                           "write; expected no file there (--force replaces it)")
        else:
            to_write[relative] = text
    problems.raise_if_any()
    _validate(root, config_text, existing_files, planned)
    _write_all(root, ({CONFIG_FILE: config_text} if existing_text != config_text else {}) | dict(sorted(to_write.items())),
               before)
    return ImportResult(plan, existing_text is None, tuple(g.id for g in new_groups),
                        tuple(c.id for c in new_components), tuple(sorted(to_write)), tuple(sorted(unchanged)))


def _write_all(root: Path, texts: dict[str, str], before: dict[str, bytes]) -> None:
    """Write each file (the configuration first); if one cannot be written, put back those
    written already (`before`: their bytes before, where there was a file), so the repository is
    as it was."""
    done: list[str] = []
    try:
        for relative, text in texts.items():
            atomic_write(root / relative, text.encode("utf-8"), durable=True)
            done.append(relative)
        (root / INCIDENTS_DIR).mkdir(exist_ok=True)
    except OSError as exc:
        failed = next(relative for relative in texts if relative not in done) if len(done) < len(texts) else INCIDENTS_DIR
        undone = []
        for relative in reversed(done):
            try:
                if relative in before:
                    atomic_write(root / relative, before[relative], durable=True)
                else:
                    (root / relative).unlink()
            except OSError:
                undone.append(relative)
        outcome = ("nothing was written" if not undone else
                   "these files are written and could not be put back: " + ", ".join(sorted(undone)))
        raise StatusgenError(f"{failed}: cannot be written ({exc.strerror or exc}); {outcome}") from None


def _validate(root: Path, config_text: str, existing_files: dict[str, Path], planned: dict[str, str]) -> None:
    """`statusgen check` on the repository as it would be: copies of the files that stay, the new ones written."""
    with tempfile.TemporaryDirectory(prefix="statusgen-import-") as scratch:
        scratch_root = Path(scratch)
        (scratch_root / CONFIG_FILE).write_text(config_text, encoding="utf-8")
        (scratch_root / INCIDENTS_DIR).mkdir()
        for relative, path in existing_files.items():
            if relative not in planned:
                target = scratch_root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                try:  # a copy, not a link: check refuses links that leave the repository
                    target.write_bytes(read_source(path, root))
                except SourceError as exc:
                    raise StatusgenError(f"{relative}: {exc}") from None
        for relative, text in planned.items():
            (scratch_root / relative).write_text(text, encoding="utf-8")
        try:
            check(scratch_root)
        except StatusgenError as exc:
            raise StatusgenError([*exc.problems, Problem("", "", "the imported files would not pass "
                                                                 "`statusgen check`; nothing was written")]) from None
