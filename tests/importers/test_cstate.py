"""`statusgen import cstate`: cState sites of two generations, odd cases, and what is reported."""

from __future__ import annotations

import shutil

from bs4 import BeautifulSoup

from tests.conftest import MINIMAL_CONFIG
from tests.importers.conftest import FIXTURES, ImportRepo

SITE, V2 = FIXTURES / "cstate" / "site", FIXTURES / "cstate" / "v2"


def test_systems_categories_and_issues_become_config_and_incidents(empty):
    result = empty.import_("cstate", str(SITE), "--timezone", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    empty.check()

    config = empty.config()
    assert config["site"]["title"] == "Eggsample Status"
    assert config["site"]["base_url"] == "https://status.eggsample.test/"
    assert config["site"]["timezone"] == "Europe/Berlin"
    assert [(g["id"], g["name"], g.get("description")) for g in config["groups"]] == [
        ("north-coast", "North Coast", "The main servers are located here.")]
    # A system in an untitled category and one in no category at all: components without a group.
    assert [(c["id"], c.get("group")) for c in config["components"]] == [
        ("gateway", "north-coast"), ("backup-gateway", "north-coast"), ("api", "north-coast"),
        ("media-proxy", None), ("status-page", None)]

    assert sorted(p.stem for p in (empty.root / "incidents").iterdir()) == [
        "2018-05-25-us-east-conn-issues", "2019-10-04-testing-new-features", "2021-02-24-maintenance-window",
        "2024-02-24-announcement", "2026-11-20-gateway-down"]  # the draft and _index.md are not issues

    front, body = empty.notice("2018-05-25-us-east-conn-issues")
    # Offset-less cState times, read in --timezone, written with the offset they had then.
    assert (front["started"], front["resolved"]) == ("2018-05-25T04:13:00+02:00", "2018-05-25T05:54:00+02:00")
    assert front["components"] == {"api": "partial_outage", "media-proxy": "partial_outage"}
    assert [(u["at"], u["status"]) for u in front["updates"]] == [
        ("2018-05-25T04:13:00+02:00", "investigating"), ("2018-05-25T04:40:00+02:00", "monitoring"),
        ("2018-05-25T05:54:00+02:00", "resolved")]
    assert front["updates"][1]["message"].startswith("We believe the connectivity issues")
    assert "[other DNS servers](https://developers.google.com/speed/public-dns/docs/using)" in front["updates"][1]["message"]
    assert body == ""

    # Unresolved, with a removed system and an "Update" label that keeps the status before it.
    front, _ = empty.notice("2026-11-20-gateway-down")
    assert "resolved" not in front and front["components"] == {"gateway": "major_outage"}
    assert [(u["status"], u["message"]) for u in front["updates"]] == [
        ("investigating", "The gateway does not answer."),
        ("investigating", "We are failing over to the backup gateway.")]

    # notice -> under_maintenance; an unknown label stays in the text; text after the last track is the body.
    front, body = empty.notice("2021-02-24-maintenance-window")
    assert front["components"] == {"gateway": "under_maintenance", "backup-gateway": "under_maintenance"}
    assert front["updates"][0]["message"] == "*Just began* - We're currently shutting down the network."
    assert body == "We will publish a summary of the work next week."

    # Informational posts: no components, resolved at once, the text as their one update.
    for slug in ("2019-10-04-testing-new-features", "2024-02-24-announcement"):
        front, _ = empty.notice(slug)
        assert "components" not in front and front["resolved"] == front["started"]
        assert [u["status"] for u in front["updates"]] == ["resolved"]

    out = result.output
    assert "content/issues/2026-11-20-gateway-down.md: affected: 'Old CDN' is not a system in the config" in out
    assert "content/issues/2024-02-24-announcement.md: pin: True; no place in statusgen" in out
    assert "content/issues/2025-01-10-draft.md: draft: true" in out
    assert "config.yml: params.systems[3].link: 'https://media.eggsample.test/'" in out
    assert "config.yml: params.categories[0].closed: true" in out

    site = empty.build("2026-11-20T15:00:00Z")
    soup = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    assert soup.find(attrs={"data-indicator": True})["data-indicator"] == "critical"
    assert soup.find(attrs={"data-component": "gateway"})["data-status"] == "major_outage"
    assert soup.find(attrs={"data-incident": "2026-11-20-gateway-down"}) is not None


def test_an_unknown_severity_is_refused_until_mapped(empty, tmp_path):
    site = tmp_path / "cstate"
    shutil.copytree(SITE, site)
    (site / "content/issues/2026-11-21-db.md").write_text(
        "---\ntitle: Database errors\ndate: 2026-11-21 10:00:00\nseverity: critical\naffected: [API]\n---\n"
        "*Investigating* - Errors. {{< track \"2026-11-21 10:00:00\" >}}\n")
    (site / "content/issues/2026-11-22-x.md").write_text("---\ntitle: ''\ndate: soon\nseverity: down\n---\n")
    refused = empty.import_("cstate", str(site))
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "Error: 3 problems found:",
        "  content/issues/2026-11-21-db.md: severity: found 'critical'; expected down, disrupted or notice "
        "(or map it with --severity NAME=STATUS)",
        "  content/issues/2026-11-22-x.md: title: missing; expected the issue's title",
        "  content/issues/2026-11-22-x.md: date: found 'soon'; expected a date and time such as "
        "2026-11-20T14:02:00Z or 2026-11-20 14:02:00",
    ]
    assert list(empty.root.iterdir()) == []
    (site / "content/issues/2026-11-22-x.md").unlink()
    mapped = empty.import_("cstate", str(site), "--severity", "critical=major_outage")
    assert mapped.exit_code == 0, mapped.output
    front, _ = empty.notice("2026-11-21-db")
    assert front["components"] == {"api": "major_outage"}


def test_an_older_site_with_a_toml_config_and_plain_system_names(empty):
    result = empty.import_("cstate", str(V2))
    assert result.exit_code == 0, result.output
    empty.check()
    config = empty.config()
    assert [(c["id"], c["name"]) for c in config["components"]] == [("website", "Website"), ("api", "API")]
    assert "groups" not in config
    assert "config.toml: baseURL: 'http://old-status.example.net/' is not an https URL" in result.output
    front, _ = empty.notice("2021-02-24-website-slow")
    assert front["started"] == "2021-02-24T12:35:00+02:00" and front["resolved"] == "2021-02-24T13:05:00+02:00"
    assert [u["status"] for u in front["updates"]] == ["investigating", "resolved"]
    assert "website-slow.md: updates: no closing update; added a 'resolved' update" in result.output


def test_times_default_to_the_sites_zone_and_a_rerun_changes_nothing(repo):
    repo = ImportRepo(repo.root)
    (repo.root / "statusgen.toml").write_text(MINIMAL_CONFIG.replace('timezone = "UTC"', 'timezone = "America/New_York"'))
    assert repo.import_("cstate", str(SITE)).exit_code == 0
    front, _ = repo.notice("2018-05-25-us-east-conn-issues")
    assert front["started"] == "2018-05-25T04:13:00-04:00"
    # "API" is already in statusgen.toml as `api`: the incidents use it.
    assert front["components"] == {"api": "partial_outage", "media-proxy": "partial_outage"}
    repo.check()
    before = repo.files()
    again = repo.import_("cstate", str(SITE))
    assert again.exit_code == 0 and "Unchanged: statusgen.toml" in again.output
    assert repo.files() == before


def test_an_unresolved_issue_with_a_resolved_update_stays_open(empty, tmp_path):
    site = tmp_path / "cstate"
    (site / "content/issues").mkdir(parents=True)
    (site / "config.yml").write_text("title: S\nbaseURL: https://s.example\nparams:\n  systems:\n    - API\n")
    (site / "content/issues/api.md").write_text(
        "---\ntitle: API errors\ndate: 2026-11-20 10:00:00\nresolved: false\nseverity: disrupted\naffected: [API]\n---\n"
        "*Resolved* - Looked fixed. {{< track \"2026-11-20 10:30:00\" >}}\n\n"
        "*Investigating* - Errors. {{< track \"2026-11-20 10:00:00\" >}}\n\n{{< figure src=\"graph.png\" >}}\n")
    result = empty.import_("cstate", str(site))
    assert result.exit_code == 0, result.output
    front, _ = empty.notice("2026-11-20-api")
    assert "resolved" not in front
    assert [(u["status"], u["message"]) for u in front["updates"]] == [
        ("investigating", "Errors."), ("monitoring", "Looked fixed.")]
    assert ("content/issues/api.md: updates: the update at 2026-11-20T10:30:00Z says resolved but the incident "
            "is not; imported as 'monitoring'") in result.output
    assert "content/issues/api.md: body: Hugo shortcodes kept as text: figure" in result.output
    empty.check()


def test_imported_history_is_never_pushed_to_subscribers(repo):
    repo = ImportRepo(repo.root)
    (repo.root / "statusgen.toml").write_text(
        MINIMAL_CONFIG + '\n[[notify]]\nname = "ops-hook"\nkind = "webhook"\nurl_env = "OPS_HOOK_URL"\n')
    ledger, now = str(repo.root / "ledger.json"), "2026-11-21T00:00:00Z"
    env = {"OPS_HOOK_URL": "http://127.0.0.1:9/hook"}
    first = repo.run("notify", "--root", str(repo.root), "--ledger", ledger, "--now", now, env=env)
    assert first.exit_code == 0, first.output
    assert repo.import_("cstate", str(SITE)).exit_code == 0
    front, _ = repo.notice("2026-11-20-gateway-down")
    assert front["notify"] == "false"
    for _ in range(2):  # the second run reads the notices from the build cache
        dry = repo.run("notify", "--root", str(repo.root), "--ledger", ledger, "--now", now, "--dry-run", env=env)
        assert dry.exit_code == 0, dry.output
        assert dry.output.strip() == "ops-hook (webhook): would send 0 messages"
    new = repo.run("new", "incident", "Fresh news", "--component", "api=major_outage", "--at", "2026-11-20T23:00:00Z",
                   "--root", str(repo.root))
    assert new.exit_code == 0, new.output
    dry = repo.run("notify", "--root", str(repo.root), "--ledger", ledger, "--now", now, "--dry-run", env=env)
    assert "would send 2 messages" in dry.output and "Fresh news" in dry.output


def test_a_folder_of_issues_that_cannot_be_listed_is_refused(empty, tmp_path, unlistable):
    # Passed over, its issues would be missing from the new repository without a word.
    site = shutil.copytree(SITE, tmp_path / "site")
    (site / "content/issues/2017").mkdir()
    shutil.move(site / "content/issues/2018-05-25-us-east-conn-issues.md", site / "content/issues/2017")
    unlistable(str(site / "content/issues/2017"))
    before = empty.files()
    result = empty.import_("cstate", str(site), "--timezone", "Europe/Berlin")
    assert result.exit_code == 1
    assert ("content/issues/2017/: cannot be read (Permission denied); expected a folder statusgen can list "
            "(its issues would not be imported)") in result.output
    assert empty.files() == before
