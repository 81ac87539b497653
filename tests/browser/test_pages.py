"""Every page type in Chromium, script on and off, light and dark, desktop and phone width."""

from __future__ import annotations

import itertools

import pytest

from statusgen.vocabulary import INDICATOR_DESCRIPTIONS, STATUS_LABELS
from tests.browser.checks import console_errors, foreign_requests, horizontal_overflow, status_text_problems
from tests.browser.harness import DESKTOP, PHONE, View
from tests.browser.pages import MISSING_PAGE, PAGE_TYPES, page_path

VIEWS = [View(js=js, scheme=scheme, width=width)
         for js, scheme, width in itertools.product((True, False), ("light", "dark"), (DESKTOP, PHONE))]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.label)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_page_loads_cleanly(demo_site, demo_browser, kind, view):
    path = page_path(demo_site, kind)
    load = demo_browser.load(demo_site.url(path), view)
    driver = demo_browser.driver

    expected_status = 404 if kind == "404" else 200
    assert load.document.status == expected_status
    assert foreign_requests(load, demo_site.origin) == []
    allowed = (demo_site.url(MISSING_PAGE),) if kind == "404" else ()
    assert console_errors(load, allow=allowed) == []
    assert horizontal_overflow(driver) == []
    assert driver.execute_script("return document.querySelector('main h1').innerText.trim()") != ""
    # Status is text, whatever colours or script do: every status hook shows its label.
    assert status_text_problems(driver, "data-status", STATUS_LABELS) == []
    assert status_text_problems(driver, "data-indicator", INDICATOR_DESCRIPTIONS) == []
    stylesheet = [r for r in load.requests if r.type == "Stylesheet"]
    assert [r.status for r in stylesheet] == [200]


@pytest.mark.parametrize("width", (DESKTOP, PHONE))
def test_status_text_without_script(demo_site, browser, width):
    """The built page alone says how things are: the banner text and each component's status."""
    browser.set_clock(None)
    browser.load(demo_site.url("index.html"), View(js=False, width=width))
    driver = browser.driver
    state = demo_site.state
    banner = driver.execute_script("var b = document.querySelector('[data-indicator]');"
                                   "return [b.getAttribute('data-indicator'), b.innerText];")
    assert banner[0] == state.indicator
    assert state.indicator_description in banner[1]
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('main [data-component][data-status]')).map("
        "function (el) { return [el.getAttribute('data-component'), el.innerText]; });")
    assert {component for component, _ in shown} == {c.id for c in demo_site.config.components}
    for component, text in shown:
        assert STATUS_LABELS[state.component_status[component]] in text, component


def test_script_runs_only_when_enabled(demo_site, demo_browser):
    """The JS-off views really are without script: the script's global is absent there."""
    demo_browser.load(demo_site.url("index.html"), View(js=False))
    assert demo_browser.driver.execute_script("return typeof window.statusgen") == "undefined"
    demo_browser.load(demo_site.url("index.html"), View(js=True))
    assert demo_browser.driver.execute_script("return typeof window.statusgen") == "object"


def test_missing_page_serves_a_working_404(demo_site, demo_browser):
    """The 404 page works at any depth: its stylesheet loads and its links lead into the site."""
    load = demo_browser.load(demo_site.url(MISSING_PAGE), View())
    assert load.document.status == 404
    links = demo_browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(function (a) { return a.href; })")
    internal = [link for link in links if link.startswith(demo_site.origin + "/") and "#" not in link]
    assert demo_site.url("index.html") in internal
    for link in internal:
        target = demo_site.dir / link[len(demo_site.origin) + 1:]
        assert target.is_file() or (target / "index.html").is_file(), link
