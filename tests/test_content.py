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


# -- hostile and broken input: every case a clear error, exit 1, no traceback, site kept --------

BOMB = """
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
title: *h
"""


def built_site(repo) -> dict[str, bytes]:
    """Build a good site first and return its files, so a test can show a failed build kept it."""
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    site = repo.build("2026-11-21T00:00:00Z")
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def assert_refused(repo, before: dict[str, bytes], *expected: str) -> str:
    """`check` and `build` both fail with every expected message, no traceback, site unchanged."""
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        for fragment in expected:
            assert fragment in result.output, result.output
    site = repo.root / "site"
    assert {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before
    return result.output


def test_files_that_are_not_plain_incident_files_are_each_named(repo, tmp_path):
    before = built_site(repo)
    incidents = repo.root / "incidents"
    (incidents / "dangling.md").symlink_to(tmp_path / "missing.md")
    (incidents / "folder.md").mkdir()
    outside = tmp_path / "secret.md"
    outside.write_text("---\n" + GOOD_INCIDENT.strip() + "\n---\n")
    (incidents / "leak.md").symlink_to(outside)
    (incidents / "LOUD.MD").write_text("x")
    (incidents / "2026-11-22-long.markdown").write_text("x")
    assert_refused(
        repo, before,
        "incidents/dangling.md: a symbolic link to", "which does not exist; expected a file",
        "incidents/folder.md: a folder; expected an incident file",
        "incidents/leak.md: a symbolic link to", "outside the status repository; expected a file inside the repository",
        "incidents/LOUD.MD: found the extension '.MD'; expected '.md' (rename it to 'LOUD.md'",
        "incidents/2026-11-22-long.markdown: found the extension '.markdown'; expected '.md'",
    )


def test_symlink_to_a_file_inside_the_repository_is_read(repo):
    repo.write("drafts/api.md", "---\n" + GOOD_INCIDENT.strip() + "\n---\n")
    (repo.root / "incidents" / "2026-11-20-api.md").symlink_to(repo.root / "drafts" / "api.md")
    result = check(repo)
    assert result.exit_code == 0, result.output
    assert "1 incidents" in result.output


@pytest.mark.parametrize("folder", ["incidents", "incidents/2025"])
def test_a_folder_of_incidents_that_cannot_be_listed_is_refused(repo, unlistable, folder):
    # As for a folder this user may not read: passed over, its incidents would be missing from
    # the page (an outage erased from the record) with the build reporting success.
    before = built_site(repo)
    repo.incident("2025/2025-03-01-db", GOOD_INCIDENT.replace("2026-11-20", "2025-03-01"))
    unlistable(str(repo.root / folder))
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1, result.output
        assert result.output == (f"Error: {folder}/: cannot be read (Permission denied); expected a folder statusgen "
                                 "can list (the incidents in it would be left out)\n")
    site = repo.root / "site"
    assert {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before


def test_a_named_pipe_as_incident_file_is_refused_without_hanging(repo):
    import os

    from tests import cli_process

    before = built_site(repo)
    os.mkfifo(repo.root / "incidents" / "x.md")
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = cli_process.run(*command, "--root", str(repo.root))  # raises if it hangs
        assert result.returncode == 1
        assert "incidents/x.md: not a regular file (a named pipe, socket or device); expected a file" in result.stderr
        assert "Traceback" not in result.stderr
    site = repo.root / "site"
    assert {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before


def test_a_yaml_alias_bomb_is_refused_quickly_without_printing_its_value(repo):
    from tests import cli_process

    before = built_site(repo)
    repo.incident("2026-11-21-bomb", BOMB)
    assert len((repo.root / "incidents/2026-11-21-bomb.md").read_bytes()) < 700
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        # bounded in time and memory: before the fix this ran for minutes and died of MemoryError
        result = cli_process.run(*command, "--root", str(repo.root))
        assert result.returncode == 1
        assert "incidents/2026-11-21-bomb.md: line 8: more than 50 YAML aliases (*name)" in result.stderr
        assert "lol" not in result.stderr
        assert len(result.stderr) < 2000
    site = repo.root / "site"
    assert {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before


def test_few_aliases_expanding_hugely_are_refused_too(repo):
    # 40 aliases, each doubling: under the alias bound, but 2**20 values once expanded.
    lines = ['a0: &a0 ["x", "x"]'] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 21)]
    repo.incident("2026-11-21-doubling", "\n".join(lines) + "\ntitle: x\n")
    result = check(repo)
    assert result.exit_code == 1
    assert "incidents/2026-11-21-doubling.md: line 2: expands to more than 20,000 values" in result.output


def test_deep_nesting_and_huge_files_are_refused(repo):
    repo.incident("2026-11-21-deep", "title: " + "[" * 100 + "]" * 100)
    repo.write("incidents/2026-11-21-huge.md", "---\n" + GOOD_INCIDENT.strip() + "\n---\n" + "x" * (1024 * 1024))
    result = check(repo)
    assert result.exit_code == 1
    assert "incidents/2026-11-21-deep.md: line 2: nested more than 32 levels deep" in result.output
    assert "incidents/2026-11-21-huge.md: 1,048,8" in result.output
    assert "bytes; expected at most 1,048,576 bytes (1 MiB)" in result.output
    assert len(result.output) < 2000


def test_duplicate_yaml_keys_are_errors_naming_the_key(repo):
    before = built_site(repo)
    repo.incident("2026-11-21-twice", GOOD_INCIDENT + "title: Other title\n")
    repo.incident("2026-11-21-nested", GOOD_INCIDENT.replace("    message: Looking.",
                                                             "    message: Looking.\n    status: resolved"))
    assert_refused(
        repo, before,
        "incidents/2026-11-21-twice.md: line 14: 'title' given twice (first on line 2); expected each field once",
        "incidents/2026-11-21-nested.md: line 11: 'updates[0].status' given twice (first on line 9)",
    )


CONTROL_CASES = {
    "escape in title": ('title: API errors', 'title: "API \\e[31merrors"', "title: found 'API \\x1b[31merrors'; "
                        "contains the control character '\\x1b' at character 5"),
    "NEL in title": ('title: API errors', 'title: "API\\x85errors"', "title: found 'API\\x85errors'; "
                     "contains the control character '\\x85' at character 4"),
    "bare CR in title": ('title: API errors', 'title: "API\\rerrors"', "title: found 'API\\rerrors'; "
                         "contains the line break '\\r' at character 4"),
    "CRLF in title": ('title: API errors', 'title: "API\\r\\nerrors"', "title: found 'API\\r\\nerrors'; "
                      "contains the line break '\\r' at character 4"),
    "escape in message": ("message: Looking.", 'message: "Looking\\e[0m."', "updates[0].message: found "
                          "'Looking\\x1b[0m.'; contains the control character '\\x1b' at character 8"),
    "bare CR in message": ("message: Looking.", 'message: "Look\\ring."', "updates[0].message: found "
                           "'Look\\ring.'; contains the line break '\\r' at character 5"),
    "NUL in message": ("message: Fixed.", 'message: "Fixed\\0"', "updates[1].message: found 'Fixed\\x00'"),
    "DEL in title": ('title: API errors', 'title: "API\\x7f"', "title: found 'API\\x7f'; "
                     "contains the control character '\\x7f' at character 4"),
    # The edges of the characters checked first with one regex search (statusgen.text).
    "vertical tab in message": ("message: Looking.", 'message: "Look\\ving."', "updates[0].message: found "
                                "'Look\\x0bing.'; contains the control character '\\x0b' at character 5"),
    "last C1 control in message": ("message: Looking.", 'message: "Look\\x9fing."', "updates[0].message: found "
                                   "'Look\\x9fing.'; contains the control character '\\x9f' at character 5"),
    "line separator in title": ('title: API errors', 'title: "API\\Lerrors"', "title: found 'API\\u2028errors'; "
                                "contains the line break '\\u2028' at character 4"),
}


@pytest.mark.parametrize("case", sorted(CONTROL_CASES))
def test_control_characters_in_incident_text_are_refused(repo, case):
    before = built_site(repo)
    old, new, message = CONTROL_CASES[case]
    assert old in GOOD_INCIDENT
    repo.incident("2026-11-21-ctl", GOOD_INCIDENT.replace(old, new, 1))
    assert_refused(repo, before, f"incidents/2026-11-21-ctl.md: {message}",
                   "expected text without control characters")


def test_control_characters_in_the_body_are_refused_but_windows_line_endings_are_fine(repo):
    repo.write("incidents/2026-11-21-crlf.md",
               ("---\n" + GOOD_INCIDENT.strip() + "\n---\nA summary\nover two lines.\n").replace("\n", "\r\n"))
    assert check(repo).exit_code == 0
    before = built_site(repo)
    repo.incident("2026-11-21-body", GOOD_INCIDENT, body="Summary \x1b[1mbold\x1b[0m\n")
    assert_refused(repo, before, "incidents/2026-11-21-body.md: body: found 'Summary \\x1b[1mbold\\x1b[0m'; "
                                 "contains the control character '\\x1b' at character 9")


def test_times_outside_the_buildable_range_are_errors(repo):
    before = built_site(repo)
    repo.incident("2026-11-21-early", GOOD_INCIDENT.replace("started: 2026-11-20T14:02:00Z",
                                                            "started: 0001-01-01T00:00:00+01:00"))
    repo.incident("2026-11-21-late", GOOD_INCIDENT.replace("resolved: 2026-11-20T15:40:00Z",
                                                           "resolved: 9999-12-31T23:59:59-01:00"))
    assert_refused(repo, before,
                   "incidents/2026-11-21-early.md: started: found '0001-01-01T00:00:00+01:00'; expected a time "
                   "from 1970-01-01T00:00:00Z to 9997-12-31T23:59:59Z (this one falls outside the years 1-9999",
                   "incidents/2026-11-21-late.md: resolved: found '9999-12-31T23:59:59-01:00'; expected a time from")


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59Z", "0001-01-01T00:30:00+01:00", "1969-12-31T23:59:59Z"])
def test_now_outside_the_buildable_range_is_an_error(repo, now):
    before = built_site(repo)
    result = repo.run("build", "--root", str(repo.root), "--now", now)
    assert result.exit_code == 1
    assert f"--now: found {now!r}; expected a time from 1970-01-01T00:00:00Z to 9997-12-31T23:59:59Z" in result.output
    site = repo.root / "site"
    assert {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before


def test_the_edges_of_the_buildable_range_build(repo):
    # Every duration a build adds to a time (uptime windows, calendar days, the next change) stays in range.
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    repo.incident("1970-01-01-first", GOOD_INCIDENT.replace("2026-11-20T14:02:00Z", "1970-01-01T00:00:00Z")
                  .replace("2026-11-20T14:10:00Z", "1970-01-01T00:00:00Z"))
    repo.incident("9997-12-31-last", GOOD_MAINTENANCE.replace("2026-12-01T02:00:00Z", "9997-12-31T23:00:00Z")
                  .replace("2026-12-01T04:00:00Z", "9997-12-31T23:59:59Z"))
    for now in ("9997-12-31T23:59:59Z", "1970-01-01T00:00:00Z"):
        result = repo.run("build", "--root", str(repo.root), "--now", now)
        assert result.exit_code == 0, result.output
    result = repo.run("build", "--root", str(repo.root), "--now", "9997-12-31T23:59:59Z", "--no-cache")
    assert result.exit_code == 0, result.output
    import feedparser
    import icalendar

    assert not feedparser.parse((repo.root / "site/feed.atom").read_bytes()).bozo
    calendar = icalendar.Calendar.from_ical((repo.root / "site/maintenance.ics").read_bytes())
    assert [str(event["summary"]) for event in calendar.walk("VEVENT")] == ["DB upgrade"]


def test_control_characters_in_field_names_are_shown_escaped(repo):
    repo.incident("2026-11-21-key", GOOD_INCIDENT + '"x\\e[2J\\nFAKE": 1\n')
    result = check(repo)
    assert result.exit_code == 1
    assert "incidents/2026-11-21-key.md: x\\x1b[2J\\nFAKE: unknown field 'x\\x1b[2J\\nFAKE'" in result.output
    assert "\x1b" not in result.output and "\nFAKE" not in result.output


def test_files_changed_in_the_last_two_seconds_are_left_out_of_the_index(repo, monkeypatch):
    """A file changed just before it is read could change again within the same tick of the
    file system's clock, keeping its status: it is read again next time, not trusted."""
    from statusgen import content
    from statusgen.config import load_config

    repo.incident("2026-11-20-api-errors", GOOD_INCIDENT)
    config = load_config(repo.root)
    files, problems, index = content.read_incident_files(config)
    assert problems == [] and len(files) == 1 and index == {}
    monkeypatch.setattr(content, "RECENT_NS", 0)
    files, _, index = content.read_incident_files(config)
    assert index == {"incidents/2026-11-20-api-errors.md": (content.signature(
        (repo.root / "incidents/2026-11-20-api-errors.md").stat()), files[0][0])}
    again, _, _ = content.read_incident_files(config, index)
    assert again == [(files[0][0], "incidents/2026-11-20-api-errors.md", "2026-11-20-api-errors", None)]


def test_an_editors_lock_beside_an_incident_being_edited_is_not_read(repo):
    # Emacs keeps `.#NAME` beside a file with unsaved edits: a link to nowhere, named like an
    # incident file. `serve` and `build` go on while someone edits.
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    (repo.root / "incidents/.#2026-11-20-api.md").symlink_to("oncall@laptop.4242:1795183320")
    result = check(repo)
    assert result.exit_code == 0, result.output
    assert "1 incidents" in result.output
    assert (repo.build("2026-11-21T00:00:00Z") / "incidents/2026-11-20-api/index.html").is_file()


def test_incident_files_are_found_in_path_order_with_pathlib_names(tmp_path):
    """The scan works on text, not Path objects: each file's source, slug and place in the
    order are still what pathlib gives (a name of '.md' alone has no suffix, so it is its own
    stem), and nested folders are read. Emacs' lock beside a file being edited is not read."""
    from pathlib import Path

    from statusgen.config import load_config
    from statusgen.content import read_incident_files, scan_incident_files

    (tmp_path / "statusgen.toml").write_text('[site]\ntitle = "T"\nbase_url = "https://s.example/"\n\n'
                                             '[[components]]\nid = "api"\nname = "API"\n')
    names = ["b.md", "a/c.md", "a/b/d.md", "a.md", ".md", "..md", "x.y.md", "a-b.md", "A.md", "a/Z.md",
             ".drafts/e.md"]
    for name in names:
        path = tmp_path / "incidents" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\ntitle: x\n---\n")
    (tmp_path / "incidents" / ".#b.md").symlink_to("user@host.1234:1700000000")  # Emacs' lock: a link to nowhere
    expected = sorted((tmp_path / "incidents" / name for name in names), key=lambda path: path.parts)
    assert scan_incident_files(tmp_path)[0] == expected
    files, _, _ = read_incident_files(load_config(tmp_path))
    assert [(source, slug) for _, source, slug, _ in files] == [
        (path.relative_to(tmp_path).as_posix(), path.stem) for path in expected]
    assert [slug for _, _, slug, _ in files].count(".md") == 1 and Path(".md").stem == ".md"


def test_notices_are_ordered_newest_first_then_by_slug(demo):
    """Two stable sorts give the order of one by (start, newest first; slug), ties included; the
    order load_content hands Content is the one Content.notices would sort."""
    import random
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from statusgen.config import load_config
    from statusgen.content import load_content
    from statusgen.model import Content, sort_newest_first

    pick = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for _ in range(100):
        notices = [SimpleNamespace(slug=f"n{pick.randint(0, 30)}-{i}", sort_time=start + timedelta(minutes=pick.randint(0, 9)))
                   for i in range(pick.randint(0, 40))]
        assert sort_newest_first(notices) == tuple(sorted(notices, key=lambda n: (-n.sort_time.timestamp(), n.slug)))
    content = load_content(load_config(demo.root))
    assert len(content.notices) > 3
    assert content.notices == Content(content.incidents, content.maintenances).notices
