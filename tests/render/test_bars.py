"""The uptime bars: every day told in words by the item covering it, and a light index."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

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
    assert sum(len(row.select("ol.bars a.day")) for row in rows) > 20  # days with incidents are in it
    assert (root / "site" / "index.html").stat().st_size <= 60 * 1024
