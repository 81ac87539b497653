"""The uptime bars as drawn: an item covering several quiet days looks like that many single
days, with script (a box per day) and without (the style sheet's stripes)."""

from __future__ import annotations

import pytest

from tests.browser.harness import DESKTOP, PHONE, View
from tests.render.html_helpers import day_count

BARS_JS = """
return Array.from(document.querySelectorAll('main ol.bars')).map(function (ol) {
  return {width: ol.getBoundingClientRect().width, items: Array.from(ol.children).map(function (li) {
    var r = li.getBoundingClientRect(), s = getComputedStyle(li);
    return {classes: Array.from(li.classList), left: r.left, width: r.width, image: s.backgroundImage,
            text: li.innerText, days: Array.from(li.querySelectorAll(':scope > b')).map(function (b) {
              var d = b.getBoundingClientRect(); return [d.left, d.width]; })};
  })};
});
"""
VIEWS = [View(js=True, width=DESKTOP), View(js=True, scheme="dark", width=PHONE),
         View(js=False, width=DESKTOP), View(js=False, scheme="dark", width=PHONE)]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.label)
def test_several_days_in_one_item_are_drawn_as_that_many_days(demo_site, demo_browser, view):
    demo_browser.load(demo_site.url("index.html"), view)
    bars = demo_browser.driver.execute_script(BARS_JS)
    assert len(bars) == len(demo_site.config.components)
    runs = 0
    for bar in bars:
        counts = [day_count(item["classes"]) for item in bar["items"]]
        assert sum(counts) == 90
        unit = (bar["width"] - 89) / 90  # one day's width between 1 px gaps, as when each day had an item
        for item, days in zip(bar["items"], counts):
            # Each item is as wide as its days and the gaps between them.
            assert abs(item["width"] - (days * unit + days - 1)) < 1.5, item
            striped = days > 1 and "b-n" not in item["classes"]
            runs += striped
            if striped and view.js:  # a box per day, each a day wide, 1 px apart
                assert len(item["days"]) == days, item
                assert all(abs(width - unit) < 1.01 for _, width in item["days"]), item
                lefts = [left for left, _ in item["days"]]
                assert all(abs(b - a - unit - 1) < 1.01 for a, b in zip(lefts, lefts[1:])), item
            else:
                assert item["days"] == []
            if striped and not view.js:
                assert item["image"].startswith("repeating-linear-gradient("), item
    assert runs > 0
