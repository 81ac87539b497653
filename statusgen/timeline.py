"""Component status over time inside one incident or maintenance window: pure functions of a notice.

The rules (docs/format.md, "Component status over time"):

- An incident's top-level `components` hold from `started`; an update's `components` hold from
  its `at` (a component named first in an update joins the incident then).
- A `resolved` update ends every status of the incident. When a later update (not `resolved`,
  not `postmortem`) reopens it, the statuses in force at the resolution resume, overridden by
  that update's `components`; the gap in between is not part of the incident. The `resolved`
  field is the end of the last period.
- A maintenance window's top-level `components` (overridden by the `components` of updates
  dated before its start) hold from `scheduled_start` to its actual end; updates inside the
  window change them from their `at`. A cancelled window never gives a status.

What these functions give (the API other modules build on):

- `segments(notice)`: the notice's timeline, (component, status, start, end) pieces; `end` is
  None while still in force. Nothing is clipped to `now`: callers clip.
- `component_status_at(notice, component_id, t)` / `statuses_at(notice, t)`: the status a
  notice gives a component at `t` ("operational", or absent, when it gives none).
- `public_updates(notice, now)`: the updates published by `now`, hand-written ones plus the
  automatic `in_progress` / `completed` updates of a maintenance window that started or ended
  without a hand-written one.
- `update_changes(notice, updates)`: for each update, (component, old_status, new_status) of
  every component the notice touches: the status as of the update before it (operational
  before the first) and the status the update leaves in force.
- `update_ids(notice, updates)`: stable ids (slug + update time), never changed by later updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from statusgen.model import Incident, Maintenance, Notice, Update
from statusgen.vocabulary import REOPENING_STATUSES, ComponentStatus, IncidentUpdateStatus, MaintenanceUpdateStatus

# Statuspage's own texts for its automatic maintenance transitions.
AUTOMATIC_MESSAGES = {
    MaintenanceUpdateStatus.IN_PROGRESS: "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
    MaintenanceUpdateStatus.COMPLETED: "The scheduled maintenance has been completed.",
}


@dataclass(frozen=True)
class Segment:
    component_id: str
    status: str
    start: datetime
    end: datetime | None  # None: still in force (an ongoing incident)


@dataclass(frozen=True)
class Change:
    component_id: str
    old_status: str
    new_status: str

    @property
    def changed(self) -> bool:
        return self.old_status != self.new_status


def _incident_events(incident: Incident) -> tuple[list[tuple[datetime, dict | None]], list[dict]]:
    """(moment, statuses from then on, None when ended) in order, and each update's statuses after it."""
    events: list[tuple[datetime, dict | None]] = [(incident.started, dict(incident.components))]
    current: dict | None = dict(incident.components)
    at_resolution: dict = {}
    after = []
    for update in incident.updates:
        at = max(update.at, incident.started)
        if current is not None:
            if update.status == IncidentUpdateStatus.RESOLVED:
                at_resolution, current = current, None
                events.append((at, None))
            elif update.components:
                current = {**current, **dict(update.components)}
                events.append((at, current))
        elif update.status in REOPENING_STATUSES:
            current = {**at_resolution, **dict(update.components)}
            events.append((at, current))
        after.append(current or {})
    if incident.resolved is not None:
        # The `resolved` time ends the last period, whatever the closing update's own time.
        if events[-1][1] is None:
            events.pop()
        events = [(min(at, incident.resolved), statuses) for at, statuses in events]
        events.append((incident.resolved, None))
    return events, after


def _maintenance_events(maintenance: Maintenance) -> list[tuple[datetime, dict | None]]:
    if maintenance.cancelled:
        return []
    start, end = maintenance.scheduled_start, maintenance.actual_end
    current = dict(maintenance.components)
    events: list[tuple[datetime, dict | None]] = []
    for update in maintenance.updates:
        if update.components and update.at <= start:
            current = {**current, **dict(update.components)}
    events.append((start, current))
    for update in maintenance.updates:
        if update.components and start < update.at < end:
            current = {**current, **dict(update.components)}
            events.append((update.at, current))
    events.append((max(end, start), None))
    return events


def _events(notice: Notice) -> list[tuple[datetime, dict | None]]:
    if isinstance(notice, Maintenance):
        return _maintenance_events(notice)
    return _incident_events(notice)[0]


def segments(notice: Notice) -> tuple[Segment, ...]:
    """The notice's timeline: each component's statuses with their periods, in time order.

    A status that holds across several updates is one segment; zero-length pieces are left out."""
    events = _events(notice)
    open_since: dict[str, tuple[str, datetime]] = {}
    result: list[Segment] = []
    for at, statuses in events:
        statuses = statuses or {}
        for component_id in list(open_since):
            status, since = open_since[component_id]
            if statuses.get(component_id) != status:
                if at > since:
                    result.append(Segment(component_id, status, since, at))
                del open_since[component_id]
        for component_id, status in statuses.items():
            if component_id not in open_since:
                open_since[component_id] = (status, at)
    for component_id, (status, since) in open_since.items():
        result.append(Segment(component_id, status, since, None))
    return tuple(sorted(result, key=lambda s: (s.start, s.end is None, s.end or s.start)))


def statuses_at(notice: Notice, moment: datetime) -> dict[str, str]:
    """Every component the notice gives a status at `moment` (a period includes its start, not its end)."""
    return {s.component_id: s.status for s in segments(notice)
            if s.start <= moment and (s.end is None or moment < s.end)}


def component_status_at(notice: Notice, component_id: str, moment: datetime) -> str:
    """The status the notice gives the component at `moment`; "operational" when it gives none."""
    return statuses_at(notice, moment).get(component_id, ComponentStatus.OPERATIONAL)


def statuses_ever(notice: Notice) -> tuple[str, ...]:
    """Every status the notice gave any component (the top-level ones even if they never held)."""
    return tuple(status for _, status in notice.components) + tuple(s.status for s in segments(notice))


def affected_component_ids(notice: Notice) -> tuple[str, ...]:
    """The notice's components, then any that only an update names, each once."""
    ids = [component_id for component_id, _ in notice.components]
    for update in notice.updates:
        if update.components:
            ids += [component_id for component_id, _ in update.components if component_id not in ids]
    return tuple(ids)


def automatic_updates(notice: Notice, now: datetime) -> tuple[Update, ...]:
    """The `in_progress` and `completed` updates a window gets, once `now` has passed its start
    or end, when no hand-written update of that status exists."""
    if not isinstance(notice, Maintenance) or notice.cancelled:
        return ()
    written = {update.status for update in notice.updates}
    result = []
    for moment, status in ((notice.scheduled_start, MaintenanceUpdateStatus.IN_PROGRESS),
                           (notice.actual_end, MaintenanceUpdateStatus.COMPLETED)):
        if now >= moment and status not in written:
            result.append(Update(moment, status, AUTOMATIC_MESSAGES[status], automatic=True))
    return tuple(result)


def public_updates(notice: Notice, now: datetime) -> tuple[Update, ...]:
    """Hand-written updates dated at or before `now` and the automatic ones, oldest first
    (an automatic update follows hand-written ones of the same time)."""
    written = tuple(update for update in notice.updates if update.at <= now)
    automatic = automatic_updates(notice, now)
    if not automatic:
        return written
    return tuple(sorted(written + automatic, key=lambda u: (u.at, u.automatic)))


def all_updates(notice: Notice, now: datetime) -> tuple[Update, ...]:
    """Every hand-written update (also those dated after `now`) and the automatic ones, oldest first."""
    automatic = automatic_updates(notice, now)
    if not automatic:
        return notice.updates
    return tuple(sorted(notice.updates + automatic, key=lambda u: (u.at, u.automatic)))


def update_changes(notice: Notice, updates: tuple[Update, ...]) -> list[tuple[Change, ...]]:
    """For each of `updates` (oldest first, e.g. from public_updates): every component the
    notice touches, with its status as of the previous update and as this update leaves it."""
    ids = affected_component_ids(notice)
    if isinstance(notice, Incident):
        after_written = _incident_events(notice)[1]
        written = iter(after_written)
        afters = [{} if update.automatic else next(written) for update in updates]
    else:
        afters = [{} if update.status == MaintenanceUpdateStatus.COMPLETED else statuses_at(notice, update.at)
                  for update in updates]
    result = []
    before: dict = {}
    for after in afters:
        result.append(tuple(Change(cid, before.get(cid, ComponentStatus.OPERATIONAL), after.get(cid, ComponentStatus.OPERATIONAL))
                            for cid in ids))
        before = after
    return result


def update_ids(notice: Notice, updates: tuple[Update, ...] | None = None) -> list[str]:
    """Stable ids from the update times (`<slug>-20261120T141000Z`); a second update at the same
    second gets a -2 suffix. An automatic update's id has the same form, so a hand-written update
    that later replaces it at the same time keeps its id, and an imported copy of this site's API
    reproduces it. `updates` defaults to the notice's own; any other sequence must keep the
    hand-written updates in order, with automatic ones after hand-written ones of the same time
    (as public_updates does)."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for update in notice.updates if updates is None else updates:
        stamp = update.at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        seen[stamp] = seen.get(stamp, 0) + 1
        ids.append(f"{notice.slug}-{stamp}" + (f"-{seen[stamp]}" if seen[stamp] > 1 else ""))
    return ids


def reported_changes(notice: Notice, updates: tuple[Update, ...]) -> list[tuple[Change, ...]]:
    """For each of `updates`, the status changes worth saying in words: those of an update that
    sets `components`, and those a reopening brings back. A notice starting and ending is said by
    the update itself ("Investigating", "Resolved"), so those changes are not repeated."""
    result = []
    closed = False
    for update, changes in zip(updates, update_changes(notice, updates)):
        reopening = isinstance(notice, Incident) and closed and update.status in REOPENING_STATUSES
        shown = bool(update.components) or reopening
        result.append(tuple(change for change in changes if change.changed) if shown else ())
        if isinstance(notice, Incident) and update.status == IncidentUpdateStatus.RESOLVED:
            closed = True
        elif reopening:
            closed = False
    return result
