"""Screenshots of the demo's index and an incident page for the README: light, dark, phone.

Taken on every run, with the page's clock at the demo's build time and the site's timezone, so
they show what the built site shows; written to docs/screenshots/ (same names each time) only with
STATUSGEN_WRITE_SCREENSHOTS=1 (`python3 dev.py screenshots`), so a test run leaves tracked files alone.
"""

from __future__ import annotations

import os
import struct

import pytest

from tests.browser.harness import DESKTOP, PHONE, PROJECT_ROOT, View
from tests.browser.pages import page_path

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
VIEWS = {"light": View(scheme="light"), "dark": View(scheme="dark"), "mobile": View(scheme="light", width=PHONE)}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("kind", ("index", "incident"))
def test_screenshots(demo_site, demo_browser, kind, tmp_path):
    folder = SCREENSHOTS if os.environ.get("STATUSGEN_WRITE_SCREENSHOTS") == "1" else tmp_path
    shots = {}
    for name, view in VIEWS.items():
        demo_browser.load(demo_site.url(page_path(demo_site, kind)), View(scheme=view.scheme, width=view.width,
                                                                          timezone=demo_site.config.site.timezone))
        path = folder / f"{kind}-{name}.png"
        demo_browser.screenshot(path)
        shots[name] = path.read_bytes()
        width, height = png_size(shots[name])
        assert width == (PHONE if name == "mobile" else DESKTOP)
        assert height >= 400  # the whole page, not a sliver
    assert shots["light"] != shots["dark"]


def test_screenshots_of_day_details_and_the_stale_notice(demo_site, browser, tmp_path):
    """The README shows a day's details (hover on desktop, tap on a phone) and the notice on a copy
    viewed a week after its build."""
    from datetime import datetime, timedelta

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.wait import WebDriverWait

    from tests.browser.harness import DEMO_NOW
    from tests.browser.test_day_details import busiest_day, day_link, tap, tip

    folder = SCREENSHOTS if os.environ.get("STATUSGEN_WRITE_SCREENSHOTS") == "1" else tmp_path
    zone = demo_site.config.site.timezone
    driver = browser.driver
    component, day = busiest_day(demo_site)
    browser.set_clock(DEMO_NOW)
    try:
        for name, view in (("day-details-light", View(scheme="light", timezone=zone)),
                           ("day-details-dark", View(scheme="dark", timezone=zone)),
                           ("day-details-mobile", View(scheme="light", width=PHONE, timezone=zone))):
            browser.load(demo_site.url("index.html"), view)
            link = day_link(driver, component, day)
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
            if view.width == PHONE:
                tap(driver, link)
            else:
                ActionChains(driver).move_to_element(link).perform()
            assert tip(driver, link)["shown"]
            browser.screenshot(folder / f"{name}.png", full_page=False)
            assert png_size((folder / f"{name}.png").read_bytes())[0] == view.width
        built = datetime.fromisoformat(DEMO_NOW.replace("Z", "+00:00"))
        browser.set_clock((built + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        for name, view in (("stale-light", View(scheme="light", timezone=zone)),
                           ("stale-mobile", View(scheme="dark", width=PHONE, timezone=zone))):
            browser.load(demo_site.url("index.html"), view)
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.getElementById('stale-notice') !== null"))
            browser.screenshot(folder / f"{name}.png", full_page=False)
            assert png_size((folder / f"{name}.png").read_bytes())[0] == view.width
    finally:
        browser.set_clock(None)
