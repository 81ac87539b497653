"""The HTML pages through `statusgen build`: what each page shows and its data-* hooks."""

from __future__ import annotations

import re

from tests.conftest import DEMO_NOW, MINIMAL_CONFIG
from tests.factories import incident_file, maintenance_file, update
from tests.render.html_helpers import bar_days, html_pages, one, soup, text


def write_maintenance(repo, slug: str, other: dict[str, str]) -> None:
    """The database upgrade, with `other` components affected besides the database."""
    maintenance_file(repo, slug, "Database upgrade", {"db": "under_maintenance", **other},
                     "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z",
                     update("2026-11-24T09:00:00Z", "scheduled", "We will upgrade the database."))


def test_demo_index_shows_banner_incidents_maintenance_and_components(demo):
    site = demo.build(DEMO_NOW)
    page = soup(site, "index.html")
    banner = one(page, "[data-indicator]")
    # At DEMO_NOW the webhook incident (degraded -> minor) is open and the CDN rotation runs.
    assert banner["data-indicator"] == "minor"
    assert "Minor Service Outage" in text(banner)
    assert banner.select_one(".icon").get_text().strip() == "▲"
    assert one(page, "#active-h").find_parent("section").select_one(
        "[data-incident='2026-11-26-webhook-delays']") is not None
    active = one(page, "[data-incident='2026-11-26-webhook-delays']")
    assert "We are rolling the change back" in text(active)  # its latest update
    running = one(page, "[data-incident='2026-11-26-cdn-certificate-rotation']")
    assert running["data-maintenance-state"] == "in_progress"
    assert running["data-start"] == "2026-11-26T20:00:00Z" and running["data-end"] == "2026-11-27T02:00:00Z"
    upcoming = one(page, "#upcoming-h").find_parent("section")
    assert [a["data-incident"] for a in upcoming.select("[data-incident]")] == [
        "2026-12-01-database-upgrade", "2026-12-10-network-maintenance"]
    assert all(a["data-maintenance-state"] == "scheduled" for a in upcoming.select("[data-incident]"))
    # A cancelled maintenance is neither upcoming nor in progress.
    assert not page.select("[data-incident='2026-11-28-email-provider-switch']")

    rows = {row["data-component"]: row for row in page.select("li.component")}
    assert list(rows) == ["api", "dashboard", "auth", "db", "storage", "webhooks", "email", "cdn"]
    assert rows["webhooks"]["data-status"] == "degraded_performance"
    assert "Degraded performance" in text(rows["webhooks"])
    assert rows["cdn"]["data-status"] == "under_maintenance"
    assert rows["api"]["data-status"] == "operational"
    for row in rows.values():
        assert re.fullmatch(r"\d{1,3}\.\d{3}", row["data-uptime"])
        assert len(bar_days(one(row, "ol.bars"))) == 90
    groups = [h.get_text() for h in page.select("#components-h ~ h3")]
    assert groups == ["Core platform", "Data", "Delivery", "Other components"]
    subscribe_links = [a["href"] for a in page.select("main a")]
    assert "subscribe/index.html" in subscribe_links and "history/index.html" in subscribe_links


def test_every_page_type_has_landmarks_feeds_and_ordered_headings(demo):
    site = demo.build(DEMO_NOW)
    pages = html_pages(site)
    for expected in ("index.html", "history/index.html", "subscribe/index.html", "404.html",
                     "incidents/2026-11-20-api-errors/index.html", "components/api/index.html"):
        assert expected in pages
    for relative in pages:
        page = soup(site, relative)
        assert page.html["lang"] == "en", relative
        skip = page.body.find("a")
        assert skip["href"] == "#main" and page.select_one("main#main"), relative
        for landmark in ("header", "nav", "main", "footer"):
            assert page.find(landmark), f"{relative}: no <{landmark}>"
        levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
        assert levels[0] == 1 and levels.count(1) == 1, relative
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"{relative}: headings skip a level {levels}"
        alternates = {link["type"]: link["href"] for link in page.select("link[rel~=alternate]")}
        assert alternates["application/atom+xml"].endswith("feed.atom"), relative
        assert alternates["application/rss+xml"].endswith("feed.rss"), relative
        support = page.select_one("footer a[href='https://acme.example/support']")
        assert support is not None, relative


def test_incident_page_shows_facts_timeline_and_body(demo):
    site = demo.build(DEMO_NOW)
    page = soup(site, "incidents/2026-11-20-api-errors/index.html")
    article = one(page, "[data-incident='2026-11-20-api-errors']")
    assert page.h1.get_text() == "Elevated error rates on the API"
    facts = dict(zip((text(dt) for dt in page.select(".facts dt")), (text(dd) for dd in page.select(".facts dd"))))
    assert facts["Type"] == "Incident" and facts["State"] == "Resolved" and facts["Impact"] == "Major"
    assert facts["Started"] == "20 Nov 2026, 15:02 CET"
    assert facts["Resolved"] == "20 Nov 2026, 16:40 CET"
    assert facts["Duration"] == "1 h 38 min"
    affected = [text(li) for li in page.select(".affected li")]
    assert affected == ["Public API: ◆ Partial outage", "Dashboard: ▲ Degraded performance"]
    statuses = [text(h3.select_one("span")) for h3 in page.select(".timeline h3")]
    assert statuses == ["Postmortem", "Resolved", "Monitoring", "Identified", "Investigating"]
    assert article.select_one(".body table") is not None  # the Markdown write-up, rendered
    assert "load-tested in staging" in text(article.select_one(".body"))


def test_maintenance_page_carries_its_state_and_window(demo):
    site = demo.build(DEMO_NOW)
    page = soup(site, "incidents/2026-10-14-database-failover-test/index.html")
    article = one(page, "[data-incident]")
    assert article["data-maintenance-state"] == "completed"
    facts = dict(zip((text(dt) for dt in page.select(".facts dt")), (text(dd) for dd in page.select(".facts dd"))))
    assert facts["Type"] == "Planned maintenance"
    assert facts["Scheduled"] == "14 Oct 2026, 05:00 CEST to 14 Oct 2026, 05:30 CEST"
    assert facts["Ended"] == "14 Oct 2026, 05:45 CEST (45 min)"
    cancelled = one(soup(site, "incidents/2026-11-28-email-provider-switch/index.html"), "[data-incident]")
    assert cancelled["data-maintenance-state"] == "cancelled"


def test_indicator_follows_the_worst_ongoing_incident(repo):
    incident_file(repo, "api-down", "API down", {"api": "major_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "The API is down."))
    incident_file(repo, "web-slow", "Website slow", {"web": "partial_outage"}, "2026-11-20T14:30:00Z",
                  update("2026-11-20T14:35:00Z", "investigating", "Slow."),
                  update("2026-11-20T16:00:00Z", "resolved", "Fine again."),
                  resolved="2026-11-20T16:00:00Z")
    page = soup(repo.build("2026-11-20T15:00:00Z"), "index.html")
    assert one(page, "[data-indicator]")["data-indicator"] == "critical"
    assert "Major System Outage" in text(one(page, "[data-indicator]"))
    assert one(page, "li[data-component='api']")["data-status"] == "major_outage"
    assert one(page, "li[data-component='web']")["data-status"] == "partial_outage"
    assert {a["data-incident"] for a in page.select("[data-incident]")} == {"api-down", "web-slow"}

    page = soup(repo.build("2026-11-20T16:30:00Z"), "index.html")
    assert one(page, "li[data-component='web']")["data-status"] == "operational"
    recent = one(page, "#recent-h").find_parent("section")
    assert [a["data-incident"] for a in recent.select("[data-incident]")] == ["web-slow"]

    incident_file(repo, "api-down", "API down", {"api": "partial_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "The API is down."))
    page = soup(repo.build("2026-11-20T17:00:00Z"), "index.html")
    assert one(page, "[data-indicator]")["data-indicator"] == "major"
    assert "Partial System Outage" in text(one(page, "[data-indicator]"))


def test_maintenance_state_flips_between_builds(repo):
    write_maintenance(repo, "db-upgrade", {"api": "degraded_performance"})
    expectations = [
        ("2026-11-30T12:00:00Z", "scheduled", "none", "operational", "upcoming-h"),
        ("2026-12-01T03:00:00Z", "in_progress", "minor", "under_maintenance", "progress-h"),
        ("2026-12-01T05:00:00Z", "completed", "none", "operational", "recent-h"),
    ]
    for now, state, indicator, db_status, section in expectations:
        site = repo.build(now)
        page = soup(site, "index.html")
        summary = one(page, "[data-incident='db-upgrade']")
        assert summary["data-maintenance-state"] == state, now
        assert summary.find_parent("section").select_one(f"#{section}") is not None, now
        assert one(page, "[data-indicator]")["data-indicator"] == indicator, now
        assert one(page, "li[data-component='db']")["data-status"] == db_status, now
        detail = one(soup(site, "incidents/db-upgrade/index.html"), "[data-incident='db-upgrade']")
        assert detail["data-maintenance-state"] == state, now


def test_maintenance_only_shows_the_maintenance_indicator(repo):
    write_maintenance(repo, "db-work", {"web": "under_maintenance"})
    page = soup(repo.build("2026-12-01T03:00:00Z"), "index.html")
    banner = one(page, "[data-indicator]")
    assert banner["data-indicator"] == "maintenance"
    assert "Service Under Maintenance" in text(banner)


def test_banner_carries_the_coming_changes_for_the_script(repo):
    import json

    write_maintenance(repo, "db-work", {"web": "under_maintenance"})
    banner = one(soup(repo.build("2026-11-30T12:00:00Z"), "index.html"), "[data-indicator]")
    assert json.loads(banner["data-schedule"]) == [
        {"at": "2026-12-01T02:00:00Z", "indicator": "maintenance", "description": "Service Under Maintenance",
         "components": {"db": "under_maintenance", "web": "under_maintenance"}},
        {"at": "2026-12-01T04:00:00Z", "indicator": "none", "description": "All Systems Operational",
         "components": {"db": "operational", "web": "operational"}},
    ]


def test_uptime_figure_bars_and_slo_mark_are_hand_computed(repo):
    incident_file(repo, "api-outage", "API outage", {"api": "major_outage", "web": "partial_outage"},
                  "2026-11-20T12:00:00Z",
                  update("2026-11-20T13:00:00Z", "resolved", "Over."),
                  resolved="2026-11-20T13:00:00Z")
    site = repo.build("2026-11-20T15:00:00Z")
    page = soup(site, "index.html")
    # Window: 30 days ending today (UTC), 2026-10-22T00:00Z to now = 29 days + 15 h = 2,559,600 s.
    # api: 3,600 s at weight 1.0 -> 1 - 3600/2559600 = 99.85935...%
    # web: 3,600 s at weight 0.3 -> 1 - 1080/2559600 = 99.95780...%
    api = one(page, "li[data-component='api']")
    web = one(page, "li[data-component='web']")
    assert api["data-uptime"] == "99.859"
    assert web["data-uptime"] == "99.958"
    assert one(page, "li[data-component='db']")["data-uptime"] == "100.000"
    assert "99.859%" in text(api.select_one(".figure")) and "SLO 99.9%" in text(api.select_one(".figure"))
    assert "SLO missed" in text(api.select_one(".slo-missed"))
    assert "SLO" not in text(web.select_one(".figure"))  # no SLO configured for web
    bars = bar_days(one(api, "ol.bars"))
    assert len(bars) == 30
    # Today counts up to now: 1 - 3600 / (15 h) = 93.33%.
    # a day with an incident links to its row on the component page; its details name the incident
    assert text(bars[-1].select_one("a.day")) == "20 Nov 2026: 93.33%"
    assert text(bars[-1].select_one(".tip p")) == "20 Nov 2026 · 93.33% · ✕ Major outage"
    assert [text(li) for li in bars[-1].select(".tip li")] == ["API outage (1 h)"]
    # the days before, without incidents, are one item that names them
    assert text(bars[0]) == "22 Oct 2026 – 19 Nov 2026: 100%" and bars[0] is bars[-2]
    assert bars[0]["class"] == ["t2", "u9"] and len(api.select("ol.bars > li")) == 2
    assert bars[-1]["class"] == ["b-x"]

    component = soup(site, "components/api/index.html")
    row = one(component, "[data-component='api'][data-status]")
    assert row["data-uptime"] == "99.859"
    days = [[text(td) for td in tr.select("td")] for tr in component.select("#days-h ~ table tbody tr")]
    assert days == [["20 Nov 2026", "93.33%", "✕ Major outage", "API outage (1 h)"]]  # with its duration
    assert "Mean time to resolve: 1 h" in text(component.select_one(".mttr"))


def test_times_show_site_timezone_with_abbreviation(repo):
    repo.write("statusgen.toml", MINIMAL_CONFIG.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"'))
    incident_file(repo, "summer", "Summer incident", {"api": "degraded_performance"}, "2026-07-01T10:00:00Z",
                  update("2026-07-01 12:15", "investigating", "Looking."),
                  update("2026-07-01T11:30:00Z", "resolved", "Done."),
                  resolved="2026-07-01 13:30")
    incident_file(repo, "winter", "Winter incident", {"api": "degraded_performance"}, "2026-11-20T23:30:00Z",
                  update("2026-11-21T00:10:00Z", "resolved", "Done."),
                  resolved="2026-11-21T00:10:00Z")
    site = repo.build("2026-11-22T12:00:00Z")
    summer = soup(site, "incidents/summer/index.html")
    times = {t["datetime"]: text(t) for t in summer.select("time")}
    assert times["2026-07-01T10:00:00Z"] == "1 Jul 2026, 12:00 CEST"
    assert times["2026-07-01T10:15:00Z"] == "1 Jul 2026, 12:15 CEST"  # naive, read in Berlin time
    assert times["2026-07-01T11:30:00Z"] == "1 Jul 2026, 13:30 CEST"
    winter = soup(site, "incidents/winter/index.html")
    assert {t["datetime"]: text(t) for t in winter.select("time")}["2026-11-20T23:30:00Z"] == "21 Nov 2026, 00:30 CET"
    # Grouped by month in the site timezone: 23:30 UTC on 20 Nov is already 21 Nov in Berlin,
    # and the summer one lands in July.
    history = soup(site, "history/index.html")
    assert [h.get_text() for h in history.select("main section > h2")] == ["November 2026", "July 2026"]
    for relative in html_pages(site):
        for element in soup(site, relative).select("time"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", element["datetime"]), relative
            assert re.search(r" CES?T$", text(element)), (relative, text(element))
