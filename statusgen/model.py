"""The content model: frozen records of what the incident files say, nothing derived."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from operator import attrgetter

from statusgen.vocabulary import MaintenanceUpdateStatus


@dataclass(frozen=True)
class Update:
    at: datetime  # aware, UTC
    status: str
    message: str  # Markdown
    # components whose status this update set (``statusgen update --component``), in file order;
    # each holds from `at` on (statusgen.timeline)
    components: tuple[tuple[str, str], ...] = ()
    # made by statusgen, not written in the file: a maintenance window's start or end that no
    # hand-written update announced (statusgen.timeline.automatic_updates)
    automatic: bool = False


@dataclass(frozen=True)
class _NoticeFields:
    """What incidents and maintenance windows share."""

    slug: str
    source: str  # path of the file, relative to the repository root
    title: str
    components: tuple[tuple[str, str], ...]  # (component id, status at the start), file order
    updates: tuple[Update, ...]  # oldest first
    body: str  # Markdown after the front matter

    @property
    def updates_newest_first(self) -> tuple[Update, ...]:
        return tuple(reversed(self.updates))

    @property
    def latest_update(self) -> Update:
        return self.updates[-1]

    @property
    def component_ids(self) -> tuple[str, ...]:
        return tuple(component_id for component_id, _ in self.components)


@dataclass(frozen=True)
class Incident(_NoticeFields):
    started: datetime
    resolved: datetime | None
    impact: str | None  # as written; None means derived from component statuses
    notify: bool = True  # false: never pushed to subscribers (history added after the fact)

    kind = "incident"

    @property
    def sort_time(self) -> datetime:
        return self.started


@dataclass(frozen=True)
class Maintenance(_NoticeFields):
    scheduled_start: datetime
    scheduled_end: datetime
    completed: datetime | None
    cancelled: bool
    notify: bool = True

    kind = "maintenance"

    @property
    def actual_end(self) -> datetime:
        """The `completed` field, else the time of a `completed` update, else the scheduled end."""
        if self.completed is not None:
            return self.completed
        for update in self.updates:
            if update.status == MaintenanceUpdateStatus.COMPLETED:
                return update.at
        return self.scheduled_end

    @property
    def sort_time(self) -> datetime:
        return self.scheduled_start


Notice = Incident | Maintenance


@dataclass(frozen=True)
class Content:
    incidents: tuple[Incident, ...]  # sorted by start, newest first, then slug
    maintenances: tuple[Maintenance, ...]  # sorted by scheduled start, newest first, then slug
    # slug -> a digest of the file the notice was read from and the settings its reading used
    # (equal keys, equal notices), where the notices were loaded from files
    keys: dict[str, str] = field(default_factory=dict, compare=False)

    @cached_property
    def notices(self) -> tuple[Notice, ...]:
        """Incidents and maintenance together, newest first (sorted once: many outputs ask)."""
        return sort_newest_first(self.incidents + self.maintenances)


def sort_newest_first(notices):
    """By start, newest first, then by slug (two stable sorts: faster than one by a pair)."""
    return tuple(sorted(sorted(notices, key=_SLUG), key=_SORT_TIME, reverse=True))


_SLUG, _SORT_TIME = attrgetter("slug"), attrgetter("sort_time")
