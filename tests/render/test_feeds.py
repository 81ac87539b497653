"""Atom and RSS feeds, built through the CLI and read with feedparser and an XML parser."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import html5lib

from statusgen.state import public_updates
from tests.conftest import DEMO_NOW
from tests.factories import incident_file, maintenance_file, update

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = "2026-11-20T15:00:00Z"
BASE = "https://status.test.example/"


def parse(path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
    return feed


def ids(feed) -> list[str]:
    return [entry.id for entry in feed.entries]


def write_api_errors(repo, *later: dict) -> None:
    incident_file(repo, "2026-11-20-api-errors", "Elevated error rates",
                  {"api": "partial_outage", "web": "degraded_performance"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "We are looking into **errors**."),
                  update("2026-11-20T14:30:00Z", "identified", "A bad deploy."),
                  update("2026-11-20T14:50:00Z", "resolved", "Fixed."), *later,
                  resolved="2026-11-20T14:50:00Z")


def write_corpus(repo) -> None:
    write_api_errors(repo)
    maintenance_file(repo, "2026-11-19-db-upgrade", "Database upgrade", {"db": "under_maintenance"},
                     "2026-11-19T02:00:00Z", "2026-11-19T03:00:00Z",
                     update("2026-11-18T09:00:00Z", "scheduled", "We will upgrade the database."),
                     update("2026-11-19T03:00:00Z", "completed", "Done."))


def test_every_demo_feed_parses_and_lists_every_published_update(demo):
    site = demo.build(DEMO_NOW)
    now = datetime(2026, 11, 26, 21, tzinfo=timezone.utc)
    from statusgen.build import check  # the count comes from the incident files themselves

    _, content = check(demo.root)
    notices = content.incidents + content.maintenances
    # hand-written updates up to now, and the automatic start of a window that had none
    published = sum(1 for n in notices for u in n.updates if u.at <= now) + 1
    assert published == sum(len(public_updates(n, now)) for n in notices)
    for kind in ("atom", "rss"):
        site_feed = parse(site / f"feed.{kind}")
        assert len(site_feed.entries) == published
        times = [e.published_parsed for e in site_feed.entries]
        assert times == sorted(times, reverse=True)
        assert len(set(ids(site_feed))) == published
        for component in ("api", "dashboard", "auth", "db", "storage", "webhooks", "email", "cdn"):
            own = parse(site / f"components/{component}/feed.{kind}")
            expected = sum(1 for n in notices if component in dict(n.components)
                           for u in public_updates(n, now))
            assert len(own.entries) == expected, component
            assert set(ids(own)) <= set(ids(site_feed))


def test_entries_carry_title_link_time_and_sanitised_content(repo):
    write_corpus(repo)
    site = repo.build(NOW)
    atom, rss = parse(site / "feed.atom"), parse(site / "feed.rss")
    assert [e.title for e in atom.entries] == [
        "Resolved: Elevated error rates",
        "Identified: Elevated error rates",
        "Investigating: Elevated error rates",
        "Completed: Database upgrade",
        "In progress: Database upgrade",  # automatic: the window started with no update saying so
        "Scheduled: Database upgrade",
    ]
    assert [e.title for e in rss.entries] == [e.title for e in atom.entries]
    assert ids(atom) == ids(rss)
    first = atom.entries[0]
    assert first.id == BASE + "incidents/2026-11-20-api-errors/#update-20261120T145000Z"
    assert first.link == BASE + "incidents/2026-11-20-api-errors/"
    assert first.published == first.updated == "2026-11-20T14:50:00+00:00"
    oldest_incident_update = atom.entries[2]
    assert "<strong>errors</strong>" in oldest_incident_update.content[0].value
    assert "Affected components:</strong> API, Website" in oldest_incident_update.content[0].value
    # The feed's own time is its newest entry's, not the build time.
    assert atom.feed.updated == "2026-11-20T14:50:00+00:00"
    assert rss.feed.updated == "Fri, 20 Nov 2026 14:50:00 +0000"
    assert atom.feed.title == "Test Status"


def test_component_feeds_hold_only_that_components_notices(repo):
    write_corpus(repo)
    site = repo.build(NOW)
    db = parse(site / "components/db/feed.atom")
    assert [e.title for e in db.entries] == ["Completed: Database upgrade", "In progress: Database upgrade",
                                             "Scheduled: Database upgrade"]
    assert db.feed.title == "Test Status: Database"
    web = parse(site / "components/web/feed.rss")
    assert [e.title.split(": ")[0] for e in web.entries] == ["Resolved", "Identified", "Investigating"]


def test_feeds_are_capped_at_feed_entries_newest_first(repo):
    write_corpus(repo)
    config = (repo.root / "statusgen.toml").read_text()
    repo.write("statusgen.toml", config.replace('uptime_days = 30', 'uptime_days = 30\nfeed_entries = 2'))
    site = repo.build(NOW)
    for kind in ("atom", "rss"):
        feed = parse(site / f"feed.{kind}")
        assert [e.title for e in feed.entries] == [
            "Resolved: Elevated error rates", "Identified: Elevated error rates"]
        api = parse(site / f"components/api/feed.{kind}")
        assert len(api.entries) == 2
        db = parse(site / f"components/db/feed.{kind}")
        assert len(db.entries) == 2


def test_adding_an_update_adds_one_entry_and_keeps_every_other_id(repo):
    write_corpus(repo)
    site = repo.build("2026-11-21T12:00:00Z")
    before = {kind: ids(parse(site / f"feed.{kind}")) for kind in ("atom", "rss")}
    component_before = ids(parse(site / "components/api/feed.atom"))
    write_api_errors(repo, update("2026-11-21T10:00:00Z", "postmortem", "The write-up is below."))
    site = repo.build("2026-11-21T12:00:00Z")
    for kind in ("atom", "rss"):
        after = ids(parse(site / f"feed.{kind}"))
        assert set(before[kind]) <= set(after)
        added = set(after) - set(before[kind])
        assert added == {BASE + "incidents/2026-11-20-api-errors/#update-20261121T100000Z"}
        assert after[0] in added
    component_after = ids(parse(site / "components/api/feed.atom"))
    assert set(component_after) - set(component_before) == {
        BASE + "incidents/2026-11-20-api-errors/#update-20261121T100000Z"}


def test_updates_dated_after_now_are_not_published_yet(repo):
    write_corpus(repo)
    site = repo.build("2026-11-20T14:40:00Z")
    feed = parse(site / "feed.atom")
    assert [e.title for e in feed.entries][:2] == [
        "Identified: Elevated error rates", "Investigating: Elevated error rates"]


def test_cancelled_window_update_is_titled_cancelled(repo):
    maintenance_file(repo, "2026-11-23-api-move", "API move", {"api": "under_maintenance"},
                     "2026-11-23T08:00:00Z", "2026-11-23T09:00:00Z",
                     update("2026-11-17T09:00:00Z", "scheduled", "We will move the API."),
                     update("2026-11-19T12:00:00Z", "scheduled", "Cancelled."),
                     cancelled=True)
    feed = parse(repo.build(NOW) / "feed.atom")
    assert [e.title for e in feed.entries] == ["Cancelled: API move", "Scheduled: API move"]


def test_markup_in_titles_and_messages_is_never_live(repo):
    incident_file(repo, "2026-11-20-html", "<script>alert(1)</script>", {"api": "major_outage"},
                  "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating",
                         "<script>alert(2)</script><img src=x onerror=alert(3)> <a href='javascript:alert(4)'>x</a> ok"))
    site = repo.build(NOW)
    for name in ("feed.atom", "feed.rss", "components/api/feed.atom", "components/api/feed.rss"):
        raw = (site / name).read_bytes()
        assert b"<script" not in raw
        root = ElementTree.fromstring(raw)
        assert not [el for el in root.iter() if el.tag.split("}")[-1] in ("script", "img")]
        titles = [el for el in root.iter() if el.tag in ("title", ATOM + "title")]
        assert "Investigating: <script>alert(1)</script>" in [t.text for t in titles]
        assert all(t.get("type") in (None, "text") for t in titles)
        bodies = [el.text for el in root.iter()
                  if el.tag in (ATOM + "content", "description", "{http://purl.org/rss/1.0/modules/content/}encoded")
                  and el.text and "ok" in el.text]
        assert bodies
        for body in bodies:
            fragment = html5lib.parseFragment(body, namespaceHTMLElements=False)
            elements = list(fragment.iter())
            assert not [el for el in elements if el.tag in ("script", "img")]
            assert not [name for el in elements for name in el.attrib if name.startswith("on")]
            assert not [el for el in elements if "javascript:" in el.get("href", "")]
            assert "alert(2)" not in body


def test_feeds_are_byte_identical_across_builds_and_clock_times(repo):
    write_corpus(repo)
    names = ["feed.atom", "feed.rss", "components/api/feed.atom", "components/db/feed.rss",
             "components/web/feed.rss"]
    first = {n: (repo.build(NOW) / n).read_bytes() for n in names}
    again = {n: (repo.build(NOW) / n).read_bytes() for n in names}
    later = {n: (repo.build("2026-11-20T18:00:00Z") / n).read_bytes() for n in names}
    assert first == again == later


def test_every_address_on_the_subscribe_page_is_a_built_file(demo):
    import re

    from bs4 import BeautifulSoup

    site = demo.build(DEMO_NOW)
    page = BeautifulSoup((site / "subscribe/index.html").read_text(encoding="utf-8"), "html.parser")
    found = set(re.findall(r"(?:https|webcal)://status\.acme\.example/[\w./-]+", page.get_text(" ")))
    found |= {a["href"] for a in page.find_all("a", href=True)
              if a["href"].startswith(("https://status.acme.example/", "webcal://status.acme.example/"))}
    paths = {re.sub(r"^\w+://status\.acme\.example/", "", url) for url in found}
    machine = {p for p in paths if p.endswith((".atom", ".rss", ".ics", ".json", ".svg"))}
    assert {"maintenance.ics", "api/v2/summary.json", "components/api/feed.atom", "badges/api.json"} <= machine
    missing = sorted(p for p in machine if not (site / p).is_file())
    assert not missing


def test_a_site_with_no_notices_has_valid_empty_feeds(repo):
    site = repo.build(NOW)
    for name in ("feed.atom", "feed.rss", "components/db/feed.atom", "components/db/feed.rss"):
        feed = parse(site / name)
        assert feed.entries == []
    # No content yet: the feed's time is the epoch, never the build's clock.
    assert parse(site / "feed.atom").feed.updated == "1970-01-01T00:00:00+00:00"


def test_capped_feeds_are_the_newest_entries_of_the_whole_history(tmp_path):
    """Only notices that can reach a capped feed get entries: on a generated history (windows
    with automatic updates, incidents over 20 components), every capped feed still begins
    exactly as the uncapped one does."""
    from click.testing import CliRunner

    from statusgen.cli import cli
    from tests.test_output_digests import BENCH_NOW, bench_copy

    root = bench_copy(tmp_path / "repo")

    def build(out: str) -> Path:
        result = CliRunner().invoke(cli, ["build", "--root", str(root), "--now", BENCH_NOW, "--no-cache",
                                          "--out", str(tmp_path / out)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return tmp_path / out

    full = build("full")
    config = (root / "statusgen.toml").read_text()
    (root / "statusgen.toml").write_text(config.replace("uptime_days = 90", "uptime_days = 90\nfeed_entries = 3"))
    capped = build("capped")
    feeds = sorted(p.relative_to(full) for p in full.rglob("feed.atom"))
    assert len(feeds) == 21
    for feed in feeds:
        assert ids(parse(capped / feed)) == ids(parse(full / feed))[:3], feed
        assert len(ids(parse(capped / feed))) == 3
