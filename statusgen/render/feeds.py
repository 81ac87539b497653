"""Atom and RSS feeds: one entry per update of every incident and maintenance, newest first.

An entry's id is the incident page URL with the update's time as fragment
(`.../incidents/<slug>/#update-20261120T141000Z`), so adding an update adds one entry and
changes no other id. Nothing here reads the clock: feedgen's defaults of "now" for the
feed's and entries' times are always overwritten with times from the content.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime
from functools import partial

from feedgen.feed import FeedGenerator
from markupsafe import escape

from statusgen.cache import digest, pickled_digest
from statusgen.i18n import N_, resolve_language, translations
from statusgen.model import Maintenance, Notice, Update
from statusgen.render.markdown import render_markdown
from statusgen.render.notices import EPOCH, affected_component_ids, published_updates, update_ids
from statusgen.render.pages import PendingPage
from statusgen.state import Change, reported_changes
from statusgen.vocabulary import STATUS_LABELS, UPDATE_LABELS


class Entry:
    """One update of one notice, as a feed shows it."""

    def __init__(self, notice: Notice, update: Update, update_id: str, is_last: bool,
                 components: tuple[str, ...], gettext=str, changes: tuple[Change, ...] = ()):
        self.notice, self.update, self.components = notice, update, components
        # (component, old status label, new status label) of the changes the entry reports
        self.changes = tuple((c.component_id, gettext(STATUS_LABELS[c.old_status]), gettext(STATUS_LABELS[c.new_status]))
                             for c in changes)
        self.changes_heading = gettext(N_("Status changes:"))
        self.anchor = "update-" + update_id[len(notice.slug) + 1:]
        # The update that cancels a window is still written as `scheduled`; say what it means.
        cancelled = isinstance(notice, Maintenance) and notice.cancelled and is_last
        self.label = gettext(N_("Cancelled") if cancelled else UPDATE_LABELS[update.status])
        self.affected_heading = gettext(N_("Affected components:"))
        self._html: str | None = None

    def html(self, config) -> str:
        """Rendered on first use: only the entries some feed shows, once for all such feeds."""
        if self._html is None:
            self._html = entry_content(config, self)
        return self._html

    @property
    def sort_key(self):
        return (-self.update.at.timestamp(), self.notice.slug, self.anchor)


def feed_entries(config, notices, now: datetime, limit: int | None = None) -> list[Entry]:
    """Every update published by `now`, newest first, its words in the site's language. With a
    `limit`, only the entries that can be among the newest `limit` overall or of any component."""
    gettext = translations(resolve_language(config.site.language, config.root)).gettext
    entries = []
    for notice in _newest_notices(config, notices, now, limit):
        published = published_updates(notice, now)
        ids = update_ids(notice, published)
        changes = reported_changes(notice, published)
        components = affected_component_ids(notice)
        entries += [Entry(notice, update, ids[index], update is notice.updates[-1], components, gettext,
                          changes[index])
                    for index, update in enumerate(published)]
    return sorted(entries, key=lambda e: e.sort_key)


def _newest_possible(notice: Notice, now: datetime) -> datetime | None:
    """No entry of the notice is newer than this (its update times, and a window's start and end
    for the automatic updates); None when it has no entry yet."""
    moments = [update.at for update in notice.updates if update.at <= now]
    if isinstance(notice, Maintenance) and not notice.cancelled:
        moments += [m for m in (notice.scheduled_start, notice.actual_end) if m <= now]
    return max(moments, default=None)


def _newest_notices(config, notices, now: datetime, limit: int | None) -> Iterator[Notice]:
    """The notices by their newest possible entry, newest first, until no later one can have an
    entry among the newest `limit` overall or of any component (so the rest need no entries)."""
    bounds = [(bound, index) for index, notice in enumerate(notices)
              if (bound := _newest_possible(notice, now)) is not None]
    bounds.sort(key=lambda pair: pair[0], reverse=True)
    newest: dict[str | None, list[datetime]] = {None: [], **{c.id: [] for c in config.components}}
    for bound, index in bounds:
        if limit is not None and all(len(kept) == limit and kept[0] > bound for kept in newest.values()):
            return
        notice = notices[index]
        yield notice
        if limit is None:
            continue
        for update in published_updates(notice, now):
            for key in (None, *affected_component_ids(notice)):
                kept = newest.setdefault(key, [])
                heapq.heappush(kept, update.at)
                if len(kept) > limit:
                    heapq.heappop(kept)


def entry_content(config, entry: Entry) -> str:
    # Every text but the rendered Markdown is escaped here (string formatting: Markup.format
    # costs a tenth of a cold build's feeds).
    parts = [str(render_markdown(entry.update.message)), "\n"]
    if entry.changes:
        changes = "; ".join(f"{escape(config.component(cid).name)}: {escape(old)} → {escape(new)}"
                            for cid, old, new in entry.changes)
        parts.append(f"<p><strong>{escape(entry.changes_heading)}</strong> {changes}</p>\n")
    if entry.components:
        names = ", ".join(str(escape(config.component(cid).name)) for cid in entry.components)
        parts.append(f"<p><strong>{escape(entry.affected_heading)}</strong> {names}</p>")
    return "".join(parts)


def build_feed(config, entries: list[Entry], title: str, page_path: str, feed_path: str,
               fallback_updated: datetime) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(config.url(feed_path + "feed.atom"))
    feed.title(title)
    feed.subtitle(config.site.description or title)
    feed.author({"name": config.site.title})
    feed.link(href=config.url(page_path), rel="alternate")
    feed.language(config.site.language)
    feed.generator("statusgen")
    updated = entries[0].update.at if entries else fallback_updated
    feed.updated(updated)
    feed.lastBuildDate(updated)
    for entry in entries:
        url = config.url(f"incidents/{entry.notice.slug}/")
        item = feed.add_entry(order="append")
        item.id(f"{url}#{entry.anchor}")
        item.guid(f"{url}#{entry.anchor}", permalink=False)
        item.title(f"{entry.label}: {entry.notice.title}")
        item.link(href=url)
        item.published(entry.update.at)
        item.updated(entry.update.at)
        item.description(entry.html(config))  # sets RSS <description>; must come before content()
        item.content(entry.html(config), type="html")
    return feed


def render_feeds(config, entries: list[Entry], title: str, page_path: str, feed_path: str,
                 fallback_updated: datetime) -> dict[str, PendingPage]:
    """The Atom and RSS files of one feed, each keyed by everything it shows: a build whose
    file on disk has that key keeps it (statusgen.build), so the bytes need not be remembered."""
    # `fallback_updated` shows only in a feed without entries (the site's newest update: a new
    # update anywhere would otherwise render every component's feed again)
    key = pickled_digest("feeds", config.site, config.components, title, page_path, feed_path,
                         None if entries else fallback_updated,
                         [(e.notice.slug, e.notice.title, e.update, e.anchor, e.label, e.affected_heading, e.components,
                           e.changes_heading, e.changes)
                          for e in entries])
    rendered: dict[str, bytes] = {}

    def output(path: str) -> bytes:
        if not rendered:  # both files at once, for the first one asked for
            rendered.update(_render_feeds(config, entries, title, page_path, feed_path, fallback_updated))
        return rendered[path]

    return {path: PendingPage(partial(digest, key, path), partial(output, path))
            for path in (feed_path + "feed.atom", feed_path + "feed.rss")}


def _render_feeds(config, entries: list[Entry], title: str, page_path: str, feed_path: str,
                  fallback_updated: datetime) -> dict[str, bytes]:
    feed = build_feed(config, entries, title, page_path, feed_path, fallback_updated)
    self_atom, self_rss = config.url(feed_path + "feed.atom"), config.url(feed_path + "feed.rss")
    feed.link(href=self_atom, rel="self")
    hub = config.site.websub_hub
    if hub:
        feed.link(href=hub, rel="hub")
    atom = feed.atom_str(pretty=True)
    # RSS's single <atom:link rel="self"> must name the RSS file itself.
    feed.link(href=self_rss, rel="self", replace=True)
    feed.link(href=config.url(page_path), rel="alternate")
    rss = feed.rss_str(pretty=True)
    if hub:  # feedgen writes only the self link into RSS; WebSub discovery needs the hub next to it
        self_link = b' rel="self"/>'
        rss = rss.replace(self_link, self_link + b'\n    <atom:link href="' + quoteattr_bytes(hub) + b'" rel="hub"/>', 1)
    return {feed_path + "feed.atom": atom, feed_path + "feed.rss": rss}


def quoteattr_bytes(value: str) -> bytes:
    return escape(value).encode("utf-8")


def render(context) -> dict[str, PendingPage]:
    config, content, now = context.config, context.content, context.state.now
    limit = config.site.feed_entries
    notices = content.incidents + content.maintenances
    entries = feed_entries(config, notices, now, limit)
    # An empty feed still needs an <updated>; the newest published update anywhere is from the
    # content, and the epoch stands for "nothing yet".
    newest = entries[0].update.at if entries else EPOCH
    outputs = render_feeds(config, entries[:limit], config.site.title, "", "", newest)
    by_component: dict[str, list[Entry]] = {c.id: [] for c in config.components}
    for entry in entries:  # one pass, newest first, each component's list stops at the limit
        for component_id in entry.components:
            if len(by_component[component_id]) < limit:
                by_component[component_id].append(entry)
    for component in config.components:
        own = by_component[component.id]
        outputs.update(render_feeds(config, own, f"{config.site.title}: {component.name}",
                                    f"components/{component.id}/", f"components/{component.id}/",
                                    newest))
    return outputs

