"""The pure part of notifying: (config, content, now, ledger) -> what each channel is sent.

An *event* is one thing subscribers are told: an update of a notice (hand-written or
automatic) or a maintenance reminder. Its id (notice slug + update time) is stable, so the
ledger can say which events a channel already got and a receiver can drop a duplicate.
Nothing here reads the clock or touches the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from statusgen.config import Channel, Config
from statusgen.model import Content, Maintenance, Notice, Update
from statusgen.state import (
    affected_component_ids,
    page_status_at,
    public_updates,
    update_changes,
    update_ids,
)
from statusgen.vocabulary import INDICATOR_DESCRIPTIONS

if TYPE_CHECKING:
    from statusgen.notify.ledger import ChannelRecord

REMINDER = "reminder"


@dataclass(frozen=True)
class Event:
    id: str  # the delivery id
    at: datetime  # when it became public
    notice: Notice
    status: str  # the update's status, or "reminder"
    update: Update | None  # None for a reminder
    index: int  # the update's position in the notice's timeline (-1 for a reminder)
    changes: tuple[tuple[str, str, str], ...] = ()  # (component, old, new) this update changed
    reminder: str | None = None  # "24h"
    components: tuple[str, ...] = field(default=())  # every component the notice affects
    test: bool = False  # `notify --test`: a clearly marked message that no ledger records

    @property
    def kind(self) -> str:
        return self.notice.kind


class NoticeUpdates:
    """One notice's updates public at `now` and their delivery ids. Their component changes,
    the costly part, are worked out only for a notice that may have something to send (a
    channel's first run only records ids)."""

    __slots__ = ("notice", "published", "ids", "_changes", "_components")

    def __init__(self, notice: Notice, now: datetime):
        self.notice = notice
        self.published = public_updates(notice, now)  # hand-written and a window's automatic ones
        self.ids = update_ids(notice, self.published)
        self._changes: list[tuple[tuple[str, str, str], ...]] | None = None
        self._components: tuple[str, ...] | None = None

    @property
    def components(self) -> tuple[str, ...]:
        """Every component the notice affects."""
        if self._components is None:
            self._components = affected_component_ids(self.notice)
        return self._components

    def changes(self, index: int) -> tuple[tuple[str, str, str], ...]:
        """(component, old, new) of each status the `index`-th public update changed."""
        if self._changes is None:
            self._changes = [tuple((c.component_id, c.old_status, c.new_status) for c in changes if c.changed)
                             for changes in update_changes(self.notice, self.published)]
        return self._changes[index]


def notice_timeline(notice: Notice, now: datetime) -> list[tuple[str, Update, tuple]]:
    """(delivery id, update, component changes) of every update of `notice` public at `now`."""
    updates = NoticeUpdates(notice, now)
    return [(updates.ids[i], update, updates.changes(i)) for i, update in enumerate(updates.published)]


class Public(NamedTuple):
    """One event public at `now`, before anything costly is worked out for it: a
    10,000-notice site has some 30,000, and a run usually sends none or a few."""

    at: datetime
    slug: str
    position: int  # the update's index in the notice's public updates (-1 for a reminder)
    id: str  # the delivery id
    updates: NoticeUpdates
    reminder: str | None = None

    def event(self) -> Event:
        notice = self.updates.notice
        if self.reminder is not None:
            return Event(self.id, self.at, notice, REMINDER, None, -1, reminder=self.reminder,
                         components=self.updates.components)
        update = self.updates.published[self.position]
        return Event(self.id, self.at, notice, update.status, update, self.position, self.updates.changes(self.position),
                     components=self.updates.components)


def oldest_first(public: Iterable[Public]) -> list[Public]:
    return sorted(public, key=itemgetter(0, 1, 2, 3))


def public_events(config: Config, content: Content, now: datetime) -> list[Public]:
    """Every event public at `now`, in no particular order. Notices with `notify: false` have none."""
    found: list[Public] = []
    for notice in content.incidents + content.maintenances:
        if not notice.notify:
            continue
        updates = NoticeUpdates(notice, now)
        found += [Public(update.at, notice.slug, index, updates.ids[index], updates)
                  for index, update in enumerate(updates.published)]
        if isinstance(notice, Maintenance) and updates.published:
            found += _reminders(config, updates, updates.published[0].at, now)
    return found


def _reminders(config: Config, updates: NoticeUpdates, announced: datetime, now: datetime) -> list[Public]:
    """A reminder is due `before` the start; it is only sent while the window has not started
    and only if it falls after the announcement (else it would repeat the announcement)."""
    window = updates.notice
    assert isinstance(window, Maintenance)
    if window.cancelled or now >= window.scheduled_start:
        return []
    result = []
    for reminder in config.site.remind_before:
        due = window.scheduled_start - reminder.before
        if announced < due <= now:
            result.append(Public(due, window.slug, -1, f"{window.slug}-reminder-{reminder.label}", updates,
                                 reminder.label))
    return result


def matches(channel: Channel, public: Public) -> bool:
    if public.updates.notice.kind not in channel.notices:
        return False
    return not channel.components or any(c in channel.components for c in public.updates.components)


@dataclass(frozen=True)
class PageStatus:
    indicator: str
    description: str


def page_status(config: Config, content: Content, now: datetime) -> PageStatus:
    """The overall status at `now`, as the webhook's `page` reports it (without uptime)."""
    _, indicator = page_status_at(config, content, now)
    return PageStatus(indicator, INDICATOR_DESCRIPTIONS[indicator])


@dataclass(frozen=True)
class Message:
    """One request to one channel. A webhook also gets a `component_update` message per
    component whose status the update changed (Statuspage sends those separately)."""

    id: str
    event: Event
    component: str | None = None
    old_status: str | None = None
    new_status: str | None = None


def channel_messages(channel: Channel, event: Event) -> list[Message]:
    messages = [Message(event.id, event)]
    if channel.kind == "webhook":
        messages += [Message(f"{event.id}/{cid}", event, cid, old, new) for cid, old, new in event.changes
                     if not channel.components or cid in channel.components]
    return messages


@dataclass(frozen=True)
class ChannelPlan:
    channel: Channel
    first_run: bool  # no ledger entry yet: what is public is recorded, not sent
    baseline: tuple[str, ...]  # event ids settled with all their messages without sending (first run)
    record: tuple[str, ...]  # message ids settled one by one without sending (filtered out)
    send: tuple[Message, ...]  # oldest first

    @property
    def recorded(self) -> int:
        return len(self.baseline) + len(self.record)


def plan_channel(channel: Channel, public: list[Public], entry: ChannelRecord | None,
                 since: datetime | None = None) -> ChannelPlan:
    """What `channel` is sent. `entry` is its ledger entry (None: none yet, the first run).

    Events that do not match the channel's filters are settled too, so that widening a
    filter later never floods the channel with old notices.
    """
    first_run = entry is None
    baseline, settled = (frozenset(), set()) if entry is None else (entry.baseline, entry.settled)
    settle_whole: list[str] = []
    record: list[str] = []
    due: list[tuple[Public, set[str]]] = []
    for item in public:
        if item.id in baseline:
            continue
        if first_run and (since is None or item.at < since or not matches(channel, item)):
            settle_whole.append(item.id)
        elif not matches(channel, item):
            if item.id not in settled:
                record.append(item.id)
        elif channel.kind != "webhook" or item.reminder is not None:
            if item.id not in settled:
                due.append((item, {item.id}))
        else:  # a webhook also gets one message per component the update changed: those ids too
            ids = [item.id] + [f"{item.id}/{cid}" for cid, _, _ in item.updates.changes(item.position)
                               if not channel.components or cid in channel.components]
            pending = {i for i in ids if i not in settled}
            if pending:
                due.append((item, pending))
    due.sort(key=lambda d: d[0][:4])  # oldest first
    send = [message for item, pending in due
            for message in channel_messages(channel, item.event()) if message.id in pending]
    return ChannelPlan(channel, first_run, tuple(settle_whole), tuple(record), tuple(send))
