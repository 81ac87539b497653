"""The demo's postmortem, as a reader sees it: above the timeline, flagged in history, accessible."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.checks import axe_violations, horizontal_overflow
from tests.browser.harness import DESKTOP, PHONE, View

VIEWS = [View(js=js, scheme=scheme, width=width)
         for js, scheme, width in itertools.product((True, False), ("light", "dark"), (DESKTOP, PHONE))]


def postmortem_slug(site) -> str:
    return next(i.slug for i in site.content.incidents
                if any(u.status == "postmortem" and u.at <= site.state.now for u in i.updates))


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.label)
def test_postmortem_is_shown_first_and_flagged(demo_site, demo_browser, view):
    slug = postmortem_slug(demo_site)
    driver = demo_browser.driver
    demo_browser.load(demo_site.url(f"incidents/{slug}/index.html"), view)
    tops = driver.execute_script(
        "var top = function (s) { var el = document.querySelector(s); return el && el.checkVisibility() ? "
        "el.getBoundingClientRect().top : null; };"
        "return [top('#postmortem'), top('[aria-labelledby=updates-h]'), top('[aria-labelledby=affected-h]')];")
    assert None not in tops and tops[0] < tops[2] < tops[1]
    assert horizontal_overflow(driver) == []
    assert axe_violations(driver) == []

    demo_browser.load(demo_site.url("history/index.html"), view)
    flag = driver.execute_script(
        "var a = document.querySelector('[data-incident=\"' + arguments[0] + '\"] a.pm');"
        "return a && a.checkVisibility() ? [a.innerText, a.href] : null;", slug)
    assert flag == ["Postmortem published", demo_site.url(f"incidents/{slug}/index.html#postmortem")]
