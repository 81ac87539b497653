"""Component status over time, end to end: written with the CLI, checked in the built output.

Every expected figure is computed by hand in the comments (weights of docs/format.md: major
outage 1.0, partial outage 0.3, degraded performance and maintenance 0).
"""

from __future__ import annotations

import json
from datetime import date

import feedparser
import pytest

from statusgen.build import check as load
from statusgen.state import component_status_at, derive_state, incident_impact, segments, update_changes
from tests.factories import incident_file, maintenance_file, update
from tests.render.html_helpers import soup, text
from tests.test_state import at

SLUG = "2026-11-20-checkout-api-failing"


def run(repo, *args, env=None):
    result = repo.run(*args, "--root", str(repo.root), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def issue_scenario(repo):
    """The issue's scenario: major outage at 10:00, lowered to partial at 12:00, operational at
    13:00, resolved at 13:30."""
    run(repo, "new", "incident", "Checkout API failing", "--component", "api=major_outage",
        "--at", "2026-11-20T10:00:00Z")
    run(repo, "update", SLUG, "--status", "identified", "--message", "A bad deploy; rolling back.",
        "--component", "api=partial_outage", "--at", "2026-11-20T12:00:00Z")
    run(repo, "update", SLUG, "--status", "monitoring", "--message", "Rolled back; watching.",
        "--component", "api=operational", "--at", "2026-11-20T13:00:00Z")
    run(repo, "resolve", SLUG, "--message", "Fixed.", "--at", "2026-11-20T13:30:00Z")


def api_json(site, name):
    return json.loads((site / "api/v2" / name).read_text(encoding="utf-8"))


def test_issue_scenario_uptime_impact_page_feed_and_api(repo):
    issue_scenario(repo)
    site = repo.build("2026-11-21T00:00:00Z")

    # Uptime. Downtime: 2 h at major (x 1.0) + 1 h at partial (x 0.3) = 2.3 h = 8280 s; the
    # operational half hour before the resolution counts nothing.
    uptime = next(c for c in api_json(site, "uptime.json")["components"] if c["id"] == "api")
    day = next(d for d in uptime["days"] if d["date"] == "2026-11-20")
    assert day["downtime_seconds"] == 8280
    assert day["percent"] == 90.417  # 1 - 2.3 / 24 = 0.904166...
    assert day["worst_status"] == "major_outage"
    # Window: 30 days ending today (2026-11-21, counted up to now = its midnight) = 2026-10-23T00:00Z
    # to now = 29 days = 2,505,600 s; 1 - 8280 / 2505600 = 0.996695...
    assert uptime["percent"] == 99.67
    page = soup(site, "components/api/index.html")
    assert page.select_one('[data-component="api"][data-uptime]')["data-uptime"] == "99.670"

    # Impact: the worst the incident ever had, not its last.
    incident = api_json(site, "incidents.json")["incidents"][0]
    assert incident["impact"] == "critical"
    page = soup(site, f"incidents/{SLUG}/index.html")
    facts = {text(dt): text(dt.find_next_sibling("dd")) for dt in page.select("dl.facts dt")}
    assert facts["Impact"] == "Critical"

    # The incident page's timeline says what changed, on the update that changed it.
    items = page.select("ol.timeline > li")
    changes = [[(li["data-change"], li["data-old-status"], li["data-new-status"]) for li in item.select("[data-change]")]
               for item in items]
    assert changes == [[], [("api", "partial_outage", "operational")],
                       [("api", "major_outage", "partial_outage")], []]  # newest first
    assert text(items[2].select_one("[data-change]")) == "API: ✕ Major outage → ◆ Partial outage"

    # The feed entry says it too.
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    by_title = {entry.title: entry.content[0].value for entry in feed.entries}
    assert "Status changes:</strong> API: Major outage → Partial outage" in by_title["Identified: Checkout API failing"]
    assert "Status changes:</strong> API: Partial outage → Operational" in by_title["Monitoring: Checkout API failing"]
    assert "Status changes" not in by_title["Investigating: Checkout API failing"]

    # The API, as Statuspage: each update with old and new status, newest first.
    assert [(u["status"], [(a["code"], a["name"], a["old_status"], a["new_status"]) for a in u["affected_components"]])
            for u in incident["incident_updates"]] == [
        ("resolved", [("api", "API", "operational", "operational")]),
        ("monitoring", [("api", "API", "partial_outage", "operational")]),
        ("identified", [("api", "API", "major_outage", "partial_outage")]),
        ("investigating", [("api", "API", "operational", "major_outage")]),
    ]
    assert [c["id"] for c in incident["components"]] == ["api"]


def test_issue_scenario_while_it_runs(repo):
    issue_scenario(repo)
    # At 12:30 the api is at partial outage: the component, the indicator and the badge say so.
    site = repo.build("2026-11-20T12:30:00Z")
    assert api_json(site, "components.json")["components"][1]["status"] == "partial_outage"
    assert api_json(site, "status.json")["status"]["indicator"] == "major"
    assert json.loads((site / "badges/api.json").read_text())["message"] == "partial outage"
    page = soup(site, f"incidents/{SLUG}/index.html")
    assert text(page.select_one("ul.affected:not(.changes) li")) == "API: ◆ Partial outage"
    # A build at 11:00 still shows the major outage; the one at 13:15 operational.
    site = repo.build("2026-11-20T11:00:00Z")
    assert api_json(site, "status.json")["status"]["indicator"] == "critical"
    site = repo.build("2026-11-20T13:15:00Z")
    assert api_json(site, "components.json")["components"][1]["status"] == "operational"
    assert api_json(site, "status.json")["status"]["indicator"] == "none"


def content_and_config(repo):
    config, content = load(repo.root)
    return config, content


def test_a_component_added_mid_incident(repo):
    incident_file(repo, "a", "A", {"api": "partial_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T12:00:00Z", "identified", "m", web="major_outage"),
                  update("2026-11-20T14:00:00Z", "resolved"),
                  resolved="2026-11-20T14:00:00Z")
    config, content = content_and_config(repo)
    notice = content.incidents[0]
    assert component_status_at(notice, "web", at("2026-11-20T11:59:59Z")) == "operational"
    assert component_status_at(notice, "web", at("2026-11-20T12:00:00Z")) == "major_outage"
    assert component_status_at(notice, "api", at("2026-11-20T13:00:00Z")) == "partial_outage"
    assert component_status_at(notice, "web", at("2026-11-20T14:00:00Z")) == "operational"
    state = derive_state(config, content, at("2026-11-21T00:00:00Z"))
    # web: 2 h at major only from 12:00: 1 - 2/24; api: 4 h partial: 1 - 1.2/24
    web_day = next(d for d in state.uptime["web"].days if d.day == date(2026, 11, 20))
    api_day = next(d for d in state.uptime["api"].days if d.day == date(2026, 11, 20))
    assert web_day.downtime_seconds == 7200 and web_day.incidents == ("a",)
    assert api_day.downtime_seconds == pytest.approx(4 * 3600 * 0.3)
    assert incident_impact(notice) == "critical"
    site = repo.build("2026-11-21T00:00:00Z")
    incident = api_json(site, "incidents.json")["incidents"][0]
    assert [c["id"] for c in incident["components"]] == ["api", "web"]
    identified = incident["incident_updates"][1]
    assert [(a["code"], a["old_status"], a["new_status"]) for a in identified["affected_components"]] == [
        ("api", "partial_outage", "partial_outage"), ("web", "operational", "major_outage")]
    # The web component's page lists the incident, and its feed has it.
    page = soup(site, "components/web/index.html")
    assert page.select('[data-incident="a"]')
    assert len(feedparser.parse((site / "components/web/feed.atom").read_bytes()).entries) == 3


def test_a_status_raised_then_lowered(repo):
    incident_file(repo, "a", "A", {"api": "degraded_performance"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T11:00:00Z", "identified", "m", api="major_outage"),
                  update("2026-11-20T12:30:00Z", "monitoring", "m", api="partial_outage"),
                  update("2026-11-20T16:00:00Z", "resolved"),
                  resolved="2026-11-20T16:00:00Z")
    config, content = content_and_config(repo)
    notice = content.incidents[0]
    assert [(s.status, s.start.hour, s.start.minute, s.end.hour) for s in segments(notice)] == [
        ("degraded_performance", 10, 0, 11), ("major_outage", 11, 0, 12), ("partial_outage", 12, 30, 16)]
    # 1 h degraded (0) + 1.5 h major (1.0) + 3.5 h partial (0.3) = 1.5 + 1.05 = 2.55 h
    state = derive_state(config, content, at("2026-11-21T00:00:00Z"))
    api_day = next(d for d in state.uptime["api"].days if d.day == date(2026, 11, 20))
    assert api_day.downtime_seconds == pytest.approx(2.55 * 3600)
    assert api_day.percent == pytest.approx(100 * (1 - 2.55 / 24))
    assert incident_impact(notice) == "critical"  # it was major once, though it ended lower
    # While it runs: critical at 12:00, major (partial outage) at 13:00.
    assert derive_state(config, content, at("2026-11-20T12:00:00Z")).indicator == "critical"
    later = derive_state(config, content, at("2026-11-20T13:00:00Z"))
    assert later.indicator == "major" and later.component_status["api"] == "partial_outage"


def test_two_overlapping_incidents_with_timelines_count_once_at_the_worst(repo):
    incident_file(repo, "a", "A", {"api": "partial_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T12:00:00Z", "identified", "m", api="major_outage"),
                  update("2026-11-20T14:00:00Z", "resolved"),
                  resolved="2026-11-20T14:00:00Z")
    incident_file(repo, "b", "B", {"api": "major_outage"}, "2026-11-20T11:00:00Z",
                  update("2026-11-20T11:00:00Z", "investigating"),
                  update("2026-11-20T11:30:00Z", "identified", "m", api="degraded_performance"),
                  update("2026-11-20T15:00:00Z", "resolved"),
                  resolved="2026-11-20T15:00:00Z")
    config, content = content_and_config(repo)
    # 10:00-11:00 partial (a)           0.3 h
    # 11:00-11:30 major (b) over partial 0.5 h
    # 11:30-12:00 partial (a) over degraded (b) 0.15 h
    # 12:00-14:00 major (a)              2.0 h
    # 14:00-15:00 degraded (b)           0
    # total 2.95 h
    state = derive_state(config, content, at("2026-11-21T00:00:00Z"))
    api_day = next(d for d in state.uptime["api"].days if d.day == date(2026, 11, 20))
    assert api_day.downtime_seconds == pytest.approx(2.95 * 3600)
    assert api_day.incidents == ("a", "b")
    assert api_day.worst_status == "major_outage"
    # Current status at 11:45 is the worst of the two timelines then: a's partial outage.
    assert derive_state(config, content, at("2026-11-20T11:45:00Z")).component_status["api"] == "partial_outage"
    assert derive_state(config, content, at("2026-11-20T14:30:00Z")).component_status["api"] == "degraded_performance"


def test_a_maintenance_with_a_status_change(repo):
    maintenance_file(repo, "m", "m", {"db": "under_maintenance"}, "2026-11-20T02:00:00Z", "2026-11-20T06:00:00Z",
                     update("2026-11-01T00:00:00Z", "scheduled"),
                     update("2026-11-20T02:00:00Z", "in_progress"),
                     # Something went wrong during the window: the database was down for an hour.
                     update("2026-11-20T03:00:00Z", "verifying", db="major_outage"),
                     update("2026-11-20T04:00:00Z", "verifying", "back", db="under_maintenance"),
                     update("2026-11-20T06:00:00Z", "completed"))
    config, content = content_and_config(repo)
    window = content.maintenances[0]
    assert component_status_at(window, "db", at("2026-11-20T02:30:00Z")) == "under_maintenance"
    assert component_status_at(window, "db", at("2026-11-20T03:30:00Z")) == "major_outage"
    assert component_status_at(window, "db", at("2026-11-20T05:00:00Z")) == "under_maintenance"
    # 1 h at major outage (x 1.0); maintenance weighs 0: 1 - 1/24
    state = derive_state(config, content, at("2026-11-21T00:00:00Z"))
    db_day = next(d for d in state.uptime["db"].days if d.day == date(2026, 11, 20))
    assert db_day.downtime_seconds == 3600
    assert derive_state(config, content, at("2026-11-20T03:30:00Z")).component_status["db"] == "major_outage"
    changes = update_changes(window, window.updates)
    assert [[(c.old_status, c.new_status) for c in row] for row in changes] == [
        [("operational", "operational")],  # scheduled, before the window
        [("operational", "under_maintenance")],
        [("under_maintenance", "major_outage")],
        [("major_outage", "under_maintenance")],
        [("under_maintenance", "operational")],
    ]
    site = repo.build("2026-11-21T00:00:00Z")
    page = soup(site, "incidents/m/index.html")
    shown = [(li["data-old-status"], li["data-new-status"]) for li in page.select("ol.timeline [data-change]")]
    assert shown == [("major_outage", "under_maintenance"), ("under_maintenance", "major_outage")]


def test_a_dst_day_in_the_site_timezone(repo):
    config_text = (repo.root / "statusgen.toml").read_text().replace('timezone = "UTC"', 'timezone = "Europe/Berlin"')
    repo.write("statusgen.toml", config_text)
    # 2026-10-25 is 25 hours long in Berlin (summer time ends at 03:00 CEST -> 02:00 CET).
    # Major from 01:00 CEST (= 2026-10-24T23:00Z) for 3 real hours to 03:00 CET (= 02:00Z), then
    # partial until 05:00 CET (= 04:00Z): 3 h x 1.0 + 2 h x 0.3 = 3.6 h of a 25 h day.
    incident_file(repo, "a", "A", {"api": "major_outage"}, "2026-10-25T01:00:00+02:00",
                  update("2026-10-25T01:00:00+02:00", "investigating"),
                  update("2026-10-25T03:00:00+01:00", "identified", "m", api="partial_outage"),
                  update("2026-10-25T05:00:00+01:00", "resolved"),
                  resolved="2026-10-25T05:00:00+01:00")
    config, content = content_and_config(repo)
    state = derive_state(config, content, at("2026-10-26T12:00:00Z"))
    day = next(d for d in state.uptime["api"].days if d.day == date(2026, 10, 25))
    assert day.downtime_seconds == pytest.approx(3.6 * 3600)
    assert day.percent == pytest.approx(100 * (1 - 3.6 / 25))
    before = next(d for d in state.uptime["api"].days if d.day == date(2026, 10, 24))
    assert before.percent == 100.0 and before.incidents == ()
