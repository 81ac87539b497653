"""What templates format with: moments, durations, percentages and Markdown, in the site's language;
and the small pieces every page repeats many times (a status, a notice's summary line), written
here rather than by Jinja macros, which cost several times as much per call. The macros of
_macros.html, which overrides may call, give the same markup through these filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from jinja2 import Environment, pass_context
from markupsafe import Markup, escape

from statusgen.i18n import N_, Language, formats, resolve_language, translations
from statusgen.render.bars import CACHE_LIMIT, Bars
from statusgen.render.markdown import render_markdown
from statusgen.times import iso_utc
from statusgen.vocabulary import IMPACT_LABELS, INDICATOR_ICONS, STATUS_ICONS, STATUS_LABELS

ENGLISH = resolve_language("en")


def install_filters(env: Environment, language: Language) -> Words:
    cldr = formats(language)
    catalog = translations(language)
    gettext = catalog.gettext
    words = Words(gettext)

    def no_data() -> str:
        return gettext("no data")

    times: dict[tuple, Markup] = {}  # a moment shows on several pages (notice, component, history)

    def time_filter(moment: datetime, tz) -> Markup:
        key = (moment, tz)
        shown = times.get(key)
        if shown is None:
            shown = times[key] = time_element(moment, tz, language)
        return shown

    days: dict[date, str] = {}  # the bars and a component's table of days show the same days

    def day_filter(day: date) -> str:
        shown = days.get(day)
        if shown is None:
            if len(days) >= CACHE_LIMIT:
                days.clear()
            shown = days[day] = cldr.day(day)
        return shown

    def day_percent_text(value: float | None) -> str:
        return no_data() if value is None else cldr.decimal(day_percent(value))

    pieces = Pieces(words, time_filter, cldr.duration)
    env.filters.update(
        time=time_filter,
        local_time=lambda moment, tz: local_time(moment, tz, language),
        duration=cldr.duration,
        exact_duration=cldr.exact_duration,
        percent=lambda value, decimals=3: format_percent(value, decimals, no_data()),
        month_name=cldr.month,
        day=day_filter,
        relative=cldr.relative,
        decimal=cldr.decimal,
        markdown=render_markdown,
        icon=icon,
        status_text=pieces.status_text,
        notice_attrs=notice_attrs,
        notice_meta=pieces.notice_meta,
        uptime_bars=Bars(words, catalog.ngettext, day_filter, day_percent_text, pieces.status_text, cldr.duration),
    )
    env.globals["day_percent"] = day_percent_text

    @pass_context
    def template_gettext(context, message: str, /, **variables) -> str:
        if context.eval_ctx.autoescape:
            return words(message, **variables)
        return gettext(message) % variables

    # In place of the i18n extension's: the same results (new-style gettext), each message
    # translated and marked once; `_` calls it directly instead of looking `gettext` up.
    env.globals.update(gettext=template_gettext, _=template_gettext)
    return words


class Words:
    """Jinja's new-style gettext in autoescaped templates: the translation is markup, formatted
    with its placeholders escaped (even with none: '%%' shows as '%')."""

    def __init__(self, translate: Callable[[str], str]):
        self.translate = translate
        self._translated: dict[str, str] = {}
        self._formatted: dict[str, Markup] = {}  # messages used without placeholders

    def __call__(self, message: str, /, **variables) -> Markup:
        if variables:
            return Markup(self._translation(message)) % variables
        formatted = self._formatted.get(message)
        if formatted is None:
            formatted = self._formatted[message] = Markup(self._translation(message)) % {}
        return formatted

    def text(self, message: str, /, **variables) -> str:
        """The same as markup text, for pieces written here: each placeholder is shown as text."""
        if variables:
            return self._translation(message) % {name: escape(value) for name, value in variables.items()}
        return str(self(message))

    def _translation(self, message: str) -> str:
        translated = self._translated.get(message)
        if translated is None:
            translated = self._translated[message] = self.translate(message)
        return translated


def icon(symbol: str) -> Markup:
    return Markup(f'<span class="icon" aria-hidden="true">{escape(symbol)}</span>')


def notice_attrs(n) -> Markup:
    """The hooks of a notice's element (docs/theme.md): its slug, and a maintenance's state and window."""
    attrs = f' data-incident="{escape(n.slug)}"'
    if n.is_maintenance:
        attrs += (f' data-maintenance-state="{escape(n.state)}" data-start="{escape(n.start_iso)}"'
                  f' data-end="{escape(n.window_end_iso)}"')
    return Markup(attrs)


class Pieces:
    """The markup of _macros.html's `status_text` and `notice_meta`, in one language."""

    def __init__(self, words: Words, time: Callable[[datetime, object], Markup], duration: Callable):
        self.words, self.time, self.duration = words, time, duration
        self._statuses: dict[str, Markup] = {}

    def status_text(self, status: str) -> Markup:
        shown = self._statuses.get(status)
        if shown is None:
            label = self.words(STATUS_LABELS[status])
            shown = self._statuses[status] = Markup(f'{icon(STATUS_ICONS[status])} <span class="label">{label}</span>')
        return shown

    def notice_meta(self, n, root: str, tz) -> Markup:
        """State, postmortem link, and the window (maintenance) or impact and times (incident)."""
        text, time = self.words.text, self.time
        meta = f'<p class="meta"><span class="state st-{escape(n.state)}">{text(n.state_label)}</span>'
        if n.postmortem:
            published = text(N_("Postmortem published"))
            meta += f' · <a class="pm" href="{escape(root)}{escape(n.path)}#postmortem">{published}</a>'
        if n.is_maintenance:
            scheduled_end = n.notice.scheduled_end
            meta += " · " + text(N_("%(start)s to %(end)s"), start=time(n.notice.scheduled_start, tz),
                                 end=time(scheduled_end, tz))
            if n.end and n.end != scheduled_end:
                meta += " " + text(N_("(ended %(end)s)"), end=time(n.end, tz))
        else:
            impact = text(N_("%(impact)s impact"), impact=self.words(IMPACT_LABELS[n.impact]))
            meta += f' · <span class="impact">{icon(INDICATOR_ICONS[n.impact])} {impact}</span> · '
            if n.end:
                meta += text(N_("%(start)s to %(end)s (%(duration)s)"), start=time(n.start, tz),
                             end=time(n.end, tz), duration=self.duration(n.duration))
            else:
                meta += str(time(n.start, tz))  # not `str + Markup`, which escapes the str
        return Markup(meta + "</p>\n")


def local_time(moment: datetime, tz, language: Language = ENGLISH) -> str:
    """'20 Nov 2026, 15:02 CET' in English, CLDR's form in other languages, whatever the machine's locale."""
    return formats(language).moment(moment, tz)


def time_element(moment: datetime, tz, language: Language = ENGLISH) -> Markup:
    return Markup(f'<time datetime="{escape(iso_utc(moment))}">{escape(local_time(moment, tz, language))}</time>')


def format_percent(value: float | None, decimals: int = 3, no_data: str = "no data") -> str:
    """Never rounds a figure below 100 up to 100: 99.9996 shows as 99.999, not 100.000."""
    if value is None:
        return no_data
    if value >= 100:
        return "100" if decimals == 0 else "100." + "0" * decimals
    text = f"{value:.{decimals}f}"
    if float(text) >= 100:
        text = "99." + "9" * decimals
    return text


def day_percent(value: float | None, no_data: str = "no data") -> str:
    """The short form used in each uptime bar: '100%' or '99.87%'."""
    if value is None:
        return no_data
    return "100%" if value >= 100 else f"{format_percent(value, 2)}%"

