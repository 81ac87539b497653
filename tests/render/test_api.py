"""The Statuspage-compatible JSON API, built through the CLI and read back as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import DEMO_NOW
from tests.factories import incident_file, maintenance_file, update

SCHEMA = json.loads((Path(__file__).parent / "statuspage_v2_schema.json").read_text(encoding="utf-8"))
API_FILES = (
    "summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
    "scheduled-maintenances.json", "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json", "uptime.json", "freshness.json",
)
NOW = "2026-11-20T15:00:00Z"


def validate(name: str, document: dict) -> None:
    pointer = name.replace("~", "~0").replace("/", "~1")
    schema = {**SCHEMA, "$ref": f"#/$defs/{pointer}"}
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=lambda e: e.json_path)
    assert not errors, f"{name}: " + "; ".join(f"{e.json_path}: {e.message}" for e in errors[:5])


def load(site: Path, name: str) -> dict:
    return json.loads((site / "api" / "v2" / name).read_text(encoding="utf-8"))


def write_corpus(repo) -> None:
    """A hand-checked corpus for NOW = 2026-11-20T15:00:00Z (see the expectations below)."""
    incident_file(repo, "2026-11-20-api-errors", "API errors", {"api": "partial_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "We are looking into errors."),
                  update("2026-11-20T14:30:00Z", "identified", "A bad deploy."),
                  update("2026-11-20T16:00:00Z", "monitoring", "Written ahead of time; not published at 15:00."))
    incident_file(repo, "2026-11-19-web-slow", "Website slow", {"web": "degraded_performance"}, "2026-11-19T10:00:00Z",
                  update("2026-11-19T10:10:00Z", "investigating", "Pages load slowly."),
                  update("2026-11-19T10:40:00Z", "monitoring", "A cache was refilled."),
                  update("2026-11-19T11:00:00Z", "resolved", "Fixed."),
                  resolved="2026-11-19T11:00:00Z")
    incident_file(repo, "2026-11-21-future", "Not started yet", {"web": "major_outage"}, "2026-11-21T10:00:00Z",
                  update("2026-11-21T10:05:00Z", "investigating", "Not yet."))
    maintenance_file(repo, "2026-11-20-db-upgrade", "Database upgrade", {"db": "under_maintenance"},
                     "2026-11-20T14:30:00Z", "2026-11-20T16:00:00Z",
                     update("2026-11-18T09:00:00Z", "scheduled", "We will upgrade the database."),
                     update("2026-11-20T14:30:00Z", "in_progress", "Started."))
    maintenance_file(repo, "2026-11-22-web-deploy", "Website deploy", {"web": "under_maintenance"},
                     "2026-11-22T08:00:00Z", "2026-11-22T09:00:00Z",
                     update("2026-11-19T09:00:00Z", "scheduled", "A new website."))
    maintenance_file(repo, "2026-11-23-api-move", "API move", {"api": "under_maintenance"},
                     "2026-11-23T08:00:00Z", "2026-11-23T09:00:00Z",
                     update("2026-11-17T09:00:00Z", "scheduled", "We will move the API."),
                     update("2026-11-19T12:00:00Z", "scheduled", "Cancelled; a new date will follow."),
                     cancelled=True)


def test_demo_site_api_files_match_the_statuspage_v2_schema(demo):
    site = demo.build(DEMO_NOW)
    written = sorted(str(p.relative_to(site / "api" / "v2")) for p in (site / "api" / "v2").rglob("*.json"))
    assert written == sorted(API_FILES)
    for name in API_FILES:
        validate(name, load(site, name))


def test_subscribe_page_lists_exactly_the_api_files_written(demo):
    site = demo.build(DEMO_NOW)
    written = sorted(str(p.relative_to(site / "api" / "v2")) for p in (site / "api" / "v2").rglob("*.json"))
    page = (site / "subscribe" / "index.html").read_text(encoding="utf-8")
    assert sorted(set(re.findall(r"api/v2/([a-z/.-]+\.json)", page))) == written


def test_statuses_and_lists_for_a_small_corpus_at_a_fixed_now(repo):
    write_corpus(repo)
    site = repo.build(NOW)

    status = load(site, "status.json")
    # api partial_outage -> "major"; the active incident's impact is major too.
    assert status["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert status["page"] == {
        "id": "status.test.example", "name": "Test Status", "url": "https://status.test.example",
        "time_zone": "UTC",
        # newest event at or before 15:00: the identified update and the maintenance start (14:30)
        "updated_at": "2026-11-20T14:30:00.000Z",
    }

    components = load(site, "components.json")["components"]
    brief = [(c["id"], c["status"], c["group"], c["group_id"], c.get("components"), c["position"])
             for c in components]
    assert brief == [
        ("core", "partial_outage", True, None, ["api", "web"], 1),
        ("api", "partial_outage", False, "core", None, 2),
        ("web", "operational", False, "core", None, 3),
        ("db", "under_maintenance", False, None, None, 4),
    ]

    incidents = load(site, "incidents.json")["incidents"]
    assert [(i["id"], i["status"], i["impact"], i["resolved_at"]) for i in incidents] == [
        ("2026-11-20-api-errors", "identified", "major", None),
        ("2026-11-19-web-slow", "resolved", "minor", "2026-11-19T11:00:00.000Z"),
    ]
    api_errors, web_slow = incidents
    assert api_errors["shortlink"] == "https://status.test.example/incidents/2026-11-20-api-errors/"
    assert api_errors["started_at"] == "2026-11-20T14:00:00.000Z"
    assert api_errors["updated_at"] == "2026-11-20T14:30:00.000Z"
    assert [u["status"] for u in api_errors["incident_updates"]] == ["identified", "investigating"]
    first = api_errors["incident_updates"][-1]
    assert first["id"] == "2026-11-20-api-errors-20261120T140500Z"
    assert first["body"] == "We are looking into errors."
    assert first["affected_components"] == [
        {"code": "api", "name": "API", "old_status": "operational", "new_status": "partial_outage"}]
    assert [(c["id"], c["status"]) for c in api_errors["components"]] == [("api", "partial_outage")]
    assert web_slow["monitoring_at"] == "2026-11-19T10:40:00.000Z"
    assert web_slow["incident_updates"][0]["affected_components"] == [
        {"code": "web", "name": "Website", "old_status": "degraded_performance", "new_status": "operational"}]

    unresolved = load(site, "incidents/unresolved.json")["incidents"]
    assert [i["id"] for i in unresolved] == ["2026-11-20-api-errors"]

    active = load(site, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [(m["id"], m["status"], m["impact"]) for m in active] == [
        ("2026-11-20-db-upgrade", "in_progress", "maintenance")]
    assert active[0]["scheduled_for"] == "2026-11-20T14:30:00.000Z"
    assert active[0]["scheduled_until"] == "2026-11-20T16:00:00.000Z"
    assert active[0]["incident_updates"][0]["affected_components"] == [
        {"code": "db", "name": "Database", "old_status": "operational", "new_status": "under_maintenance"}]

    upcoming = load(site, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [(m["id"], m["status"]) for m in upcoming] == [("2026-11-22-web-deploy", "scheduled")]

    every = load(site, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert [(m["id"], m["status"]) for m in every] == [
        ("2026-11-23-api-move", "completed"),  # cancelled: Statuspage has no such status
        ("2026-11-22-web-deploy", "scheduled"),
        ("2026-11-20-db-upgrade", "in_progress"),
    ]
    assert every[0]["resolved_at"] == "2026-11-19T12:00:00.000Z"
    assert every[0]["incident_updates"][0]["body"] == "Cancelled; a new date will follow."

    summary = load(site, "summary.json")
    assert summary["status"] == status["status"]
    assert summary["components"] == components
    assert summary["incidents"] == unresolved
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [
        "2026-11-20-db-upgrade", "2026-11-22-web-deploy"]
    for name in API_FILES:
        validate(name, load(site, name))


def test_uptime_json_reports_the_window_and_each_day(repo):
    write_corpus(repo)
    site = repo.build(NOW)
    uptime = {c["id"]: c for c in load(site, "uptime.json")["components"]}
    api = uptime["api"]
    # One hour of partial outage (weight 0.3) today; the 30-day window runs from
    # 2026-10-22T00:00Z to now, 29 days and 15 hours.
    window_seconds = 29 * 86400 + 15 * 3600
    assert api["percent"] == round(100 * (1 - 0.3 * 3600 / window_seconds), 3)
    assert (api["slo"], api["slo_missed"], api["uptime_days"], len(api["days"])) == (99.9, False, 30, 30)
    assert api["days"][-1] == {"date": "2026-11-20", "percent": 98.0, "downtime_seconds": 1080,
                               "worst_status": "partial_outage", "incidents": ["2026-11-20-api-errors"]}
    assert uptime["web"]["days"][-2] == {"date": "2026-11-19", "percent": 100.0, "downtime_seconds": 0,
                                         "worst_status": "degraded_performance",
                                         "incidents": ["2026-11-19-web-slow"]}
    assert uptime["db"]["slo"] is None and uptime["db"]["slo_missed"] is False


def test_page_updated_at_comes_from_the_content_not_the_clock(repo):
    write_corpus(repo)
    first = load(repo.build("2026-11-20T14:40:00Z"), "status.json")
    second = load(repo.build("2026-11-20T14:50:00Z"), "status.json")
    assert first == second
    assert first["page"]["updated_at"] == "2026-11-20T14:30:00.000Z"


def test_text_is_carried_as_data(repo):
    incident_file(repo, "2026-11-20-html", "<script>alert(1)</script>", {"api": "major_outage"},
                  "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "<img src=x onerror=alert(1)> & \"quotes\""))
    site = repo.build(NOW)
    raw = (site / "api/v2/incidents.json").read_text(encoding="utf-8")
    incident = json.loads(raw)["incidents"][0]
    assert incident["name"] == "<script>alert(1)</script>"
    assert incident["incident_updates"][0]["body"] == '<img src=x onerror=alert(1)> & "quotes"'
    assert load(site, "status.json")["status"]["indicator"] == "critical"
    validate("incidents.json", json.loads(raw))


@pytest.mark.parametrize("name", API_FILES)
def test_api_output_is_byte_identical_across_builds(repo, name):
    write_corpus(repo)
    first = (repo.build(NOW) / "api/v2" / name).read_bytes()
    second = (repo.build(NOW) / "api/v2" / name).read_bytes()
    assert first == second


def test_encode_writes_what_the_json_module_writes():
    """The API's documents are written by orjson; its bytes are json.dumps's (compact, not
    ASCII-escaped) for every string, including control characters, quotes, line and paragraph
    separators and characters outside the Basic Multilingual Plane."""
    import random

    from statusgen.render.api import encode

    def reference(document) -> bytes:
        return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    alphabet = [chr(c) for c in range(0x250)] + ["\u2028", "\u2029", "\ufeff", "\U0001f600", "\ud7ff", "\ue000"]
    pick = random.Random(3)
    for _ in range(3000):
        text = "".join(pick.choice(alphabet) for _ in range(pick.randint(0, 24)))
        document = {text: [text, None, True, False, 0, -7, 2**53, {"nested": text}], "x": ()}
        assert encode(document) == reference(document), repr(text)


def test_only_uptime_json_holds_floats(demo):
    """orjson writes floats below 1e-4 or from 1e16 unlike the json module, so the API writes
    only uptime.json, its one document with floats, with the json module: any other document
    that came to hold a float would need the same."""
    site = demo.build(DEMO_NOW)
    with_floats = []
    for path in sorted((site / "api" / "v2").rglob("*.json")):
        found: list[str] = []
        json.loads(path.read_bytes(), parse_float=lambda text, found=found: found.append(text) or 0.0)
        if found:
            with_floats.append(path.relative_to(site / "api" / "v2").as_posix())
    assert with_floats == ["uptime.json"]
