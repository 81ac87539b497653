"""Lifecycle, end to end through the CLI: reopen, cancel, resolve before the start, the two
validation rules on update order, and a maintenance window's automatic start and end."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import feedparser
from icalendar import Calendar

from tests.factories import incident_file, maintenance_file, update
from tests.render.html_helpers import soup
from tests.test_authoring import front_matter

SLUG = "2026-11-20-checkout-api-failing"
EPOCH_2026_11_25 = str(int(datetime(2026, 11, 25, 9, tzinfo=timezone.utc).timestamp()))


def run(repo, *args, env=None):
    return repo.run(*args, "--root", str(repo.root), env=env)


def ok(repo, *args, env=None) -> str:
    result = run(repo, *args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def resolved_incident(repo):
    ok(repo, "new", "incident", "Checkout API failing", "--component", "api=major_outage",
       "--at", "2026-11-20T10:00:00Z")
    ok(repo, "update", SLUG, "--status", "identified", "--message", "Found it.",
       "--component", "api=partial_outage", "--at", "2026-11-20T11:00:00Z")
    ok(repo, "resolve", SLUG, "--message", "Fixed.", "--at", "2026-11-20T12:00:00Z")
    return repo.root / f"incidents/{SLUG}.md"


def api(site, name):
    return json.loads((site / "api/v2" / name).read_text(encoding="utf-8"))


# -- reopen -------------------------------------------------------------------------------------

def test_reopen_clears_resolved_keeps_the_history_and_resumes_the_statuses(repo):
    path = resolved_incident(repo)
    before = path.read_text(encoding="utf-8")
    output = ok(repo, "reopen", SLUG, "--message", "Errors are back.", "--at", "2026-11-20T14:00:00Z")
    assert output == f"incidents/{SLUG}.md\n"
    after = path.read_text(encoding="utf-8")
    # only `resolved` changed and one update was appended; every other byte is as it was
    assert after.replace("resolved: null\n", "resolved: 2026-11-20T12:00:00Z\n").startswith(before.removesuffix("---\n"))
    data = front_matter(path)
    assert data["resolved"] is None
    assert [u["status"] for u in data["updates"]] == ["investigating", "identified", "resolved", "investigating"]
    assert data["updates"][-1] == {"at": "2026-11-20T14:00:00Z", "status": "investigating",
                                   "message": "Errors are back."}
    assert ok(repo, "check").startswith("OK")

    # 10-11 major, 11-12 partial, 12-14 not part of it, from 14:00 partial again (as at the resolution)
    site = repo.build("2026-11-20T15:00:00Z")
    assert api(site, "status.json")["status"]["indicator"] == "major"
    assert api(site, "components.json")["components"][1]["status"] == "partial_outage"
    incident = api(site, "incidents/unresolved.json")["incidents"][0]
    assert incident["status"] == "investigating" and incident["resolved_at"] is None
    assert [(u["status"], [(a["old_status"], a["new_status"]) for a in u["affected_components"]])
            for u in incident["incident_updates"]] == [
        ("investigating", [("operational", "partial_outage")]),
        ("resolved", [("partial_outage", "operational")]),
        ("identified", [("major_outage", "partial_outage")]),
        ("investigating", [("operational", "major_outage")]),
    ]
    uptime = next(c for c in api(site, "uptime.json")["components"] if c["id"] == "api")
    # 1 h x 1.0 + 1 h x 0.3 + 1 h x 0.3 (14-15) = 1.6 h; the 2 h gap counts nothing
    assert uptime["days"][-1]["downtime_seconds"] == 1.6 * 3600
    page = soup(site, f"incidents/{SLUG}/index.html")
    reopening = page.select("ol.timeline > li")[0]
    assert [(li["data-old-status"], li["data-new-status"]) for li in reopening.select("[data-change]")] == [
        ("operational", "partial_outage")]

    # Resolved again: a second `resolved` update; both stay in the history.
    ok(repo, "resolve", SLUG, "--message", "Fixed for good.", "--at", "2026-11-20T16:00:00Z")
    data = front_matter(path)
    assert data["resolved"] == "2026-11-20T16:00:00Z"
    assert [u["status"] for u in data["updates"]].count("resolved") == 2
    site = repo.build("2026-11-21T00:00:00Z")
    uptime = next(c for c in api(site, "uptime.json")["components"] if c["id"] == "api")
    assert uptime["days"][-2]["downtime_seconds"] == (1 + 0.3 + 0.6) * 3600  # + 2 h partial 14-16


def test_reopen_with_status_and_components(repo):
    resolved_incident(repo)
    ok(repo, "reopen", SLUG, "--message", "Down again.", "--status", "identified",
       "--component", "api=major_outage", "--component", "web=degraded_performance", "--at", "2026-11-20T13:00Z")
    site = repo.build("2026-11-20T13:30:00Z")
    statuses = {c["id"]: c["status"] for c in api(site, "components.json")["components"]}
    assert statuses["api"] == "major_outage" and statuses["web"] == "degraded_performance"
    incident = api(site, "incidents.json")["incidents"][0]
    assert incident["status"] == "identified"
    assert [c["id"] for c in incident["components"]] == ["api", "web"]


def test_reopen_refusals_change_nothing(repo):
    path = resolved_incident(repo)
    text = path.read_text(encoding="utf-8")
    early = run(repo, "reopen", SLUG, "--message", "x", "--at", "2026-11-20T11:30:00Z")
    assert early.exit_code == 1
    assert early.output == ("Error: --at: found 2026-11-20T11:30:00Z, before the resolution (2026-11-20T12:00:00Z); "
                            "expected the time it was reopened, at or after that\n")
    bad_status = run(repo, "reopen", SLUG, "--message", "x", "--status", "resolved")
    assert bad_status.exit_code == 2  # click's own usage error
    ok(repo, "reopen", SLUG, "--message", "Back.", "--at", "2026-11-20T13:00Z")
    text = path.read_text(encoding="utf-8")
    twice = run(repo, "reopen", SLUG, "--message", "x", "--at", "2026-11-20T13:30Z")
    assert twice.exit_code == 1
    assert twice.output == (f"Error: incidents/{SLUG}.md: not resolved, so there is nothing to reopen; add an update "
                            "with statusgen update. Nothing was written\n")
    assert path.read_text(encoding="utf-8") == text


# -- updates after resolution ---------------------------------------------------------------------

def test_update_after_resolution_is_refused_unless_postmortem(repo):
    path = resolved_incident(repo)
    text = path.read_text(encoding="utf-8")
    refused = run(repo, "update", SLUG, "--status", "identified", "--message", "More.", "--at", "2026-11-20T13:00Z")
    assert refused.exit_code == 1
    assert refused.output == (f"Error: incidents/{SLUG}.md: resolved at 2026-11-20T12:00:00Z; after that only a "
                              f"'postmortem' update may follow. If it is not over, reopen it: statusgen reopen {SLUG} "
                              "--message M; nothing was written\n")
    assert path.read_text(encoding="utf-8") == text
    ok(repo, "update", SLUG, "--status", "postmortem", "--message", "What happened.", "--at", "2026-11-22T09:00Z")
    site = repo.build("2026-11-23T00:00:00Z")
    assert api(site, "incidents.json")["incidents"][0]["status"] == "postmortem"


def test_validation_update_after_the_last_resolved_one_while_resolved_is_set(repo):
    incident_file(repo, "2026-11-20-a", "A", {"api": "major_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T12:30:00Z", "monitoring"),
                  update("2026-11-20T12:00:00Z", "resolved"),
                  update("2026-11-21T09:00:00Z", "postmortem"),
                  resolved="2026-11-20T12:00:00Z")
    (repo.root / "site").mkdir()
    (repo.root / "site/keep.txt").write_text("previous site")
    for command in (("check",), ("build", "--now", "2026-11-22T00:00:00Z")):
        result = run(repo, *command)
        assert result.exit_code == 1
        assert result.output == (
            "Error: incidents/2026-11-20-a.md: updates[1]: found status 'monitoring' at '2026-11-20T12:30:00Z', "
            "after the last 'resolved' update (2026-11-20T12:00:00Z) while 'resolved' is set; expected "
            "'postmortem', or reopen the incident first (statusgen reopen)\n")
    assert (repo.root / "site/keep.txt").read_text() == "previous site"


def test_validation_an_earlier_resolved_update_needs_no_resolved_time_once_reopened(repo):
    incident_file(repo, "2026-11-20-a", "A", {"api": "major_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T12:00:00Z", "resolved"),
                  update("2026-11-20T13:00:00Z", "identified"))
    assert ok(repo, "check").startswith("OK")
    incident_file(repo, "2026-11-20-b", "B", {"api": "major_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T12:00:00Z", "resolved"),
                  update("2026-11-20T13:00:00Z", "postmortem"))
    result = run(repo, "check")
    assert result.exit_code == 1
    assert result.output == ("Error: incidents/2026-11-20-b.md: resolved: missing, but an update has status "
                             "'resolved'; expected the time the incident was resolved\n")


def test_validation_updates_dated_before_the_start(repo):
    incident_file(repo, "2026-11-20-a", "A", {"api": "major_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T09:55:00Z", "investigating"))
    maintenance_file(repo, "2026-12-01-m", "M", {"db": "under_maintenance"},
                     "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z",
                     update("2026-11-24T09:00:00Z", "scheduled"),
                     update("2026-12-01T01:50:00Z", "in_progress"),
                     update("2026-12-01T01:55:00Z", "verifying"))
    result = run(repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "Error: 3 problems found:\n"
        "  incidents/2026-11-20-a.md: updates[0].at: found '2026-11-20T09:55:00Z' (investigating), before started "
        "('2026-11-20T10:00:00Z'); expected a time at or after started\n"
        "  incidents/2026-12-01-m.md: updates[1].at: found '2026-12-01T01:50:00Z' (in_progress), before "
        "scheduled_start ('2026-12-01T02:00:00Z'); expected a time at or after scheduled_start\n"
        "  incidents/2026-12-01-m.md: updates[2].at: found '2026-12-01T01:55:00Z' (verifying), before "
        "scheduled_start ('2026-12-01T02:00:00Z'); expected a time at or after scheduled_start\n")
    # through the CLI too: an update dated before the start is refused, the file unchanged
    incident_file(repo, "2026-11-20-a", "A", {"api": "major_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:05:00Z", "investigating"))
    path = repo.root / "incidents/2026-11-20-a.md"
    text = path.read_text()
    refused = run(repo, "update", "2026-11-20-a", "--status", "identified", "--message", "x",
                  "--at", "2026-11-20T09:00Z")
    assert refused.exit_code == 1
    assert "updates[1].at: found '2026-11-20T09:00:00Z' (identified), before started" in refused.output
    assert path.read_text() == text


# -- cancel and resolve on maintenance -------------------------------------------------------------

def new_window(repo):
    ok(repo, "new", "maintenance", "DB upgrade", "--component", "db=under_maintenance",
       "--start", "2026-12-01T02:00Z", "--end", "2026-12-01T04:00Z", env={"SOURCE_DATE_EPOCH": EPOCH_2026_11_25})
    return repo.root / "incidents/2026-12-01-db-upgrade.md"


def test_cancel_a_window_that_has_not_started(repo):
    path = new_window(repo)
    env = {"SOURCE_DATE_EPOCH": str(int(datetime(2026, 11, 28, 12, tzinfo=timezone.utc).timestamp()))}
    assert ok(repo, "cancel", "2026-12-01-db-upgrade", "--message", "Postponed.", env=env) == \
        "incidents/2026-12-01-db-upgrade.md\n"
    data = front_matter(path)
    assert data["cancelled"] is True
    assert data["updates"][-1] == {"at": "2026-11-28T12:00:00Z", "status": "scheduled", "message": "Postponed."}
    site = repo.build("2026-12-01T03:00:00Z")
    page = soup(site, "incidents/2026-12-01-db-upgrade/index.html")
    assert page.select_one("[data-maintenance-state]")["data-maintenance-state"] == "cancelled"
    assert api(site, "components.json")["components"][2]["status"] == "operational"
    event = Calendar.from_ical((site / "maintenance.ics").read_bytes()).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    # no automatic updates for a cancelled window
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert [e.title for e in feed.entries] == ["Cancelled: DB upgrade", "Scheduled: DB upgrade"]
    again = run(repo, "cancel", "2026-12-01-db-upgrade", env=env)
    assert again.exit_code == 1
    assert again.output == "Error: incidents/2026-12-01-db-upgrade.md: already cancelled; nothing was written\n"


def test_cancel_refuses_a_started_window_and_an_incident(repo):
    path = new_window(repo)
    text = path.read_text()
    env = {"SOURCE_DATE_EPOCH": str(int(datetime(2026, 12, 1, 2, 30, tzinfo=timezone.utc).timestamp()))}
    refused = run(repo, "cancel", "2026-12-01-db-upgrade", env=env)
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: incidents/2026-12-01-db-upgrade.md: the window has started (scheduled_start 2026-12-01T02:00:00Z); "
        "a started window is not cancelled, so its history stays true. End it early with statusgen resolve "
        "2026-12-01-db-upgrade; nothing was written\n")
    assert path.read_text() == text
    resolved_incident(repo)
    refused = run(repo, "cancel", SLUG, env=env)
    assert refused.exit_code == 1
    assert "an incident is not cancelled; close it with statusgen resolve" in refused.output


def test_resolve_on_a_window_that_has_not_started_points_to_cancel(repo):
    path = new_window(repo)
    text = path.read_text()
    refused = run(repo, "resolve", "2026-12-01-db-upgrade", "--at", "2026-11-30T10:00Z")
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: incidents/2026-12-01-db-upgrade.md: completed at 2026-11-30T10:00:00Z, but the window has not started "
        "(scheduled_start 2026-12-01T02:00:00Z). To call it off, use statusgen cancel 2026-12-01-db-upgrade; "
        "nothing was written\n")
    assert path.read_text() == text
    # a started window ends early with resolve
    ok(repo, "resolve", "2026-12-01-db-upgrade", "--at", "2026-12-01T03:00Z")
    assert front_matter(path)["completed"] == "2026-12-01T03:00:00Z"


# -- automatic maintenance updates -----------------------------------------------------------------

def test_a_window_starts_and_ends_by_itself(repo):
    new_window(repo)
    site = repo.build("2026-12-01T01:59:00Z")
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert [e.title for e in feed.entries] == ["Scheduled: DB upgrade"]

    site = repo.build("2026-12-01T02:00:00Z")
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert [e.title for e in feed.entries] == ["In progress: DB upgrade", "Scheduled: DB upgrade"]
    started_id = feed.entries[0].id
    assert started_id == "https://status.test.example/incidents/2026-12-01-db-upgrade/#update-20261201T020000Z"
    window = api(site, "scheduled-maintenances/active.json")["scheduled_maintenances"][0]
    assert window["status"] == "in_progress"
    first = window["incident_updates"][0]
    assert first["status"] == "in_progress" and first["id"] == "2026-12-01-db-upgrade-20261201T020000Z"
    assert [(a["code"], a["old_status"], a["new_status"]) for a in first["affected_components"]] == [
        ("db", "operational", "under_maintenance")]
    event = Calendar.from_ical((site / "maintenance.ics").read_bytes()).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1 and str(event["STATUS"]) == "CONFIRMED"
    assert "in progress" in str(event["DESCRIPTION"])
    page = soup(site, "incidents/2026-12-01-db-upgrade/index.html")
    assert page.select_one("ol.timeline li h3 .u-in_progress")

    site = repo.build("2026-12-01T05:00:00Z")
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert [e.title for e in feed.entries] == ["Completed: DB upgrade", "In progress: DB upgrade",
                                               "Scheduled: DB upgrade"]
    assert feed.entries[1].id == started_id  # stable
    assert feed.entries[0].published == "2026-12-01T04:00:00+00:00"
    window = api(site, "scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert window["status"] == "completed"
    assert [(u["status"], [(a["old_status"], a["new_status"]) for a in u["affected_components"]])
            for u in window["incident_updates"]][0] == ("completed", [("under_maintenance", "operational")])
    event = Calendar.from_ical((site / "maintenance.ics").read_bytes()).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 2

    # A hand-written update replaces the automatic one of its kind.
    ok(repo, "update", "2026-12-01-db-upgrade", "--status", "in_progress", "--message", "Started.",
       "--at", "2026-12-01T02:05Z")
    site = repo.build("2026-12-01T05:00:00Z")
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert [e.title for e in feed.entries] == ["Completed: DB upgrade", "In progress: DB upgrade",
                                               "Scheduled: DB upgrade"]
    assert feed.entries[1].id.endswith("#update-20261201T020500Z")


def test_adding_updates_changes_no_existing_feed_id(repo):
    ok(repo, "new", "incident", "Checkout API failing", "--component", "api=major_outage",
       "--at", "2026-11-20T10:00:00Z")
    new_window(repo)

    def ids(now):
        site = repo.build(now)
        found = {}
        for path in ("feed.atom", "feed.rss", "components/api/feed.atom", "components/db/feed.rss"):
            found[path] = [e.id for e in feedparser.parse((site / path).read_bytes()).entries]
        found["api"] = [u["id"] for i in api(site, "incidents.json")["incidents"] for u in i["incident_updates"]]
        return found

    before = ids("2026-12-01T05:00:00Z")
    ok(repo, "update", SLUG, "--status", "identified", "--message", "x", "--component", "api=partial_outage",
       "--at", "2026-11-20T10:00:00Z")  # same second as the first update
    ok(repo, "resolve", SLUG, "--at", "2026-11-20T12:00Z")
    ok(repo, "reopen", SLUG, "--message", "again", "--at", "2026-11-20T13:00Z")
    ok(repo, "update", "2026-12-01-db-upgrade", "--status", "verifying", "--message", "Checking.",
       "--at", "2026-12-01T03:00Z")
    after = ids("2026-12-01T05:00:00Z")
    for path, old in before.items():
        assert set(old) <= set(after[path]), path
        assert len(after[path]) > len(old), path
