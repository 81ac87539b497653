"""A cState (Hugo) site -> an ImportPlan.

Reads the systems and categories of its Hugo config (`config.yml`, `config.toml`, `hugo.*`),
and every issue in `content/issues/`: `date`, `resolved`, `resolvedWhen`, `severity`
(down, disrupted, notice), `affected` (system names), `informational`, and the
`{{< track "time" >}}` lines that date each update in the body. Systems used to be a plain
list of names and categories came later; both forms are read.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import tzinfo
from pathlib import Path

import yaml

from statusgen.config import RESERVED_COMPONENT_IDS, Component, Group
from statusgen.errors import Problems, StatusgenError
from statusgen.importers.common import (
    UPDATE_LABELS,
    ImportPlan,
    Leftover,
    NewNotice,
    NewUpdate,
    TextTimestampLoader,
    file_slug,
    format_time,
    make_id,
    read_markdown,
    settle_incident,
    site_defaults,
    site_folder,
    source_time,
    unique_slugs,
)
from statusgen.reading import unlistable_folders

CONFIG_NAMES = ("config.yml", "config.yaml", "config.toml", "hugo.yml", "hugo.yaml", "hugo.toml")
SEVERITIES = {"down": "major_outage", "disrupted": "partial_outage", "notice": "under_maintenance"}
_TRACK = re.compile(r"\{\{[<%]\s*track\s+[\"']([^\"']+)[\"']\s*[>%]\}\}")
_LABEL = re.compile(r"\A\s*(?:\*\*|\*|__|_)([^*_\n]{1,40}?)(?:\*\*|\*|__|_)\s*(?:[-\u2013\u2014:]\s*)?")
_SHORTCODE = re.compile(r"\{\{[<%]\s*/?\s*([\w-]+)")
KNOWN_FIELDS = {"title", "date", "resolved", "resolvedWhen", "severity", "affected", "informational", "section"}


def _read_config(root: Path, problems: Problems) -> tuple[str, dict]:
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            try:
                data = tomllib.loads(text) if name.endswith(".toml") else yaml.load(text, Loader=TextTimestampLoader)
            except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
                problems.add(name, "", f"could not be read: {exc}")
                return name, {}
            return name, data if isinstance(data, dict) else {}
    raise StatusgenError(f"{root}: no {', '.join(CONFIG_NAMES[:3])} found; expected the folder of a cState site")


class _CState:
    def __init__(self, root: Path, tz: tzinfo, severities: dict[str, str]):
        self.root, self.tz = root, tz
        self.severities = {**SEVERITIES, **severities}
        self.problems = Problems()
        self.leftovers: list[Leftover] = []
        self.by_name: dict[str, str] = {}  # system name -> component id

    def systems(self, file: str, params: dict) -> tuple[tuple[Group, ...], tuple[Component, ...]]:
        groups: dict[str, Group] = {}
        for index, category in enumerate(params.get("categories") or []):
            if not isinstance(category, dict) or not category.get("name"):
                self.problems.add(file, f"params.categories[{index}]", f"found {category!r}; expected a name")
                continue
            name = str(category["name"])
            if category.get("untitled"):
                self.leftovers.append(Leftover(file, f"params.categories[{index}]", f"{name!r} is untitled: "
                                               "its systems are imported without a group"))
                continue
            if category.get("closed"):
                self.leftovers.append(Leftover(file, f"params.categories[{index}].closed", "true; statusgen "
                                               "does not collapse groups"))
            groups[name] = Group(make_id(name, "group"), name, category.get("description") or None)
        components, taken = [], set(RESERVED_COMPONENT_IDS)
        for index, system in enumerate(params.get("systems") or []):
            system = {"name": system} if isinstance(system, str) else system
            if not isinstance(system, dict) or not system.get("name"):
                self.problems.add(file, f"params.systems[{index}]", f"found {system!r}; expected a name")
                continue
            name = str(system["name"])
            cid = make_id(name, "system")
            while cid in taken:
                cid += "-2"
            taken.add(cid)
            self.by_name[name] = cid
            category = system.get("category")
            if category is not None and str(category) not in groups and not any(
                    isinstance(c, dict) and c.get("name") == category for c in params.get("categories") or []):
                self.leftovers.append(Leftover(file, f"params.systems[{index}].category",
                                               f"{category!r} is not a category; imported without a group"))
            if system.get("link"):
                self.leftovers.append(Leftover(file, f"params.systems[{index}].link", f"{system['link']!r}; "
                                               "statusgen components have no link"))
            group = groups[str(category)].id if str(category) in groups else None
            components.append(Component(cid, name, group, str(system["description"]).strip()
                                        if system.get("description") else None))
        used = {c.group for c in components}
        return tuple(g for g in groups.values() if g.id in used), tuple(components)

    def issue(self, path: Path) -> NewNotice | None:
        read = read_markdown(self.root, path, self.problems)
        if read is None:
            return None
        file, data, body = read
        if data.get("draft") is True:
            self.leftovers.append(Leftover(file, "draft", "true; a draft was never published, so it is not imported"))
            return None
        self._unknown_fields(file, data)
        title = str(data.get("title") or "").strip()
        if not title:
            self.problems.add(file, "title", "missing; expected the issue's title")
        date = None
        if data.get("date"):
            date = source_time(self.problems, file, "date", data["date"], self.tz)
        else:
            self.problems.add(file, "date", "missing; expected when the issue began")
        informational = data.get("informational") is True
        components = () if informational else self._components(file, data)
        resolved = self._resolved(file, data, informational)
        if not title or date is None or components is None or resolved is False:
            return None
        updates, rest = self._updates(file, body)
        if informational and resolved is None:
            resolved = date  # a post, not an outage: it never was open
        if not updates:
            updates = [NewUpdate(date, "resolved" if informational else "investigating", rest or title)]
            rest = ""
        if resolved is None and data.get("resolved") is True:
            resolved = max([date] + [u.at for u in updates])
            if not informational:
                self.leftovers.append(Leftover(file, "resolvedWhen", f"missing; resolved at the last update, "
                                                                     f"{format_time(resolved)}"))
        self._shortcodes(file, [rest] + [u.message for u in updates])
        notice = NewNotice(slug=file_slug(path.stem, date, title, "issue"), source=file, title=title,
                           kind="incident", components=components, updates=tuple(updates), body=rest,
                           started=date, resolved=resolved)
        return settle_incident(notice, self.leftovers)

    def _unknown_fields(self, file: str, data: dict) -> None:
        for key, value in data.items():
            if key not in KNOWN_FIELDS and key != "draft" and value not in (None, False, "", [], {}):
                self.leftovers.append(Leftover(file, str(key), f"{value!r}; no place in statusgen"))

    def _shortcodes(self, file: str, texts: list[str]) -> None:
        shortcodes = sorted({m.group(1) for text in texts for m in _SHORTCODE.finditer(text)})
        if shortcodes:
            self.leftovers.append(Leftover(file, "body", f"Hugo shortcodes kept as text: {', '.join(shortcodes)}"))

    def _components(self, file: str, data: dict) -> tuple[tuple[str, str], ...] | None:
        severity = data.get("severity")
        affected = data.get("affected") or []
        if isinstance(affected, str):
            affected = [affected]
        if severity is None and not affected:
            return ()
        status = self.severities.get(str(severity).strip().lower()) if severity is not None else None
        if status is None:
            self.problems.add(file, "severity", f"found {severity!r}; expected down, disrupted or notice "
                                                "(or map it with --severity NAME=STATUS)")
            return None
        result: list[tuple[str, str]] = []
        for name in affected:
            cid = self.by_name.get(str(name))
            if cid is None:
                self.leftovers.append(Leftover(file, "affected", f"{name!r} is not a system in the config "
                                                                 "(removed?); left out"))
            elif cid not in dict(result):
                result.append((cid, status))
        return tuple(result)

    def _resolved(self, file: str, data: dict, informational: bool):
        """The resolution time; None if unresolved or not given; False after a problem."""
        when = data.get("resolvedWhen")
        flag = data.get("resolved")
        if flag is not True and not informational:
            if when:
                self.leftovers.append(Leftover(file, "resolvedWhen", f"{when!r} ignored: the issue is not resolved"))
            return None
        if not when:
            return None
        moment = source_time(self.problems, file, "resolvedWhen", when, self.tz)
        return False if moment is None else moment

    def _updates(self, file: str, body: str) -> tuple[list[NewUpdate], str]:
        """Each `{{< track "time" >}}` closes an update; what follows the last one is the body."""
        updates, start, previous = [], 0, None
        chunks = []
        for match in _TRACK.finditer(body):
            chunks.append((body[start:match.start()], match.group(1)))
            start = match.end()
        for text, when in chunks:
            at = source_time(self.problems, file, "track", when, self.tz)
            status, message = _label(text.strip(), previous)
            if at is None or not message:
                continue
            updates.append(NewUpdate(at, status, message))
            previous = status
        return updates, body[start:].strip()


def _label(text: str, previous: str | None) -> tuple[str, str]:
    """`*Resolved* - We fixed it` -> ('resolved', 'We fixed it'). An unknown label is kept in the
    message, and the update keeps the status before it."""
    match = _LABEL.match(text)
    if match:
        label = match.group(1).strip().lower()
        status = previous or "investigating" if label in ("update", "updated") else UPDATE_LABELS.get(label)
        if status:
            return status, text[match.end():].strip()
    return previous or "investigating", text


def read_cstate(folder: Path, tz: tzinfo, timezone_name: str | None,
                severities: dict[str, str]) -> ImportPlan:
    folder = site_folder(folder, severities)
    reader = _CState(folder, tz, severities)
    config_name, config = _read_config(folder, reader.problems)
    given = config.get("params")
    params = given if isinstance(given, dict) else {}
    groups, components = reader.systems(config_name, params)
    issues_dir = folder / "content" / "issues"
    if not issues_dir.is_dir():
        reader.problems.add("content/issues", "", "not found; expected the folder of cState's issue files")
    for where, why in unlistable_folders(issues_dir):
        reader.problems.add(os.path.relpath(where, folder).replace(os.sep, "/") + "/", "",
                            f"cannot be read ({why}); expected a folder statusgen can list (its issues would not "
                            "be imported)")
    notices = []
    for path in sorted(issues_dir.rglob("*.md")) if issues_dir.is_dir() else []:
        if path.name.startswith("_index"):
            continue
        notice = reader.issue(path)
        if notice is not None:
            notices.append(notice)
    reader.problems.raise_if_any()
    given_url = next((value for key, value in config.items() if str(key).lower() == "baseurl"), None)
    site = site_defaults(config.get("title"), given_url, timezone_name, params.get("description"),
                         (config_name, "baseURL"), reader.leftovers)
    return ImportPlan("cState", "cstate", site, groups, components,
                      tuple(unique_slugs(notices, {n.source: Path(n.source).stem for n in notices})),
                      tuple(reader.leftovers))
