"""What the page will show later without a rebuild: the status at each coming change.

Only the clock changes it (a window starting or ending, a recorded end or status change still to
come), so the page script can switch on time while the page stays open, until the next build.
Pure: a function of (config, content, now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from statusgen.config import Config
from statusgen.model import Content
from statusgen.state import (
    active_incidents,
    coming_changes,
    component_statuses,
    incident_impact_at,
    maintenance_in_progress,
    moments_passed,
    overall_indicator,
    worst_status,
)


@dataclass(frozen=True)
class ScheduledChange:
    at: datetime
    indicator: str
    components: dict[str, str]  # only the components whose status changes then


def still_open(content: Content, now: datetime) -> Content:
    """The notices that have not ended by `now`: only they can be active or in progress later."""
    return Content(tuple(i for i in content.incidents if i.resolved is None or i.resolved > now),
                   tuple(m for m in content.maintenances if not m.cancelled and m.actual_end > now))


def status_schedule(config: Config, content: Content, now: datetime, limit: int = 12) -> list[ScheduledChange]:
    """The indicator and changed component statuses at each of the next `limit` changes."""
    pending = still_open(content, now)
    moments = list(islice(coming_changes(pending, now), limit))
    last = moments[-1] if moments else now
    # A notice none of whose moments comes by the last change (settled by `now`, or a window
    # starting later) gives the same statuses at each of them: its part is worked out once,
    # the rest at each change.
    steady_slugs = {n.slug for n in pending.notices if moments_passed(n, now) == moments_passed(n, last)}
    steady = Content(tuple(i for i in pending.incidents if i.slug in steady_slugs),
                     tuple(m for m in pending.maintenances if m.slug in steady_slugs))
    moving = Content(tuple(i for i in pending.incidents if i.slug not in steady_slugs),
                     tuple(m for m in pending.maintenances if m.slug not in steady_slugs))
    steady_active = active_incidents(steady.incidents, now)
    steady_in_progress = maintenance_in_progress(steady.maintenances, now)
    steady_statuses = component_statuses(config, steady_active, steady_in_progress, now)
    steady_impacts = tuple({incident_impact_at(i, now) for i in steady_active})

    def status_at(moment: datetime) -> tuple[dict[str, str], str]:
        active = active_incidents(moving.incidents, moment)
        in_progress = maintenance_in_progress(moving.maintenances, moment)
        # the worst of each part's worst is the worst of all (no status given is operational)
        given = component_statuses(config, active, in_progress, moment)
        statuses = {cid: worst_status((status, given[cid])) for cid, status in steady_statuses.items()}
        return statuses, overall_indicator(statuses, active, steady_in_progress + in_progress, moment, steady_impacts)

    previous, _ = status_at(now)
    changes = []
    for moment in moments:
        statuses, indicator = status_at(moment)
        changed = {cid: status for cid, status in statuses.items() if previous[cid] != status}
        changes.append(ScheduledChange(moment, indicator, changed))
        previous = statuses
    return changes
