"""Every page carries a Content-Security-Policy allowing only the site's own origin; the optional
script still runs under it, and an inline script does not."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.browser.checks import console_errors
from tests.browser.harness import View
from tests.conftest import PROJECT_ROOT

POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'"


class HeadMeta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_every_page_carries_the_policy_before_anything_it_loads(demo_site):
    pages = sorted(demo_site.dir.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        parser = HeadMeta()
        parser.feed(page.read_text(encoding="utf-8"))
        policies = [attrs["content"] for tag, attrs in parser.tags
                    if tag == "meta" and attrs.get("http-equiv", "").lower() == "content-security-policy"]
        assert policies == [POLICY], page
        first_resource = next(i for i, (tag, _) in enumerate(parser.tags) if tag in ("link", "script", "style"))
        policy_at = next(i for i, (tag, attrs) in enumerate(parser.tags) if attrs.get("http-equiv"))
        assert policy_at < first_resource, page
        assert not [attrs for tag, attrs in parser.tags if tag == "script" and not attrs.get("src")], page
        assert not [tag for tag, attrs in parser.tags if "style" in attrs or tag == "style"], page


def test_the_script_runs_under_the_policy_and_an_inline_script_does_not(demo_site, demo_browser):
    load = demo_browser.load(demo_site.url("index.html"), View(js=True))
    driver = demo_browser.driver
    assert console_errors(load) == []
    assert driver.execute_script("return typeof window.statusgen") == "object"
    driver.execute_script("var s = document.createElement('script'); s.textContent = 'window.injected = 1;';"
                          "document.body.appendChild(s);")
    assert driver.execute_script("return typeof window.injected") == "undefined"
    refused = [entry["message"] for entry in driver.get_log("browser")]
    assert any("Content Security Policy" in message for message in refused), refused


def test_the_docs_show_the_same_policy_for_a_cdn(demo_site):
    docs = (PROJECT_ROOT / "docs" / "publishing.md").read_text(encoding="utf-8")
    assert f"Content-Security-Policy: {POLICY}" in docs
    assert f'"Override": true, "ContentSecurityPolicy": "{POLICY}"' in docs
