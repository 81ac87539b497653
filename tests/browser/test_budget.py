"""A component that started this month (the demo's webhooks) and an error budget, as readers see them."""

from __future__ import annotations

import pytest

from tests.browser.checks import axe_violations, horizontal_overflow
from tests.browser.harness import DESKTOP, PHONE, View
from tests.render.html_helpers import day_count

VIEWS = [View(js=True, scheme="light", width=DESKTOP), View(js=False, scheme="dark", width=PHONE),
         View(js=True, scheme="dark", width=PHONE), View(js=False, scheme="light", width=DESKTOP)]

BARS_JS = """
return Array.from(document.querySelectorAll('main ol.bars')[0].children).map(function (li) {
  var s = getComputedStyle(li);
  return {nodata: li.classList.contains('b-n'), text: li.textContent, bg: s.backgroundColor, border: s.borderTopStyle,
          classes: Array.from(li.classList)};
});
"""


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.label)
def test_days_before_since_show_no_data_and_the_budget_is_shown(demo_site, demo_browser, view):
    component = next(c for c in demo_site.config.components if c.since is not None and c.slo is not None)
    uptime = demo_site.state.uptime[component.id]
    driver = demo_browser.driver
    demo_browser.load(demo_site.url(f"components/{component.id}/index.html"), view)
    bars = driver.execute_script(BARS_JS)
    expected = [d.day < component.since for d in uptime.days]
    # An item covering several days counts once per day
    assert [b["nodata"] for b in bars for _ in range(day_count(b["classes"]))] == expected and any(expected)
    for bar in bars:
        if bar["nodata"]:  # told apart by shape and words, not only colour
            assert bar["text"].endswith(": no data") and bar["border"] == "dashed" and bar["bg"] == "rgba(0, 0, 0, 0)"
        else:
            assert "no data" not in bar["text"] and bar["border"] != "dashed"
    budget = driver.execute_script(
        "var s = document.querySelector('section[aria-labelledby=budget-h]');"
        "return s && s.checkVisibility() ? Array.from(s.querySelectorAll('dt')).map(function (dt) {"
        "  return dt.innerText + ': ' + dt.nextElementSibling.innerText; }) : null;")
    assert budget is not None and [row.split(":")[0] for row in budget] == ["Budget", "Used", "Left"]
    assert horizontal_overflow(driver) == []
    assert axe_violations(driver) == []
