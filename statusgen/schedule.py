"""What the page will show later without a rebuild: the status at each coming change.

Only the clock changes it (a window starting or ending, a recorded end or status change still to
come), so the page script can switch on time while the page stays open, until the next build.
Pure: a function of (config, content, now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from statusgen.config import Config
from statusgen.model import Content
from statusgen.state import next_change, page_status_at


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
    previous, _ = page_status_at(config, pending, now)
    changes = []
    moment = now
    for _ in range(limit):
        following = next_change(pending, moment)
        if following is None:
            break
        moment = following
        statuses, indicator = page_status_at(config, pending, moment)
        changed = {cid: status for cid, status in statuses.items() if previous[cid] != status}
        changes.append(ScheduledChange(moment, indicator, changed))
        previous = statuses
    return changes
