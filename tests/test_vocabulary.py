"""The one vocabulary (statusgen.vocabulary) and the places that used to spell it out themselves."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from statusgen.vocabulary import (
    INDICATOR_DESCRIPTIONS,
    ComponentStatus,
    Impact,
    IncidentState,
    IncidentUpdateStatus,
    Indicator,
    MaintenanceState,
    MaintenanceUpdateStatus,
    severity,
)
from tests.factories import incident_file, update

LOCALE = Path(__file__).resolve().parent.parent / "statusgen" / "locale"
ALL_STATUSES = "operational, degraded_performance, partial_outage, major_outage, under_maintenance"


def test_members_are_the_strings_the_files_and_the_api_use():
    assert ComponentStatus.MAJOR_OUTAGE == "major_outage"
    assert json.dumps({ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR}) == '{"partial_outage": "major"}'
    assert f"{MaintenanceUpdateStatus.IN_PROGRESS}" == "in_progress"
    assert [s for s in sorted(ComponentStatus, key=severity)] == [
        "operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]
    assert [ComponentStatus(s).impact for s in ("operational", "under_maintenance", "degraded_performance",
                                                "partial_outage", "major_outage")] == [
        "none", "none", "minor", "major", "critical"]
    assert sorted(Impact, key=lambda i: i.rank) == ["none", "minor", "major", "critical"]


def test_every_label_is_in_every_catalog():
    labels = [s.label for s in ComponentStatus] + [s.label for s in IncidentUpdateStatus]
    labels += [s.label for s in MaintenanceUpdateStatus] + [i.label for i in Impact]
    labels += [i.description for i in Indicator] + [s.label for s in IncidentState]
    labels += [s.label for s in MaintenanceState]
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/statusgen.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        missing = [label for label in labels if not (catalog.get(label) and catalog.get(label).string)]
        assert missing == [], po


class _Icons(HTMLParser):
    """(status, its icon) of every component status the page shows (`<p class="status s-...">`)."""

    def __init__(self):
        super().__init__()
        self.status: str | None = None
        self.in_icon = False
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "status" in classes:
            self.status = next(c[2:] for c in classes if c.startswith("s-"))
        self.in_icon = "icon" in classes and self.status is not None

    def handle_endtag(self, tag):
        if tag == "p":
            self.status = None
        self.in_icon = False

    def handle_data(self, data):
        if self.in_icon and self.status:
            self.found.append((self.status, data))


def test_the_page_script_gets_the_vocabulary_the_page_was_built_with(repo):
    incident_file(repo, "2026-11-20-api", "API errors", {"api": "partial_outage", "web": "under_maintenance"},
                  "2026-11-20T14:00:00Z", update("2026-11-20T14:00:00Z", "investigating"))
    site = repo.build("2026-11-20T15:00:00Z")
    [script] = (site / "assets").glob("statusgen.*.js")
    text = script.read_text(encoding="utf-8")
    assert "statusgen:vocabulary" not in text
    vocabulary = json.loads(re.search(r"var VOCABULARY = (\{.*\});\n", text).group(1))
    assert vocabulary["status_icons"] == {s.value: s.icon for s in ComponentStatus}
    assert vocabulary["indicator_icons"] == {i.value: i.icon for i in Indicator}
    assert vocabulary["maintenance_order"] == ["scheduled", "in_progress", "completed"]
    # the page shows the same icons the script switches to
    parser = _Icons()
    parser.feed(repo.read("index.html"))
    shown = dict(parser.found)
    assert {"partial_outage", "under_maintenance", "operational"} <= shown.keys()
    assert all(vocabulary["status_icons"][status] == icon for status, icon in shown.items())


def test_files_and_commands_list_the_same_statuses(repo):
    incident_file(repo, "2026-11-20-api", "API errors", {"api": "broken"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:00:00Z", "investigating"))
    result = repo.run("build", "--root", str(repo.root), "--now", "2026-11-20T15:00:00Z")
    assert result.exit_code == 1
    assert f"components.api: unknown status 'broken' (expected one of: {ALL_STATUSES})" in result.output
    (repo.root / "incidents/2026-11-20-api.md").unlink()
    result = repo.run("new", "incident", "Broken", "--root", str(repo.root), "--component", "api=broken",
                      "--at", "2026-11-20T14:00Z")
    assert result.exit_code == 1
    assert result.output == f"Error: --component: unknown status 'broken' in 'api=broken' (expected one of: {ALL_STATUSES})\n"


def test_severity_decides_a_group_and_the_indicator(repo):
    for slug, component, status in (("a", "api", "under_maintenance"), ("b", "web", "degraded_performance")):
        incident_file(repo, f"2026-11-20-{slug}", slug, {component: status}, "2026-11-20T14:00:00Z",
                      update("2026-11-20T14:00:00Z", "investigating"))
    repo.build("2026-11-20T15:00:00Z")
    summary = json.loads(repo.read("api/v2/summary.json"))
    [group] = [c for c in summary["components"] if c["group"]]
    assert group["status"] == "degraded_performance"
    assert summary["status"] == {"indicator": "minor", "description": INDICATOR_DESCRIPTIONS["minor"]}
