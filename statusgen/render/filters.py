"""What templates format with: moments, durations, percentages and Markdown, in the site's language."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment
from markupsafe import Markup, escape

from statusgen.i18n import Language, formats, resolve_language, translations
from statusgen.render.markdown import render_markdown
from statusgen.times import iso_utc

ENGLISH = resolve_language("en")


def install_filters(env: Environment, language: Language) -> None:
    cldr = formats(language)
    gettext = translations(language).gettext

    def no_data() -> str:
        return gettext("no data")

    times: dict[tuple, Markup] = {}  # a moment shows on several pages (notice, component, history)

    def time_filter(moment: datetime, tz) -> Markup:
        key = (moment, tz)
        shown = times.get(key)
        if shown is None:
            shown = times[key] = time_element(moment, tz, language)
        return shown

    env.filters.update(
        time=time_filter,
        local_time=lambda moment, tz: local_time(moment, tz, language),
        duration=cldr.duration,
        exact_duration=cldr.exact_duration,
        percent=lambda value, decimals=3: format_percent(value, decimals, no_data()),
        month_name=cldr.month,
        day=cldr.day,
        relative=cldr.relative,
        decimal=cldr.decimal,
        markdown=render_markdown,
    )
    env.globals["day_percent"] = lambda value: no_data() if value is None else cldr.decimal(day_percent(value))


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

