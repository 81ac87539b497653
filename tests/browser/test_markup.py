"""The Nu Html Checker over every built page; feeds and calendars through their parsers."""

from __future__ import annotations

import feedparser
import icalendar

from statusgen.state import public_updates
from tests.browser.checks import vnu_errors, vnu_messages


def test_every_page_is_valid_html(demo_site):
    pages = sorted(demo_site.dir.rglob("*.html"))
    images = sorted(demo_site.dir.rglob("*.svg"))  # favicon and badges
    relative = {str(p.relative_to(demo_site.dir)) for p in pages}
    # Every page type is among what is checked, not only the index.
    assert {"index.html", "history/index.html", "subscribe/index.html", "404.html"} <= relative
    assert any(p.startswith("incidents/") for p in relative)
    assert any(p.startswith("components/") for p in relative)
    assert demo_site.dir / "favicon.svg" in images
    assert vnu_errors(pages + images, demo_site.dir) == []


def test_vnu_reads_every_file(demo_site):
    """No file is silently skipped: the checker reports on the pages it was given (here, one bad one)."""
    page = demo_site.dir / "index.html"
    broken = demo_site.dir.parent / "broken.html"
    broken.write_text(page.read_text(encoding="utf-8").replace("<main", "<main><main", 1), encoding="utf-8")
    try:
        urls = {m.get("url", "") for m in vnu_messages([page, broken]) if m["type"] == "error"}
    finally:
        broken.unlink()
    assert [u for u in urls if u.endswith("/broken.html")] and not [u for u in urls if u.endswith("/index.html")]


def test_feeds_parse(demo_site):
    feeds = sorted(demo_site.dir.glob("feed.*")) + sorted(demo_site.dir.glob("components/*/feed.*"))
    assert {p.name for p in feeds} == {"feed.atom", "feed.rss"}
    assert len(feeds) == 2 + 2 * len(demo_site.config.components)
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.feed.get("title"), path
        for entry in parsed.entries:
            assert entry.get("id") and entry.get("link") and entry.get("title"), path
    site_feed = feedparser.parse((demo_site.dir / "feed.atom").read_bytes())
    # every update published at the build time, hand-written or automatic
    published = sum(len(public_updates(n, demo_site.state.now)) for n in demo_site.content.notices)
    assert len(site_feed.entries) == min(100, published)


def test_calendars_parse(demo_site):
    calendars = [demo_site.dir / "maintenance.ics", *sorted(demo_site.dir.glob("components/*/maintenance.ics"))]
    for path in calendars:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        for event in calendar.walk("VEVENT"):
            assert event.get("UID") and event.get("DTSTART") and event.get("DTEND") and event.get("SUMMARY"), path
    events = icalendar.Calendar.from_ical((demo_site.dir / "maintenance.ics").read_bytes()).walk("VEVENT")
    assert len(events) == len(demo_site.content.maintenances)
