"""Maintenance windows as iCalendar (maintenance.ics, and one per component).

Every property comes from the content, never the clock, so a calendar client that polls the
file sees a change only when a window changed:

- UID is `<slug>@<host of base_url>`, stable for the life of the file.
- DTSTART is the scheduled start; DTEND the actual end (the `completed` time, or the time of a
  `completed` update), else the scheduled end. Both in UTC.
- SEQUENCE = (updates published so far - 1) + 1 if the window has a `completed` time other than
  its scheduled end + 1 if it is cancelled. It never shrinks as a window's file is extended,
  and every reschedule announced with an update raises it.
- DTSTAMP and LAST-MODIFIED are the time of the latest published update.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from urllib.parse import urlparse

from icalendar import Calendar, Event

from statusgen.cache import pickled_digest
from statusgen.i18n import resolve_language, translations
from statusgen.model import Maintenance
from statusgen.render.markdown import plain_text
from statusgen.render.notices import EPOCH, affected_component_ids, published_updates

PRODID = "-//statusgen//statusgen maintenance calendar//EN"
REFRESH = timedelta(hours=1)  # a hint to clients on how often to poll


def window_end(maintenance: Maintenance) -> datetime:
    end = maintenance.scheduled_end if maintenance.cancelled else maintenance.actual_end
    return end if end > maintenance.scheduled_start else maintenance.scheduled_end


def sequence(maintenance: Maintenance, now: datetime) -> int:
    updates = published_updates(maintenance, now)
    ended_off_schedule = not maintenance.cancelled and maintenance.actual_end != maintenance.scheduled_end
    return max(len(updates) - 1, 0) + int(ended_off_schedule) + int(maintenance.cancelled)


def _gettext(config):
    return translations(resolve_language(config.site.language, config.root)).gettext


def description(config, maintenance: Maintenance, now: datetime, gettext) -> str:
    updates = published_updates(maintenance, now)
    # plain_text gives HTML-escaped text; a calendar wants the characters themselves.
    parts = [html.unescape(plain_text(updates[-1].message))] if updates else []
    names = [config.component(cid).name for cid in affected_component_ids(maintenance)]
    if names:
        parts.append(gettext("Affected components:") + " " + ", ".join(names))
    parts.append(config.url(f"incidents/{maintenance.slug}/"))
    return "\n\n".join(parts)


def event(config, maintenance: Maintenance, now: datetime, host: str, gettext) -> Event:
    updates = published_updates(maintenance, now)
    modified = updates[-1].at if updates else EPOCH
    item = Event()
    item.add("uid", f"{maintenance.slug}@{host}")
    item.add("dtstamp", modified)
    item.add("last-modified", modified)
    item.add("sequence", sequence(maintenance, now))
    item.add("dtstart", maintenance.scheduled_start)
    item.add("dtend", window_end(maintenance))
    summary = gettext("Cancelled: %(title)s") % {"title": maintenance.title} if maintenance.cancelled else maintenance.title
    item.add("summary", summary)
    item.add("description", description(config, maintenance, now, gettext))
    item.add("url", config.url(f"incidents/{maintenance.slug}/"))
    item.add("status", "CANCELLED" if maintenance.cancelled else "CONFIRMED")
    item.add("transp", "TRANSPARENT")  # a provider's window does not make the reader busy
    return item


def serialised_event(item: Event) -> bytes:
    """item.to_ical(), without passing each of its many short lines through icalendar's
    character-by-character folding: a line under 75 bytes is its own folded form."""
    return b"\r\n".join(_folded(line) for line in item.content_lines() if line) + b"\r\n"


def _folded(line) -> bytes:
    data = line.encode("utf-8")
    return data if len(data) < 75 else line.to_ical()


def calendar(config, events: list[bytes], name: str) -> bytes:
    """A VCALENDAR around already serialised VEVENTs (each window is serialised once, however
    many calendars list it)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    gettext = _gettext(config)
    cal.add("x-wr-caldesc", gettext("Planned maintenance on %(title)s (%(url)s)")
            % {"title": config.site.title, "url": config.site.base_url})
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    text = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    return text[:-len(end)] + b"".join(events) + end


def render(context) -> dict[str, bytes]:
    config, content, now = context.config, context.content, context.state.now
    host = urlparse(config.site.base_url).hostname or "localhost"
    ordered = sorted(content.maintenances, key=lambda m: (m.scheduled_start, m.slug))
    names = {c.id: c.name for c in config.components}
    language = resolve_language(config.site.language, config.root)
    gettext = translations(language).gettext

    def serialised(m: Maintenance) -> bytes:
        # The window by its file's key where it has one (equal keys, equal windows): cheaper than pickling it.
        window = context.content.keys.get(m.slug) or m
        key = pickled_digest("vevent", host, config.site.base_url, language, names, window, len(published_updates(m, now)))
        return context.memo.get(key, lambda: serialised_event(event(config, m, now, host, gettext)))

    events = {m.slug: serialised(m) for m in ordered}
    outputs = {"maintenance.ics": calendar(config, [events[m.slug] for m in ordered],
                                           gettext("%(title)s: maintenance") % {"title": config.site.title})}
    affected = {m.slug: affected_component_ids(m) for m in ordered}
    for component in config.components:
        own = [events[m.slug] for m in ordered if component.id in affected[m.slug]]
        outputs[f"components/{component.id}/maintenance.ics"] = calendar(
            config, own, gettext("%(title)s: %(component)s maintenance")
            % {"title": config.site.title, "component": component.name})
    return outputs
