"""embed/status.js on a product page of another (loopback) origin, and the embed's own demo page."""

from __future__ import annotations

import gzip

import pytest

from tests.browser.checks import axe_violations, console_errors, horizontal_overflow
from tests.browser.harness import DESKTOP, PHONE, StaticServer, View

HOST_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Acme product</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' {status}">
</head><body><main><h1>Acme product</h1><p>Sign in below.</p>
<script src="{status}/embed/status.js" async></script>
</main></body></html>
"""

EMBED_JS = """
var box = document.querySelector('.statusgen-embed');
return box && {indicator: box.getAttribute('data-indicator'), text: box.innerText,
               links: Array.from(box.querySelectorAll('a')).map(function (a) { return a.href; })};
"""


def test_embed_is_small_and_carries_the_status(demo_site):
    data = (demo_site.dir / "embed" / "status.js").read_bytes()
    assert len(gzip.compress(data, 9)) <= 3 * 1024
    assert demo_site.state.indicator_description.encode() in data


@pytest.mark.parametrize("width", (DESKTOP, PHONE))
def test_embed_on_another_origin_shows_status_and_active_notices(demo_site, demo_browser, tmp_path, width):
    (tmp_path / "index.html").write_text(HOST_PAGE.format(status=demo_site.origin), encoding="utf-8")
    with StaticServer(tmp_path, host="127.0.0.2") as product:
        assert product.origin != demo_site.origin
        load = demo_browser.load(product.url("index.html"), View(width=width))
        driver = demo_browser.driver
        box = driver.execute_script(EMBED_JS)
    state = demo_site.state
    assert box is not None and box["indicator"] == state.indicator
    assert state.indicator_description in box["text"]
    slugs = [i.slug for i in state.active_incidents] + [m.slug for m in state.maintenance_in_progress]
    assert slugs and box["links"] == [demo_site.url("")] + [demo_site.url(f"incidents/{slug}/") for slug in slugs]
    # one request to the status site, for the script: no API call, so no CORS needed
    foreign = [r.url for r in load.requests if r.url.startswith(demo_site.origin)]
    assert foreign == [demo_site.url("embed/status.js")]
    assert console_errors(load, allow=("favicon.ico",)) == []


@pytest.mark.parametrize("view", [View(scheme="light", width=DESKTOP), View(scheme="dark", width=PHONE)],
                         ids=lambda v: v.label)
def test_embed_demo_page(demo_site, demo_browser, view):
    load = demo_browser.load(demo_site.url("embed/index.html"), view)
    driver = demo_browser.driver
    box = driver.execute_script(EMBED_JS)
    assert box is not None and demo_site.state.indicator_description in box["text"]
    assert driver.execute_script("return document.querySelector('[data-statusgen-embed] .statusgen-embed') !== null")
    assert console_errors(load) == []
    assert horizontal_overflow(driver) == []
    assert axe_violations(driver) == []
