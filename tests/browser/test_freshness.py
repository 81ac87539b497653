"""The stale notice: the script reads api/v2/freshness.json and says when the copy shown is old."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser.checks import axe_violations, horizontal_overflow
from tests.browser.harness import DEMO_NOW, DESKTOP, PHONE, StaticServer, View, build_site
from tests.browser.test_script import advance_to
from tests.conftest import MINIMAL_CONFIG

BUILT = datetime.fromisoformat(DEMO_NOW.replace("Z", "+00:00"))
WEEK_LATER = (BUILT + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_for_freshness(driver) -> dict:
    """The script fetches the file once the page has loaded; wait (bounded) until it has it."""
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return window.statusgen.freshness() !== null"))
    return driver.execute_script("return window.statusgen.freshness()")


def notice(driver) -> str | None:
    return driver.execute_script("var n = document.getElementById('stale-notice'); return n && n.innerText;")


def test_fresh_page_has_no_notice_until_stale_after_passes(demo_site, demo_browser):
    demo_browser.load(demo_site.url("index.html"), View(timezone="UTC"))
    driver = demo_browser.driver
    assert wait_for_freshness(driver)["built_at"] == DEMO_NOW
    assert notice(driver) is None
    assert "page built now" in driver.execute_script("return document.querySelector('.asof').innerText")
    advance_to(driver, BUILT + timedelta(minutes=59), plus_one_tick=False)
    assert notice(driver) is None
    advance_to(driver, BUILT + timedelta(minutes=61))
    text = notice(driver)
    assert text.startswith("⚠︎ Last updated 1 hour ago (26 Nov 2026, 21:00 UTC)")
    assert text.endswith("this page may be out of date.")
    # the notice opens the main content, where a reader starts
    assert driver.execute_script("return document.querySelector('main').firstElementChild.id") == "stale-notice"


@pytest.mark.parametrize("view", [View(scheme="light", width=DESKTOP), View(scheme="dark", width=PHONE),
                                  View(scheme="dark", width=DESKTOP), View(scheme="light", width=PHONE)],
                         ids=lambda v: v.label)
@pytest.mark.parametrize("path", ("index.html", "history/index.html"))
def test_a_week_old_copy_says_so(demo_site, browser, view, path):
    """A site built a week before it is viewed: every page warns, and the warning is accessible."""
    browser.set_clock(WEEK_LATER)
    try:
        browser.load(demo_site.url(path), view)
        driver = browser.driver
        wait_for_freshness(driver)
        WebDriverWait(driver, 10).until(lambda d: notice(d) is not None)
        assert notice(driver).startswith("⚠︎ Last updated 1 week ago")
        assert horizontal_overflow(driver) == []
        assert axe_violations(driver) == []
    finally:
        browser.set_clock(None)


def test_without_script_the_index_says_when_it_last_changed(demo_site, browser):
    browser.load(demo_site.url("index.html"), View(js=False))
    driver = browser.driver
    assert notice(driver) is None
    asof = driver.execute_script("return document.querySelector('.asof').innerText")
    assert asof.startswith("Last change ") and "page built" not in asof


@pytest.fixture(scope="module")
def never_stale_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("never-stale")
    (root / "statusgen.toml").write_text(MINIMAL_CONFIG.replace("uptime_days = 30", "uptime_days = 30\nstale_after = 0"),
                                         encoding="utf-8")
    (root / "incidents").mkdir()
    out = build_site(root, root / "site", now=DEMO_NOW)
    with StaticServer(out) as server:
        yield server


def test_stale_after_zero_never_warns(never_stale_site, browser):
    browser.set_clock(WEEK_LATER)
    try:
        browser.load(never_stale_site.url("index.html"), View())
        driver = browser.driver
        assert wait_for_freshness(driver)["stale_at"] is None
        driver.execute_script("window.__clock.advance(86400000)")
        assert notice(driver) is None
    finally:
        browser.set_clock(None)
