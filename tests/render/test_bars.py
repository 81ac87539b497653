"""The uptime bars: every day told in words by the item covering it, a light index, and the
filter the built-in rows write them with giving the documented macro's markup byte for byte."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from statusgen.build import build
from tests.conftest import DEMO_NOW
from tests.render.html_helpers import bar_days, one, soup, text

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATUS_CLASSES = {"operational": [], "degraded_performance": ["b-d"], "partial_outage": ["b-p"],
                  "major_outage": ["b-x"], "under_maintenance": ["b-u"]}


def day_text(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def percent_text(percent: float | None) -> str:
    return "no data" if percent is None else f"{percent:g}%"


def test_each_day_is_told_by_the_bar_item_that_covers_it(demo):
    site = demo.build(DEMO_NOW)
    uptime = {c["id"]: c["days"] for c in json.loads(demo.read("api/v2/uptime.json"))["components"]}
    pages = {"index": soup(site, "index.html")}
    merged = 0
    for component, days in uptime.items():
        pages[component] = soup(site, f"components/{component}/index.html")
        for page in pages["index"], pages[component]:
            bars = one(page, f"[data-component={component}] ol.bars")
            items = bar_days(bars)
            assert len(items) == len(days) == 90
            for index, day in enumerate(days):
                item = items[index]
                classes = [c for c in item.get("class", []) if c.startswith("b-")]
                assert classes == (["b-n"] if day["percent"] is None else STATUS_CLASSES[day["worst_status"]])
                if day["incidents"]:
                    # A day with incidents stands alone, as a link to its row with its details.
                    assert items.count(item) == 1
                    link = one(item, "a.day")
                    assert link["href"].endswith(f"components/{component}/index.html#d-{day['date']}")
                    told, shown = text(link).split(": ")
                    assert told == day_text(day["date"]) and abs(float(shown.rstrip("%")) - day["percent"]) < 0.01
                    assert [a["href"].removeprefix("../../") for a in item.select(".tip li a")] == \
                        [f"incidents/{slug}/index.html" for slug in day["incidents"]]
                    continue
                first = items.index(item)
                last = first + items.count(item) - 1
                span = days[first:last + 1]
                # Days share an item only when nothing tells them apart.
                assert all(not d["incidents"] and (d["percent"], d["worst_status"]) ==
                           (day["percent"], day["worst_status"]) for d in span)
                words = day_text(days[first]["date"]) if first == last else \
                    f"{day_text(days[first]['date'])} – {day_text(days[last]['date'])}"
                assert text(item) == f"{words}: {percent_text(day['percent'])}"
                assert item.select("a, .tip") == []
                merged += first != last
            # Runs are as long as they can be: neighbouring items without incidents differ.
            plain = [None if item.select_one("a.day") else
                     ([c for c in item.get("class", []) if c.startswith("b-")], text(item).rsplit(": ", 1)[1])
                     for item in bars.select(":scope > li")]
            assert all(a is None or b is None or a != b for a, b in zip(plain, plain[1:]))
    assert merged > 0


def test_the_index_at_20_components_and_100_incidents_weighs_at_most_60_kb(tmp_path):
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import NOW, generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    root = generate(tmp_path / "repo", 100)
    build(root, NOW)
    index = soup(root / "site", "index.html")
    rows = index.select("li.component")
    assert len(rows) == 20 and all(len(bar_days(one(row, "ol.bars"))) == 90 for row in rows)
    # days with incidents are in it (100 incidents over three years: a few in 90 days, on 1-3 components each)
    assert sum(len(row.select("ol.bars a.day")) for row in rows) >= 10
    assert (root / "site" / "index.html").stat().st_size <= 60 * 1024


BARS_CONFIG = """\
[site]
title = "Test Status"
base_url = "https://status.test.example/"
timezone = "UTC"
uptime_days = 200
language = "{language}"

[[components]]
id = "api"
name = "API <b>&amp; \\"co\\" 'x'"

[[components]]
id = "db"
name = "Database"
since = 2026-10-01
"""

# The documented macro next to each built-in row, which the filter `uptime_bars` writes.
MACRO_OVERRIDES = {
    "index.html": """
        {% extends "!index.html" %}
        {% block footer_extra %}{% import "_components.html" as uc with context %}
        {% for c in config.components %}
        <div class="own" data-of="{{ c.id }}">{{ uc.uptime_bars(c, state.uptime[c.id]) }}</div>
        {% endfor %}
        {% endblock %}
    """,
    "component.html": """
        {% extends "!component.html" %}
        {% block footer_extra %}{% import "_components.html" as uc with context %}
        {% if uptime %}<div class="own" data-of="{{ component.id }}">{{ uc.uptime_bars(component, uptime) }}</div>{% endif %}
        {% endblock %}
    """,
}


def resolved(repo, slug: str, title: str, components: str, start: str, end: str) -> None:
    repo.incident(slug, f"""
        title: '{title}'
        components: {{{components}}}
        started: {start}
        resolved: {end}
        updates:
          - {{at: {start}, status: investigating, message: Looking.}}
          - {{at: {end}, status: resolved, message: Fixed.}}
    """)


def raw_bars(html: str, marker: str) -> dict[str, str]:
    """Each component's `ol.bars` as written, byte for byte (what this test compares), after
    `marker` (the built-in row's attribute, or the override's)."""
    return dict(re.findall(marker + r'="([a-z]+)"[^>]*>.*?(<ol class="bars".*?</ol>\n)', html, re.S))


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_filter_writes_the_bars_exactly_as_the_documented_macro(repo, language):
    repo.write("statusgen.toml", BARS_CONFIG.format(language=language))
    for name, source in MACRO_OVERRIDES.items():
        repo.write(f"templates/{name}", source)
    # From 5 May: 5 quiet days, a day with an incident, 106 quiet days, two days with incidents
    # around a quiet one (two incidents on the second), 14 quiet days, a maintenance, 68 quiet days
    # and an incident still going on since yesterday. The database has no data for 149 days, then
    # 49 quiet ones.
    resolved(repo, "old", 'Slow <script>alert("x")</script> & co', "api: partial_outage",
             "2026-05-10T10:00:00Z", "2026-05-10T11:00:00Z")
    resolved(repo, "a1", "Down", "api: major_outage", "2026-08-25T10:00:00Z", "2026-08-25T11:30:00Z")
    resolved(repo, "a2", "Slow", "api: degraded_performance", "2026-08-27T10:00:00Z", "2026-08-27T12:00:00Z")
    resolved(repo, "a3", "Errors", "api: partial_outage", "2026-08-27T13:00:00Z", "2026-08-27T13:20:00Z")
    repo.incident("m1", """
        title: Upgrade
        type: maintenance
        components: {api: under_maintenance}
        scheduled_start: 2026-09-11T03:00:00Z
        scheduled_end: 2026-09-11T04:00:00Z
        completed: 2026-09-11T04:00:00Z
        updates:
          - {at: 2026-09-01T09:00:00Z, status: scheduled, message: Planned.}
          - {at: 2026-09-11T04:00:00Z, status: completed, message: Done.}
    """)
    repo.incident("now", """
        title: Still <down> & "out"
        components: {api: major_outage, db: partial_outage}
        started: 2026-11-19T20:00:00Z
        updates:
          - {at: 2026-11-19T20:00:00Z, status: investigating, message: Looking.}
    """)
    site = repo.build()
    pages = {"index.html": ["api", "db"], "components/api/index.html": ["api"], "components/db/index.html": ["db"]}
    for page, components in pages.items():
        html = (site / page).read_text(encoding="utf-8")
        built_in, macro = raw_bars(html, "data-component"), raw_bars(html, "data-of")
        assert list(built_in) == list(macro) == components
        assert built_in == macro, page
    # What they were compared on: every kind of item the bars have.
    bars = one(soup(site, "index.html"), "[data-component=api] ol.bars")
    items = bars.select(":scope > li")
    runs = [item.get("class", []) for item in items if not item.select("a.day")]
    assert len(bar_days(bars)) == 200 and runs == [["u5"], ["h1", "u6"], [], ["t1", "u4"], ["t6", "u8"]]
    assert [len(item.select(".tip li")) for item in items if item.select("a.day")] == [1, 1, 2, 1, 1, 1]
    assert "Slow <script>" in text(bars) and not bars.select("script, b, down")
    assert "<b>&amp;" in bars["aria-label"]
    db = one(soup(site, "index.html"), "[data-component=db] ol.bars").select(":scope > li")
    assert db[0]["class"] == ["b-n", "h1", "t4", "u9"] and db[1]["class"] == ["t4", "u9"]  # no data, then 100%


@pytest.mark.parametrize(("language", "days", "said"), [
    ("en", 1, "1 day,"), ("ar", 3, "3 أيام،"), ("ar", 11, "11 يومًا،"), ("ru", 2, "2 дня,")])
def test_the_filter_says_the_number_of_days_in_the_plural_form_the_macro_does(repo, language, days, said):
    config = (repo.root / "statusgen.toml").read_text(encoding="utf-8")
    repo.write("statusgen.toml", config.replace("uptime_days = 30", f'uptime_days = {days}\nlanguage = "{language}"'))
    repo.write("templates/index.html", MACRO_OVERRIDES["index.html"])
    resolved(repo, "a", "Down", "api: major_outage", "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z")
    site = repo.build()
    html = (site / "index.html").read_text(encoding="utf-8")
    built_in, macro = raw_bars(html, "data-component"), raw_bars(html, "data-of")
    assert list(built_in) == ["api", "web", "db"] and built_in == macro
    labels = [bars["aria-label"] for bars in soup(site, "index.html").select("li.component ol.bars")]
    assert len(labels) == 3 and all(said in label for label in labels)
