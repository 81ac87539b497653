"""A Statusfy site -> an ImportPlan.

The systems list comes from `statusfy.config.js`, read as text and never run (or from
--systems when it cannot be read), their names from `locales/<language>.json`. Incidents are
`content/*.md` (translations in `content/<language>/`) with YAML, TOML or JSON front matter:
`date`, `severity`, `affectedsystems`, `resolved`, `modified`, and for scheduled maintenance
`scheduled` and `duration` (minutes). Updates are `::: update Title | time` blocks in the body.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any

from statusgen.config import ID_PATTERN, RESERVED_COMPONENT_IDS, Component
from statusgen.errors import Problem, Problems, StatusgenError
from statusgen.importers.common import (
    MAINTENANCE_LABELS,
    UPDATE_LABELS,
    ImportPlan,
    Leftover,
    NewNotice,
    NewUpdate,
    file_slug,
    format_time,
    make_id,
    read_markdown,
    settle_incident,
    settle_maintenance,
    site_defaults,
    site_folder,
    source_time,
    unique_slugs,
)
from statusgen.reading import unlistable_folders

CONFIG_NAMES = ("statusfy.config.js", "statusfy.config.cjs", "config.js")
SEVERITIES = {"major-outage": "major_outage", "partial-outage": "partial_outage",
              "degraded-performance": "degraded_performance", "under-maintenance": "under_maintenance"}
KNOWN_FIELDS = {"id", "title", "description", "date", "modified", "severity", "affectedsystems", "resolved",
                "scheduled", "duration"}
_UPDATE = re.compile(r"^:::[ \t]*update[ \t]+(.*?)[ \t]*\|[ \t]*(\S.*?)[ \t]*\r?\n(.*?)^:::[ \t]*$",
                     re.MULTILINE | re.DOTALL)
_STRING = re.compile(r"""(['"`])((?:\\.|(?!\1).)*)\1""")
# Strings first, so that "https://..." is not taken for a comment.
_COMMENT_OR_STRING = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`)|//[^\n]*|/\*.*?\*/""",
                                re.DOTALL)


def _js_value(text: str, key: str) -> str | None:
    """The string literal after `key:` in JavaScript source, if it is one."""
    match = re.search(rf"\b{key}\s*:\s*(['\"`])((?:\\.|(?!\1).)*)\1", text)
    return match.group(2) if match else None


def read_js_config(text: str) -> tuple[dict, list[str] | None]:
    """What statusgen needs from statusfy.config.js, found in its text; the systems list only
    when it is a plain list of string literals (anything computed cannot be read without running it)."""
    text = _COMMENT_OR_STRING.sub(lambda m: m.group(1) or "", text)
    found: dict[str, Any] = {key: _js_value(text, key) for key in ("title", "description", "baseUrl", "defaultLocale", "dir")}
    found["locales"] = re.findall(r"\bcode\s*:\s*['\"]([A-Za-z_-]+)['\"]", text)
    match = re.search(r"\bsystems\s*:\s*\[(.*?)\]", text, re.DOTALL)
    if not match:
        return found, None
    inside = match.group(1)
    leftover = _STRING.sub("", inside).replace(",", "").strip()
    if leftover:
        return found, None
    return found, [m.group(2) for m in _STRING.finditer(inside)]


def _system_names(folder: Path, language: str) -> dict[str, str]:
    """System titles from the locale file: `"systems": {"api": "API"}` or `{"api": {"title": "API"}}`."""
    for path in (folder / "locales" / f"{language}.json", folder / language / f"{language}.json"):
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return {}
            systems = data.get("systems") if isinstance(data, dict) else None
            if isinstance(systems, dict) and isinstance(systems.get("items"), dict):
                systems = systems["items"]
            names = {}
            for key, value in (systems or {}).items():
                if isinstance(value, dict):
                    value = value.get("title") or value.get("name")
                if isinstance(value, str) and value.strip():
                    names[key] = value.strip()
            return names
    return {}


class _Statusfy:
    def __init__(self, root: Path, tz: tzinfo, severities: dict[str, str], systems: dict[str, str]):
        self.root, self.tz = root, tz
        self.severities = {**SEVERITIES, **severities}
        self.systems = systems  # Statusfy id -> component id
        self.problems = Problems()
        self.leftovers: list[Leftover] = []

    def incident(self, path: Path) -> NewNotice | None:
        read = read_markdown(self.root, path, self.problems)
        if read is None:
            return None
        file, data, body = read
        self._unused_fields(file, data)
        title = str(data.get("title") or "").strip()
        if not title:
            self.problems.add(file, "title", "missing; expected the incident's title")
        date = source_time(self.problems, file, "date", data.get("date"), self.tz) if data.get("date") else None
        if data.get("date") is None:
            self.problems.add(file, "date", "missing; expected when the incident was created")
        components = self._components(file, data)
        scheduled = data.get("scheduled")
        maintenance = scheduled is not None
        blocks, rest = self._blocks(file, body, maintenance)
        description = str(data.get("description") or "").strip()
        if description and not rest:
            rest = description
        elif description and description not in rest:
            self.leftovers.append(Leftover(file, "description", "a summary beside the body; statusgen shows the body"))
        if not title or date is None or components is None:
            return None
        slug = file_slug(path.stem, date, title, "incident")
        resolved_flag = data.get("resolved") is True
        if maintenance:
            return self._maintenance(file, data, slug, title, date, components, blocks, rest, resolved_flag)
        updates = blocks or [NewUpdate(date, "investigating", rest or title)]
        if not blocks:
            rest = ""
        resolved = None
        if resolved_flag:
            closing = [u.at for u in updates if u.status == "resolved"]
            modified = source_time(self.problems, file, "modified", data["modified"], self.tz) \
                if data.get("modified") and not closing else None
            resolved = max(closing) if closing else modified or max(u.at for u in updates)
        notice = NewNotice(slug=slug, source=file, title=title, kind="incident", components=components,
                           updates=tuple(updates), body=rest, started=date, resolved=resolved)
        return settle_incident(notice, self.leftovers)

    def _unused_fields(self, file: str, data: dict) -> None:
        for key, value in data.items():
            if key not in KNOWN_FIELDS and value not in (None, False, "", [], {}):
                self.leftovers.append(Leftover(file, str(key), f"{value!r}; no place in statusgen"))
        if data.get("id"):
            self.leftovers.append(Leftover(file, "id", f"{data['id']!r}; the page moves from /incidents/{data['id']} "
                                                       "to /incidents/<file name>/"))
        if data.get("modified"):
            self.leftovers.append(Leftover(file, "modified", f"{data['modified']!r}; statusgen shows the time of "
                                                             "each update instead"))

    def _maintenance(self, file, data, slug, title, date, components, blocks, rest, resolved_flag):
        start = source_time(self.problems, file, "scheduled", data.get("scheduled"), self.tz)
        duration = data.get("duration")
        try:
            minutes = float(duration)
        except (TypeError, ValueError):
            minutes = -1
        if minutes <= 0:
            self.problems.add(file, "duration", f"found {duration!r}; expected the window's length in minutes")
        if start is None or minutes <= 0:
            return None
        end = start + timedelta(minutes=minutes)
        updates = blocks or [NewUpdate(date, "scheduled", rest or title)]
        if not blocks:
            rest = ""
        completed = next((u.at for u in updates if u.status == "completed"), None)
        if resolved_flag and completed is None and end > max(u.at for u in updates):
            self.leftovers.append(Leftover(file, "resolved", f"true; statusgen ends the window at its scheduled end, "
                                                             f"{format_time(end)}"))
        notice = NewNotice(slug=slug, source=file, title=title, kind="maintenance",
                           components=components or (), updates=tuple(updates), body=rest,
                           scheduled_start=start, scheduled_end=end)
        return settle_maintenance(notice, self.leftovers)

    def _components(self, file: str, data: dict) -> tuple[tuple[str, str], ...] | None:
        severity = data.get("severity")
        affected = data.get("affectedsystems") or []
        if isinstance(affected, str):
            affected = [affected]
        status = self.severities.get(str(severity).strip().lower()) if severity is not None else None
        if status is None:
            self.problems.add(file, "severity", f"found {severity!r}; expected major-outage, partial-outage, "
                                                "degraded-performance or under-maintenance "
                                                "(or map it with --severity NAME=STATUS)")
            return None
        result: dict[str, str] = {}
        for system in affected:
            cid = self.systems.get(str(system))
            if cid is None:
                self.leftovers.append(Leftover(file, "affectedsystems", f"{system!r} is not in the systems list "
                                                                        "(removed?); left out"))
            else:
                result[cid] = status
        return tuple(result.items())

    def _blocks(self, file: str, body: str, maintenance: bool) -> tuple[list[NewUpdate], str]:
        labels = MAINTENANCE_LABELS if maintenance else UPDATE_LABELS
        updates, previous = [], None
        for index, match in enumerate(_UPDATE.finditer(body)):
            label, when, text = match.group(1).strip(), match.group(2), match.group(3).strip()
            at = source_time(self.problems, file, f"update {index + 1} ({label})", when, self.tz)
            status = labels.get(label.lower())
            if label.lower() in ("update", "updated"):
                status = previous or ("scheduled" if maintenance else "investigating")
            elif status is None:
                status = previous or ("scheduled" if maintenance else "investigating")
                text = f"**{label}**: {text}" if label else text
            if at is not None:
                updates.append(NewUpdate(at, status, text or label or status))
                previous = status
        updates.sort(key=lambda u: u.at)
        rest = _UPDATE.sub("", body)
        rest = re.sub(r"<!-+\s*language code:[^>]*-->", "", rest)
        return updates, re.sub(r"\n{3,}", "\n\n", rest).strip()


def _components(systems: list[str], names: dict) -> tuple[list[Component], dict[str, str]]:
    """A component per Statusfy system, and the system -> component id map."""
    components, mapping, taken = [], {}, set(RESERVED_COMPONENT_IDS)
    for system in systems:
        cid = system if ID_PATTERN.match(system) and system not in taken else None
        if cid is None:
            cid = make_id(system, "system")
            while cid in taken:
                cid += "-2"
        taken.add(cid)
        mapping[system] = cid
        components.append(Component(cid, names.get(system) or system.replace("-", " ").capitalize()))
    return components, mapping


def read_statusfy(folder: Path, tz: tzinfo, timezone_name: str | None, severities: dict[str, str],
                  language: str | None, systems_option: tuple[str, ...]) -> ImportPlan:
    folder = site_folder(folder, severities)
    config_path = next((folder / name for name in CONFIG_NAMES if (folder / name).is_file()), None)
    found, systems = read_js_config(config_path.read_text(encoding="utf-8")) if config_path else ({}, None)
    if systems_option:
        systems = [s.strip() for value in systems_option for s in value.split(",") if s.strip()]
    if systems is None:
        where = config_path.name if config_path else "statusfy.config.js"
        raise StatusgenError(f"{where}: content.systems could not be read without running the file; "
                             "expected a list of quoted ids, or pass --systems api,cdn,...")
    default_language = found.get("defaultLocale") or "en"
    language = language or default_language
    content = folder / (found.get("dir") or "content")
    unlistable = [entry for listed in (content, content / language) for entry in unlistable_folders(listed, False)]
    if unlistable:
        raise StatusgenError([Problem(os.path.relpath(where, folder).replace(os.sep, "/") + "/", "",
                                      f"cannot be read ({why}); expected a folder statusgen can list (its incidents "
                                      "would not be imported)") for where, why in unlistable])
    if language == default_language:
        sources = sorted(p for p in content.glob("*.md") if p.name.lower() != "readme.md")
    else:
        sources = sorted((content / language).glob("*.md"))
        if not (content / language).is_dir():
            raise StatusgenError(f"--language: found {language!r}, but there is no {content.name}/{language}/ folder; "
                                 f"expected the default ({default_language!r}) or one of the translated folders")
    components, mapping = _components(systems, _system_names(folder, language))
    reader = _Statusfy(folder, tz, severities, mapping)
    notices = [n for n in (reader.incident(path) for path in sources) if n is not None]
    translated = [d for d in sorted(content.iterdir()) if d.is_dir() and d.name != language and any(d.glob("*.md"))] \
        if content.is_dir() else []
    if language != default_language and any(content.glob("*.md")):
        translated.insert(0, content)
    for other in translated:
        count = len(list(other.glob("*.md")))
        reader.leftovers.append(Leftover(f"{other.relative_to(folder).as_posix()}/", "",
                                         f"{count} files in another language not imported (--language {language})"))
    reader.problems.raise_if_any()
    site = site_defaults(found.get("title"), found.get("baseUrl"), timezone_name, found.get("description"),
                         (config_path.name if config_path else "statusfy.config.js", "baseUrl"), reader.leftovers)
    return ImportPlan("Statusfy", "statusfy", site, (), tuple(components),
                      tuple(unique_slugs(notices, {n.source: Path(n.source).stem for n in notices})),
                      tuple(reader.leftovers))
