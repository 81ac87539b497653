"""`new incident`, `new maintenance`, `update` and `resolve`, end to end through the CLI."""

from __future__ import annotations

import os

import pytest
import yaml
from bs4 import BeautifulSoup

from statusgen.content import ContentLoader
from tests.conftest import MINIMAL_CONFIG

EPOCH_2026_11_20_1402 = "1795183320"  # 2026-11-20T14:02:00Z


def front_matter(path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text.split("---\n")[1], Loader=ContentLoader)


def run(repo, *args, env=None):
    return repo.run(*args, "--root", str(repo.root), env=env)


def incident_files(repo) -> list[str]:
    return sorted(p.name for p in (repo.root / "incidents").iterdir())


def test_new_incident_writes_a_valid_file_and_prints_its_path(repo):
    result = run(repo, "new", "incident", "Elevated API errors", "--component", "api=partial_outage",
                 "--component", "web=degraded_performance", "--at", "2026-11-20T14:02:00Z")
    assert result.exit_code == 0, result.output
    assert result.output == "incidents/2026-11-20-elevated-api-errors.md\n"
    data = front_matter(repo.root / "incidents/2026-11-20-elevated-api-errors.md")
    assert data == {
        "title": "Elevated API errors",
        "components": {"api": "partial_outage", "web": "degraded_performance"},
        "started": "2026-11-20T14:02:00Z",
        "updates": [{"at": "2026-11-20T14:02:00Z", "status": "investigating",
                     "message": "We are investigating this issue."}],
    }
    check = run(repo, "check")
    assert check.exit_code == 0, check.output
    assert "1 incidents" in check.output


def test_new_incident_reads_times_in_the_site_timezone_and_dates_the_file_there(repo):
    repo.write("statusgen.toml", MINIMAL_CONFIG.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"'))
    result = run(repo, "new", "incident", "Night outage", "--component", "db=major_outage",
                 "--at", "2026-11-21T00:30", "--message", "Database *unreachable*.")
    assert result.exit_code == 0, result.output
    # 00:30 in Berlin is 23:30 UTC the day before; the file is named for the local day.
    path = repo.root / "incidents/2026-11-21-night-outage.md"
    assert result.output.strip() == "incidents/2026-11-21-night-outage.md"
    data = front_matter(path)
    assert data["started"] == "2026-11-20T23:30:00Z"
    assert data["updates"][0]["message"] == "Database *unreachable*."


def test_at_defaults_to_now_from_source_date_epoch(repo):
    result = run(repo, "new", "incident", "Slow", "--component", "api=degraded_performance",
                 env={"SOURCE_DATE_EPOCH": EPOCH_2026_11_20_1402})
    assert result.exit_code == 0, result.output
    data = front_matter(repo.root / "incidents/2026-11-20-slow.md")
    assert data["started"] == data["updates"][0]["at"] == "2026-11-20T14:02:00Z"


def test_unknown_component_or_status_is_refused_and_nothing_is_written(repo):
    result = run(repo, "new", "incident", "Broken", "--component", "apii=partial_outage", "--at", "2026-11-20T14:00Z")
    assert result.exit_code == 1
    assert result.output == ("Error: --component: unknown component 'apii' in 'apii=partial_outage' "
                             "(known: api, web, db)\n")
    result = run(repo, "new", "incident", "Broken", "--component", "api=down", "--at", "2026-11-20T14:00Z")
    assert result.exit_code == 1
    assert "--component: unknown status 'down' in 'api=down' (expected one of: operational," in result.output
    result = run(repo, "new", "incident", "Broken", "--component", "api", "--at", "2026-11-20T14:00Z")
    assert result.exit_code == 2  # click's own usage error for a malformed ID=STATUS
    assert "expected ID=STATUS" in result.output
    result = run(repo, "new", "incident", "Broken", "--component", "api=major_outage", "--at", "yesterday")
    assert result.exit_code == 1
    assert "--at: found 'yesterday'; expected an ISO 8601 date and time" in result.output
    assert incident_files(repo) == []
    assert "Traceback" not in result.output


def test_slugs_are_ascii_short_and_never_collide(repo):
    def new(title):
        result = run(repo, "new", "incident", title, "--component", "api=partial_outage", "--at", "2026-11-20T10:00Z")
        assert result.exit_code == 0, result.output
        return result.output.strip()

    assert new("API: errors!") == "incidents/2026-11-20-api-errors.md"
    assert new("API -- errors") == "incidents/2026-11-20-api-errors-2.md"
    assert new("api errors") == "incidents/2026-11-20-api-errors-3.md"
    assert new("Störung der Datenbank – Übertragung") == "incidents/2026-11-20-storung-der-datenbank-ubertragung.md"
    # other scripts are transliterated
    assert new("Ошибки API") == "incidents/2026-11-20-oshibki-api.md"
    assert new("straße") == "incidents/2026-11-20-strasse.md"
    assert new("障害") == "incidents/2026-11-20-zhang-hai.md"
    assert new("🔥🔥") == "incidents/2026-11-20-incident.md"  # nothing to spell: the fallback
    long_path = new("A very long title " * 10)
    slug = long_path.removeprefix("incidents/2026-11-20-").removesuffix(".md")
    assert len(slug) <= 60 and slug.startswith("a-very-long-title-a-very") and not slug.endswith("-")
    # Another title with an existing slug in a subfolder still gets a free name.
    repo.write("incidents/2025/2026-11-20-db-down.md", (repo.root / "incidents/2026-11-20-incident.md").read_text())
    assert new("DB down") == "incidents/2026-11-20-db-down-2.md"
    assert run(repo, "check").exit_code == 0


HAND_WRITTEN = """\
---
# Written by hand: comments, quoting, key order and indentation must survive.
title: "API errors"   # the title
started: 2026-11-20T14:02:00Z
components:
    api: partial_outage    # worst part
impact: major
updates:
- at: 2026-11-20T14:10:00Z
  status: investigating
  message: |
    We are investigating.

    More soon.

# trailing comment in the front matter
---
## Notes

Body with `code` and --- dashes.
"""


def test_update_appends_and_keeps_everything_else_byte_for_byte(repo):
    path = repo.write("incidents/2026-11-20-api.md", HAND_WRITTEN)
    result = run(repo, "update", "2026-11-20-api", "--status", "identified", "--message", "Cause: a bad deploy.",
                 "--at", "2026-11-20T14:30:00Z", "--component", "api=major_outage", "--component", "db=degraded_performance")
    assert result.exit_code == 0, result.output
    assert result.output == "incidents/2026-11-20-api.md\n"
    assert path.read_text(encoding="utf-8") == """\
---
# Written by hand: comments, quoting, key order and indentation must survive.
title: "API errors"   # the title
started: 2026-11-20T14:02:00Z
components:
    api: partial_outage    # worst part
impact: major
updates:
- at: 2026-11-20T14:10:00Z
  status: investigating
  message: |
    We are investigating.

    More soon.
- at: 2026-11-20T14:30:00Z
  status: identified
  message: 'Cause: a bad deploy.'
  components:
    api: major_outage
    db: degraded_performance

# trailing comment in the front matter
---
## Notes

Body with `code` and --- dashes.
"""
    assert run(repo, "check").exit_code == 0


def test_resolve_sets_resolved_and_appends_the_closing_update(repo):
    path = repo.write("incidents/2026-11-20-api.md", HAND_WRITTEN)
    result = run(repo, "resolve", "2026-11-20-api", "--at", "2026-11-20T15:40:00Z")
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text == HAND_WRITTEN.replace(
        "started: 2026-11-20T14:02:00Z\n", "started: 2026-11-20T14:02:00Z\nresolved: 2026-11-20T15:40:00Z\n"
    ).replace("    More soon.\n", "    More soon.\n- at: 2026-11-20T15:40:00Z\n  status: resolved\n"
                                  "  message: This incident has been resolved.\n")
    again = run(repo, "resolve", "2026-11-20-api")
    assert again.exit_code == 1
    assert again.output == "Error: incidents/2026-11-20-api.md: already resolved at 2026-11-20T15:40:00Z; nothing was written\n"
    assert path.read_text(encoding="utf-8") == text


def test_update_with_status_resolved_also_fills_an_empty_resolved_field(repo):
    path = repo.incident("2026-11-20-db", """
        title: DB
        components: {db: major_outage}
        started: 2026-11-20T14:00:00Z
        resolved:   # fill in when over
        updates: [{at: 2026-11-20T14:05:00Z, status: investigating, message: Down.}]
    """, body="Body.\n")
    result = run(repo, "update", "incidents/2026-11-20-db.md", "--status", "resolved", "--message", "Back: \"up\".",
                 "--at", "2026-11-20T14:50:00Z", "--component", "web=operational")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == (
        "---\ntitle: DB\ncomponents: {db: major_outage}\nstarted: 2026-11-20T14:00:00Z\n"
        "resolved: 2026-11-20T14:50:00Z   # fill in when over\n"
        "updates: [{at: 2026-11-20T14:05:00Z, status: investigating, message: Down.}, "
        "{at: 2026-11-20T14:50:00Z, status: resolved, message: \"Back: \\\"up\\\".\", components: {web: operational}}]\n"
        "---\nBody.\n")
    data = front_matter(path)
    assert data["updates"][-1]["message"] == 'Back: "up".'
    assert run(repo, "check").exit_code == 0


def test_write_update_resolve_round_trip_builds_and_shows_every_update(repo):
    env = {"SOURCE_DATE_EPOCH": EPOCH_2026_11_20_1402}
    created = run(repo, "new", "incident", "Checkout <b>failing</b>", "--component", "web=major_outage", env=env)
    assert created.exit_code == 0, created.output
    slug = created.output.strip().removeprefix("incidents/").removesuffix(".md")
    assert slug == "2026-11-20-checkout-b-failing-b"
    steps = [
        ("update", slug, "--status", "identified", "--message", "A **certificate** expired.", "--at", "2026-11-20T14:20Z"),
        ("update", slug, "--status", "monitoring", "--message", "Renewed; watching.\n\nSecond paragraph.",
         "--at", "2026-11-20T14:40Z", "--component", "web=degraded_performance"),
        ("resolve", slug, "--message", "All checkouts succeed again.", "--at", "2026-11-20T15:00Z"),
    ]
    for step in steps:
        result = run(repo, *step)
        assert result.exit_code == 0, result.output
    data = front_matter(repo.root / f"incidents/{slug}.md")
    assert data["resolved"] == "2026-11-20T15:00:00Z"
    assert [u["status"] for u in data["updates"]] == ["investigating", "identified", "monitoring", "resolved"]
    # the status at the start stays on record; the change is the update's own
    assert data["components"] == {"web": "major_outage"}
    assert data["updates"][2]["components"] == {"web": "degraded_performance"}

    repo.build("2026-11-20T16:00:00Z")
    page = BeautifulSoup(repo.read(f"incidents/{slug}/index.html"), "html5lib")
    assert page.h1.get_text() == "Checkout <b>failing</b>"
    timeline = page.select_one("ol.timeline").get_text(" ", strip=True)
    for text in ("We are investigating this issue.", "A certificate expired.", "Second paragraph.",
                 "All checkouts succeed again."):
        assert text in timeline
    assert page.select_one("ol.timeline strong").get_text() == "certificate"
    index = BeautifulSoup(repo.read("index.html"), "html5lib")
    assert index.select_one("[data-indicator]")["data-indicator"] == "none"


def test_update_validates_status_for_the_type_and_refuses_invalid_results(repo):
    path = repo.write("incidents/2026-11-20-api.md", HAND_WRITTEN)
    result = run(repo, "update", "2026-11-20-api", "--status", "completed", "--message", "x")
    assert result.exit_code == 1
    assert result.output == ("Error: --status: found 'completed'; expected for an incident one of: "
                             "investigating, identified, monitoring, resolved, postmortem\n")
    # Resolving before the start would make the file invalid: refused, file untouched.
    result = run(repo, "resolve", "2026-11-20-api", "--at", "2026-11-20T13:00:00Z")
    assert result.exit_code == 1
    assert "incidents/2026-11-20-api.md: resolved: found '2026-11-20T13:00:00Z', before started" in result.output
    assert "nothing was written" in result.output
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN


def test_update_refuses_a_file_that_is_already_invalid(repo):
    broken = HAND_WRITTEN.replace("status: investigating", "status: investigatin")
    path = repo.write("incidents/2026-11-20-api.md", broken)
    result = run(repo, "update", "2026-11-20-api", "--status", "identified", "--message", "x")
    assert result.exit_code == 1
    assert "incidents/2026-11-20-api.md: updates[0].status: found 'investigatin'" in result.output
    assert "fix these first; nothing was written" in result.output
    assert path.read_text(encoding="utf-8") == broken


def test_slug_may_be_a_path_and_unknown_slugs_get_suggestions(repo, monkeypatch):
    path = repo.write("incidents/2026-11-20-api.md", HAND_WRITTEN)
    monkeypatch.chdir(repo.root.parent)
    by_cwd_path = run(repo, "update", "status/incidents/2026-11-20-api.md", "--status", "identified",
                      "--message", "one", "--at", "2026-11-20T14:20Z")
    assert by_cwd_path.exit_code == 0, by_cwd_path.output
    by_absolute = run(repo, "update", str(path), "--status", "monitoring", "--message", "two", "--at", "2026-11-20T14:30Z")
    assert by_absolute.exit_code == 0, by_absolute.output
    assert [u["message"] for u in front_matter(path)["updates"]][1:] == ["one", "two"]

    unknown = run(repo, "update", "2026-11-20-apu", "--status", "identified", "--message", "x")
    assert unknown.exit_code == 1
    assert unknown.output == "Error: SLUG: no incident file '2026-11-20-apu' in incidents/ (did you mean: 2026-11-20-api?)\n"
    outside = repo.write("notes/2026-11-20-api.md", HAND_WRITTEN)
    elsewhere = run(repo, "update", str(outside), "--status", "identified", "--message", "x")
    assert elsewhere.exit_code == 1
    assert "is not a .md file in" in elsewhere.output
    assert outside.read_text(encoding="utf-8") == HAND_WRITTEN


def test_crlf_files_keep_their_line_endings(repo):
    path = repo.root / "incidents/2026-11-20-api.md"
    path.write_bytes(HAND_WRITTEN.replace("\n", "\r\n").encode())
    result = run(repo, "update", "2026-11-20-api", "--status", "identified", "--message", "Found it.",
                 "--at", "2026-11-20T14:30Z")
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"- at: 2026-11-20T14:30:00Z\r\n  status: identified\r\n  message: Found it.\r\n" in raw
    assert run(repo, "check").exit_code == 0


def test_maintenance_new_update_resolve(repo):
    env = {"SOURCE_DATE_EPOCH": EPOCH_2026_11_20_1402}
    bad = run(repo, "new", "maintenance", "DB upgrade", "--component", "db=under_maintenance",
              "--start", "2026-12-01T04:00Z", "--end", "2026-12-01T02:00Z", env=env)
    assert bad.exit_code == 1
    assert bad.output == ("Error: --end: found 2026-12-01T02:00:00Z, not after --start (2026-12-01T04:00:00Z); "
                          "expected a later time\n")
    assert incident_files(repo) == []

    created = run(repo, "new", "maintenance", "DB upgrade", "--component", "db=under_maintenance",
                  "--component", "api=degraded_performance", "--start", "2026-12-01T02:00",
                  "--end", "2026-12-01T04:00", "--message", "Upgrading to the next major version.", env=env)
    assert created.exit_code == 0, created.output
    assert created.output == "incidents/2026-12-01-db-upgrade.md\n"
    path = repo.root / "incidents/2026-12-01-db-upgrade.md"
    assert front_matter(path) == {
        "title": "DB upgrade", "type": "maintenance",
        "components": {"db": "under_maintenance", "api": "degraded_performance"},
        "scheduled_start": "2026-12-01T02:00:00Z", "scheduled_end": "2026-12-01T04:00:00Z",
        "updates": [{"at": "2026-11-20T14:02:00Z", "status": "scheduled",
                     "message": "Upgrading to the next major version."}],
    }
    wrong = run(repo, "update", "2026-12-01-db-upgrade", "--status", "identified", "--message", "x")
    assert wrong.exit_code == 1
    assert "expected for a maintenance one of: scheduled, in_progress, verifying, completed" in wrong.output

    started = run(repo, "update", "2026-12-01-db-upgrade", "--status", "in_progress", "--message", "Started.",
                  "--at", "2026-12-01T02:00Z")
    assert started.exit_code == 0, started.output
    repo.build("2026-12-01T03:00:00Z")
    index = BeautifulSoup(repo.read("index.html"), "html5lib")
    assert index.select_one('[data-incident="2026-12-01-db-upgrade"]')["data-maintenance-state"] == "in_progress"

    done = run(repo, "resolve", "2026-12-01-db-upgrade", "--at", "2026-12-01T03:20Z")
    assert done.exit_code == 0, done.output
    data = front_matter(path)
    assert data["completed"] == "2026-12-01T03:20:00Z"
    assert list(data)[:6] == ["title", "type", "components", "scheduled_start", "scheduled_end", "completed"]
    assert data["updates"][-1] == {"at": "2026-12-01T03:20:00Z", "status": "completed",
                                   "message": "This maintenance has been completed."}
    again = run(repo, "resolve", "2026-12-01-db-upgrade")
    assert again.exit_code == 1
    assert "already has a 'completed' update" in again.output

    repo.build("2026-12-01T03:30:00Z")
    page = BeautifulSoup(repo.read("incidents/2026-12-01-db-upgrade/index.html"), "html5lib")
    assert page.select_one("[data-maintenance-state]")["data-maintenance-state"] == "completed"
    assert "Started." in page.select_one("ol.timeline").get_text()


def test_atomic_write_leaves_no_temporary_files(repo):
    repo.write("incidents/2026-11-20-api.md", HAND_WRITTEN)
    os.chmod(repo.root / "incidents/2026-11-20-api.md", 0o600)
    assert run(repo, "resolve", "2026-11-20-api", "--at", "2026-11-20T15:00Z").exit_code == 0
    assert incident_files(repo) == ["2026-11-20-api.md"]
    assert os.stat(repo.root / "incidents/2026-11-20-api.md").st_mode & 0o777 == 0o600


def only_insertions(old: str, new: str, replaced: int = 0) -> list[str]:
    """The lines `new` adds to `old`; fails if any original line is gone, except `replaced` of them."""
    import difflib

    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    added, changed = [], 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "insert":
            added += new_lines[j1:j2]
        elif tag == "replace":
            changed += i2 - i1
            added += new_lines[j1:j2]
        elif tag == "delete":
            raise AssertionError(f"lines removed: {old_lines[i1:i2]}")
    assert changed == replaced, (changed, new)
    return added


LAYOUTS = {
    "no components key": ("title: T\nstarted: 2026-11-20T14:00:00Z\nupdates:\n"
                          "    -   at: 2026-11-20T14:05:00Z\n        status: investigating\n        message: >-\n"
                          "            Folded\n            text.\n", 0, None),
    "empty flow components": ("title: T\ncomponents: {}\nstarted: 2026-11-20T14:00:00Z\nupdates:\n"
                              "  - {at: 2026-11-20T14:05:00Z, status: investigating, message: x}\n", 0, {}),
    "null components with comment": ("title: T\ncomponents:   # none yet\nstarted: 2026-11-20T14:00:00Z\n"
                                     "updates:\n  - at: 2026-11-20T14:05:00Z\n    status: investigating\n"
                                     "    message: 'x'  # quoted\n", 0, None),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_update_copes_with_other_layouts(repo, layout):
    front, replaced, components = LAYOUTS[layout]
    original = f"---\n{front}---\nBody\n---\nnot front matter\n"
    path = repo.write("incidents/2026-11-20-t.md", original)
    result = run(repo, "update", "2026-11-20-t", "--status", "resolved", "--message", "Fixed.\nFor good.",
                 "--at", "2026-11-20T15:00Z", "--component", "api=operational")
    assert result.exit_code == 0, result.output
    new = path.read_text(encoding="utf-8")
    only_insertions(original, new, replaced)
    assert new.endswith("---\nBody\n---\nnot front matter\n")
    data = front_matter(path)
    assert data.get("components") == components  # as written: --component goes into the update
    assert data["resolved"] == "2026-11-20T15:00:00Z"
    assert data["updates"][-1]["message"].strip() == "Fixed.\nFor good."
    assert data["updates"][-1]["components"] == {"api": "operational"}
    assert len(data["updates"]) == 2
    assert run(repo, "check").exit_code == 0


# -- hostile input to the authoring commands ----------------------------------------------------

TAB_INCIDENT = ("---\ntitle:\tTabbed title\ncomponents:\n  api: partial_outage\nstarted: 2026-11-20T14:02:00Z\n"
                "updates:\n  - at: 2026-11-20T14:02:00Z\n    status: investigating\n    message: Looking.\n---\n")


def test_a_file_that_builds_can_be_updated_even_with_a_tab_after_a_key(repo):
    repo.write("incidents/2026-11-20-tab.md", TAB_INCIDENT)
    assert run(repo, "check").exit_code == 0
    result = run(repo, "update", "2026-11-20-tab", "--status", "identified", "--message", "Found it.",
                 "--at", "2026-11-20T14:30:00Z")
    assert result.exit_code == 0, result.output
    text = (repo.root / "incidents/2026-11-20-tab.md").read_text()
    assert text.startswith(TAB_INCIDENT.removesuffix("---\n"))  # every byte written before is kept
    data = front_matter(repo.root / "incidents/2026-11-20-tab.md")
    assert data["title"] == "Tabbed title"
    assert data["updates"][-1] == {"at": "2026-11-20T14:30:00Z", "status": "identified", "message": "Found it."}
    assert run(repo, "check").exit_code == 0


@pytest.mark.parametrize("message, written", [
    ("Rolling back.   ", "Rolling back."),
    ("First line.  \r\nSecond line.\t\r\n", "First line.\nSecond line."),
    ("Old Mac\rline endings", "Old Mac\nline endings"),
])
def test_messages_with_trailing_spaces_or_windows_line_endings_are_normalised(repo, message, written):
    assert run(repo, "new", "incident", "API errors", "--component", "api=partial_outage",
               "--at", "2026-11-20T14:02:00Z", "--message", message).exit_code == 0
    path = repo.root / "incidents/2026-11-20-api-errors.md"
    assert front_matter(path)["updates"][0]["message"].rstrip("\n") == written  # a block scalar ends with \n
    result = run(repo, "update", "2026-11-20-api-errors", "--status", "identified", "--message", message,
                 "--at", "2026-11-20T14:30:00Z")
    assert result.exit_code == 0, result.output
    result = run(repo, "resolve", "2026-11-20-api-errors", "--message", message, "--at", "2026-11-20T15:00:00Z")
    assert result.exit_code == 0, result.output
    assert [u["message"].rstrip("\n") for u in front_matter(path)["updates"]] == [written] * 3
    assert "\r" not in path.read_text()
    assert run(repo, "check").exit_code == 0


CONTROL_ARGS = {
    "escape in new incident title": (["new", "incident", "API \x1b[31merrors", "--component", "api=major_outage"],
                                     "TITLE: found 'API \\x1b[31merrors'; contains the control character '\\x1b'"),
    "line break in new maintenance title": (["new", "maintenance", "DB\r\nupgrade", "--component", "db=under_maintenance",
                                             "--start", "2026-12-01T02:00:00Z", "--end", "2026-12-01T04:00:00Z"],
                                            "TITLE: found 'DB\\r\\nupgrade'; contains the line break '\\r'"),
    "NEL in new incident message": (["new", "incident", "API errors", "--component", "api=major_outage",
                                     "--message", "Down\x85now"],
                                    "--message: found 'Down\\x85now'; contains the control character '\\x85'"),
    "escape in update message": (["update", "2026-11-20-existing", "--status", "identified", "--message", "\x1b[2Jgone"],
                                 "--message: found '\\x1b[2Jgone'; contains the control character '\\x1b'"),
    "NUL in resolve message": (["resolve", "2026-11-20-existing", "--message", "done\x00"],
                               "--message: found 'done\\x00'; contains the control character '\\x00'"),
}


@pytest.mark.parametrize("case", sorted(CONTROL_ARGS))
def test_control_characters_in_titles_and_messages_are_refused_and_nothing_is_written(repo, case):
    assert run(repo, "new", "incident", "Existing", "--component", "api=partial_outage",
               "--at", "2026-11-20T14:02:00Z").exit_code == 0
    before = {p.name: p.read_bytes() for p in (repo.root / "incidents").iterdir()}
    args, message = CONTROL_ARGS[case]
    result = run(repo, *args, "--at" if args[0] != "new" or args[1] == "incident" else "--message", *(
        ["2026-11-21T10:00:00Z"] if args[0] != "new" or args[1] == "incident" else ["Planned."]))
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "expected text without control characters" in result.output
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in (repo.root / "incidents").iterdir()} == before


def test_update_refuses_a_time_outside_the_buildable_range(repo):
    assert run(repo, "new", "incident", "Existing", "--component", "api=partial_outage",
               "--at", "2026-11-20T14:02:00Z").exit_code == 0
    result = run(repo, "update", "2026-11-20-existing", "--status", "identified", "--message", "x",
                 "--at", "9999-12-31T23:59:59-01:00")
    assert result.exit_code == 1
    assert "--at: found '9999-12-31T23:59:59-01:00'; expected a time from 1970-01-01T00:00:00Z" in result.output


def test_update_refuses_links_out_of_the_repository_pipes_and_dangling_links(repo, tmp_path):
    from tests import cli_process

    outside = tmp_path / "outside.md"
    outside.write_text(TAB_INCIDENT)
    incidents = repo.root / "incidents"
    (incidents / "2026-11-20-leak.md").symlink_to(outside)
    (incidents / "2026-11-20-gone.md").symlink_to(tmp_path / "gone.md")
    os.mkfifo(incidents / "2026-11-20-pipe.md")
    for slug, message in [("2026-11-20-leak", "outside the status repository"),
                          ("2026-11-20-gone", "which does not exist"),
                          ("2026-11-20-pipe", "not a regular file (a named pipe, socket or device)")]:
        # a real process, bounded in time: reading a pipe would block forever
        result = cli_process.run("update", slug, "--status", "identified", "--message", "x",
                                 "--root", str(repo.root))
        assert result.returncode == 1, result.stderr
        assert f"Error: incidents/{slug}.md: " in result.stderr and message in result.stderr
        assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert outside.read_text() == TAB_INCIDENT


def test_update_through_a_link_inside_the_repository_edits_its_target(repo):
    repo.write("drafts/tab.md", TAB_INCIDENT)
    link = repo.root / "incidents/2026-11-20-tab.md"
    link.symlink_to(repo.root / "drafts/tab.md")
    result = run(repo, "update", "2026-11-20-tab", "--status", "identified", "--message", "Found it.",
                 "--at", "2026-11-20T14:30:00Z")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert front_matter(repo.root / "drafts/tab.md")["updates"][-1]["message"] == "Found it."


def test_a_file_that_cannot_be_written_is_refused_and_left_as_it_was(repo, monkeypatch):
    # As when incidents/ is not writable for this user: the new text goes to a temporary file
    # beside the incident, which cannot be made. Nothing changes, and the message says so.
    import statusgen.files

    path = repo.write("incidents/2026-11-20-api.md", HAND_WRITTEN)

    def refused(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(dir))

    monkeypatch.setattr(statusgen.files.tempfile, "mkstemp", refused)
    updated = run(repo, "update", "2026-11-20-api", "--status", "identified", "--message", "Found it.",
                  "--at", "2026-11-20T14:30:00Z")
    assert updated.exit_code == 1
    assert updated.output == ("Error: incidents/2026-11-20-api.md: cannot be written (Permission denied); "
                              "nothing was written\n")
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN
    created = run(repo, "new", "incident", "Login failing", "--component", "web=major_outage",
                  "--at", "2026-11-20T14:30:00Z")
    assert created.exit_code == 1
    assert created.output == ("Error: incidents/2026-11-20-login-failing.md: cannot be written (Permission denied); "
                              "nothing was written\n")
    assert incident_files(repo) == ["2026-11-20-api.md"]


def test_an_incidents_folder_that_cannot_be_opened_is_refused(repo, monkeypatch):
    import statusgen.authoring

    path = repo.write("incidents/2026-11-20-api.md", HAND_WRITTEN)
    folder = str((repo.root / "incidents").resolve())
    real_open = os.open

    def refusing(target, *args, **kwargs):
        if str(target) == folder:
            raise PermissionError(13, "Permission denied", folder)
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(statusgen.authoring.os, "open", refusing)
    result = run(repo, "resolve", "2026-11-20-api", "--at", "2026-11-20T15:00Z")
    assert result.exit_code == 1
    assert result.output == ("Error: incidents/: cannot be opened to take the authoring lock (Permission denied); "
                             "nothing was written\n")
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN


def test_an_incidents_file_in_place_of_the_folder_is_refused(repo):
    (repo.root / "incidents").rmdir()
    (repo.root / "incidents").write_text("notes")
    result = run(repo, "new", "incident", "Login failing", "--component", "web=major_outage",
                 "--at", "2026-11-20T14:30:00Z")
    assert result.exit_code == 1
    assert result.output == "Error: incidents: a file; expected the folder of incident files; nothing was written\n"
    assert (repo.root / "incidents").read_text() == "notes"
