"""`statusgen import statusfy`: the config read as text, three front matter formats, languages."""

from __future__ import annotations

import shutil

from tests.importers.conftest import FIXTURES

SITE = FIXTURES / "statusfy" / "site"


def test_a_statusfy_site_becomes_config_and_incidents(empty):
    result = empty.import_("statusfy", str(SITE))
    assert result.exit_code == 0, result.output
    empty.check()
    config = empty.config()
    assert config["site"]["title"] == "Acme Status"
    assert config["site"]["base_url"] == "https://status.acme-statusfy.test/"
    # Ids from the config's systems (its comment and mixed quotes read as text); names from locales/en.json.
    assert [(c["id"], c["name"]) for c in config["components"]] == [
        ("api", "API"), ("cdn", "CDN"), ("site-delivery", "Site delivery"), ("conversions", "Conversions")]

    assert sorted(p.stem for p in (empty.root / "incidents").iterdir()) == [
        "2018-10-16-networking-issues", "2018-11-02-api-down", "2018-12-01-conversions-errors",
        "2019-01-15-planned-maintenance", "2019-02-01-slow-site-delivery"]

    # YAML front matter; update blocks in any order come out oldest first.
    front, body = empty.notice("2018-10-16-networking-issues")
    assert front["components"] == {"site-delivery": "degraded_performance", "api": "degraded_performance"}
    assert [(u["at"], u["status"]) for u in front["updates"]] == [
        ("2018-10-16T13:14:03Z", "investigating"), ("2018-10-16T14:30:00Z", "monitoring"),
        ("2018-10-16T15:40:00Z", "resolved")]
    assert front["updates"][0]["message"] == "Our **API** is responding slowly and we are investigating."
    assert body == "We detected a networking problem that caused temporary issues for our API and origin servers."

    # TOML front matter, with its offset kept.
    front, _ = empty.notice("2018-11-02-api-down")
    assert front["started"] == "2018-11-02T09:00:00-05:00" and front["resolved"] == "2018-11-02T09:50:00-05:00"
    assert [u["status"] for u in front["updates"]] == ["investigating", "identified", "resolved"]

    # JSON front matter, unresolved, a removed system, an update title that is no status.
    front, _ = empty.notice("2018-12-01-conversions-errors")
    assert "resolved" not in front and front["components"] == {"conversions": "partial_outage"}
    assert front["updates"][1] == {"at": "2018-12-01T11:00:00Z", "status": "investigating",
                                   "message": "**Fix rolling out**: A fix is being deployed."}

    # Scheduled maintenance: `scheduled` + `duration` minutes.
    front, body = empty.notice("2019-01-15-planned-maintenance")
    assert (front["type"], front["scheduled_start"], front["scheduled_end"]) == (
        "maintenance", "2019-01-15T02:00:00Z", "2019-01-15T04:00:00Z")
    assert [u["status"] for u in front["updates"]] == ["scheduled", "in_progress", "completed"]
    assert front["components"] == {"cdn": "under_maintenance"}

    out = result.output
    assert "content/2018-12-01_conversions-errors.md: affectedsystems: 'billing' is not in the systems list" in out
    assert "content/2018-10-16_networking-issues.md: id: '382ee1ab'; the page moves" in out
    assert "content/2018-10-16_networking-issues.md: modified:" in out
    assert "content/es/: 2 files in another language not imported (--language en)" in out

    site = empty.build("2019-01-15T03:00:00Z")
    assert 'data-maintenance-state="in_progress"' in (site / "index.html").read_text()


def test_another_language_is_imported_from_its_folder(empty):
    result = empty.import_("statusfy", str(SITE), "--language", "es")
    assert result.exit_code == 0, result.output
    empty.check()
    assert [c["name"] for c in empty.config()["components"]] == ["API", "Red de entrega", "Entrega del sitio",
                                                                 "Conversiones"]
    front, _ = empty.notice("2018-10-16-networking-issues")
    assert front["title"] == "Problemas de red"
    assert [u["status"] for u in front["updates"]] == ["investigating", "resolved"]  # Investigando, Resuelto
    assert "content/: 5 files in another language not imported (--language es)" in result.output


def test_systems_the_config_computes_are_asked_for(empty, tmp_path):
    site = tmp_path / "statusfy"
    shutil.copytree(SITE, site)
    config = site / "statusfy.config.js"
    config.write_text(config.read_text().replace('systems: [\n      "api",', 'systems: [\n      ...extra,\n      "api",'))
    refused = empty.import_("statusfy", str(site))
    assert refused.exit_code == 1
    assert refused.output == ("Error: statusfy.config.js: content.systems could not be read without running the "
                              "file; expected a list of quoted ids, or pass --systems api,cdn,...\n")
    assert list(empty.root.iterdir()) == []
    given = empty.import_("statusfy", str(site), "--systems", "api,cdn,site-delivery,conversions")
    assert given.exit_code == 0, given.output
    assert [c["id"] for c in empty.config()["components"]] == ["api", "cdn", "site-delivery", "conversions"]


def test_an_unknown_severity_names_the_file_and_can_be_mapped(empty, tmp_path):
    site = tmp_path / "statusfy"
    shutil.copytree(SITE, site)
    (site / "content/2019-03-01_outage.md").write_text(
        "---\ntitle: Outage\ndate: 2019-03-01T10:00:00Z\nseverity: catastrophic\naffectedsystems: [api]\n"
        "resolved: false\n---\n")
    refused = empty.import_("statusfy", str(site))
    assert refused.exit_code == 1
    assert ("content/2019-03-01_outage.md: severity: found 'catastrophic'; expected major-outage, partial-outage, "
            "degraded-performance or under-maintenance (or map it with --severity NAME=STATUS)") in refused.output
    mapped = empty.import_("statusfy", str(site), "--severity", "catastrophic=major_outage")
    assert mapped.exit_code == 0, mapped.output
    assert empty.notice("2019-03-01-outage")[0]["components"] == {"api": "major_outage"}


def test_a_content_folder_that_cannot_be_listed_is_refused(empty, unlistable):
    unlistable(str(SITE / "content"))
    before = empty.files()
    result = empty.import_("statusfy", str(SITE))
    assert result.exit_code == 1
    assert result.output == ("Error: content/: cannot be read (Permission denied); expected a folder statusgen can "
                             "list (its incidents would not be imported)\n")
    assert empty.files() == before
