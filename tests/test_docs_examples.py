"""The command sequences of README.md and docs/format.md, run as written (docs are executed)."""

from __future__ import annotations

import json
import re
import shlex
from datetime import datetime, timezone

import yaml

from statusgen.content import ContentLoader
from tests.conftest import PROJECT_ROOT
from tests.render.html_helpers import soup

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


def commands(markdown: str, after_heading: str) -> list[list[str]]:
    """The `statusgen ...` lines of the first ```sh block after the heading, continuations joined."""
    section = markdown.split(after_heading, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [shlex.split(line)[1:] for line in joined.splitlines() if line.startswith("statusgen ")]


def run_all(repo, sequence, env):
    for args in sequence:
        # `--root` after the command's name(s): `new incident` has two
        names = 2 if args[0] == "new" else 1
        result = repo.run(*args[:names], "--root", str(repo.root), *args[names:], env=env)
        assert result.exit_code == 0, (args, result.output)


def test_readme_example_sequence_works_on_the_demo(demo):
    sequence = commands((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"), "## Write an incident")
    assert [args[0] for args in sequence] == ["new", "update", "update", "resolve", "reopen", "resolve", "new",
                                              "cancel"]
    run_all(demo, sequence, {"SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))})
    assert demo.run("check", "--root", str(demo.root)).exit_code == 0
    site = demo.build("2026-11-27T11:00:00Z")
    incident = next(i for i in json.loads((site / "api/v2/incidents.json").read_text())["incidents"]
                    if i["id"] == "2026-11-27-search-errors")
    assert incident["impact"] == "critical" and incident["status"] == "resolved"
    statuses = [u["status"] for u in reversed(incident["incident_updates"])]
    assert statuses == ["investigating", "identified", "monitoring", "resolved", "investigating", "resolved"]
    page = soup(site, "incidents/2026-11-27-search-errors/index.html")
    changes = [(li["data-old-status"], li["data-new-status"]) for li in page.select("ol.timeline [data-change]")]
    assert ("major_outage", "partial_outage") in changes and ("operational", "partial_outage") in changes
    window = soup(site, "incidents/2027-01-12-search-index-rebuild/index.html")
    assert window.select_one("[data-maintenance-state]")["data-maintenance-state"] == "cancelled"


def test_format_worked_example_writes_the_file_shown_and_gives_its_figures(repo):
    doc = (PROJECT_ROOT / "docs/format.md").read_text(encoding="utf-8")
    sequence = commands(doc, "### Component status over time")
    run_all(repo, sequence, None)
    path = repo.root / "incidents/2026-11-20-checkout-api-failing.md"
    written = yaml.load(path.read_text(encoding="utf-8").split("---\n")[1], Loader=ContentLoader)
    section = doc.split("### Component status over time", 1)[1]
    shown = yaml.load(re.search(r"```yaml\n---\n(.*?)---\n```", section, re.S).group(1), Loader=ContentLoader)
    assert written == shown
    site = repo.build("2026-11-21T00:00:00Z")  # the test repository has uptime_days = 30, timezone UTC
    api = next(c for c in json.loads((site / "api/v2/uptime.json").read_text())["components"] if c["id"] == "api")
    day = next(d for d in api["days"] if d["date"] == "2026-11-20")
    assert f"{day['percent']:.3f} %" in section and f"{api['percent']:.3f} %" in section
    assert (day["percent"], api["percent"]) == (90.417, 99.67)
