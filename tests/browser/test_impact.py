"""Incidents carry their impact as a colour on the notice, and always as words and a symbol too."""

from __future__ import annotations

import itertools

import pytest

from statusgen.vocabulary import IMPACT_LABELS, INDICATOR_ICONS
from tests.browser.harness import DESKTOP, PHONE, View

VIEWS = [View(js=js, scheme=scheme, width=width)
         for js, scheme, width in itertools.product((True, False), ("light", "dark"), (DESKTOP, PHONE))]

NOTICES_JS = """
var root = getComputedStyle(document.documentElement);
return Array.from(document.querySelectorAll('main .notice')).map(function (el) {
  var impact = (el.className.match(/\\bimpact-([a-z]+)/) || [])[1];
  var meta = el.querySelector('.meta .impact');
  return {impact: impact, border: getComputedStyle(el).borderLeftColor, borderWidth: getComputedStyle(el).borderLeftWidth,
          expected: root.getPropertyValue({minor: '--minor', major: '--major', critical: '--critical',
                                           maintenance: '--maint'}[impact] || '--line').trim(),
          text: meta ? meta.innerText : null};
});
"""


def rgb(color: str) -> str:
    """'#b2480b' -> 'rgb(178, 72, 11)', as getComputedStyle reports colours."""
    color = color.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(color[i:i + 2], 16) for i in (0, 2, 4)))


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.label)
def test_history_colours_each_notice_by_impact_and_names_it(demo_site, demo_browser, view):
    demo_browser.load(demo_site.url("history/index.html"), view)
    notices = demo_browser.driver.execute_script(NOTICES_JS)
    impacts = {n["impact"] for n in notices}
    assert {"minor", "major", "critical", "maintenance"} <= impacts
    colours = {}
    for notice in notices:
        assert notice["borderWidth"] != "0px"
        assert notice["border"] == rgb(notice["expected"]), notice
        colours.setdefault(notice["impact"], set()).add(notice["border"])
        if notice["impact"] != "maintenance":  # never colour alone: the impact in words, with its symbol
            label = IMPACT_LABELS[notice["impact"]]
            assert notice["text"] == f"{INDICATOR_ICONS[notice['impact']]} {label} impact", notice
    # each impact its own colour
    assert len({frozenset(c) for c in colours.values()}) == len(colours)
