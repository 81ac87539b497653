"""A component's daily uptime bars, as the `uptime_bars` macro of _components.html writes them
(the same markup, byte for byte, in every language), for a fraction of its cost: the index and
each component's first page show 90 days of every component they list, and a warm rebuild
renders them again whenever a day's figures change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

from markupsafe import Markup, escape

from statusgen.i18n import N_
from statusgen.uptime import ComponentUptime, DayUptime

CACHE_LIMIT = 4096  # distinct days and figures kept per language (`serve` runs for days)


class Bars:
    """`uptime|uptime_bars(component, root, titles, durations)`: `titles` and `durations` are
    the names of the shared template context (each notice's title, and its duration or None
    while it goes on), passed as arguments so a page's key still covers them."""

    def __init__(self, words: Callable[[str], Markup], ngettext: Callable[[str, str, int], str],
                 day: Callable[[date], str], day_percent: Callable[[float | None], str],
                 status_text: Callable[[str], Markup], duration: Callable[[timedelta], str]):
        self.words, self.ngettext, self.day, self.day_percent = words, ngettext, day, day_percent
        self.status_text, self.duration = status_text, duration
        self._days: dict[date, str] = {}
        self._percents: dict[float | None, str] = {}
        self._classes: dict[tuple[bool, str, int], str] = {}
        self._statuses: dict[str, str] = {}
        self._items: dict[tuple[str, str, str, timedelta | None], str] = {}  # a notice in a day's details

    def __call__(self, uptime: ComponentUptime, component, root: str, titles: Mapping[str, str],
                 durations: Mapping[str, timedelta | None]) -> Markup:
        days = uptime.days
        count = len(days)
        # The i18n extension's plural form, its placeholders escaped (`num` as it adds it)
        label = Markup(self.ngettext("Daily uptime of %(name)s, %(count)s day, oldest first",
                                     "Daily uptime of %(name)s, %(count)s days, oldest first", count)) \
            % {"name": component.name, "count": count, "num": count}
        out = [f'<ol class="bars" aria-label="{label}">\n']
        link = f'<a class="day" href="{escape(root)}components/{escape(component.id)}/index.html#d-'
        notices = f"{escape(root)}incidents/"
        first: DayUptime | None = None  # the first day of the run the current day ends
        run = 1
        for index, d in enumerate(days):
            following = days[index + 1] if index + 1 < count else None
            if (not d.incidents and following is not None and not following.incidents
                    and following.percent == d.percent and following.worst_status == d.worst_status):
                if first is None:
                    first = d
                run += 1
                continue
            out.append(f"<li{self._class(d, run)}>")
            if d.incidents:
                out.append(self._details(d, link, notices, titles, durations))
            elif first is None:
                out.append(f"<i>{self._day(d.day)}: {self._percent(d.percent)}</i>")
            else:
                out.append(f"<i>{self._day(first.day)} – {self._day(d.day)}: {self._percent(d.percent)}</i>")
            first, run = None, 1
        out.append("</ol>\n")
        return Markup("".join(out))

    def _details(self, d: DayUptime, link: str, notices: str, titles: Mapping[str, str],
                 durations: Mapping[str, timedelta | None]) -> str:
        """The macro `day_details`: the day's link, and its details over the bars (`link`: the
        link's address up to the day, `notices`: the incident pages' folder, both escaped)."""
        day, percent = self._day(d.day), self._percent(d.percent)
        status = self._statuses.get(d.worst_status)
        if status is None:
            status = f'<span class="s-{escape(d.worst_status)}">{self.status_text(d.worst_status)}</span>'
            self._statuses[d.worst_status] = status
        # (a date in ISO form has nothing to escape)
        text = (f'{link}{d.day.isoformat()}"><i>{day}: {percent}</i></a><div class="tip"><p><strong>{day}</strong>'
                f' · {percent} · {status}</p><ul>')
        for slug in d.incidents:
            title, duration = titles[slug], durations[slug]
            key = (notices, slug, title, duration)
            item = self._items.get(key)
            if item is None:
                lasted = self.words(N_("Ongoing")) if duration is None else escape(self.duration(duration))
                item = f'<li><a href="{notices}{escape(slug)}/index.html">{escape(title)}</a> ({lasted})</li>'
                _bounded(self._items)[key] = item
            text += item
        return text + "</ul></div>"

    def _class(self, d: DayUptime, days: int) -> str:
        """The macro `bar_class`: the day's status and the run's length in digit classes."""
        key = (d.percent is None, d.worst_status, days)
        shown = self._classes.get(key)
        if shown is None:
            if d.percent is None:
                status = "b-n"
            elif d.worst_status == "operational":
                status = ""
            else:
                status = "b-" + ("x" if d.worst_status == "major_outage" else d.worst_status[:1])
            size = "" if days == 1 else ((f"h{days // 100} " if days >= 100 else "")
                                         + (f"t{days // 10 % 10} " if days >= 10 and days // 10 % 10 else "")
                                         + f"u{days % 10}")
            classes = escape(f"{status} {size}".strip())
            shown = f' class="{classes}"' if " " in classes else f" class={classes}" if classes else ""
            _bounded(self._classes)[key] = shown
        return shown

    def _day(self, day: date) -> str:
        shown = self._days.get(day)
        if shown is None:
            shown = _bounded(self._days)[day] = str(escape(self.day(day)))
        return shown

    def _percent(self, percent: float | None) -> str:
        shown = self._percents.get(percent)
        if shown is None:
            shown = _bounded(self._percents)[percent] = str(escape(self.day_percent(percent)))
        return shown


def _bounded(cache: dict) -> dict:
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    return cache
