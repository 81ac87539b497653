"""Uptime per component and day, in the site timezone; pure functions of (config, content, now).

Each moment counts once, at the weight of the worst status any incident (or maintenance window)
gives the component then. Days are calendar days in the site timezone, so a DST day is 23 or 25
hours long and still one day. The window figure is time-weighted: 1 - downtime / (start -> now).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from statusgen.config import Config
from statusgen.model import Content, Notice
from statusgen.timeline import segments
from statusgen.vocabulary import ComponentStatus, severity


@dataclass(frozen=True)
class DayUptime:
    day: date
    percent: float | None  # None for a day that has not begun (never in the window)
    downtime_seconds: float
    worst_status: str  # worst status seen that day, "operational" if none
    incidents: tuple[str, ...]  # slugs of incidents and maintenance touching that day, by start


@dataclass(frozen=True)
class ComponentUptime:
    percent: float  # over the window, time-weighted
    days: tuple[DayUptime, ...]  # oldest first, the last one is today
    slo: float | None
    window_seconds: float = 0.0  # the whole window: its first counted day (or since) to the end of today
    downtime_seconds: float = 0.0  # weighted, in the window up to now
    since: date | None = None  # the component's first day with data, if it has one

    @property
    def counted_days(self) -> int:
        """The days of the window with data (not before the component's first day)."""
        return sum(1 for day in self.days if day.percent is not None)

    @property
    def slo_missed(self) -> bool:
        return self.slo is not None and self.percent < self.slo

    @property
    def budget_seconds(self) -> float | None:
        """The downtime the SLO allows over the whole window (a figure that changes once a day, not
        with every build); the same downtime and weights as the percentage use count against it."""
        return None if self.slo is None else (1 - self.slo / 100) * self.window_seconds

    @property
    def budget_left_seconds(self) -> float | None:
        """Negative once the budget is overspent."""
        return None if self.budget_seconds is None else self.budget_seconds - self.downtime_seconds


Interval = tuple[datetime, datetime, str, str]  # (start, end, status, slug)


def intervals_by_component(content: Content, now: datetime,
                           over: Callable[[Notice], bool] | None = None) -> dict[str, list[Interval]]:
    """(start, end, status, slug) of everything that gave each component a status, clipped to now:
    each piece of every notice's timeline (statusgen.timeline), so each moment has the status it
    had then. One pass over the content for all components. `over(notice)`: the notice's every
    period ended before any uptime window begins (window_start), so it is left out."""
    result: dict[str, list[Interval]] = {}
    for notice in content.incidents + content.maintenances:
        if notice.sort_time >= now:  # not started by now (also skips a window's pre-start updates)
            continue
        if over is not None and over(notice):
            continue
        for segment in segments(notice):
            end = now if segment.end is None else min(segment.end, now)
            if end > segment.start:
                result.setdefault(segment.component_id, []).append((segment.start, end, segment.status, notice.slug))
    return result


def window_start(config: Config, now: datetime) -> datetime:
    """When the uptime window begins (a component's own start can only make it later)."""
    tz = config.site.tz
    first_day = now.astimezone(tz).date() - timedelta(days=config.site.uptime_days - 1)
    return day_bounds(first_day, tz)[0]


def worst_segments(intervals: list[Interval]) -> list[tuple[datetime, datetime, str]]:
    """Split overlapping intervals into non-overlapping segments carrying the worst status, in
    order. One sweep over the interval ends, counting the intervals of each status that cover
    the stretch from one end to the next."""
    points = sorted({p for start, end, *_ in intervals for p in (start, end)})
    starts = sorted(intervals, key=lambda iv: iv[0])
    ends = sorted(intervals, key=lambda iv: iv[1])
    covering: dict[str, int] = {}  # status -> how many intervals give it over the stretch
    begun = ended = 0
    segments = []
    for left, right in zip(points, points[1:]):
        while begun < len(starts) and starts[begun][0] <= left:
            status = starts[begun][2]
            covering[status] = covering.get(status, 0) + 1
            begun += 1
        while ended < len(ends) and ends[ended][1] <= left:
            status = ends[ended][2]
            covering[status] -= 1
            ended += 1
        given = [status for status, count in covering.items() if count]
        if given:
            segments.append((left, right, max(given, key=severity)))
    return segments


def day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    """UTC start and end of a calendar day in the site timezone."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def component_uptime(config: Config, content: Content, component_id: str, now: datetime,
                     intervals: dict[str, list[Interval]] | None = None) -> ComponentUptime:
    """`intervals` (from intervals_by_component) saves a pass over the content per component."""
    tz = config.site.tz
    weights = dict(config.uptime_weights)
    if intervals is None:
        intervals = intervals_by_component(content, now)
    mine: list[Interval] = intervals.get(component_id, [])
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=config.site.uptime_days - 1)
    since = config.component(component_id).since
    # Days before the component's first day have no data: they count neither up nor down.
    counted_from = max(first_day, since) if since else first_day
    window_start = day_bounds(counted_from, tz)[0]
    # Only what overlaps the window matters; keep the segment sweep small.
    relevant = [iv for iv in mine if iv[1] > window_start]
    segments = worst_segments(relevant)
    segment_ends = [seg_end for _, seg_end, _ in segments]
    by_start = sorted(relevant, key=lambda iv: (iv[0], iv[3]))
    starts = [iv[0] for iv in by_start]

    days = []
    total_down = 0.0
    for offset in range(config.site.uptime_days):
        day = first_day + timedelta(days=offset)
        if day < counted_from:
            days.append(DayUptime(day, None, 0.0, ComponentStatus.OPERATIONAL, ()))
            continue
        start, end = day_bounds(day, tz)
        end = min(end, now)
        length = (end - start).total_seconds()
        down, worst = 0.0, str(ComponentStatus.OPERATIONAL)
        # segments are in order and apart: the day's run begins at the first one ending after its start
        for seg_start, seg_end, status in segments[bisect_right(segment_ends, start):]:
            if seg_start >= end:
                break
            overlap = (min(seg_end, end) - max(seg_start, start)).total_seconds()
            if overlap > 0:
                down += overlap * weights.get(status, 0.0)
                if severity(status) > severity(worst):
                    worst = status
        # a notice whose status changed that day is listed once, where it first touches the day
        begun = by_start[:bisect_left(starts, end)]
        touching = tuple(dict.fromkeys(slug for _, e, _, slug in begun if e > start))
        total_down += down
        percent = 100.0 * (1 - down / length) if length > 0 else 100.0
        days.append(DayUptime(day, percent, down, worst, touching))
    window = max((now - window_start).total_seconds(), 0.0)
    percent = 100.0 * (1 - total_down / window) if window > 0 else 100.0
    whole = max((day_bounds(today, tz)[1] - window_start).total_seconds(), 0.0)
    return ComponentUptime(percent, tuple(days), config.component(component_id).slo, whole, total_down, since)
