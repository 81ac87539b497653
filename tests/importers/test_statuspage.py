"""`statusgen import statuspage`: saved exports, a live URL (on loopback) and the round trip."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import DEMO_NOW, MINIMAL_CONFIG
from tests.factories import incident_file, update
from tests.importers.conftest import FIXTURES, ImportRepo

EXPORTS = FIXTURES / "statuspage"
CURRENT, OLDER = str(EXPORTS / "current"), str(EXPORTS / "older")


def test_saved_exports_become_a_repository_that_checks_and_builds(empty):
    result = empty.import_("statuspage", CURRENT, OLDER)
    assert result.exit_code == 0, result.output
    empty.check()

    config = empty.config()
    assert config["site"] == {"title": "Example Cloud Status", "base_url": "https://status.example-cloud.test/",
                              "timezone": "America/New_York"}
    assert [(g["id"], g["name"]) for g in config["groups"]] == [("platform", "Platform")]
    assert [(c["id"], c["name"], c.get("group")) for c in config["components"]] == [
        ("api", "API", "platform"), ("web-app", "Web App", "platform"), ("email-delivery", "Email Delivery", None)]

    slugs = sorted(p.stem for p in (empty.root / "incidents").glob("*.md"))
    assert slugs == ["2025-03-10-api-latency", "2026-09-01-legacy-gateway-timeouts",
                     "2026-10-02-full-outage-of-the-web-app", "2026-11-05-database-upgrade",
                     "2026-11-18-intermittent-email-delays", "2026-11-20-elevated-api-error-rates",
                     "2026-12-03-web-app-hosting-move"]

    # Offsets as the export wrote them; statuses over time from affected_components.
    front, _ = empty.notice("2026-11-20-elevated-api-error-rates")
    assert front["started"] == "2026-11-20T09:02:00-05:00" and front["resolved"] == "2026-11-20T10:40:00-05:00"
    assert front["impact"] == "major" and front["components"] == {"api": "major_outage"}
    assert front["notify"] == "false"  # imported history is not news
    assert [u["status"] for u in front["updates"]] == ["investigating", "identified", "monitoring", "resolved"]
    assert front["updates"][2]["components"] == {"api": "partial_outage"}
    assert "components" not in front["updates"][3]  # resolving ends every status by itself
    # The HTML body became Markdown.
    assert front["updates"][1]["message"].strip() == ("We identified a **bad deploy**. See "
                                              "[the changelog](https://example-cloud.test/changelog).\n\n"
                                              "- Rolling back\n- Watching error rates")

    # The newer export's copy of an incident wins over the older one's; the older adds history.
    assert front["updates"][-1]["message"] == "Error rates are back to normal."

    # An impact that is the one the statuses give is left to follow them.
    assert "impact" not in empty.notice("2025-03-10-api-latency")[0]

    # The postmortem body is the file's body.
    front, body = empty.notice("2026-10-02-full-outage-of-the-web-app")
    assert body.startswith("## What happened") and front["updates"][-1]["status"] == "postmortem"

    maintenance, _ = empty.notice("2026-11-05-database-upgrade")
    assert maintenance["type"] == "maintenance" and maintenance["components"] == {"api": "under_maintenance"}
    assert maintenance["completed"] == "2026-11-05T03:40:00Z"

    out = result.output
    assert "Legacy Gateway' is not in components.json (removed?); left out" in out
    assert "incidents.json: p31zjtct2jer: components:" in out and "incidents.json: r4t6y8u0i2op: components:" in out
    assert "components.json: Web App: only_show_if_degraded: true" in out
    assert "scheduled-maintenances.json: m1q2w3e4r5t6: scheduled_remind_prior: True" in out
    assert "w7c5n1b3h8ra: incident_updates[1].body: empty" in out
    assert "p31zjtct2jer: incident_updates[0].wants_twitter_update: True; no place in statusgen" in out
    # Set by hand on Statuspage: no open incident says so (the email delays are still open).
    assert ("components.json: Web App: status: 'degraded_performance' with no open incident or maintenance"
            in out)
    assert "Email Delivery: status:" not in out

    site = empty.build("2026-11-20T16:00:00Z")
    incidents = json.loads((site / "api/v2/incidents.json").read_text())["incidents"]
    by_name = {i["name"]: i for i in incidents}
    assert by_name["Elevated API error rates"]["started_at"] == "2026-11-20T14:02:00.000Z"


def test_an_incident_with_thirty_updates_keeps_all_of_them_and_its_status_changes(empty):
    assert empty.import_("statuspage", CURRENT).exit_code == 0
    front, _ = empty.notice("2026-11-18-intermittent-email-delays")
    updates = front["updates"]
    assert len(updates) == 30
    assert [u["message"] for u in updates] == [
        f"Update {n} of 30: queues are {'growing' if n <= 14 else 'draining'}." for n in range(1, 31)]
    assert "resolved" not in front and updates[-1]["status"] == "monitoring"
    assert front["components"] == {"email-delivery": "degraded_performance"}
    changes = [(i, u["components"]) for i, u in enumerate(updates) if "components" in u]
    assert changes == [(14, {"email-delivery": "partial_outage"}), (21, {"email-delivery": "degraded_performance"})]

    site = empty.build("2026-11-20T16:00:00Z")
    unresolved = json.loads((site / "api/v2/incidents/unresolved.json").read_text())["incidents"]
    assert [(i["name"], len(i["incident_updates"])) for i in unresolved] == [("Intermittent email delays", 30)]


def test_a_rerun_writes_the_same_files_and_never_overwrites_a_changed_one(empty):
    assert empty.import_("statuspage", CURRENT).exit_code == 0
    first = empty.files()
    again = empty.import_("statuspage", CURRENT)
    assert again.exit_code == 0 and "Wrote 0 files in incidents/ (6 already as imported)" in again.output
    assert empty.files() == first

    edited = empty.root / "incidents/2026-11-05-database-upgrade.md"
    edited.write_text(edited.read_text() + "\nA note the operator added.\n")
    before = empty.files()
    refused = empty.import_("statuspage", CURRENT, OLDER)
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: incidents/2026-11-05-database-upgrade.md: exists and differs")
    assert empty.files() == before  # not even the older export's extra incident was written

    forced = empty.import_("statuspage", CURRENT, OLDER, "--force")
    assert forced.exit_code == 0
    assert empty.files()["incidents/2026-11-05-database-upgrade.md"] == first["incidents/2026-11-05-database-upgrade.md"]
    assert "incidents/2025-03-10-api-latency.md" in empty.files()


@pytest.mark.parametrize("fail_at", [1, 3, 7])
def test_an_import_that_cannot_write_a_file_puts_back_what_it_wrote(repo, monkeypatch, fail_at):
    # A disk that fills up, or a file the user may not replace, halfway through: the repository
    # is as it was before the import, byte for byte: the configuration it extended, the file
    # --force replaced, and no new file left.
    import statusgen.importers.writing as writing

    repo = ImportRepo(repo.root)
    (repo.root / "statusgen.toml").write_bytes(b"# ours\r\n" + MINIMAL_CONFIG.encode())
    repo.write("incidents/2026-11-05-database-upgrade.md", "A draft of ours.\r\n")
    before = repo.files()
    written: list[str] = []
    real_write = writing.atomic_write

    def filling(path, data, durable=False):
        written.append(Path(path).relative_to(repo.root).as_posix())
        if len(written) == fail_at:
            raise OSError(28, "No space left on device", str(path))
        real_write(path, data, durable)

    monkeypatch.setattr(writing, "atomic_write", filling)
    result = repo.import_("statuspage", CURRENT, "--force")
    assert result.exit_code == 1
    assert result.output == (f"Error: {written[fail_at - 1]}: cannot be written (No space left on device); "
                             "nothing was written\n")
    assert written[0] == "statusgen.toml"
    if fail_at == 7:  # the last file: the configuration and the replaced draft were written, then put back
        assert "incidents/2026-11-05-database-upgrade.md" in written[:6]
    assert repo.files() == before
    monkeypatch.undo()
    assert repo.import_("statuspage", CURRENT, "--force").exit_code == 0  # and it can simply be run again


def test_an_import_into_a_repository_with_a_folder_it_cannot_list_is_refused(repo, unlistable, monkeypatch):
    # The folder's files could hold the slugs the import would write.
    repo = ImportRepo(repo.root)
    repo.write("incidents/2024/2024-01-01-old.md", "ours")
    before = repo.files()
    unlistable(str(repo.root / "incidents/2024"))
    result = repo.import_("statuspage", CURRENT)
    assert result.exit_code == 1
    assert result.output == ("Error: incidents/2024/: cannot be read (Permission denied); expected a folder "
                             "statusgen can list (the incidents in it would be left out)\n")
    monkeypatch.undo()  # the listing below would pass the folder over too
    assert repo.files() == before


def test_components_are_appended_to_an_existing_config_keeping_its_text(repo):
    repo = ImportRepo(repo.root)
    original = "# our own comment\n" + MINIMAL_CONFIG
    (repo.root / "statusgen.toml").write_text(original)
    result = repo.import_("statuspage", CURRENT)
    assert result.exit_code == 0, result.output
    text = (repo.root / "statusgen.toml").read_text()
    assert text.startswith(original)
    config = repo.config()
    # "API" exists here as `api`: reused, not added; the others are appended with their group.
    assert [c["id"] for c in config["components"]] == ["api", "web", "db", "web-app", "email-delivery"]
    assert [g["id"] for g in config["groups"]] == ["core", "platform"]
    assert config["site"]["timezone"] == "UTC"
    repo.check()
    front, _ = repo.notice("2026-11-20-elevated-api-error-rates")
    assert front["components"] == {"api": "major_outage"}


def test_an_id_taken_by_another_name_is_an_error_and_nothing_is_written(repo):
    repo = ImportRepo(repo.root)
    config = MINIMAL_CONFIG.replace('id = "web"\nname = "Website"', 'id = "web-app"\nname = "Storefront"')
    (repo.root / "statusgen.toml").write_text(config)
    before = repo.files()
    result = repo.import_("statuspage", CURRENT)
    assert result.exit_code == 1
    assert ("Error: statusgen.toml: components.web-app: already named 'Storefront'; "
            "the import wants the id 'web-app' for 'Web App'") in result.output
    assert repo.files() == before


def test_bad_exports_report_every_problem_and_write_nothing(empty, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "components.json").write_text((EXPORTS / "current/components.json").read_text())
    incidents = json.loads((EXPORTS / "current/incidents.json").read_text())
    incidents["incidents"][0]["impact"] = "apocalyptic"
    incidents["incidents"][1]["incident_updates"][0]["status"] = "fixed"
    incidents["incidents"][2]["started_at"] = "last tuesday"
    (bad / "incidents.json").write_text(json.dumps(incidents))
    (bad / "scheduled-maintenances.json").write_text("{not json")
    result = empty.import_("statuspage", str(bad))
    assert result.exit_code == 1
    assert "scheduled-maintenances.json: not valid JSON" in result.output
    incidents_result = empty.import_("statuspage", str(bad / "incidents.json"), str(bad / "components.json"))
    lines = incidents_result.output.splitlines()
    assert lines[0] == "Error: 3 problems found:"
    assert "incidents.json: k2m8d0q4s1zt: impact: found 'apocalyptic'; expected one of: none, minor, major, critical" in lines[1]
    assert "p31zjtct2jer: incident_updates[0].status: found 'fixed'" in incidents_result.output
    assert "w7c5n1b3h8ra: started_at: found 'last tuesday'" in incidents_result.output
    assert list(empty.root.iterdir()) == []


@pytest.fixture
def loopback_site(demo):
    """The demo site built and served over http on 127.0.0.1."""
    site = demo.build(DEMO_NOW)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield demo, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _api(site: Path) -> dict[str, object]:
    return {p.relative_to(site).as_posix(): json.loads(p.read_text()) for p in sorted((site / "api/v2").rglob("*.json"))}


def _component_hooks(site: Path) -> list[tuple]:
    soup = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    banner = soup.find(attrs={"data-indicator": True})["data-indicator"]
    return [banner] + [(e["data-component"], e["data-status"], e.get("data-uptime"))
                       for e in soup.find_all(attrs={"data-component": True})]


def test_round_trip_importing_a_built_statusgen_api_reproduces_it(loopback_site, tmp_path):
    demo, url = loopback_site
    original = demo.root / "site"
    for source in (str(original / "api/v2"), url):  # saved files, then the live page
        target = ImportRepo(tmp_path / ("from-url" if source == url else "from-files"))
        target.root.mkdir()
        result = target.import_("statuspage", source)
        assert result.exit_code == 0, result.output
        rebuilt = target.build(DEMO_NOW)
        assert _api(rebuilt) == _api(original)  # statuses, incidents, maintenance, uptime: all of the API
        assert _component_hooks(rebuilt) == _component_hooks(original)
        assert sorted(p.name for p in (target.root / "incidents").iterdir()) == \
            sorted(p.name for p in (demo.root / "incidents").iterdir())


def test_a_url_that_answers_404_is_a_clear_error(loopback_site, empty):
    _, url = loopback_site
    result = empty.import_("statuspage", url + "nothing-here/")
    assert result.exit_code == 1
    assert f"{url}nothing-here/api/v2/components.json: the server answered 404" in result.output
    assert list(empty.root.iterdir()) == []


def test_a_repository_that_would_not_pass_check_is_left_alone(repo):
    repo = ImportRepo(repo.root)
    repo.incident("2026-01-01-broken", "title: Broken\nstarted: 2026-01-01T00:00:00Z\nupdates: []")
    incident_file(repo, "archive/2026-11-20-elevated-api-error-rates", "Same name", None, "2026-11-20T00:00:00Z",
                  update("2026-11-20T00:00:00Z", "investigating", "x"))
    before = repo.files()
    result = repo.import_("statuspage", CURRENT)
    assert result.exit_code == 1
    assert ("incidents/archive/2026-11-20-elevated-api-error-rates.md: slug: '2026-11-20-elevated-api-error-rates' "
            "is taken; the import of incidents.json: p31zjtct2jer would write "
            "incidents/2026-11-20-elevated-api-error-rates.md; rename one of them") in result.output
    assert repo.files() == before
    (repo.root / "incidents/archive/2026-11-20-elevated-api-error-rates.md").unlink()
    result = repo.import_("statuspage", CURRENT)
    assert result.exit_code == 1
    assert "incidents/2026-01-01-broken.md: updates: missing" in result.output
    assert result.output.rstrip().endswith("the imported files would not pass `statusgen check`; nothing was written")
    assert repo.files() == {k: v for k, v in before.items() if "archive" not in k}

