"""German, Japanese and Arabic builds in Chromium: axe, no sideways scrolling on a phone, right to
left for Arabic, and screenshots of the German and Arabic index for the docs."""

from __future__ import annotations

import os
import re
from contextlib import ExitStack

import pytest

from tests.browser.checks import axe_violations, horizontal_overflow
from tests.browser.conftest import DemoSite
from tests.browser.harness import DESKTOP, PHONE, PROJECT_ROOT, StaticServer, View, build_site, copy_demo
from tests.browser.pages import PAGE_TYPES, page_path

LANGUAGES = ("de", "ja", "ar")
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The demo built once per language, each served on loopback."""
    with ExitStack() as stack:
        built = {}
        for language in LANGUAGES:
            work = tmp_path_factory.mktemp(f"browser-{language}")
            root = copy_demo(work / "repo")
            config = (root / "statusgen.toml").read_text(encoding="utf-8")
            config = re.sub(r"(?m)^language = .*\n", "", config).replace("[site]\n", f'[site]\nlanguage = "{language}"\n', 1)
            (root / "statusgen.toml").write_text(config, encoding="utf-8")
            out = build_site(root, work / "site")
            built[language] = DemoSite(root, out, stack.enter_context(StaticServer(out)))
        yield built


@pytest.mark.parametrize("kind", PAGE_TYPES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_translated_pages_pass_axe_and_fit_a_phone(sites, demo_browser, language, kind):
    site = sites[language]
    demo_browser.load(site.url(page_path(site, kind)), View(width=PHONE, timezone=site.config.site.timezone))
    driver = demo_browser.driver
    shown = driver.execute_script("return {lang: document.documentElement.lang,"
                                  " dir: getComputedStyle(document.body).direction,"
                                  " skip: document.querySelector('.skip').textContent}")
    assert shown["lang"] == language
    assert shown["dir"] == ("rtl" if language == "ar" else "ltr")
    assert shown["skip"] != "Skip to content"  # the interface is translated
    assert axe_violations(driver) == []
    assert horizontal_overflow(driver) == []


def test_arabic_layout_mirrors(sites, demo_browser):
    """In Arabic the banner's colour edge and the site name sit on the right (logical CSS properties)."""
    site = sites["ar"]
    demo_browser.load(site.url("index.html"), View(width=DESKTOP, timezone=site.config.site.timezone))
    layout = demo_browser.driver.execute_script(
        "var b = getComputedStyle(document.querySelector('.banner')),"
        " brand = document.querySelector('.brand').getBoundingClientRect();"
        "return {right: b.borderRightWidth, left: b.borderLeftWidth, brandLeft: brand.left,"
        " width: document.documentElement.clientWidth};")
    assert (layout["right"], layout["left"]) == ("8px", "1px")
    assert layout["brandLeft"] > layout["width"] / 2


@pytest.mark.parametrize("language", ("de", "ar"))
def test_screenshots(sites, demo_browser, language, tmp_path):
    """docs/screenshots/index-de.png and index-ar.png, written there only by `python3 dev.py screenshots`."""
    site = sites[language]
    demo_browser.load(site.url("index.html"), View(width=DESKTOP, timezone=site.config.site.timezone))
    folder = SCREENSHOTS if os.environ.get("STATUSGEN_WRITE_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"index-{language}.png"
    demo_browser.screenshot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
