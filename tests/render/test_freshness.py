"""The build time in one small file: api/v2/freshness.json. A rebuild with nothing new rewrites nothing else."""

from __future__ import annotations

import json

from tests.factories import incident_file, update
from tests.render.html_helpers import one, soup, text


def write_resolved(repo) -> None:
    incident_file(repo, "2026-11-01-api", "API errors", {"api": "partial_outage"}, "2026-11-01T10:00:00Z",
                  update("2026-11-01T10:00:00Z", "investigating", "Looking."),
                  update("2026-11-01T11:00:00Z", "resolved", "Fixed."),
                  resolved="2026-11-01T11:00:00Z")


def files(site) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(site)): (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}


def test_freshness_file_carries_the_build_time_and_when_it_goes_stale(repo):
    site = repo.build("2026-11-20T15:00:00Z")
    assert json.loads(repo.read("api/v2/freshness.json")) == {
        "built_at": "2026-11-20T15:00:00Z", "stale_after_minutes": 60, "stale_at": "2026-11-20T16:00:00Z"}
    # No page carries the build time: the index says when the content last changed instead.
    assert "2026-11-20T15:00:00Z" not in (site / "index.html").read_text()
    assert text(one(soup(site, "index.html"), ".asof")) == "No incidents recorded"
    write_resolved(repo)
    site = repo.build("2026-11-20T15:00:00Z")
    asof = one(soup(site, "index.html"), ".asof")
    assert asof.time["datetime"] == "2026-11-01T11:00:00Z" and text(asof).startswith("Last change 1 Nov 2026")


def test_stale_after_is_configurable_and_zero_turns_it_off(repo):
    config = (repo.root / "statusgen.toml").read_text()
    repo.write("statusgen.toml", config.replace("uptime_days = 30", "uptime_days = 30\nstale_after = 1440"))
    repo.build("2026-11-20T15:00:00Z")
    assert json.loads(repo.read("api/v2/freshness.json"))["stale_at"] == "2026-11-21T15:00:00Z"
    repo.write("statusgen.toml", config.replace("uptime_days = 30", "uptime_days = 30\nstale_after = 0"))
    repo.build("2026-11-20T15:00:00Z")
    assert json.loads(repo.read("api/v2/freshness.json")) == {
        "built_at": "2026-11-20T15:00:00Z", "stale_after_minutes": 0, "stale_at": None}


def test_stale_after_must_be_whole_minutes(repo):
    config = (repo.root / "statusgen.toml").read_text()
    repo.write("statusgen.toml", config.replace("uptime_days = 30", 'uptime_days = 30\nstale_after = "1h"'))
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 1
    assert "statusgen.toml: site.stale_after: found '1h'; expected a whole number from 0 to 525600" in result.output


def test_a_rebuild_with_nothing_new_rewrites_only_the_freshness_file(repo):
    write_resolved(repo)
    site = repo.build("2026-11-20T15:00:00Z")
    before = files(site)
    repo.build("2026-11-20T15:05:00Z")
    after = files(site)
    assert set(after) == set(before)
    changed = sorted(path for path in after if after[path] != before[path])
    assert changed == ["api/v2/freshness.json"]
    assert json.loads(after["api/v2/freshness.json"][0])["built_at"] == "2026-11-20T15:05:00Z"
