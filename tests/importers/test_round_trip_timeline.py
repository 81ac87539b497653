"""The round trip with statuses that change during an incident, a reopening and automatic maintenance updates."""

from __future__ import annotations

from tests.importers.conftest import ImportRepo
from tests.importers.test_statuspage import _api, _component_hooks


TIMELINE_INCIDENTS = {
    "2026-11-10-api-flaps": """\
        title: API flaps
        components:
          api: major_outage
        started: 2026-11-10T10:00:00Z
        resolved: 2026-11-10T13:00:00Z
        updates:
          - at: 2026-11-10T10:05:00Z
            status: investigating
            message: API down.
          - at: 2026-11-10T10:30:00Z
            status: identified
            message: Partly back.
            components:
              api: partial_outage
              web: degraded_performance
          - at: 2026-11-10T11:00:00Z
            status: resolved
            message: Fixed.
          - at: 2026-11-10T12:00:00Z
            status: investigating
            message: It is back.
            components:
              api: major_outage
          - at: 2026-11-10T13:00:00Z
            status: resolved
            message: Fixed for good.
          - at: 2026-11-11T09:00:00Z
            status: postmortem
            message: What happened.""",
    "2026-11-12-db-window": """\
        title: DB window
        type: maintenance
        components:
          db: under_maintenance
          api: degraded_performance
        scheduled_start: 2026-11-12T02:00:00Z
        scheduled_end: 2026-11-12T04:00:00Z
        updates:
          - at: 2026-11-01T09:00:00Z
            status: scheduled
            message: Planned.""",
    "2026-11-18-db-reopened": """\
        title: Database errors again
        components:
          db: partial_outage
        started: 2026-11-18T08:00:00Z
        updates:
          - at: 2026-11-18T08:00:00Z
            status: investigating
            message: Errors.
          - at: 2026-11-18T09:00:00Z
            status: resolved
            message: Fixed.
          - at: 2026-11-18T10:00:00Z
            status: investigating
            message: Errors again.""",
    "2026-11-19-web-slow": """\
        title: Web slow
        components:
          web: partial_outage
        started: 2026-11-19T10:00:00Z
        updates:
          - at: 2026-11-19T10:00:00Z
            status: investigating
            message: Slow.
          - at: 2026-11-19T11:00:00Z
            status: monitoring
            message: Better.
            components:
              web: degraded_performance""",
}


def test_round_trip_with_statuses_over_time_a_reopening_and_an_ongoing_incident(repo, tmp_path):
    for slug, front in TIMELINE_INCIDENTS.items():
        repo.incident(slug, front)
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
