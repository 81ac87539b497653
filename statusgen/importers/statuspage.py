"""Statuspage's public API v2 (a live page, or saved exports) -> an ImportPlan.

Reads components.json (groups and components), incidents.json (every incident_update, with
affected_components' old and new statuses when present) and scheduled-maintenances.json.
Several saved exports are merged, the newest copy of each incident winning, because the API
lists only the 50 newest incidents.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from statusgen.config import ID_PATTERN, RESERVED_COMPONENT_IDS, Component, Group
from statusgen.errors import Problems
from statusgen.importers.api_files import load_documents
from statusgen.importers.common import (
    DATE_SLUG,
    ImportPlan,
    Leftover,
    NewNotice,
    NewUpdate,
    SiteDefaults,
    dated_slug,
    format_time,
    make_id,
    settle_incident,
    settle_maintenance,
    source_time,
    to_markdown,
    unique_slugs,
    valid_timezone,
)
from statusgen.state import impact_of_statuses
from statusgen.vocabulary import (
    CLOSING_INCIDENT_STATUSES,
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT_UPDATE_STATUSES,
    MAINTENANCE_UPDATE_STATUSES,
    ComponentStatus,
    MaintenanceUpdateStatus,
)

IMPACT_STATUS = {"critical": "major_outage", "major": "partial_outage", "minor": "degraded_performance",
                 "none": "degraded_performance"}
EMPTY_MESSAGES = {
    "investigating": "We are investigating this issue.",
    "identified": "The issue has been identified.",
    "monitoring": "A fix has been implemented and we are monitoring the results.",
    "resolved": "This incident has been resolved.",
    "postmortem": "A postmortem has been published.",
    "scheduled": "This maintenance is scheduled.",
    "in_progress": "This maintenance is in progress.",
    "verifying": "The maintenance is being verified.",
    "completed": "This maintenance has been completed.",
}
# Fields with no place in statusgen's format, reported when set to something other than the default.
# What is read, or carried in another form, or belongs to Statuspage itself (ids, links, times it
# derives); anything else that is set is reported as having no place in statusgen.
USED = {"id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "started_at",
        "page_id", "shortlink", "incident_updates", "components", "impact", "postmortem_body",
        "scheduled_for", "scheduled_until", "postmortem_published_at"}
USED_IN_UPDATES = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
                   "affected_components", "custom_tweet", "tweet_id", "twitter_updated_at"}
DEFAULTS: tuple[object, ...] = (None, False, "", [], {}, "[]")


class _Reader:
    def __init__(self, tz: tzinfo, problems: Problems):
        self.tz, self.problems = tz, problems
        self.leftovers: list[Leftover] = []
        self.component_ids: dict[str, str] = {}  # Statuspage id -> statusgen id
        self.reported: set[tuple[str, str]] = set()
        self.current: dict[str, tuple[str, str]] = {}  # component id -> (where, status other than operational)

    def components(self, entries: list[tuple[str, dict]],
                   slos: dict[str, float]) -> tuple[tuple[Group, ...], tuple[Component, ...]]:
        groups: dict[str, Group] = {}
        group_of: dict[str, str] = {}
        taken_groups: set[str] = set()
        for _name, item in entries:
            if item.get("group"):
                gid = _unique(_readable_id(item) or make_id(str(item.get("name") or ""), "group"), taken_groups)
                groups[item["id"]] = Group(gid, str(item.get("name") or gid), item.get("description") or None)
                for member in item.get("components") or []:
                    group_of[member] = item["id"]
        components, taken = [], set(RESERVED_COMPONENT_IDS)
        for name, item in entries:
            if item.get("group"):
                continue
            title = str(item.get("name") or item.get("id"))
            cid = _unique(_readable_id(item) or make_id(title, "component"), taken)
            self.component_ids[item["id"]] = cid
            parent = item.get("group_id") or group_of.get(item["id"])
            group = groups[parent].id if parent in groups else None
            if item.get("status") not in (None, "operational"):
                self.current[cid] = (f"{Path(name).name}: {title}", item["status"])
            slo = slos.get(item["id"])
            since = self._start_date(name, title, item.get("start_date"))
            components.append(Component(cid, title, group, item.get("description") or None,
                                        float(slo) if isinstance(slo, (int, float)) and not isinstance(slo, bool)
                                        else None, since))
            where = f"{Path(name).name}: {title}"
            if item.get("only_show_if_degraded"):
                self.leftovers.append(Leftover(where, "only_show_if_degraded", "true; statusgen always shows components"))
            if item.get("showcase") is False:
                self.leftovers.append(Leftover(where, "showcase", "false; statusgen shows every component's uptime"))
        used_groups = {c.group for c in components}
        return tuple(g for g in groups.values() if g.id in used_groups), tuple(components)

    def _start_date(self, name: str, title: str, value) -> date | None:
        """Statuspage's start_date (YYYY-MM-DD) is statusgen's `since`."""
        if not value:
            return None
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            self.leftovers.append(Leftover(f"{Path(name).name}: {title}", "start_date",
                                           f"{value!r}; expected a date such as 2026-11-01"))
            return None

    def _title_and_updates(self, source: str, item: dict, statuses: tuple[str, ...], kind: str) -> tuple[str, list]:
        """The title and the updates, sorted by time, each with its affected_components."""
        result = []
        for index, raw in enumerate(item.get("incident_updates") or []):
            field = f"incident_updates[{index}]"
            status = raw.get("status")
            if status not in statuses:
                self.problems.add(source, f"{field}.status", f"found {status!r}; expected one of: {', '.join(statuses)}")
                continue
            at = source_time(self.problems, source, f"{field}.display_at",
                             raw.get("display_at") or raw.get("created_at"), self.tz)
            if at is None:
                continue
            message = to_markdown(str(raw.get("body") or ""))
            if not message:
                message = EMPTY_MESSAGES[status]
                self.leftovers.append(Leftover(source, f"{field}.body", f"empty; used {message!r}"))
            result.append((NewUpdate(at, status, message), raw.get("affected_components") or []))
        title = str(item.get("name") or "").strip()
        if not title:
            self.problems.add(source, "name", f"missing; expected the {kind}'s title")
        if not result:
            self.problems.add(source, "incident_updates", "none; expected at least one update")
        return title, sorted(result, key=lambda pair: pair[0].at)

    def _known(self, source: str, code: Any, name: str | None) -> str | None:
        if code in self.component_ids:
            return self.component_ids[code]
        if (source, code) not in self.reported:
            self.reported.add((source, code))
            self.leftovers.append(Leftover(source, "components", f"{name or code!r} is not in components.json "
                                                                 "(removed?); left out"))
        return None

    def _notable(self, source: str, item: dict) -> None:
        for key, value in item.items():
            if key not in USED and value not in DEFAULTS:
                self.leftovers.append(Leftover(source, key, f"{value!r}; no place in statusgen"))
        for index, update in enumerate(item.get("incident_updates") or []):
            for key, value in update.items() if isinstance(update, dict) else ():
                if key not in USED_IN_UPDATES and value not in DEFAULTS and (key, value) != ("deliver_notifications", True):
                    self.leftovers.append(Leftover(source, f"incident_updates[{index}].{key}",
                                                   f"{value!r}; no place in statusgen"))

    def incident(self, item: dict, source: str) -> NewNotice | None:
        self._notable(source, item)
        started = source_time(self.problems, source, "started_at", item.get("started_at") or item.get("created_at"), self.tz)
        title, pairs = self._title_and_updates(source, item, INCIDENT_UPDATE_STATUSES, "incident")
        impact = item.get("impact")
        if impact not in IMPACTS:
            self.problems.add(source, "impact", f"found {impact!r}; expected one of: {', '.join(IMPACTS)}")
        if started is None or not pairs or not title or impact not in IMPACTS:
            return None
        resolved = None
        if item.get("status") in CLOSING_INCIDENT_STATUSES:
            resolved = source_time(self.problems, source, "resolved_at", item.get("resolved_at"), self.tz) \
                if item.get("resolved_at") else None
            if resolved is None:
                resolved = next((u.at for u, _ in reversed(pairs) if u.status == "resolved"), pairs[-1][0].at)
        components, updates = self._timeline(source, item, pairs, impact, closing="resolved")
        first = [status for _, status in components]
        later = [s for u in updates for _, s in u.components]
        if impact_of_statuses(first) == impact_of_statuses(first + later) == impact:
            impact = None  # the default: written out, it would stop following the statuses
        body = to_markdown(str(item.get("postmortem_body") or ""))
        if body == "\n\n".join(u.message for u in updates if u.status == "postmortem"):
            body = ""  # a statusgen page publishes its postmortem updates so when there is no write-up
        notice = NewNotice(slug="", source=source, title=title, kind="incident", components=components,
                           updates=updates, body=body, started=started, resolved=resolved, impact=impact)
        return settle_incident(notice, self.leftovers)

    def _timeline(self, source: str, item: dict, pairs, impact: str, closing: str):
        """Top-level statuses (at the first update) and each later update's changes."""
        if not any(affected for _, affected in pairs):
            fallback = IMPACT_STATUS.get(impact, "under_maintenance")
            listed = [c for c in (item.get("components") or []) if isinstance(c, dict)]
            ids = [cid for c in listed if (cid := self._known(source, c.get("id"), c.get("name")))]
            if ids:
                self.leftovers.append(Leftover(source, "components", f"no statuses over time in the export; "
                                                                     f"each set to {fallback} (from impact {impact!r})"))
            return tuple((cid, fallback) for cid in dict.fromkeys(ids)), tuple(u for u, _ in pairs)
        current: dict[str, str] = {}
        top: dict[str, str] = {}
        updates = []
        for index, (update, affected) in enumerate(pairs):
            changes: dict[str, str] = {}
            for entry in affected:
                cid = self._known(source, entry.get("code"), entry.get("name"))
                new = entry.get("new_status")
                if cid is None:
                    continue
                if new not in COMPONENT_STATUSES:
                    self.problems.add(source, "affected_components.new_status",
                                      f"found {new!r}; expected one of: {', '.join(COMPONENT_STATUSES)}")
                    continue
                if index == 0:
                    if new != "operational" or entry.get("old_status") != "operational":
                        top[cid] = new  # operational throughout so far: it joins with a later update
                elif current.get(cid) != new and not (update.status == closing and new == "operational"):
                    changes[cid] = new
                current[cid] = new
            updates.append(NewUpdate(update.at, update.status, update.message, tuple(changes.items())))
        return tuple(top.items()), tuple(updates)

    def _maintenance_statuses(self, source: str, item: dict, pairs) -> dict[str, str]:
        statuses: dict[str, str] = {}
        for _, affected in pairs:
            for entry in affected:
                cid = self._known(source, entry.get("code"), entry.get("name"))
                if cid and entry.get("new_status") in COMPONENT_STATUSES and entry["new_status"] != ComponentStatus.OPERATIONAL:
                    statuses.setdefault(cid, entry["new_status"])
        for listed in item.get("components") or []:
            if isinstance(listed, dict):
                cid = self._known(source, listed.get("id"), listed.get("name"))
                if cid:
                    statuses.setdefault(cid, "under_maintenance")
        return statuses

    def maintenance(self, item: dict, source: str) -> NewNotice | None:
        self._notable(source, item)
        start = source_time(self.problems, source, "scheduled_for", item.get("scheduled_for"), self.tz)
        end = source_time(self.problems, source, "scheduled_until", item.get("scheduled_until"), self.tz)
        title, pairs = self._title_and_updates(source, item, MAINTENANCE_UPDATE_STATUSES, "maintenance")
        if start and end and end <= start:
            self.problems.add(source, "scheduled_until", f"found {item.get('scheduled_until')!r}, not after "
                                                         "scheduled_for; expected a later time")
        if start is None or end is None or end <= start or not pairs or not title:
            return None
        statuses = self._maintenance_statuses(source, item, pairs)
        completed, cancelled = None, False
        if item.get("status") == "completed" and item.get("resolved_at"):
            completed = source_time(self.problems, source, "resolved_at", item["resolved_at"], self.tz)
            if completed is not None and completed < start:
                # Statuspage has no "cancelled": a window completed before it began never ran.
                self.leftovers.append(Leftover(source, "status", f"completed at {format_time(completed)}, before "
                                                                 "its start; imported as cancelled"))
                completed, cancelled = None, True
        notice = NewNotice(slug="", source=source, title=title, kind="maintenance",
                           components=tuple(statuses.items()), updates=tuple(u for u, _ in pairs),
                           scheduled_start=start, scheduled_end=end, completed=completed, cancelled=cancelled)
        return settle_maintenance(notice, self.leftovers)


def _readable_id(item: dict) -> str | None:
    """The source's own id when a person chose it (as on a statusgen page), not Statuspage's
    generated ones like '8kbf7d35c070', so component URLs stay the same."""
    ident = str(item.get("id") or "")
    if ID_PATTERN.match(ident) and ("-" in ident or not any(ch.isdigit() for ch in ident)):
        return ident
    return None


def _unique(candidate: str, taken: set[str]) -> str:
    result, number = candidate, 2
    while result in taken:
        result, number = f"{candidate}-{number}", number + 1
    taken.add(result)
    return result


def _newest(items: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """One copy per id: the one updated last (several exports overlap)."""
    best: dict[str, tuple[str, dict]] = {}
    for name, item in items:
        key = str(item.get("id"))
        if key not in best or str(item.get("updated_at") or "") > str(best[key][1].get("updated_at") or ""):
            best[key] = (name, item)
    return list(best.values())


def _listed_items(kind: str, name: str, data: dict, problems: Problems) -> list[dict] | None:
    key = {"components": "components", "incidents": "incidents",
           "scheduled-maintenances": "scheduled_maintenances"}[kind]
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("id") for i in items):
        problems.add(name, key, f"expected a list of objects with an 'id' under {key!r}")
        return None
    return items


def _read_uptime(data: dict, slos: dict[str, float]) -> int | None:
    """Adds the SLOs of this site's own uptime.json to `slos`; its uptime_days when all agree on a
    plausible one, else None."""
    rows = [c for c in data.get("components") or [] if isinstance(c, dict) and c.get("id")]
    slos.update({c["id"]: c["slo"] for c in rows if c.get("slo") is not None})
    days = {c.get("uptime_days") for c in rows}
    only = next(iter(days)) if len(days) == 1 else None
    return only if isinstance(only, int) and 1 <= only <= 366 else None


def read_statuspage(references: tuple[str, ...], tz: tzinfo, timezone_name: str | None) -> ImportPlan:
    problems = Problems()
    documents = load_documents(references, problems)
    problems.raise_if_any()
    reader = _Reader(tz, problems)
    component_entries: dict[str, tuple[str, dict]] = {}
    incidents: list[tuple[str, dict]] = []
    maintenances: list[tuple[str, dict]] = []
    page: dict = {}
    slos: dict[str, float] = {}
    uptime_days = None
    for kind, name, data in documents:
        if not isinstance(data, dict):
            problems.add(name, "", "expected a JSON object with 'page' and the listed items")
            continue
        if kind == "uptime":
            uptime_days = _read_uptime(data, slos) or uptime_days
            continue
        given = data.get("page")
        page = page or (given if isinstance(given, dict) else {})
        items = _listed_items(kind, name, data, problems)
        if items is None:
            continue
        if kind == "components":
            for item in items:
                component_entries.setdefault(item["id"], (name, item))
        else:
            (incidents if kind == "incidents" else maintenances).extend((name, item) for item in items)
    if not component_entries and not problems:
        problems.add(", ".join(references), "", "no components.json found; expected one with the page's components")
    problems.raise_if_any()
    groups, components = reader.components(list(component_entries.values()), slos)
    notices, suffixes = [], {}
    for listed, read in ((incidents, reader.incident), (maintenances, reader.maintenance)):
        for name, item in _newest(listed):
            source = f"{Path(name).name}: {item['id']}"
            notice = read(item, source)
            if notice is not None:
                notices.append(_with_slug(notice, item))
                suffixes[source] = str(item["id"])
    problems.raise_if_any()
    _note_unexplained_statuses(reader, notices)
    leftovers = reader.leftovers
    site = _site(page, timezone_name, uptime_days, leftovers)
    return ImportPlan("Statuspage", "statuspage", site, groups, components,
                      tuple(unique_slugs(notices, suffixes)), tuple(leftovers))


def _note_unexplained_statuses(reader: _Reader, notices: list[NewNotice]) -> None:
    explained = {cid for n in notices if (n.kind == "incident" and n.resolved is None) or
                 (n.kind == "maintenance" and n.updates[-1].status in (MaintenanceUpdateStatus.IN_PROGRESS,
                                                                        MaintenanceUpdateStatus.VERIFYING))
                 for cid in [c for c, _ in n.components] + [c for u in n.updates for c, _ in u.components]}
    for cid, (where, status) in reader.current.items():
        if cid not in explained:
            reader.leftovers.append(Leftover(where, "status", f"{status!r} with no open incident or maintenance; "
                                                              "statusgen derives status from incidents"))


def _site(page: dict, timezone_name: str | None, uptime_days: int | None, leftovers: list[Leftover]) -> SiteDefaults:
    base_url = str(page.get("url") or "").rstrip("/") + "/"
    if urlparse(base_url).scheme != "https":
        leftovers.append(Leftover("page", "url", f"{page.get('url')!r} is not an https URL; "
                                                 "set site.base_url in statusgen.toml"))
        base_url = "https://status.example.com/"
    zone = timezone_name or str(page.get("time_zone") or "UTC")
    if not valid_timezone(zone):
        leftovers.append(Leftover("page", "time_zone", f"{zone!r} is not an IANA time zone; used UTC"))
        zone = "UTC"
    return SiteDefaults(title=str(page.get("name") or "Status"), base_url=base_url, timezone=zone,
                        uptime_days=uptime_days)


def _with_slug(notice: NewNotice, item: dict) -> NewNotice:
    ident = str(item["id"])
    if DATE_SLUG.match(ident):
        return replace(notice, slug=ident)  # a statusgen page's own slug
    moment = notice.started or notice.scheduled_start
    # The date as the source wrote it (its own offset), so the name never depends on --timezone.
    return replace(notice, slug=dated_slug(moment, notice.title, notice.kind))
