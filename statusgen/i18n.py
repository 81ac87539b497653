"""Interface languages: gettext catalogs for the words, CLDR (through Babel) for dates and numbers.

The English text in the templates and code is the catalogs' source. Each other language is a
catalog in statusgen/locale/<code>/LC_MESSAGES/statusgen.mo (compiled from the .po beside it);
a status repository may add languages, or change wordings, with `locale/<code>.po` of its own.
"""

from __future__ import annotations

import gettext
import hashlib
import io
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_time, format_timedelta
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_decimal_symbol

from statusgen.reading import unlistable_folders

DOMAIN = "statusgen"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
REPOSITORY_LOCALE_DIR = "locale"  # in a status repository: locale/<code>.po
SOURCE_LANGUAGE = "en"
FORMAT_LOCALES: dict[str, str] = {}
# English keeps the form statusgen has always shown (day month year, 24-hour clock; no CLDR
# English locale has both with "Sep"); other languages take their CLDR skeletons.
HOUSE_PATTERNS = {"en": {"day": "d MMM y", "moment": "d MMM y, HH:mm", "month": "MMMM y"}}


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Language:
    code: str  # Babel's: "pt_BR", "zh_Hans"
    tag: str  # BCP 47, for lang= and Intl: "pt-BR", "zh-Hans"
    direction: str  # "ltr" or "rtl"
    formats: str  # the CLDR locale dates, times and numbers follow
    catalogs: tuple[str, ...]  # catalog files in use, most specific first
    digest: str  # of those catalogs: pages are rendered again when a translation changes


def bcp47(code: str) -> str:
    return code.replace("_", "-")


@lru_cache(maxsize=1)  # the package's own catalogs do not change while it runs
def builtin_languages() -> tuple[str, ...]:
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return tuple(sorted(found | {SOURCE_LANGUAGE}))


def repository_catalogs(root: Path | None) -> dict[str, Path]:
    folder = Path(root) / REPOSITORY_LOCALE_DIR if root is not None else None
    if folder is None or not os.path.lexists(folder):
        return {}
    if not folder.is_dir():  # its catalogs would be passed over
        raise ValueError(f"{REPOSITORY_LOCALE_DIR}: not a folder; expected a folder of catalogs, or none")
    refused = unlistable_folders(folder, recursive=False)
    if refused:  # else its catalogs would be passed over
        raise ValueError(f"{REPOSITORY_LOCALE_DIR}/: cannot be read ({refused[0][1]}); expected a folder of "
                         "catalogs statusgen can list")
    return {path.stem: path for path in sorted(folder.glob("*.po"))}


def available_languages(root: Path | None = None) -> tuple[str, ...]:
    return tuple(sorted(set(builtin_languages()) | set(repository_catalogs(root))))


def resolve_language(value: str, root: Path | None = None) -> Language:
    """'pt-BR', 'pt_br' or 'pt_BR' -> Language; ValueError naming the available ones otherwise."""
    wanted = value.strip().replace("-", "_").lower()
    codes = available_languages(root)
    matches = [code for code in codes if code.lower() == wanted]
    if not matches:
        raise ValueError(f"unknown language {value!r}; expected one of: "
                         + ", ".join(bcp47(code) for code in codes))
    code = matches[0]
    catalogs = []
    own = repository_catalogs(root).get(code)
    if own is not None:
        catalogs.append(own)
    builtin = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if builtin.is_file():
        catalogs.append(builtin)
    # Keyed on each catalog's modification time: a long-running `serve` sees an edited catalog.
    return _language(value, code, tuple((str(p), p.stat().st_mtime_ns) for p in catalogs))


@lru_cache(maxsize=64)
def _language(value: str, code: str, catalogs: tuple[tuple[str, int], ...]) -> Language:
    formats = FORMAT_LOCALES.get(code, code)
    try:
        locale = Locale.parse(formats)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"language {value!r} has a catalog but CLDR has no locale {formats!r} "
                         "for its dates and numbers") from None
    paths = tuple(path for path, _ in catalogs)
    digest = hashlib.sha256(b"".join(Path(p).read_bytes() for p in paths)).hexdigest()[:16]
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return Language(code, bcp47(code), direction, formats, paths, digest)


@lru_cache(maxsize=32)
def translations(language: Language) -> gettext.NullTranslations:
    """The repository's catalog first, falling back to statusgen's, then to the English source."""
    chain: gettext.NullTranslations | None = None
    for path in reversed(language.catalogs):
        data = Path(path).read_bytes() if path.endswith(".mo") else compile_po(Path(path))
        current = gettext.GNUTranslations(io.BytesIO(data))
        if chain is not None:
            current.add_fallback(chain)
        chain = current
    return chain if chain is not None else gettext.NullTranslations()


def compile_po(path: Path) -> bytes:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.stem.replace("-", "_"))
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


class Formats:
    """Dates, times, durations and numbers in one language, from CLDR."""

    def __init__(self, language: Language):
        self.language = language
        self.locale = Locale.parse(language.formats)
        self.house = HOUSE_PATTERNS.get(language.code)

    def moment(self, moment: datetime, tz) -> str:
        """'20 Nov 2026, 15:02 CET' in English; '20. Nov. 2026, 15:02 CET' in German."""
        local = moment.astimezone(tz)
        if self.house:
            return format_datetime(local, self.house["moment"], locale=self.locale) + f" {local.tzname()}"
        day = format_skeleton("yMMMd", local, locale=self.locale)
        clock = format_time(local, "short", locale=self.locale)
        pattern = str(self.locale.datetime_formats["medium"])
        return pattern.replace("{1}", day).replace("{0}", clock) + f" {local.tzname()}"

    def day(self, day: date) -> str:
        if self.house:
            return format_date(day, self.house["day"], locale=self.locale)
        return format_skeleton("yMMMd", day, locale=self.locale)

    def month(self, month: tuple[int, int]) -> str:
        year, number = month
        if self.house:
            return format_date(date(year, number, 1), self.house["month"], locale=self.locale)
        return format_skeleton("yMMMM", date(year, number, 1), locale=self.locale)

    def duration(self, span: timedelta) -> str:
        """'1 h 38 min', '2 d 3 h', '45 min', '30 s': the two largest units that matter."""
        seconds = int(span.total_seconds())
        if seconds < 60:
            return self._unit(max(seconds, 0), "second")
        minutes = seconds // 60
        hours, minutes = divmod(minutes, 60)
        days, hours = divmod(hours, 24)
        if days:
            parts = [(days, "day"), (hours, "hour")]
        elif hours:
            parts = [(hours, "hour"), (minutes, "minute")]
        else:
            parts = [(minutes, "minute")]
        shown = [self._unit(value, unit) for value, unit in parts if value or unit == parts[0][1]]
        return " ".join(shown) if self.language.code == SOURCE_LANGUAGE else format_list(
            shown, style="unit-narrow", locale=self.locale)

    def exact_duration(self, seconds: float) -> str:
        """'2 h 9 min 36 s': every unit down to the (rounded) second, for error budgets."""
        rest, parts = int(round(abs(seconds))), []
        for unit in ("day", "hour", "minute", "second"):
            count, rest = divmod(rest, UNIT_SECONDS[unit])
            if count:
                parts.append(self._unit(count, unit))
        # joined by spaces: CLDR's narrow unit lists lack the three-item pattern in some languages
        text = " ".join(parts or [self._unit(0, "second")])
        return "−" + text if seconds < 0 and parts else text

    def _unit(self, value: int, unit: str) -> str:
        if self.language.code == SOURCE_LANGUAGE:
            return f"{value} {ENGLISH_UNITS[unit]}"
        return format_timedelta(timedelta(seconds=value * UNIT_SECONDS[unit]), threshold=1000,
                                granularity=unit, format="short", locale=self.locale)  # type: ignore[arg-type]

    def relative(self, moment: datetime, now: datetime) -> str:
        """'3 hours ago', 'in 2 days' (CLDR's relative time forms)."""
        return format_timedelta(moment - now, add_direction=True, locale=self.locale)

    def decimal(self, text: str) -> str:
        """A figure already rounded as text ('99.987'), with the language's decimal sign."""
        return text.replace(".", get_decimal_symbol(self.locale))


# statusgen's English abbreviations predate the catalogs; other languages take CLDR's short units.
ENGLISH_UNITS = {"day": "d", "hour": "h", "minute": "min", "second": "s"}
UNIT_SECONDS = {"day": 86400, "hour": 3600, "minute": 60, "second": 1}


@lru_cache(maxsize=32)
def formats(language: Language) -> Formats:
    return Formats(language)
