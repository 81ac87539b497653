"""The JSON API under api/v2/: Atlassian Statuspage's public v2 shapes, so existing clients work.

Only what is true at `now` is published: updates dated after `now` are left out, and an incident
that has not started by `now` does not appear. Every time comes from the content (never the
clock), and every object is built with a fixed key order, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlparse

import orjson

from statusgen.i18n import N_
from statusgen.model import Incident, Maintenance, Notice
from statusgen.render.notices import (
    affected_component_ids,
    published_updates,
    update_ids,
)
from statusgen.state import (
    NOTHING_YET,
    freshness,
    incident_api_status,
    incident_impact,
    maintenance_api_status,
    maintenance_closed_at,
    notice_moments,
    postmortem_updates,
    resolved_by,
    started_incidents,
    update_changes,
    worst_status,
)
from statusgen.times import iso_utc, iso_utc_millis
from statusgen.vocabulary import Indicator

# Every file under api/v2/ with what it holds, in the order the subscribe page lists them.
API_FILES = {
    "summary.json": N_("Everything on the front page: status, components, unresolved incidents, maintenance"),
    "status.json": N_("The overall indicator and its description"),
    "components.json": N_("Every component and its current status"),
    "incidents.json": N_("Recent incidents with their updates"),
    "incidents/unresolved.json": N_("Incidents not yet resolved"),
    "scheduled-maintenances.json": N_("Recent and coming maintenance"),
    "scheduled-maintenances/upcoming.json": N_("Maintenance not yet started"),
    "scheduled-maintenances/active.json": N_("Maintenance in progress"),
    "uptime.json": N_("Uptime of every component over the window, day by day (statusgen's own)"),
    "freshness.json": N_("When this copy of the site was built (statusgen's own)"),
}
RECENT_LIMIT = 50  # Statuspage lists "the 50 most recent" incidents and maintenances


class StatuspageApi:
    """Builds the Statuspage v2 objects for one (config, content, state)."""

    def __init__(self, context):
        self.config, self.content, self.state = context.config, context.content, context.state
        self.now = self.state.now
        self.page_id = _page_id(self.config.site.base_url)
        self.group_ids = {g.id: (f"group-{g.id}" if g.id in self.config.component_ids else g.id)
                          for g in self.config.groups}
        self.incidents = started_incidents(self.content.incidents, self.now)
        self.notices = self.incidents + self.content.maintenances  # api_notices
        # when each component's status or notices last changed, at or before now, and the page
        moments: dict[str, list[datetime]] = {cid: [] for cid in self.config.component_ids}
        latest = NOTHING_YET  # statusgen.state.last_change, in the same pass
        for notice in self.notices:
            published = [m for m in notice_moments(notice) if m <= self.now]
            if published:
                latest = max(latest, *published)
            for cid in affected_component_ids(notice):
                moments[cid] += published
        self.updated_at = latest
        # (first, last) moment per component: component objects appear in many documents
        self.span_by_component = {cid: (min(found), max(found)) for cid, found in moments.items() if found}
        # An object listed in several places (a notice in recent and unresolved, a component in
        # every notice touching it) is one object, built once.
        self._objects: dict[tuple, dict] = {}
        self.positions = {c["id"]: c["position"] for c in self.components() if not c["group"]}

    def page(self) -> dict:
        return page_object(self.config, self.updated_at)

    def status(self) -> dict:
        return {"indicator": self.state.indicator, "description": self.state.indicator_description}

    # -- components ----------------------------------------------------------------------------

    def _component_times(self, component_ids) -> tuple[str, str]:
        spans = [self.span_by_component[cid] for cid in component_ids if cid in self.span_by_component]
        created = min((first for first, _ in spans), default=self.updated_at)
        updated = max((last for _, last in spans), default=self.updated_at)
        return iso_utc_millis(created), iso_utc_millis(updated)

    def component(self, component_id: str, position: int) -> dict:
        key = ("component", component_id, position)
        if key not in self._objects:  # in every notice that touches it
            self._objects[key] = self._component(component_id, position)
        return self._objects[key]

    def _component(self, component_id: str, position: int) -> dict:
        component = self.config.component(component_id)
        created, updated = self._component_times([component_id])
        return {
            "id": component.id,
            "name": component.name,
            "status": self.state.component_status[component.id],
            "created_at": created,
            "updated_at": updated,
            "position": position,
            "description": component.description,
            "showcase": True,
            "start_date": component.since.isoformat() if component.since else None,
            "group_id": self.group_ids[component.group] if component.group else None,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def group(self, group_id: str, position: int) -> dict:
        group = self.config.group(group_id)
        members = [c.id for c in self.config.components if c.group == group_id]
        created, updated = self._component_times(members)
        return {
            "id": self.group_ids[group_id],
            "name": group.name,
            "status": worst_status(self.state.component_status[m] for m in members),
            "created_at": created,
            "updated_at": updated,
            "position": position,
            "description": group.description,
            "showcase": False,
            "start_date": None,
            "group_id": None,
            "page_id": self.page_id,
            "group": True,
            "only_show_if_degraded": False,
            "components": members,
        }

    def components(self) -> list[dict]:
        """Page order: each group where its first member appears, followed by its members."""
        result: list[dict] = []
        placed: set[str] = set()
        for component in self.config.components:
            if component.group is None:
                result.append(self.component(component.id, len(result) + 1))
            elif component.group not in placed:
                placed.add(component.group)
                result.append(self.group(component.group, len(result) + 1))
                for member in self.config.components:
                    if member.group == component.group:
                        result.append(self.component(member.id, len(result) + 1))
        return result

    # -- incidents and maintenance -------------------------------------------------------------

    def incident_updates(self, notice: Notice) -> list[dict]:
        """Newest first; each lists every component the notice touches with its status before
        and after the update (Statuspage's `affected_components`)."""
        published = published_updates(notice, self.now)
        ids = update_ids(notice, published)
        changes = update_changes(notice, published)
        rows = []
        for index, update in enumerate(published):
            at = iso_utc_millis(update.at)
            rows.append({
                "id": ids[index],
                "status": update.status,
                "body": update.message.strip(),
                "incident_id": notice.slug,
                "created_at": at,
                "updated_at": at,
                "display_at": at,
                "affected_components": [
                    {"code": change.component_id, "name": self.config.component(change.component_id).name,
                     "old_status": change.old_status, "new_status": change.new_status}
                    for change in changes[index]
                ],
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            })
        return list(reversed(rows))

    def _notice(self, notice: Notice, status: str, impact: str, created: datetime,
                resolved: datetime | None, started: datetime) -> dict:
        updates = published_updates(notice, self.now)
        monitoring = next((u.at for u in updates if u.status == "monitoring"), None)
        updated = max([created] + [u.at for u in updates] + ([resolved] if resolved else []))
        return {
            "id": notice.slug,
            "name": notice.title,
            "status": status,
            "created_at": iso_utc_millis(created),
            "updated_at": iso_utc_millis(updated),
            "monitoring_at": iso_utc_millis(monitoring) if monitoring else None,
            "resolved_at": iso_utc_millis(resolved) if resolved else None,
            "impact": impact,
            "shortlink": self.config.url(f"incidents/{notice.slug}/"),
            "started_at": iso_utc_millis(started),
            "page_id": self.page_id,
            "incident_updates": self.incident_updates(notice),
            "components": [self.component(cid, self.positions[cid]) for cid in affected_component_ids(notice)],
        }

    def incident(self, incident: Incident) -> dict:
        updates = published_updates(incident, self.now)
        created = min([incident.started] + [u.at for u in updates[:1]])
        obj = self._notice(incident, incident_api_status(incident, self.now), incident_impact(incident),
                           created, resolved_by(incident, self.now), incident.started)
        # Statuspage's postmortem fields: the write-up (the body, else the postmortem updates'
        # messages) once a postmortem update is published.
        postmortem = postmortem_updates(incident, self.now)
        body = incident.body.strip() or "\n\n".join(u.message.strip() for u in postmortem)
        obj["postmortem_body"] = body if postmortem else None
        obj["postmortem_published_at"] = iso_utc_millis(postmortem[0].at) if postmortem else None
        return obj

    def maintenance(self, maintenance: Maintenance) -> dict:
        updates = published_updates(maintenance, self.now)
        created = updates[0].at if updates else maintenance.scheduled_start
        obj = self._notice(maintenance, maintenance_api_status(maintenance, self.now), Indicator.MAINTENANCE, created,
                           maintenance_closed_at(maintenance, self.now), maintenance.scheduled_start)
        obj["scheduled_for"] = iso_utc_millis(maintenance.scheduled_start)
        obj["scheduled_until"] = iso_utc_millis(maintenance.scheduled_end)
        return obj

    def _once(self, build, notice: Notice) -> dict:
        key = (build.__name__, notice.slug)
        if key not in self._objects:
            self._objects[key] = build(notice)
        return self._objects[key]

    def documents(self) -> dict[str, dict]:
        page = self.page()
        incidents = [self._once(self.incident, i) for i in self.incidents[:RECENT_LIMIT]]
        unresolved = [self._once(self.incident, i) for i in self.state.active_incidents]
        active = [self._once(self.maintenance, m) for m in self.state.maintenance_in_progress]
        upcoming = [self._once(self.maintenance, m) for m in self.state.upcoming_maintenance]
        recent = [self._once(self.maintenance, m) for m in self.content.maintenances[:RECENT_LIMIT]]
        components = self.components()
        return {
            "summary.json": {"page": page, "components": components, "incidents": unresolved,
                             "scheduled_maintenances": active + upcoming, "status": self.status()},
            "status.json": {"page": page, "status": self.status()},
            "components.json": {"page": page, "components": components},
            "incidents.json": {"page": page, "incidents": incidents},
            "incidents/unresolved.json": {"page": page, "incidents": unresolved},
            "scheduled-maintenances.json": {"page": page, "scheduled_maintenances": recent},
            "scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": upcoming},
            "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
        }


def page_object(config, updated_at: datetime) -> dict:
    """`updated_at`: the newest moment at or before now of the notices the API lists
    (statusgen.state.last_change of api_notices)."""
    site = config.site
    return {
        "id": _page_id(site.base_url),
        "name": site.title,
        "url": site.base_url.rstrip("/"),
        "time_zone": site.timezone,
        "updated_at": iso_utc_millis(updated_at),
    }


def api_notices(content, now: datetime) -> tuple[Notice, ...]:
    """The notices the API lists: the incidents begun by `now`, and all maintenance."""
    return started_incidents(content.incidents, now) + content.maintenances


def uptime_components(config, state) -> list[dict]:
    """statusgen's own addition: the uptime window of every component, with daily figures."""
    result = []
    for component in config.components:
        uptime = state.uptime[component.id]
        result.append({
            "id": component.id,
            "name": component.name,
            "uptime_days": config.site.uptime_days,
            "percent": round(uptime.percent, 3),
            "slo": uptime.slo,
            "slo_missed": uptime.slo_missed,
            "start_date": uptime.since.isoformat() if uptime.since else None,
            "window_seconds": round(uptime.window_seconds),
            "downtime_seconds": round(uptime.downtime_seconds),
            "error_budget": None if uptime.budget_seconds is None else {
                "budget_seconds": round(uptime.budget_seconds),
                "used_seconds": round(uptime.downtime_seconds),
                "left_seconds": round(uptime.budget_left_seconds),
            },
            "days": [
                {"date": day.day.isoformat(),
                 "percent": None if day.percent is None else round(day.percent, 3),
                 "downtime_seconds": round(day.downtime_seconds),
                 "worst_status": day.worst_status,
                 "incidents": list(day.incidents)}
                for day in uptime.days
            ],
        })
    return result


def clock_files(config, state, updated_at: datetime) -> dict[str, bytes]:
    """The API files that change with the clock alone: uptime (it grows while an incident goes
    on, and the window moves each day) and when the site was built."""
    return {"api/v2/uptime.json": encode_floats({"page": page_object(config, updated_at),
                                                 "components": uptime_components(config, state)}),
            "api/v2/freshness.json": encode(freshness_document(freshness(config, state.now)))}


def _page_id(base_url: str) -> str:
    parsed = urlparse(base_url)
    return (parsed.netloc + parsed.path).rstrip("/").replace("/", "-")


def encode(document: dict) -> bytes:
    """Compact, as Statuspage serves it (smaller for pollers): the bytes of json.dumps(document,
    ensure_ascii=False, separators=(",", ":")), written by orjson, ten times faster. The two
    differ only in how they write a float below 1e-4 or from 1e16 (orjson never uses an
    exponent), and orjson refuses a whole number beyond 64 bits: a document with floats goes
    through `encode_floats` (the API's other numbers are counts and positions)."""
    return orjson.dumps(document) + b"\n"


def encode_floats(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def render(context) -> dict[str, bytes]:
    api = StatuspageApi(context)
    outputs = {f"api/v2/{name}": encode(document) for name, document in api.documents().items()}
    return {**outputs, **clock_files(context.config, context.state, api.updated_at)}


def freshness_document(fresh) -> dict:
    """statusgen's own addition, for the page script and for pollers: when this copy was built."""
    return {
        "built_at": iso_utc(fresh.built_at),
        "stale_after_minutes": fresh.stale_after_minutes,
        "stale_at": iso_utc(fresh.stale_at) if fresh.stale_at else None,
    }
