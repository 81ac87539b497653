"""Site-wide properties of the HTML: escaping, overrides, pagination, sitemap, assets, reproducibility."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urljoin, urlparse

from tests.conftest import DEMO_NOW, MINIMAL_CONFIG
from tests.factories import incident_file, update
from tests.render.html_helpers import html_pages, one, soup, text

LINK_ATTRIBUTES = ("href", "src", "srcset", "action", "data", "poster", "formaction")


def test_markup_in_titles_messages_and_bodies_is_never_live(repo):
    incident_file(repo, "xss", "<script>alert(1)</script> broken", {"api": "major_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "<img src=x onerror=alert(1)> see "
                         "[details](javascript:alert(1)) <a href='javascript:alert(2)'>here</a>"),
                  body="<script>alert(3)</script>\n\n[more](javascript:alert(4)) <iframe src='https://evil.example/'></iframe>\n")
    site = repo.build("2026-11-20T15:00:00Z")
    for relative in ("index.html", "incidents/xss/index.html", "history/index.html", "components/api/index.html"):
        page = soup(site, relative)
        scripts = page.find_all("script")
        assert all(s.get("src", "").startswith(("assets/", "../")) and not s.get_text() for s in scripts), relative
        assert not page.find_all("iframe") and not page.find_all("img"), relative
        for element in page.find_all(True):
            assert not any(name.startswith("on") for name in element.attrs), (relative, element)
            for name in LINK_ATTRIBUTES:
                assert not str(element.get(name, "")).strip().lower().startswith("javascript:"), (relative, element)
        assert "<script>alert(1)</script> broken" in text(page), relative  # shown as text
    detail = soup(site, "incidents/xss/index.html")
    assert detail.h1.get_text() == "<script>alert(1)</script> broken"
    assert detail.title.get_text().startswith("<script>alert(1)</script> broken")


def test_override_replaces_a_template_and_can_extend_the_original(repo):
    repo.write("templates/404.html", """
        {% extends "base.html" %}
        {% block content %}<h1>Lost?</h1><p class="custom-404">Nothing here, sorry.</p>{% endblock %}
    """)
    repo.write("templates/base.html", """
        {% extends "!base.html" %}
        {% block footer_extra %}<p class="house-rule">Call us on 555-0100.</p>{% endblock %}
    """)
    repo.write("templates/static/custom.css", ".house-rule{font-weight:700}\n")
    site = repo.build()
    missing = soup(site, "404.html")
    assert text(one(missing, ".custom-404")) == "Nothing here, sorry."
    assert missing.h1.get_text() == "Lost?"
    for relative in html_pages(site):
        page = soup(site, relative)
        assert text(one(page, "footer .house-rule")) == "Call us on 555-0100.", relative
        assert page.select_one("header nav a[href$='history/index.html']"), relative  # the original remains
    stylesheet = one(soup(site, "index.html"), "link[rel=stylesheet]")["href"]
    css = (site / stylesheet).read_text()
    assert css.rstrip().endswith(".house-rule{font-weight:700}") and "prefers-color-scheme" in css


def test_an_override_added_between_builds_in_one_process_is_used(repo):
    repo.write("templates/404.html", "{% extends \"!404.html\" %}{% block title %}First{% endblock %}\n")
    assert soup(repo.build(), "404.html").title.get_text() == "First"
    assert "Lost" not in text(soup(repo.root / "site", "index.html"))
    repo.write("templates/index.html", """
        {% extends "!index.html" %}
        {% block content %}<h1>Lost in the index</h1>{% endblock %}
    """)
    assert soup(repo.build(), "index.html").h1.get_text() == "Lost in the index"
    (repo.root / "templates/index.html").unlink()
    assert soup(repo.build(), "index.html").h1.get_text() == "Test Status"


def test_demo_uses_its_footer_override(demo):
    page = soup(demo.build(DEMO_NOW), "index.html")
    assert "on-call team posts an update" in text(one(page, "footer .oncall"))


def _many_incidents(repo, count: int, start: datetime):
    for n in range(count):
        began = start + timedelta(days=n)
        repo.incident(f"i-{n:03d}", f"""
            title: Incident number {n}
            components:
              api: {"partial_outage" if n % 2 else "degraded_performance"}
            started: {began:%Y-%m-%dT%H:%M:%SZ}
            resolved: {began + timedelta(hours=1, minutes=n % 60):%Y-%m-%dT%H:%M:%SZ}
            updates:
              - at: {began + timedelta(minutes=5):%Y-%m-%dT%H:%M:%SZ}
                status: investigating
                message: Looking at number {n}.
              - at: {began + timedelta(hours=1, minutes=n % 60):%Y-%m-%dT%H:%M:%SZ}
                status: resolved
                message: Fixed number {n}.
        """)


def test_history_is_paginated_with_a_month_index(repo):
    _many_incidents(repo, 120, datetime(2026, 5, 1, 12, tzinfo=timezone.utc))
    site = repo.build("2026-11-20T15:00:00Z")
    pages = ["history/index.html", "history/page/2/index.html", "history/page/3/index.html"]
    listed = []
    for relative in pages:
        listed += [a["data-incident"] for a in soup(site, relative).select("main [data-incident]")]
    assert not (site / "history/page/4/index.html").exists()
    assert listed == [f"i-{n:03d}" for n in range(119, -1, -1)]  # all, newest first, once each
    assert [len(soup(site, p).select("main [data-incident]")) for p in pages] == [50, 50, 20]

    first = soup(site, "history/index.html")
    months = [(text(li.a), li.a["href"]) for li in first.select("nav.months li")]
    counts = [int(re.search(r"\((\d+)\)", text(li)).group(1)) for li in first.select("nav.months li")]
    assert [m for m, _ in months] == ["August 2026", "July 2026", "June 2026", "May 2026"]
    assert counts == [28, 31, 30, 31] and sum(counts) == 120  # 1 May .. 28 Aug
    # Each month link leads to the page where that month's heading is.
    for name, href in months:
        target = urljoin("history/index.html", href)
        relative, anchor = target.split("#")
        heading = one(soup(site, relative), f"#{anchor}")
        assert heading.get_text().startswith(name)
    page2 = soup(site, "history/page/2/index.html")
    assert page2.select_one("main section > h2").get_text() == "July 2026 (continued)"
    pager = [urljoin("history/page/2/index.html", a["href"]) for a in page2.select("nav.pager a")]
    assert pager == ["history/index.html", "history/page/3/index.html"]
    assert text(one(page2, "nav.pager [aria-current=page]")) == "2"

    component_pages = [a["data-incident"] for p in ("components/api/index.html", "components/api/page/2/index.html",
                                                     "components/api/page/3/index.html")
                       for a in soup(site, p).select("main [data-incident]")]
    assert len(component_pages) == 120
    # Mean time to resolve: durations are 1 h + (n mod 60) min; 2 x (0..59) then 0..-> mean over 120.
    minutes = [60 + n % 60 for n in range(120)]
    mean = timedelta(minutes=sum(minutes) / 120)
    hours, rest = divmod(int(mean.total_seconds()) // 60, 60)
    assert f"Mean time to resolve: {hours} h {rest} min over 120 resolved incidents" in text(
        soup(site, "components/api/index.html").select_one(".mttr"))

    index = soup(site, "index.html")
    assert len(index.select("[data-incident]")) == 5  # the index does not grow with history


def test_sitemap_lists_every_page_and_robots_points_to_it(repo):
    _many_incidents(repo, 60, datetime(2026, 9, 1, 12, tzinfo=timezone.utc))
    site = repo.build("2026-11-20T15:00:00Z")
    import xml.etree.ElementTree as ET

    tree = ET.fromstring((site / "sitemap.xml").read_bytes())
    locs = [loc.text for loc in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    # one form, the one feeds and the API use: a folder's URL ends in "/"
    expected = {"https://status.test.example/" + p.removesuffix("index.html")
                for p in html_pages(site) if p != "404.html"}
    assert set(locs) == expected and len(locs) == len(expected)
    assert "https://status.test.example/history/page/2/" in locs
    assert "Sitemap: https://status.test.example/sitemap.xml" in repo.read("robots.txt").splitlines()


def test_assets_are_fingerprinted_and_every_reference_resolves(demo):
    site = demo.build(DEMO_NOW)
    for relative in html_pages(site):
        if relative == "404.html":
            continue
        page = soup(site, relative)
        for element in page.select("[href], [src]"):
            url = element.get("href") or element.get("src")
            if urlparse(url).scheme or url.startswith("#"):
                continue
            path = urljoin(relative, url).split("#")[0]
            if element.name == "a" and "/feed." in "/" + path or path.endswith((".ics", ".json", ".svg", ".atom", ".rss")):
                continue  # written by the feed, calendar, API and badge renderers
            assert (site / path).is_file(), f"{relative}: {url} -> {path} missing"
    index = soup(site, "index.html")
    css_path = one(index, "link[rel=stylesheet]")["href"]
    js = one(index, "script[src]")
    assert js.has_attr("defer")
    for path in (css_path, js["src"]):
        data = (site / path).read_bytes()
        assert re.fullmatch(r"assets/(style|statusgen)\.[0-9a-f]{12}\.(css|js)", path)
        assert hashlib.sha256(data).hexdigest()[:12] in path
    # the icon is inline (one request fewer), the same image as favicon.svg
    icon = one(index, "link[rel=icon]")["href"]
    assert icon.startswith("data:image/svg+xml,")
    svg = (site / "favicon.svg").read_text().strip()
    assert unquote(icon.removeprefix("data:image/svg+xml,")) == svg.replace('"', "'")


def test_demo_index_weight_and_request_budget(demo):
    site = demo.build(DEMO_NOW)
    index = soup(site, "index.html")
    requests = [e.get("href") or e.get("src") for e in index.select("link[rel=stylesheet], link[rel=icon], script[src], img")]
    requests = [r for r in requests if not r.startswith("data:")]
    assert len(requests) + 2 <= 4  # the page itself, stylesheet, script, the script's freshness check
    total = sum((site / p).stat().st_size for p in ["index.html", *[r for r in requests if not r.endswith(".svg")]])
    assert total <= 60 * 1024, f"index + CSS + JS = {total} bytes"
    css = (site / one(index, "link[rel=stylesheet]")["href"]).read_text()
    assert "@font-face" not in css and "url(" not in css
    for feature in ("prefers-color-scheme:dark", "@media print", "prefers-reduced-motion", ":focus-visible"):
        assert feature in css


def test_no_page_refers_to_another_origin(demo):
    site = demo.build(DEMO_NOW)
    allowed = ("https://status.acme.example/", "webcal://status.acme.example/", "https://acme.example/support")
    for relative in html_pages(site):
        page = soup(site, relative)
        for element in page.find_all(True):
            for name in LINK_ATTRIBUTES:
                value = str(element.get(name, ""))
                if "//" in value:
                    assert value.startswith(allowed), f"{relative}: <{element.name} {name}={value!r}>"
            assert "url(" not in str(element.get("style", "")), relative
        for tag in page.select("script[src], link[rel=stylesheet], link[rel=icon]"):
            assert "//" not in (tag.get("src") or tag.get("href")), relative


def test_404_links_from_the_base_path(repo):
    repo.write("statusgen.toml", MINIMAL_CONFIG.replace("https://status.test.example/", "https://example.org/status/"))
    site = repo.build()
    page = soup(site, "404.html")
    assert one(page, "link[rel=stylesheet]")["href"].startswith("/status/assets/style.")
    assert one(page, "header a.brand")["href"] == "/status/index.html"
    assert (site / one(page, "link[rel=stylesheet]")["href"].removeprefix("/status/")).is_file()
    index = soup(site, "index.html")
    assert one(index, "header a.brand")["href"] == "index.html"
    deep = soup(site, "components/api/index.html")
    assert one(deep, "header a.brand")["href"] == "../../index.html"


def test_subscribe_page_lists_every_way_to_follow(demo):
    page = soup(demo.build(DEMO_NOW), "subscribe/index.html")
    shown = {i["value"] for i in page.select("input[readonly]")} | {text(c) for c in page.select("code")}
    base = "https://status.acme.example/"
    expected = ["feed.atom", "feed.rss", "maintenance.ics", "badges/status.svg",
                "api/v2/summary.json", "api/v2/status.json", "api/v2/components.json", "api/v2/incidents.json",
                "api/v2/incidents/unresolved.json", "api/v2/scheduled-maintenances.json",
                "api/v2/scheduled-maintenances/upcoming.json", "api/v2/scheduled-maintenances/active.json"]
    for component in ("api", "cdn"):
        expected += [f"components/{component}/feed.atom", f"components/{component}/feed.rss",
                     f"badges/{component}.svg", f"badges/{component}.json"]
    for path in expected:
        assert base + path in shown, path
    assert page.select_one("a[href='webcal://status.acme.example/maintenance.ics']") is not None
    for field in page.select("input[readonly]"):
        assert page.select_one(f"label[for='{field['id']}']") is not None


def test_two_builds_in_separate_processes_are_byte_identical(demo, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"site-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "statusgen", "build", "--root", str(demo.root), "--now", DEMO_NOW,
                        "--out", str(out)], check=True, env=env, capture_output=True)
        outputs.append({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*")
                        if p.is_file() and p.suffix in (".html", ".css", ".js", ".xml", ".txt", ".svg")})
    assert outputs[0].keys() == outputs[1].keys()
    assert [p for p in outputs[0] if outputs[0][p] != outputs[1][p]] == []
    assert "index.html" in outputs[0] and "sitemap.xml" in outputs[0]


def test_index_lists_only_the_ten_soonest_maintenance_windows(repo):
    from bs4 import BeautifulSoup

    for day in range(1, 13):
        repo.incident(f"2026-12-{day:02d}-window", f"""
            title: Window {day}
            type: maintenance
            components:
              db: under_maintenance
            scheduled_start: 2026-12-{day:02d}T02:00:00Z
            scheduled_end: 2026-12-{day:02d}T04:00:00Z
            updates:
              - at: 2026-11-20T09:00:00Z
                status: scheduled
                message: Planned.
            """)
    repo.build("2026-11-21T00:00:00Z")
    soup = BeautifulSoup(repo.read("index.html"), "html5lib")
    listed = [a["data-incident"] for a in soup.select("[data-maintenance-state=scheduled]")]
    assert listed == [f"2026-12-{day:02d}-window" for day in range(1, 11)]
    assert "2 more scheduled" in soup.get_text()
