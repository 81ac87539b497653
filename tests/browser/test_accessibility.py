"""axe-core on every page type in both colour schemes, plus what axe cannot judge alone."""

from __future__ import annotations

import pytest

from statusgen.vocabulary import INDICATOR_DESCRIPTIONS, STATUS_LABELS
from tests.browser.checks import (
    axe_violations,
    focus_indicator_problems,
    outline_problems,
    skip_link_problems,
    status_text_problems,
)
from tests.browser.harness import DESKTOP, PHONE, View
from tests.browser.pages import PAGE_TYPES, page_path


@pytest.mark.parametrize("view", [View(scheme="light"), View(scheme="dark"), View(js=False, scheme="dark", width=PHONE)],
                         ids=lambda v: v.label)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_no_serious_axe_violations(demo_site, demo_browser, kind, view):
    demo_browser.load(demo_site.url(page_path(demo_site, kind)), view)
    dark = demo_browser.driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (view.scheme == "dark")  # contrast is judged in the scheme the test names
    assert axe_violations(demo_browser.driver) == []


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_landmarks_and_heading_order(demo_site, demo_browser, kind):
    demo_browser.load(demo_site.url(page_path(demo_site, kind)), View(js=False))
    assert outline_problems(demo_browser.driver) == []


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_skip_link_first_and_focus_visible(demo_site, demo_browser, kind, scheme):
    demo_browser.load(demo_site.url(page_path(demo_site, kind)), View(scheme=scheme, width=DESKTOP))
    assert skip_link_problems(demo_browser.driver) == []
    assert focus_indicator_problems(demo_browser.driver) == []


def test_status_is_text_in_print_and_reduced_motion(demo_site, demo_browser):
    """Printed, the banner and statuses are still words; with reduced motion nothing animates."""
    demo_browser.load(demo_site.url("index.html"), View(media="print", scheme="dark"))
    driver = demo_browser.driver
    assert status_text_problems(driver, "data-indicator", INDICATOR_DESCRIPTIONS) == []
    assert status_text_problems(driver, "data-status", STATUS_LABELS) == []
    printed = driver.execute_script(
        "var s = getComputedStyle(document.body), nav = document.querySelector('header nav');"
        "return {bg: s.backgroundColor, fg: s.color, nav: getComputedStyle(nav).display};")
    # Ink on paper whatever the screen's scheme: white background, black text, no site navigation.
    assert printed == {"bg": "rgb(255, 255, 255)", "fg": "rgb(0, 0, 0)", "nav": "none"}

    demo_browser.load(demo_site.url("index.html"), View(reduced_motion=True))
    moving = driver.execute_script(
        "return Array.from(document.querySelectorAll('*')).filter(function (el) {"
        "  var s = getComputedStyle(el);"
        "  return s.animationName !== 'none' || s.transitionDuration.split(',').some(function (d) { return parseFloat(d) > 0; });"
        "}).map(function (el) { return el.tagName + '.' + el.className; });")
    assert moving == []
