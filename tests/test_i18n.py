"""Interface languages: catalogs, CLDR formats, language validation, right to left, the pseudo-locale."""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from gettext import GNUTranslations
from pathlib import Path

import feedparser
import frontmatter
import pytest
from babel import Locale
from babel.dates import format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from bs4 import BeautifulSoup
from icalendar import Calendar

import statusgen.i18n
from statusgen.config import load_config
from statusgen.content import load_content
from statusgen.i18n import DOMAIN, available_languages, bcp47, resolve_language, translations
from statusgen.vocabulary import INDICATOR_DESCRIPTIONS
from tests.conftest import DEMO_NOW


def set_language(repo, language: str) -> None:
    path = repo.root / "statusgen.toml"
    config = path.read_text(encoding="utf-8")
    config = re.sub(r"(?m)^language = .*\n", "", config)
    path.write_text(config.replace("[site]\n", f'[site]\nlanguage = "{language}"\n', 1), encoding="utf-8")


def test_unknown_language_is_rejected_naming_the_available_ones(repo):
    set_language(repo, "xx-Klingon")
    result = repo.run("build", "--root", str(repo.root))
    assert result.exit_code == 1
    available = ", ".join(bcp47(code) for code in available_languages())
    assert (f"statusgen.toml: site.language: unknown language 'xx-Klingon'; expected one of: {available}"
            in result.output)
    assert "Traceback" not in result.output
    assert not (repo.root / "site").exists()


# -- catalogs ---------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")
TAG = re.compile(r"</?[a-z]+")
LOCALE = Path(statusgen.i18n.__file__).parent / "locale"


def source_messages() -> dict:
    """Every message in the sources now, extracted as `python3 dev.py catalogs` does."""
    with (LOCALE / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    return {message: None for _, _, message, _, _ in extract_from_dir(
        str(LOCALE.parent), method_map, options_map, keywords=keywords)}


def test_message_template_is_up_to_date_with_the_sources():
    with (LOCALE / "statusgen.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert set(source_messages()) == template, "run `python3 dev.py catalogs`"


def catalogs():
    return sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def test_at_least_the_asked_languages_are_there():
    asked = {"de", "fr", "es", "pt_BR", "it", "nl", "pl", "sv", "da", "nb", "fi", "cs", "ro", "tr", "ru", "uk",
             "ja", "ko", "zh_Hans", "id", "ar", "he"}
    assert asked <= {path.parent.parent.name for path in catalogs()}
    assert asked | {"en"} <= set(available_languages())


@pytest.mark.parametrize("po", catalogs(), ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete_and_keeps_placeholders(po):
    with (LOCALE / "statusgen.pot").open("rb") as handle:
        template = {m.id: m for m in read_po(handle) if m.id}
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name)
    translated = {m.id: m for m in catalog if m.id}
    assert set(translated) == set(template), "missing or obsolete messages: run `python3 dev.py catalogs`"
    problems = []
    for msgid, message in translated.items():
        source = msgid[0] if isinstance(msgid, tuple) else msgid
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms):
            problems.append(f"{source!r}: fuzzy or untranslated")
        if isinstance(msgid, tuple) and len(forms) != catalog.num_plurals:
            problems.append(f"{source!r}: {len(forms)} plural forms, expected {catalog.num_plurals}")
        for form in forms:
            if sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"{source!r}: placeholders differ in {form!r}")
            if sorted(TAG.findall(form)) != sorted(TAG.findall(source)):
                problems.append(f"{source!r}: HTML tags differ in {form!r}")
    assert problems == []
    # The compiled catalog the package ships says the same.
    with po.with_suffix(".mo").open("rb") as handle:
        compiled = GNUTranslations(handle)
    for msgid, message in translated.items():
        if not isinstance(msgid, tuple):
            assert compiled.gettext(msgid) == message.string, f"{po.with_suffix('.mo')} is stale: run `python3 dev.py catalogs`"


def test_glossary_lists_the_core_terms_of_every_language():
    glossary = (LOCALE / "GLOSSARY.md").read_text(encoding="utf-8")
    header = next(line for line in glossary.splitlines() if line.startswith("| English"))
    assert [cell.strip() for cell in header.strip("|").split("|")][1:] == sorted(
        p.parent.parent.name for p in catalogs())


# -- builds in other languages ----------------------------------------------------------------

def test_german_build_translates_pages_feeds_calendar_and_badges_not_api_or_incidents(demo):
    set_language(demo, "de")
    site = demo.build(DEMO_NOW)
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html5lib")
    assert index.html["lang"] == "de" and not index.html.has_attr("dir")
    assert index.find("h2", id="components-h").get_text() == "Komponenten"
    assert index.select_one(".skip").get_text() == "Zum Inhalt springen"
    times = [t.get_text() for t in index.find_all("time")]
    assert times and all(re.fullmatch(r"\d{1,2}\. \w+\.? \d{4}, \d{2}:\d{2} \S+", t) for t in times), times
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert feed.feed.language == "de"
    labels = {entry.title.split(":")[0] for entry in feed.entries}
    assert "Gelöst" in labels and "Resolved" not in labels
    calendar = Calendar.from_ical((site / "maintenance.ics").read_bytes())
    assert str(calendar["x-wr-calname"]).endswith(": Wartung")
    assert any("Betroffene Komponenten:" in str(e.get("description")) for e in calendar.walk("VEVENT"))
    badge = json.loads((site / "badges/status.json").read_text(encoding="utf-8"))
    assert badge["label"] == "Status" and badge["message"] in {
        "Alle Systeme betriebsbereit", "Geringfügiger Dienstausfall", "Teilweiser Systemausfall",
        "Schwerer Systemausfall", "Dienst in Wartung"}
    # The API keeps Statuspage's English; incident text stays as its author wrote it.
    status = json.loads((site / "api/v2/status.json").read_text(encoding="utf-8"))
    assert status["status"]["description"] in INDICATOR_DESCRIPTIONS.values()
    incident = next(p for p in sorted((demo.root / "incidents").glob("*.md")))
    title = frontmatter.load(incident)["title"]
    slug = incident.stem
    page = BeautifulSoup((site / f"incidents/{slug}/index.html").read_text(encoding="utf-8"), "html5lib")
    assert page.h1.get_text() == title


@pytest.mark.parametrize(("given", "tag", "direction"), [
    ("pt-BR", "pt-BR", None), ("zh-hans", "zh-Hans", None), ("ar", "ar", "rtl"), ("he", "he", "rtl"),
    ("ja", "ja", None)])
def test_bcp47_forms_and_direction(repo, given, tag, direction):
    set_language(repo, given)
    site = repo.build()
    for page in ("index.html", "history/index.html", "404.html"):
        html = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html5lib").html
        assert html["lang"] == tag
        assert html.get("dir") == direction
    labels = json.loads(BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html5lib")
                        .find("script", src=True)["data-labels"])
    english = translations(resolve_language("en"))
    assert labels["statuses"]["operational"] != english.gettext("Operational")


def test_repository_catalog_changes_a_wording_and_rebuilds_the_pages(repo):
    set_language(repo, "de")
    before = repo.build()
    assert "Komponenten" in (before / "index.html").read_text(encoding="utf-8")
    repo.write("locale/de.po", '''
        msgid ""
        msgstr ""
        "Content-Type: text/plain; charset=UTF-8\\n"
        "Plural-Forms: nplurals=2; plural=(n != 1);\\n"

        msgid "Components"
        msgstr "Bausteine"
        ''')
    after = repo.build()
    index = (after / "index.html").read_text(encoding="utf-8")
    assert ">Bausteine<" in index and "Zum Inhalt springen" in index  # the rest still from statusgen's catalog


def test_a_locale_folder_that_cannot_be_listed_is_refused(repo, unlistable):
    # Passed over, the repository's own wording would give way to statusgen's without a word.
    set_language(repo, "de")
    repo.write("locale/de.po", 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
    unlistable(str(repo.root / "locale"))
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1, result.output
        assert result.output == ("Error: statusgen.toml: site.language: locale/: cannot be read (Permission denied); "
                                 "expected a folder of catalogs statusgen can list\n")
    assert not (repo.root / "site").exists()


def test_a_file_where_the_locale_folder_goes_is_refused(repo):
    repo.write("locale", "de\n")
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 1
    assert result.output == ("Error: statusgen.toml: site.language: locale: not a folder; expected a folder of "
                             "catalogs, or none\n")


# -- the pseudo-locale ------------------------------------------------------------------------

def pseudo_catalog(path: Path) -> None:
    """Every message of the template wrapped in ⟦…⟧: an interface string left outside the catalog
    shows up as text without the brackets."""
    with (LOCALE / "statusgen.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=PSEUDO)
    for message in template:
        if message.id:
            forms = message.id if isinstance(message.id, tuple) else (message.id,)
            wrapped = tuple(f"⟦{form}⟧" for form in forms)
            catalog.add(message.id, wrapped if isinstance(message.id, tuple) else wrapped[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


def author_texts(config, content) -> list[str]:
    """What the operator wrote (names, titles) and CLDR data (month names, zone abbreviations)."""
    names = [config.site.title, config.site.description, config.site.timezone]
    names += [c.name for c in config.components] + [g.name for g in config.groups]
    names += [c.description or "" for c in config.components]
    names += [n.title for n in content.notices]
    locale = Locale.parse(PSEUDO)
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            names += list(locale.months[context][width].values())
    return sorted((n for n in names if n), key=len, reverse=True)


def cldr_unit_words() -> set[str]:
    """The pseudo-language's duration units as CLDR writes them ('hr', 'mins', …)."""
    words = set()
    for seconds in (1, 60, 3600, 86400):
        for count in (1, 2, 5):
            text = format_timedelta(timedelta(seconds=seconds * count), format="short", locale=PSEUDO)
            words |= {word for word in text.split() if not word.isdigit()}
    return words


# A language CLDR knows whose dates hold nothing but numbers and month names.
PSEUDO = "en_001"
UNIT_WORDS = cldr_unit_words()
AUTHOR_CONTENT = "time, .update > :not(.update-head), .timeline > li > :not(h3), section.body, code, input, .brand"


def unwrapped_words(html: str, data: list[str]) -> list[str]:
    """Words of the page outside ⟦…⟧ that are not the author's. The page's text is taken whole,
    so a message whose placeholder holds an element (a <time>, a link) still reads as one."""
    soup = BeautifulSoup(html, "html5lib")
    for element in soup.select(AUTHOR_CONTENT):
        element.replace_with("\u2060")  # keeps the message around it in one piece
    for element in soup(["script", "style"]):
        element.decompose()
    texts = [soup.get_text(" ")] + [e["aria-label"] for e in soup.find_all(attrs={"aria-label": True})]
    left = []
    for text in texts:
        for value in data:
            text = text.replace(value, " ")
        shorter = None
        while shorter != text:  # innermost first: a translated label inside another message
            shorter, text = text, re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        left += [word for word in text.split()
                 if any(ch.isalpha() for ch in word) and word.strip("().,") not in UNIT_WORDS]
    return left


def test_pseudo_locale_build_leaves_no_interface_string_outside_the_catalog(demo):
    shutil.rmtree(demo.root / "templates", ignore_errors=True)  # the demo's own override speaks for the operator
    pseudo_catalog(demo.root / "locale" / f"{PSEUDO}.po")
    set_language(demo, PSEUDO.replace("_", "-"))
    site = demo.build(DEMO_NOW)
    config = load_config(demo.root)
    data = author_texts(config, load_content(config))
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    problems = {str(p.relative_to(site)): unwrapped_words(p.read_text(encoding="utf-8"), data) for p in pages}
    assert {path: sorted(set(words)) for path, words in problems.items() if words} == {}
    # The script's words come from the same catalog.
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html5lib")
    labels = json.loads(index.find("script", src=True)["data-labels"])
    strings = [labels[k] for k in ("zone_site", "zone_reader", "stale", "built")]
    strings += list(labels["states"].values()) + list(labels["statuses"].values())
    assert all(s.startswith("⟦") and s.endswith("⟧") for s in strings), strings
    schedule = json.loads(index.find(attrs={"data-schedule": True})["data-schedule"])
    assert all(change["description"].startswith("⟦") for change in schedule)
    # Feeds, calendar and badges too.
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert all(entry.title.startswith("⟦") for entry in feed.entries)
    calendar = (site / "maintenance.ics").read_text(encoding="utf-8")
    assert "X-WR-CALNAME:⟦" in calendar and "Affected" not in calendar.replace("⟦Affected", "")
    badge = json.loads((site / "badges/status.json").read_text(encoding="utf-8"))
    assert badge["label"].startswith("⟦") and badge["message"].startswith("⟦")
