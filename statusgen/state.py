"""What is true at `now`: pure functions of (config, content, now). Nothing here reads the clock.

A notice's component statuses are a timeline (statusgen.timeline, re-exported here):
`component_status_at(notice, component_id, t)`, `segments(notice)`, `public_updates(notice, now)`
and `update_changes(notice, updates)` answer what a notice said when. Here: the state of a notice
at `now` and the end to show for it, the site's state, the status the Statuspage API gives a notice,
and when the state next changes by the clock alone (statusgen.schedule steps through those changes).
The renderers only format what these say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone

from statusgen.config import Config
from statusgen.model import Content, Incident, Maintenance, Notice
from statusgen.timeline import (  # noqa: F401  (re-exported: the timeline API)
    Change,
    Segment,
    affected_component_ids,
    all_updates,
    automatic_updates,
    component_status_at,
    public_updates,
    reported_changes,
    segments,
    statuses_at,
    statuses_ever,
    update_changes,
    update_ids,
)
from statusgen.uptime import ComponentUptime, component_uptime, intervals_by_component, window_start
from statusgen.vocabulary import (
    CLOSING_INCIDENT_STATUSES,
    INDICATOR_DESCRIPTIONS,
    ComponentStatus,
    Impact,
    IncidentState,
    IncidentUpdateStatus,
    Indicator,
    MaintenanceState,
    MaintenanceUpdateStatus,
    severity,
)


def incident_is_active(incident: Incident, now: datetime) -> bool:
    return incident.started <= now and (incident.resolved is None or incident.resolved > now)


def resolved_by(incident: Incident, now: datetime) -> datetime | None:
    """When the incident was resolved, if that is at or before `now` (a recorded end still to
    come is not shown yet)."""
    return incident.resolved if incident.resolved is not None and incident.resolved <= now else None


def incident_state(incident: Incident, now: datetime) -> IncidentState:
    if incident_is_active(incident, now):
        return IncidentState.ACTIVE
    return IncidentState.RESOLVED if resolved_by(incident, now) else IncidentState.UPCOMING


def notice_state(notice: Notice, now: datetime) -> IncidentState | MaintenanceState:
    """active/resolved/upcoming for an incident, the window's state for maintenance."""
    if isinstance(notice, Maintenance):
        return maintenance_state(notice, now)
    return incident_state(notice, now)


def is_ongoing(state: str) -> bool:
    """An active incident or a window in progress: its components show their status of now."""
    return state in (IncidentState.ACTIVE, MaintenanceState.IN_PROGRESS)


def is_over(state: str) -> bool:
    """A resolved incident or a completed window (a cancelled one never took place)."""
    return state in (IncidentState.RESOLVED, MaintenanceState.COMPLETED)


def shown_end(notice: Notice, state: str, now: datetime) -> datetime | None:
    """The end to show for a notice in `state` at `now`: when it was resolved or the window ended;
    None while it goes on (or for a window that never ran)."""
    if isinstance(notice, Maintenance):
        return notice.actual_end if state == MaintenanceState.COMPLETED else None
    return resolved_by(notice, now)


def active_incidents(incidents, now: datetime) -> tuple[Incident, ...]:
    """Those active at `now`, in the given order."""
    return tuple(i for i in incidents if incident_is_active(i, now))


def started_incidents(incidents, now: datetime) -> tuple[Incident, ...]:
    """Those begun by `now` (a recorded future start is not published yet), in the given order."""
    return tuple(i for i in incidents if i.started <= now)


def maintenance_in_progress(maintenances, now: datetime) -> tuple[Maintenance, ...]:
    """The windows in progress at `now`, in the given order."""
    return tuple(m for m in maintenances if maintenance_state(m, now) == MaintenanceState.IN_PROGRESS)


def maintenance_state(maintenance: Maintenance, now: datetime) -> MaintenanceState:
    if maintenance.cancelled:
        return MaintenanceState.CANCELLED
    if now < maintenance.scheduled_start:
        return MaintenanceState.SCHEDULED
    if now < maintenance.actual_end:
        return MaintenanceState.IN_PROGRESS
    return MaintenanceState.COMPLETED


def incident_impact(incident: Incident) -> str:
    """The written impact, else the worst the incident ever had (not its last)."""
    if incident.impact is not None:
        return incident.impact
    return impact_of_statuses(statuses_ever(incident))


def incident_impact_at(incident: Incident, now: datetime) -> str:
    """What the incident weighs in the overall indicator at `now`: the written impact, else that
    of the statuses it gives at `now` (an incident that has eased no longer raises the banner)."""
    if incident.impact is not None:
        return incident.impact
    return impact_of_statuses(statuses_at(incident, now).values())


def impact_of_statuses(statuses) -> str:
    return ComponentStatus(worst_status(statuses)).impact


def worst_status(statuses) -> str:
    return max(statuses, key=severity, default=ComponentStatus.OPERATIONAL)


def notice_component_statuses(notice, ongoing: bool, now: datetime) -> tuple[tuple[str, str], ...]:
    """Every component the notice touches with the status to show for it: the status it has now
    while the notice is `ongoing` (an active incident, a window in progress), else the worst it had."""
    if ongoing:
        return tuple((cid, component_status_at(notice, cid, now)) for cid in affected_component_ids(notice))
    worst: dict[str, list[str]] = {cid: [] for cid in affected_component_ids(notice)}
    for component_id, status in notice.components:
        worst[component_id].append(status)
    for segment in segments(notice):
        worst[segment.component_id].append(segment.status)
    return tuple((cid, worst_status(statuses)) for cid, statuses in worst.items())


def component_statuses(config: Config, active: tuple[Incident, ...],
                       in_progress: tuple[Maintenance, ...], now: datetime) -> dict[str, str]:
    """Each component's worst status at `now` over the given notices' timelines."""
    given: dict[str, list[str]] = {c.id: [] for c in config.components}
    for notice in active + in_progress:
        for component_id, status in statuses_at(notice, now).items():
            given[component_id].append(status)
    return {component_id: worst_status(statuses) for component_id, statuses in given.items()}


def overall_indicator(statuses: dict[str, str], active: tuple[Incident, ...],
                      in_progress: tuple[Maintenance, ...], now: datetime, known: tuple[str, ...] = ()) -> str:
    """`known`: the impacts at `now` of further active incidents, worked out already."""
    impacts = [impact_of_statuses(statuses.values()), *known] + [incident_impact_at(i, now) for i in active]
    indicator = max(impacts, key=lambda impact: Impact(impact).rank)
    if indicator == Impact.NONE and in_progress:
        return Indicator.MAINTENANCE
    return indicator


@dataclass(frozen=True)
class SiteState:
    now: datetime
    indicator: str
    component_status: dict[str, str]
    active_incidents: tuple[Incident, ...]  # newest first
    maintenance_in_progress: tuple[Maintenance, ...]  # soonest end first
    upcoming_maintenance: tuple[Maintenance, ...]  # soonest start first
    maintenance_states: dict[str, MaintenanceState]  # slug -> scheduled|in_progress|completed|cancelled
    uptime: dict[str, ComponentUptime]

    @property
    def indicator_description(self) -> str:
        return INDICATOR_DESCRIPTIONS[self.indicator]

    def state_of(self, notice) -> IncidentState | MaintenanceState:
        """active/resolved/upcoming for incidents, the maintenance state for maintenance."""
        if isinstance(notice, Maintenance):
            return self.maintenance_states[notice.slug]
        return incident_state(notice, self.now)


def derive_state(config: Config, content: Content, now: datetime) -> SiteState:
    active = active_incidents(content.incidents, now)
    states = {m.slug: maintenance_state(m, now) for m in content.maintenances}
    in_progress = tuple(sorted((m for m in content.maintenances if states[m.slug] == MaintenanceState.IN_PROGRESS),
                               key=lambda m: (m.actual_end, m.slug)))
    upcoming = tuple(sorted((m for m in content.maintenances if states[m.slug] == MaintenanceState.SCHEDULED),
                            key=lambda m: (m.scheduled_start, m.slug)))
    statuses = component_statuses(config, active, in_progress, now)
    start = window_start(config, now)
    intervals = intervals_by_component(content, now, lambda notice: _closed_by(notice, start))
    return SiteState(
        now=now,
        indicator=overall_indicator(statuses, active, in_progress, now),
        component_status=statuses,
        active_incidents=active,
        maintenance_in_progress=in_progress,
        upcoming_maintenance=upcoming,
        maintenance_states=states,
        uptime={c.id: component_uptime(config, content, c.id, now, intervals) for c in config.components},
    )


def page_status_at(config: Config, content: Content, moment: datetime) -> tuple[dict[str, str], str]:
    """(each component's status, the overall indicator) at `moment`, without the rest of SiteState."""
    active = active_incidents(content.incidents, moment)
    in_progress = maintenance_in_progress(content.maintenances, moment)
    statuses = component_statuses(config, active, in_progress, moment)
    return statuses, overall_indicator(statuses, active, in_progress, moment)


def next_change(content: Content, now: datetime) -> datetime | None:
    """The first moment after `now` at which the derived state changes by the clock alone."""
    moments: list[datetime | None] = []
    for incident in content.incidents:
        moments += [incident.started, incident.resolved]
        moments += _later_status_changes(incident, now)
    for maintenance in content.maintenances:
        if not maintenance.cancelled:
            moments += [maintenance.scheduled_start, maintenance.actual_end]
            moments += _later_status_changes(maintenance, now)
    future = [m for m in moments if m is not None and m > now]
    return min(future, default=None)


def coming_changes(content: Content, now: datetime) -> Iterator[datetime]:
    """next_change(content, now), then next_change from that moment, and so on, with one pass
    over the notices: each moment next_change takes, with the time until which it takes it (a
    timeline's change only while an update of it is still to come)."""
    candidates: list[tuple[datetime, datetime | None]] = []
    for notice in content.notices:
        fixed: tuple[datetime | None, ...]
        if isinstance(notice, Maintenance):
            if notice.cancelled:
                continue
            fixed = (notice.scheduled_start, notice.actual_end)
        else:
            fixed = (notice.started, notice.resolved)
        candidates += [(moment, None) for moment in fixed if moment is not None and moment > now]
        last = max((update.at for update in notice.updates), default=now)
        if last > now:
            candidates += [(moment, last) for moment in _later_status_changes(notice, now)]
    moment = now
    for candidate, until in sorted(candidates, key=lambda pair: pair[0]):
        # one passed, or no longer taken, is not taken at any later moment either
        if candidate > moment and (until is None or until > moment):
            moment = candidate
            yield moment


def next_publication(content: Content, now: datetime) -> datetime | None:
    """The first moment after `now` at which the site changes by the clock alone: the derived
    state changes (next_change), or an update dated after `now` comes out: feeds, the API and
    notices carry a hand-written update only from its time, even where it changes no status."""
    later = [update.at for notice in content.notices for update in notice.updates if update.at > now]
    return min(filter(None, [next_change(content, now), *later]), default=None)


def _closed_by(notice: Notice, moment: datetime) -> bool:
    """Every period the notice gave a component had ended by `moment`: a window (its timeline
    ends at its end) or an incident with a resolution time (which ends the last period), each of
    whose moments is at or before `moment`. An incident without one may still hold a status."""
    return (isinstance(notice, Maintenance) or notice.resolved is not None) and settled_by(notice, moment)


def settled_by(notice: Notice, now: datetime) -> bool:
    """Every moment the notice names (its own, its updates') is at or before `now`: whatever the
    rules here say of it at `now`, they say at any later time (they only compare `now` with those
    moments), so what it shows no longer changes with time."""
    return _all_at_or_before(notice, now)


def moments_passed(notice: Notice, now: datetime) -> str:
    """For each moment the notice names (its own, then its updates', in their order), "1" if it
    is at or before `now`, else "0" ("-" for a moment it does not name). The rules here only
    compare `now` with those moments, so what a notice shows is the same at any two times where
    this is the same: a notice whose moments are all to come (a window scheduled for next month)
    shows the same until the first of them. settled_by is this holding no "0"."""
    marks: list[str] = []
    _passed(notice, now, marks)
    return "".join(marks)


def _passed(record, now: datetime, marks: list[str]) -> None:
    times, nested = _moment_fields(type(record))
    for name in times:
        value = getattr(record, name)
        marks.append("-" if value is None else "1" if value <= now else "0")
    for name in nested:
        for item in getattr(record, name):
            marks.append("(")
            inner_times, inner_nested = _moment_fields(type(item))
            if inner_nested:
                _passed(item, now, marks)
            else:  # an update: its own moments only, without a call for each
                for inner in inner_times:
                    value = getattr(item, inner)
                    marks.append("-" if value is None else "1" if value <= now else "0")
            marks.append(")")


def _all_at_or_before(record, now: datetime) -> bool:
    times, nested = _moment_fields(type(record))
    for name in times:
        value = getattr(record, name)
        if value is not None and value > now:
            return False
    for name in nested:
        for item in getattr(record, name):
            inner_times, inner_nested = _moment_fields(type(item))
            if inner_nested:
                if not _all_at_or_before(item, now):
                    return False
                continue
            for inner in inner_times:  # an update: its own moments, without a call for each
                value = getattr(item, inner)
                if value is not None and value > now:
                    return False
    return True


def next_moment(notices, now: datetime) -> datetime | None:
    """The first moment after `now` that any of the notices names (its own, its updates'): until
    then moments_passed gives for each of them what it gives at `now`, so nothing a notice
    shows changes. (next_publication gives the moments that change the state; this, any.)"""
    first = None
    for notice in notices:
        for moment in _moments(notice):
            if moment > now and (first is None or moment < first):
                first = moment
    return first


def _moments(record) -> Iterator[datetime]:
    times, nested = _moment_fields(type(record))
    for name in times:
        value = getattr(record, name)
        if value is not None:
            yield value
    for name in nested:
        for item in getattr(record, name):
            yield from _moments(item)


def uptime_notices(config: Config, content: Content, now: datetime) -> tuple[Notice, ...]:
    """The notices the state can read at `now` or later, newest first: all but those whose every
    period ended before the uptime window begins (they are neither active, in progress nor to
    come, and the window, which only moves on, no longer reaches them)."""
    start = window_start(config, now)
    return tuple(notice for notice in content.notices if not _closed_by(notice, start))


_MOMENT_FIELDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _moment_fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the fields holding a time, the fields holding records) of a model class, by the types
    its fields declare; a field of another type that could hold a time is refused, not skipped."""
    if cls not in _MOMENT_FIELDS:
        times, nested = [], []
        for field in fields(cls):
            if field.type in ("datetime", "datetime | None"):
                times.append(field.name)
            elif field.type == "tuple[Update, ...]":
                nested.append(field.name)
            elif "datetime" in str(field.type) or "Update" in str(field.type):
                raise TypeError(f"{cls.__name__}.{field.name}: a field type settled_by does not know")
        _MOMENT_FIELDS[cls] = tuple(times), tuple(nested)
    return _MOMENT_FIELDS[cls]


def postmortem_updates(notice, now: datetime) -> tuple:
    """The notice's `postmortem` updates published by `now`, oldest first."""
    return tuple(u for u in notice.updates if u.status == IncidentUpdateStatus.POSTMORTEM and u.at <= now)


def incident_api_status(incident: Incident, now: datetime) -> str:
    """Statuspage's `status` of an incident at `now`: while it is active, its latest published
    update status that does not close it (investigating before any); after, its closing one."""
    statuses = [u.status for u in public_updates(incident, now)]
    if incident_is_active(incident, now):
        return next((s for s in reversed(statuses) if s not in CLOSING_INCIDENT_STATUSES),
                    IncidentUpdateStatus.INVESTIGATING)
    return statuses[-1] if statuses and statuses[-1] in CLOSING_INCIDENT_STATUSES else IncidentUpdateStatus.RESOLVED


def maintenance_api_status(maintenance: Maintenance, now: datetime) -> str:
    """Statuspage's `status` of a window at `now`. Statuspage has no "cancelled": a cancelled
    window is "completed" and is never upcoming or active; its last update says it was cancelled."""
    state = maintenance_state(maintenance, now)
    if state == MaintenanceState.IN_PROGRESS:
        updates = public_updates(maintenance, now)
        verifying = bool(updates) and updates[-1].status == MaintenanceUpdateStatus.VERIFYING
        return MaintenanceUpdateStatus.VERIFYING if verifying else MaintenanceUpdateStatus.IN_PROGRESS
    return MaintenanceUpdateStatus.SCHEDULED if state == MaintenanceState.SCHEDULED else MaintenanceUpdateStatus.COMPLETED


def maintenance_closed_at(maintenance: Maintenance, now: datetime) -> datetime | None:
    """When a window stopped, as of `now`: its actual end once completed; for a cancelled one, its
    last published update (the cancellation), else its scheduled start; None otherwise."""
    if maintenance_state(maintenance, now) == MaintenanceState.COMPLETED:
        return maintenance.actual_end
    if maintenance.cancelled:
        updates = public_updates(maintenance, now)
        return updates[-1].at if updates else maintenance.scheduled_start
    return None


def notice_moments(notice) -> list[datetime]:
    """The times at which a notice changed what the page shows."""
    moments = [update.at for update in notice.updates]
    if isinstance(notice, Incident):
        moments += [notice.started] + ([notice.resolved] if notice.resolved else [])
    elif not notice.cancelled:
        moments += [notice.scheduled_start, notice.actual_end]
    return moments


NOTHING_YET = datetime(1970, 1, 1, tzinfo=timezone.utc)


def last_change(notices, now: datetime) -> datetime:
    """The newest moment at or before `now` at which any of these notices changed the page."""
    latest = NOTHING_YET
    for notice in notices:
        for moment in notice_moments(notice):
            if latest < moment <= now:
                latest = moment
    return latest


@dataclass(frozen=True)
class Freshness:
    """When this copy of the site was built, and from when the page script calls it out of date.

    Only api/v2/freshness.json carries the build time, so a rebuild that changes nothing else
    rewrites nothing else."""

    built_at: datetime
    stale_after_minutes: int  # 0: never
    stale_at: datetime | None


def freshness(config: Config, now: datetime) -> Freshness:
    minutes = config.site.stale_after
    return Freshness(now, minutes, now + timedelta(minutes=minutes) if minutes else None)


def _later_status_changes(notice, now: datetime) -> list[datetime]:
    """Where a notice's timeline changes after `now` (only updates dated after now can add any)."""
    if all(update.at <= now for update in notice.updates):
        return []
    return [moment for s in segments(notice) for moment in (s.start, s.end) if moment is not None and moment > now]
