"""The pure part of notifying: (config, content, now, ledger) -> what each channel is sent.

An *event* is one thing subscribers are told: an update of a notice (hand-written or
automatic) or a maintenance reminder. Its id (notice slug + update time) is stable, so the
ledger can say which events a channel already got and a receiver can drop a duplicate.
Nothing here reads the clock or touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from statusgen.config import Channel, Config
from statusgen.model import Content, Maintenance, Notice, Update
from statusgen.state import (
    INDICATOR_DESCRIPTIONS,
    affected_component_ids,
    component_statuses,
    incident_is_active,
    maintenance_state,
    overall_indicator,
    public_updates,
    update_changes,
    update_ids,
)

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


def notice_timeline(notice: Notice, now: datetime) -> list[tuple[str, Update, tuple]]:
    """(delivery id, update, component changes) of every update of `notice` public at `now`.

    The one place that knows how updates and their component changes are derived.
    """
    published = public_updates(notice, now)  # hand-written and a window's automatic ones
    ids = update_ids(notice, published)
    changes = update_changes(notice, published)
    return [(ids[i], update, tuple((c.component_id, c.old_status, c.new_status) for c in changes[i] if c.changed))
            for i, update in enumerate(published)]


def events(config: Config, content: Content, now: datetime) -> list[Event]:
    """Every event public at `now`, oldest first. Notices with `notify: false` have none."""
    found: list[Event] = []
    for notice in content.incidents + content.maintenances:
        if not notice.notify:
            continue
        components = affected_component_ids(notice)
        timeline = notice_timeline(notice, now)
        for index, (event_id, update, changes) in enumerate(timeline):
            found.append(Event(event_id, update.at, notice, update.status, update, index, changes,
                               components=components))
        if isinstance(notice, Maintenance) and timeline:
            found += _reminders(config, notice, timeline[0][1].at, now, components)
    return sorted(found, key=lambda e: (e.at, e.notice.slug, e.index, e.id))


def _reminders(config: Config, window: Maintenance, announced: datetime, now: datetime,
               components: tuple[str, ...]) -> list[Event]:
    """A reminder is due `before` the start; it is only sent while the window has not started
    and only if it falls after the announcement (else it would repeat the announcement)."""
    if window.cancelled or now >= window.scheduled_start:
        return []
    result = []
    for reminder in config.site.remind_before:
        due = window.scheduled_start - reminder.before
        if announced < due <= now:
            result.append(Event(f"{window.slug}-reminder-{reminder.label}", due, window, REMINDER, None, -1,
                                reminder=reminder.label, components=components))
    return result


def matches(channel: Channel, event: Event) -> bool:
    if event.kind not in channel.notices:
        return False
    return not channel.components or any(c in channel.components for c in event.components)


@dataclass(frozen=True)
class PageStatus:
    indicator: str
    description: str


def page_status(config: Config, content: Content, now: datetime) -> PageStatus:
    """The overall status at `now`, as the webhook's `page` reports it (without uptime)."""
    active = tuple(i for i in content.incidents if incident_is_active(i, now))
    in_progress = tuple(m for m in content.maintenances if maintenance_state(m, now) == "in_progress")
    indicator = overall_indicator(component_statuses(config, active, in_progress, now), active, in_progress, now)
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


def message_ids(channel: Channel, event: Event) -> list[str]:
    """The ids of channel_messages(channel, event), without making the messages."""
    if channel.kind != "webhook" or not event.changes:
        return [event.id]
    return [event.id] + [f"{event.id}/{cid}" for cid, _, _ in event.changes
                         if not channel.components or cid in channel.components]


@dataclass(frozen=True)
class ChannelPlan:
    channel: Channel
    first_run: bool  # no ledger entry yet: what is public is recorded, not sent
    record: tuple[str, ...]  # ids settled without sending (first run, or filtered out)
    send: tuple[Message, ...]  # oldest first


def plan_channel(channel: Channel, all_events: list[Event], settled: set[str] | None,
                 since: datetime | None = None) -> ChannelPlan:
    """What `channel` is sent. `settled` is what its ledger entry holds (None: no entry yet).

    Events that do not match the channel's filters are settled too, so that widening a
    filter later never floods the channel with old notices.
    """
    first_run = settled is None
    settled = settled or set()
    record: list[str] = []
    send: list[Message] = []
    for event in all_events:
        if not matches(channel, event):
            if event.id not in settled:
                record.append(event.id)
            continue
        pending = [i for i in message_ids(channel, event) if i not in settled]
        if not pending:
            continue
        if first_run and (since is None or event.at < since):
            record += pending
        else:
            send += [m for m in channel_messages(channel, event) if m.id in pending]
    return ChannelPlan(channel, first_run, tuple(record), tuple(send))
