"""The page weight budget: the demo index in at most 60 KB of HTML+CSS+JS and 4 requests, no web fonts."""

from __future__ import annotations

import pytest

from tests.browser.checks import PAGE_BYTES_BUDGET, PAGE_REQUESTS_BUDGET, budget_problems, weigh
from tests.browser.pages import PAGE_TYPES, page_path


def test_index_within_budget(demo_site, demo_browser):
    weight = weigh(demo_browser, demo_site.dir, "index.html")
    kinds = sorted(weight.bytes_by_type)
    assert {"Document", "Stylesheet"} <= set(kinds)
    # The figure is what was served: the page and everything it pulled in, byte for byte.
    on_disk = (demo_site.dir / "index.html").stat().st_size
    assert weight.bytes_by_type["Document"] == on_disk
    assert budget_problems(weight, PAGE_BYTES_BUDGET, PAGE_REQUESTS_BUDGET) == []
    # Every request counted succeeded, the freshness check among them.
    assert weight.failed == []
    assert any(url.endswith("/api/v2/freshness.json") for url in weight.requests)
    # The icon is declared inline: no request for it, and none for a missing /favicon.ico.
    icon = demo_browser.driver.execute_script("return document.querySelector('link[rel~=icon]').href")
    assert icon.startswith("data:image/svg+xml,")
    assert not [url for url in weight.requests if "favicon" in url]


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_no_page_uses_web_fonts_or_more_requests(demo_site, demo_browser, kind):
    """Every page type: no web font, and the same handful of requests as the index."""
    weight = weigh(demo_browser, demo_site.dir, page_path(demo_site, kind))
    assert weight.fonts == []
    assert len(weight.requests) <= PAGE_REQUESTS_BUDGET, weight.requests
    expected_failures = [f"{weight.url} (404)"] if kind == "404" else []
    assert weight.failed == expected_failures
