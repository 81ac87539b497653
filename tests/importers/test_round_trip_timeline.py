"""The round trip with statuses that change during an incident, a reopening and automatic maintenance updates."""

from __future__ import annotations

from tests.factories import incident_file, maintenance_file, update
from tests.importers.conftest import ImportRepo
from tests.importers.test_statuspage import _api, _component_hooks


def write_timeline_incidents(repo) -> None:
    incident_file(repo, "2026-11-10-api-flaps", "API flaps", {"api": "major_outage"}, "2026-11-10T10:00:00Z",
                  update("2026-11-10T10:05:00Z", "investigating", "API down."),
                  update("2026-11-10T10:30:00Z", "identified", "Partly back.", api="partial_outage",
                         web="degraded_performance"),
                  update("2026-11-10T11:00:00Z", "resolved", "Fixed."),
                  update("2026-11-10T12:00:00Z", "investigating", "It is back.", api="major_outage"),
                  update("2026-11-10T13:00:00Z", "resolved", "Fixed for good."),
                  update("2026-11-11T09:00:00Z", "postmortem", "What happened."),
                  resolved="2026-11-10T13:00:00Z")
    maintenance_file(repo, "2026-11-12-db-window", "DB window", {"db": "under_maintenance", "api": "degraded_performance"},
                     "2026-11-12T02:00:00Z", "2026-11-12T04:00:00Z",
                     update("2026-11-01T09:00:00Z", "scheduled", "Planned."))
    incident_file(repo, "2026-11-18-db-reopened", "Database errors again", {"db": "partial_outage"},
                  "2026-11-18T08:00:00Z",
                  update("2026-11-18T08:00:00Z", "investigating", "Errors."),
                  update("2026-11-18T09:00:00Z", "resolved", "Fixed."),
                  update("2026-11-18T10:00:00Z", "investigating", "Errors again."))
    incident_file(repo, "2026-11-19-web-slow", "Web slow", {"web": "partial_outage"}, "2026-11-19T10:00:00Z",
                  update("2026-11-19T10:00:00Z", "investigating", "Slow."),
                  update("2026-11-19T11:00:00Z", "monitoring", "Better.", web="degraded_performance"))


def test_round_trip_with_statuses_over_time_a_reopening_and_an_ongoing_incident(repo, tmp_path):
    write_timeline_incidents(repo)
    now = "2026-11-20T00:00:00Z"
    original = repo.build(now)
    target = ImportRepo(tmp_path / "copy")
    target.root.mkdir()
    result = target.import_("statuspage", str(original / "api/v2"))
    assert result.exit_code == 0, result.output
    assert target.config()["site"]["uptime_days"] == 30
    assert _api(target.build(now)) == _api(original)
    assert _component_hooks(target.root / "site") == _component_hooks(original)
    front, body = target.notice("2026-11-10-api-flaps")
    assert [(u["status"], u.get("components")) for u in front["updates"]] == [
        ("investigating", None), ("identified", {"api": "partial_outage", "web": "degraded_performance"}),
        ("resolved", None), ("investigating", {"api": "major_outage", "web": "degraded_performance"}),
        ("resolved", None), ("postmortem", None)]
    assert "impact" not in front  # the default, so it keeps following the statuses
    assert body == ""  # the postmortem update is the write-up; not repeated as a body
    front, _ = target.notice("2026-11-18-db-reopened")
    assert "resolved" not in front and [u["status"] for u in front["updates"]] == [
        "investigating", "resolved", "investigating"]  # the reopened resolution stays in the history
