"""One public address per page (canonical link, sitemap, feeds, API agree), and every way to follow
a component linked from its page and from the subscribe page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import feedparser

from statusgen.config import load_config
from tests.conftest import DEMO_NOW
from tests.render.html_helpers import html_pages, one, soup

BASE = "https://status.acme.example/"


def test_every_page_names_its_one_canonical_address(demo):
    site = demo.build(DEMO_NOW)
    sitemap = {loc.text for loc in ET.fromstring((site / "sitemap.xml").read_bytes())
               .iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    canonical = set()
    for relative in html_pages(site):
        links = soup(site, relative).select("link[rel=canonical]")
        if relative == "404.html":
            assert links == []  # served at any missing address: it has none of its own
            continue
        assert len(links) == 1, relative
        href = links[0]["href"]
        assert href == BASE + relative.removesuffix("index.html"), relative
        canonical.add(href)
    assert canonical == sitemap
    assert all(url.endswith("/") for url in sitemap)
    # feeds and the API link to the same addresses
    entry_links = {e.link for e in feedparser.parse((site / "feed.atom").read_bytes()).entries}
    assert entry_links and entry_links <= sitemap
    incidents = json.loads((site / "api/v2/incidents.json").read_text())["incidents"]
    assert {i["shortlink"] for i in incidents} <= sitemap


def test_component_page_and_subscribe_page_link_each_components_feeds_and_calendar(demo):
    site = demo.build(DEMO_NOW)
    subscribe = soup(site, "subscribe/index.html")
    sub_links = {a["href"] for a in subscribe.select("a[href]")}
    for component in load_config(demo.root).components:
        own = {f"components/{component.id}/{name}" for name in ("feed.atom", "feed.rss", "maintenance.ics")}
        for path in own:
            assert (site / path).is_file(), path
        page = soup(site, f"components/{component.id}/index.html")
        follow = one(page, "section[aria-labelledby=follow-h]")
        assert {a["href"] for a in follow.select("a[href]")} >= {"../../" + p for p in own}, component.id
        assert {"../" + p for p in own} <= sub_links, component.id
        codes = {c.get_text() for c in subscribe.select("code")}
        assert {BASE + p for p in own} <= codes, component.id


def test_subscribe_lists_every_api_file(demo):
    site = demo.build(DEMO_NOW)
    codes = {c.get_text() for c in soup(site, "subscribe/index.html").select("code")}
    written = {BASE + str(p.relative_to(site)) for p in (site / "api" / "v2").rglob("*.json")}
    assert BASE + "api/v2/uptime.json" in written and BASE + "api/v2/freshness.json" in written
    assert written <= codes
