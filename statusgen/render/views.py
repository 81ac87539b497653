"""What the templates show, computed once per build: notices, month groups, pages, schedules.

Each notice becomes one NoticeView (its Markdown rendered once), shared by every page that
lists it, so the work grows with the number of notices, not with notices times pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup

from statusgen import schedule
from statusgen.config import Component, Config
from statusgen.model import Content, Maintenance, Notice, Update
from statusgen.render.markdown import render_markdown
from statusgen.state import (
    SiteState,
    all_updates,
    incident_impact,
    is_ongoing,
    notice_component_statuses,
    postmortem_updates,
    reported_changes,
    shown_end,
)
from statusgen.times import iso_utc
from statusgen.vocabulary import (
    INCIDENT_STATE_LABELS,
    INDICATOR_DESCRIPTIONS,
    MAINTENANCE_STATE_LABELS,
)


class _Named:
    """What a view says of its notice's name and address: the notice alone."""

    __slots__ = ()
    notice: Notice

    @property
    def slug(self) -> str:
        return self.notice.slug

    @property
    def title(self) -> str:
        return self.notice.title

    @property
    def path(self) -> str:
        return f"incidents/{self.notice.slug}/index.html"


@dataclass(frozen=True)
class NoticeView(_Named):
    notice: Notice
    kind: str  # incident | maintenance
    state: str  # active|resolved|upcoming, or the maintenance state
    state_label: str
    impact: str | None  # incidents only
    # (component, its status now while ongoing, else the worst it had), every component touched
    components: tuple[tuple[Component, str], ...]
    start: datetime  # started, or scheduled start
    end: datetime | None  # resolved, or the actual end of a maintenance; None while ongoing
    body_source: str  # Markdown; rendered where a page shows it (possibly in a worker process)
    postmortem: tuple[Update, ...] = ()  # published postmortem updates, oldest first
    # newest first: each update (hand-written, or automatic for a window) with the status changes
    # it made that its status alone does not say: (component, old status, new status)
    timeline: tuple[tuple[Update, tuple[tuple[Component, str, str], ...]], ...] = ()

    @property
    def postmortem_at(self) -> datetime | None:
        """When the postmortem was first published; None if there is none."""
        return self.postmortem[0].at if self.postmortem else None

    @property
    def body(self) -> Markup:
        return render_markdown(self.body_source) if self.body_source.strip() else Markup("")

    @property
    def latest_update(self) -> Update:
        return self.timeline[0][0]

    @property
    def updates(self) -> tuple[Update, ...]:
        return tuple(update for update, _ in self.timeline)

    @property
    def is_maintenance(self) -> bool:
        return self.kind == "maintenance"

    @property
    def duration(self) -> timedelta | None:
        return self.end - self.start if self.end is not None else None

    @property
    def start_iso(self) -> str:
        return iso_utc(self.start)

    @property
    def window_end_iso(self) -> str:
        """When a maintenance ends (or ended): the moment the script flips it to completed."""
        return iso_utc(self.notice.actual_end) if isinstance(self.notice, Maintenance) else ""


def notice_view(config: Config, state: SiteState, notice: Notice) -> NoticeView:
    body = notice.body
    current = state.state_of(notice)
    components = tuple((config.component(cid), status)
                       for cid, status in notice_component_statuses(notice, is_ongoing(current), state.now))
    updates = all_updates(notice, state.now)
    changes = reported_changes(notice, updates)
    timeline = tuple(reversed([
        (update, tuple((config.component(c.component_id), c.old_status, c.new_status) for c in changed))
        for update, changed in zip(updates, changes)]))
    end = shown_end(notice, current, state.now)
    if isinstance(notice, Maintenance):
        return NoticeView(notice, "maintenance", current, MAINTENANCE_STATE_LABELS[current], None,
                          components, notice.scheduled_start, end, body, timeline=timeline)
    return NoticeView(notice, "incident", current, INCIDENT_STATE_LABELS[current],
                      incident_impact(notice), components, notice.started, end, body,
                      postmortem_updates(notice, state.now), timeline)


class LazyView(_Named):
    """A notice's NoticeView, built when something reads more than the notice and its state say.

    Reading `slug`, `title`, `path`, `kind`, `start`, `state`, `end` or `duration` does not build
    it (they are computed as notice_view computes them); any other name does, once. A rebuild
    renders few pages again, so most views of a large history are never built. `view_key`: a
    hash of everything its view is made from (the notice's file, the configuration, which of its
    moments have come: statusgen.state.moments_passed), which stands for the view in page keys.
    """

    __slots__ = ("notice", "view_key", "_config", "_site_state", "_view", "_state", "_end")

    def __init__(self, config: Config, state: SiteState, notice: Notice, view_key: str | None = None):
        self.notice, self.view_key = notice, view_key
        self._config, self._site_state = config, state
        self._view: NoticeView | None = None
        self._state: str | None = None
        self._end: tuple[datetime | None] | None = None  # (the end,) once worked out

    @property
    def view(self) -> NoticeView:
        if self._view is None:
            self._view = notice_view(self._config, self._site_state, self.notice)
        return self._view

    def __getattr__(self, name: str):
        return getattr(self.view, name)

    def __reduce_ex__(self, protocol):
        return self.view.__reduce_ex__(protocol)  # pickles as the view it stands for

    @property
    def kind(self) -> str:
        return "maintenance" if isinstance(self.notice, Maintenance) else "incident"

    @property
    def is_maintenance(self) -> bool:
        return isinstance(self.notice, Maintenance)

    @property
    def start(self) -> datetime:
        return self.notice.scheduled_start if isinstance(self.notice, Maintenance) else self.notice.started

    @property
    def state(self) -> str:
        if self._state is None:
            self._state = self._site_state.state_of(self.notice)
        return self._state

    @property
    def end(self) -> datetime | None:
        if self._end is None:
            self._end = (shown_end(self.notice, self.state, self._site_state.now),)
        return self._end[0]

    @property
    def duration(self) -> timedelta | None:
        end = self.end
        return end - self.start if end is not None else None


@dataclass(frozen=True)
class MonthGroup:
    month: tuple[int, int]  # (year, month) in the site timezone
    notices: tuple[NoticeView, ...]
    continued: bool  # the month began on an earlier page

    @property
    def anchor(self) -> str:
        return f"m-{self.month[0]:04d}-{self.month[1]:02d}"


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    path: str
    items: tuple


@dataclass(frozen=True)
class MonthLink:
    month: tuple[int, int]
    count: int
    page_path: str
    anchor: str


def paginate(items, per_page: int, first_path: str, later_path: str) -> list[Page]:
    """first_path for page 1, later_path.format(n) for the rest; always at least one page."""
    chunks = [tuple(items[i:i + per_page]) for i in range(0, len(items), per_page)] or [()]
    return [Page(n, first_path if n == 1 else later_path.format(n), chunk)
            for n, chunk in enumerate(chunks, start=1)]


def month_of(moment: datetime, tz) -> tuple[int, int]:
    local = moment.astimezone(tz)
    return local.year, local.month


def group_by_month(views, tz, previous_month: tuple[int, int] | None) -> tuple[MonthGroup, ...]:
    groups: list[MonthGroup] = []
    for view in views:
        month = month_of(view.start, tz)
        if groups and groups[-1].month == month:
            last = groups[-1]
            groups[-1] = MonthGroup(month, last.notices + (view,), last.continued)
        else:
            groups.append(MonthGroup(month, (view,), month == previous_month and not groups))
    return tuple(groups)


def month_index(pages: list[Page], tz) -> tuple[MonthLink, ...]:
    """Each month with its count, linking to the page where the month begins."""
    links: dict[tuple[int, int], MonthLink] = {}
    for page in pages:
        for view in page.items:
            month = month_of(view.start, tz)
            if month in links:
                link = links[month]
                links[month] = MonthLink(month, link.count + 1, link.page_path, link.anchor)
            else:
                links[month] = MonthLink(month, 1, page.path, f"m-{month[0]:04d}-{month[1]:02d}")
    return tuple(links.values())


def mean_time_to_resolve(views) -> timedelta | None:
    spans = [span for v in views if v.kind == "incident" and (span := v.duration) is not None]
    if not spans:
        return None
    return sum(spans, timedelta()) / len(spans)


def status_schedule(config: Config, content: Content, now: datetime) -> list[dict]:
    """The coming changes (statusgen.schedule) as the optional page script reads them."""
    return [{"at": iso_utc(change.at), "indicator": change.indicator,
             "description": INDICATOR_DESCRIPTIONS[change.indicator], "components": change.components}
            for change in schedule.status_schedule(config, content, now)]
