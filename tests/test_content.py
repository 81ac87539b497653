"""Validation of incident files and statusgen.toml, end to end through the CLI (SPEC §3)."""

from __future__ import annotations

import pytest

GOOD_INCIDENT = """
title: API errors
components:
  api: partial_outage
started: 2026-11-20T14:02:00Z
resolved: 2026-11-20T15:40:00Z
updates:
  - at: 2026-11-20T14:10:00Z
    status: investigating
    message: Looking.
  - at: 2026-11-20T15:40:00Z
    status: resolved
    message: Fixed.
"""

GOOD_MAINTENANCE = """
title: DB upgrade
type: maintenance
components:
  db: under_maintenance
scheduled_start: 2026-12-01T02:00:00Z
scheduled_end: 2026-12-01T04:00:00Z
updates:
  - at: 2026-11-24T09:00:00Z
    status: scheduled
    message: Planned.
"""


def check(repo):
    return repo.run("check", "--root", str(repo.root))


def test_valid_repository_passes_check(repo):
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    repo.incident("2026-12-01-db", GOOD_MAINTENANCE)
    result = check(repo)
    assert result.exit_code == 0, result.output
    assert "3 components, 1 incidents, 1 maintenance windows" in result.output


# (front matter edit, field named in the error, words the message must contain)
CASES = {
    "unknown component": (GOOD_INCIDENT.replace("api: partial_outage", "apii: partial_outage"),
                          "components.apii", ["unknown component 'apii'", "known: api, web, db"]),
    "unknown component status": (GOOD_INCIDENT.replace("api: partial_outage", "api: broken"),
                                 "components.api", ["unknown status 'broken'", "major_outage"]),
    "unknown update status": (GOOD_INCIDENT.replace("status: investigating", "status: looking"),
                              "updates[0].status", ["'looking'", "investigating|identified".replace("|", ", ")]),
    "update status of the other type": (GOOD_INCIDENT.replace("status: investigating", "status: scheduled"),
                                        "updates[0].status", ["'scheduled'", "for an incident"]),
    "maintenance status on incident's type": (GOOD_MAINTENANCE.replace("status: scheduled", "status: resolved"),
                                              "updates[0].status", ["'resolved'", "for a maintenance"]),
    "resolved before started": (GOOD_INCIDENT.replace("resolved: 2026-11-20T15:40:00Z", "resolved: 2026-11-20T13:00:00Z"),
                                "resolved", ["before started", "at or after 'started'"]),
    "maintenance end before start": (GOOD_MAINTENANCE.replace("scheduled_end: 2026-12-01T04:00:00Z", "scheduled_end: 2026-12-01T01:00:00Z"),
                                     "scheduled_end", ["not after scheduled_start", "2026-12-01T01:00:00Z"]),
    "resolved update without resolved time": (GOOD_INCIDENT.replace("resolved: 2026-11-20T15:40:00Z\n", ""),
                                              "resolved", ["missing", "status 'resolved'"]),
    "resolved time without resolved update": (GOOD_INCIDENT.replace("status: resolved", "status: monitoring"),
                                              "updates", ["no update has status 'resolved'"]),
    "missing title": (GOOD_INCIDENT.replace("title: API errors\n", ""), "title", ["missing"]),
    "no updates": (GOOD_INCIDENT.split("updates:")[0] + "updates: []\n", "updates", ["at least one update"]),
    "bad time": (GOOD_INCIDENT.replace("started: 2026-11-20T14:02:00Z", "started: yesterday"),
                 "started", ["'yesterday'", "ISO 8601"]),
    "unknown type": (GOOD_INCIDENT + "type: outage\n", "type", ["'outage'", "'incident' or 'maintenance'"]),
    "unknown impact": (GOOD_INCIDENT + "impact: huge\n", "impact", ["'huge'", "none, minor, major, critical"]),
    "unknown field": (GOOD_INCIDENT + "severity: 3\n", "severity", ["unknown field 'severity'"]),
    "cancelled not a boolean": (GOOD_MAINTENANCE + "cancelled: maybe\n", "cancelled", ["'maybe'", "true or false"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_invalid_file_is_reported_with_file_field_and_value(repo, case):
    front, field, words = CASES[case]
    repo.incident("2026-11-20-bad", front)
    result = check(repo)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"incidents/2026-11-20-bad.md: {field}: " in result.output
    for word in words:
        assert word in result.output


def test_bad_slug_and_duplicate_slug(repo):
    repo.incident("API_Errors", GOOD_INCIDENT)
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    repo.write("incidents/2025/2026-11-20-api.md", f"---\n{GOOD_INCIDENT.strip()}\n---\n")
    result = check(repo)
    assert result.exit_code == 1
    assert "incidents/API_Errors.md: slug: found 'API_Errors'" in result.output
    assert "duplicate slug '2026-11-20-api'" in result.output


def test_yaml_syntax_error_names_the_line(repo):
    repo.write("incidents/2026-11-20-broken.md", "---\ntitle: ok\ncomponents: [api\nupdates: []\n---\n")
    result = check(repo)
    assert result.exit_code == 1
    assert "incidents/2026-11-20-broken.md: line 4: " in result.output
    assert "invalid YAML" in result.output


def test_missing_front_matter(repo):
    repo.write("incidents/2026-11-20-plain.md", "Just text\n")
    result = check(repo)
    assert result.exit_code == 1
    assert "incidents/2026-11-20-plain.md: no front matter" in result.output


def test_all_problems_of_all_files_are_reported_together(repo):
    repo.incident("2026-11-20-one", GOOD_INCIDENT.replace("api: partial_outage", "nope: partial_outage"))
    repo.incident("2026-11-20-two", GOOD_INCIDENT.replace("title: API errors\n", "").replace(
        "status: investigating", "status: dunno"))
    result = check(repo)
    assert result.exit_code == 1
    assert "3 problems found" in result.output
    assert "2026-11-20-one.md: components.nope" in result.output
    assert "2026-11-20-two.md: title" in result.output
    assert "2026-11-20-two.md: updates[0].status" in result.output


def test_naive_times_are_read_in_the_site_timezone(repo):
    config = (repo.root / "statusgen.toml").read_text().replace('timezone = "UTC"', 'timezone = "Europe/Berlin"')
    repo.write("statusgen.toml", config)
    from statusgen.build import check as check_repository

    repo.incident("2026-07-01-naive", GOOD_INCIDENT.replace("2026-11-20T14:02:00Z", "2026-07-01 10:00"))
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    _, content = check_repository(repo.root)
    by_slug = {i.slug: i for i in content.incidents}
    # 10:00 in Berlin in July (CEST, +02:00) is 08:00 UTC
    assert by_slug["2026-07-01-naive"].started.isoformat() == "2026-07-01T08:00:00+00:00"
    # Z times stay UTC
    assert by_slug["2026-11-20-api"].started.isoformat() == "2026-11-20T14:02:00+00:00"


def test_failed_build_leaves_previous_site_untouched_and_writes_nothing(repo):
    site = repo.root / "site"
    site.mkdir()
    (site / "index.html").write_text("previous build")
    repo.incident("2026-11-20-bad", GOOD_INCIDENT.replace("api: partial_outage", "apii: partial_outage"))
    result = repo.run("build", "--root", str(repo.root), "--now", "2026-11-21T00:00:00Z")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "components.apii: unknown component 'apii'" in result.output
    assert sorted(p.name for p in site.iterdir()) == ["index.html"]
    assert (site / "index.html").read_text() == "previous build"
    # no staging folders left behind next to site/
    assert sorted(p.name for p in repo.root.iterdir()) == ["incidents", "site", "statusgen.toml"]


CONFIG_CASES = {
    "unknown group": ('group = "core"', 'group = "cor"', "components[0].group: unknown group 'cor' (known: core)"),
    "bad timezone": ('timezone = "UTC"', 'timezone = "Mars/Olympus"', "site.timezone: found 'Mars/Olympus'"),
    "plain http base_url": ('base_url = "https://status.test.example/"', 'base_url = "http://status.test.example/"',
                            "site.base_url: found 'http://status.test.example/'; expected an absolute https URL"),
    "bad component id": ('id = "api"', 'id = "API"', "components[0].id: found 'API'"),
    "reserved component id": ('id = "api"', 'id = "status"', "components[0].id: found 'status', which is reserved"),
    "slo out of range": ("slo = 99.9", "slo = 120", "components[0].slo: found 120; expected a number from 0.0 to 100.0"),
    "unknown setting": ("uptime_days = 30", "uptime_days = 30\nuptim_days = 4",
                        "site.uptim_days: unknown setting 'uptim_days'"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_config_errors_name_the_setting(repo, case):
    old, new, message = CONFIG_CASES[case]
    text = (repo.root / "statusgen.toml").read_text()
    assert old in text
    repo.write("statusgen.toml", text.replace(old, new, 1))
    result = check(repo)
    assert result.exit_code == 1
    assert f"statusgen.toml: {message}" in result.output
    assert "Traceback" not in result.output


def test_duplicate_component_and_http_endpoint_refused(repo):
    text = (repo.root / "statusgen.toml").read_text()
    text += '\n[[components]]\nid = "api"\nname = "Again"\n'
    text += '\n[[targets]]\nname = "x"\nurl = "s3://bucket/"\nendpoint_url = "http://storage.example.com"\n'
    text += '\n[[targets]]\nname = "local"\nurl = "s3://bucket/"\nendpoint_url = "http://127.0.0.1:9000"\n'
    repo.write("statusgen.toml", text)
    result = check(repo)
    assert result.exit_code == 1
    assert "components[3].id: duplicate component id 'api'" in result.output
    assert "targets[0].endpoint_url: found 'http://storage.example.com'" in result.output
    assert "targets[1]" not in result.output  # loopback http is allowed


def test_missing_config_is_a_clear_error(tmp_path):
    from click.testing import CliRunner

    from statusgen.cli import cli

    result = CliRunner().invoke(cli, ["check", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "statusgen.toml: not found" in result.output
    assert "statusgen init" in result.output
