"""Rebuilds that only the clock calls for (statusgen.clock): the files the clock moves are
rendered from the clock record, every other file is kept as it is, and the site is the one a
cold build makes at the same time."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import statusgen.build as build_module
from statusgen.build import build, check
from statusgen.render.html import clock_page_paths
from statusgen.state import derive_state
from tests.conftest import DEMO_NOW
from tests.test_build_cache import snapshot

NOW = datetime.fromisoformat(DEMO_NOW)
LATER = NOW + timedelta(minutes=10)


def outage(repo) -> None:
    """An incident still going on at NOW that takes the API down: its uptime moves with the clock."""
    repo.incident("2026-11-26-api-down", """
        title: API unavailable
        components:
          api: major_outage
        started: 2026-11-26T20:30:00Z
        updates:
          - at: 2026-11-26T20:35:00Z
            status: investigating
            message: The API returns *errors* for most requests.
    """)


def cold(repo, tmp_path: Path, now: datetime) -> dict[str, bytes]:
    return snapshot(build(repo.root, now, tmp_path / f"cold-{now.timestamp()}", use_cache=False).out_dir)


def test_a_rebuild_only_the_clock_calls_for_reads_no_incident_file_and_equals_a_cold_build(demo, tmp_path, monkeypatch):
    outage(demo)
    config, content = check(demo.root)
    assert derive_state(config, content, NOW).active_incidents
    build(demo.root, NOW)
    site = demo.root / "site"
    before = snapshot(site)
    inodes = {p: os.stat(site / p).st_ino for p in before}

    def refused(*args, **kwargs):
        raise AssertionError("the incident files were parsed")

    monkeypatch.setattr(build_module, "check", refused)
    result = build(demo.root, LATER)
    monkeypatch.undo()
    assert result.clock_only
    moved = {*clock_page_paths(config), "api/v2/uptime.json", "api/v2/freshness.json"}
    assert 0 < result.rendered <= len(moved) - 2  # of the pages (the others' uptime did not move), not the API files
    after = snapshot(site)
    changed = {path for path in after if after[path] != before[path]}
    assert "index.html" in changed and "api/v2/uptime.json" in changed and "api/v2/freshness.json" in changed
    assert changed <= moved
    assert all(os.stat(site / p).st_ino == inodes[p] for p in after if p not in moved and p != ".statusgen-output.json")
    assert after == cold(demo, tmp_path, LATER)


def test_clock_rebuilds_through_a_day_and_its_moments_equal_cold_builds(demo, tmp_path):
    """Times between moments go by the clock record (the uptime window moves on at midnight);
    a moment passed sends the build the whole way, which leaves a new record."""
    outage(demo)
    build(demo.root, NOW)
    ways = []
    for hours in (0.1, 0.5, 1, 2, 3.5, 5, 8, 13, 21, 30):
        now = NOW + timedelta(hours=hours)
        result = build(demo.root, now)
        ways.append(result.clock_only)
        assert snapshot(demo.root / "site") == cold(demo, tmp_path, now), f"at {now.isoformat()}"
    assert ways[0] and ways.count(True) >= 3 and ways.count(False) >= 1, ways


def test_an_edited_incident_file_sends_the_rebuild_the_whole_way(demo, tmp_path):
    build(demo.root, NOW)
    path = demo.root / "incidents" / "2026-08-28-cdn-errors.md"
    path.write_text(path.read_text().replace("title: Intermittent", "title: Occasional", 1))
    result = build(demo.root, LATER)
    assert not result.clock_only
    assert b"Occasional" in (demo.root / "site" / "incidents/2026-08-28-cdn-errors/index.html").read_bytes()
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_a_site_touched_since_or_an_earlier_time_sends_the_rebuild_the_whole_way(demo, tmp_path):
    site = demo.root / "site"
    build(demo.root, NOW)
    (site / "history" / "index.html").write_text("edited by hand")
    result = build(demo.root, LATER)
    assert not result.clock_only
    assert snapshot(site) == cold(demo, tmp_path, LATER)
    earlier = NOW - timedelta(minutes=1)  # a time before the record's: moments may lie between
    assert not build(demo.root, earlier).clock_only
    assert snapshot(site) == cold(demo, tmp_path, earlier)


def test_a_damaged_clock_record_is_ignored_with_a_notice(demo, tmp_path):
    build(demo.root, NOW)
    record = demo.root / ".statusgen-cache" / "clock.json"
    head, _, body = record.read_bytes().partition(b"\n")
    record.write_bytes(head + b"\n" + body.replace(b'"titles":{', b'"titles":{"x":1,', 1))
    result = build(demo.root, LATER)
    assert not result.clock_only
    assert any("clock.json" in notice and "damaged" in notice for notice in result.notices), result.notices
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_a_record_that_does_not_hold_up_is_refused_as_a_whole(demo):
    """A clock record is checked field by field as it is read: one with a wrong shape (as a
    planted file with a good checksum could have) is not used."""
    from statusgen.cache import BuildCache

    build(demo.root, NOW)
    cache = BuildCache.for_root(demo.root)
    record = cache.load("clock")
    assert record and not cache.notices
    raw = (demo.root / ".statusgen-cache" / "clock.json").read_bytes().partition(b"\n")[2]
    data = json.loads(raw)
    cache._write("clock", json.dumps(data).encode())
    assert cache.load("clock") == record  # written again as it was: used
    state = data["state"]
    for field, value in [("durations", {"a": [1, 2]}), ("components", {"api": [1, ["a"], None]}),
                         ("now", "2026-11-26T21:00:00+01:00"), ("named", {"k": {"kind": "incident"}}),
                         ("state", {**state, "maintenance_states": {"a": "later"}}),
                         ("state", {**state, "markdown": {"short": "<p>x</p>"}}),
                         ("state", {**state, "until": 1})]:
        cache._write("clock", json.dumps({**data, field: value}).encode())
        assert cache.load("clock") == {}, field
        assert "unexpected content" in cache.notices.pop(), field


def test_a_template_of_another_page_reading_the_time_leaves_no_clock_record(demo, tmp_path):
    """What the history page shows could then change with the clock alone: the builds go the whole way."""
    demo.write("templates/history.html", '{% extends "!history.html" %}{% block content %}'
                                         '<p>Built {{ now.isoformat() }}</p>{{ super() }}{% endblock %}')
    build(demo.root, NOW)
    assert not (demo.root / ".statusgen-cache" / "clock.json").exists()
    result = build(demo.root, LATER)
    assert not result.clock_only
    assert LATER.isoformat().encode() in (demo.root / "site" / "history" / "index.html").read_bytes()
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_an_index_override_still_goes_by_the_clock_and_reads_the_whole_state(demo, tmp_path):
    """An index template may read all of the state (every maintenance window's state here):
    the clock rebuild gives it the same state a full build would."""
    demo.write("templates/index.html", '{% extends "!index.html" %}{% block content %}'
                                       '<p id="states">{{ state.maintenance_states|dictsort }}</p>{{ super() }}{% endblock %}')
    build(demo.root, NOW)
    result = build(demo.root, LATER)
    assert result.clock_only
    assert b"database-upgrade" in (demo.root / "site" / "index.html").read_bytes()
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_a_clock_rebuild_keeps_the_files_statusgen_did_not_write(demo, tmp_path):
    site = demo.root / "site"
    build(demo.root, NOW)
    (site / "CNAME").write_text("status.example.com\n")
    result = build(demo.root, LATER)
    assert result.clock_only
    assert (site / "CNAME").read_text() == "status.example.com\n"


def test_without_the_cache_nothing_goes_by_the_clock(demo, tmp_path):
    build(demo.root, NOW)
    assert not build(demo.root, LATER, use_cache=False).clock_only


def test_clock_rebuilds_read_the_notices_the_first_pages_do_not_list(demo, tmp_path, monkeypatch):
    """With short pages and a short uptime window, the window holds notices no first page lists
    and the state knows windows from long before it: a clock rebuild still shows what a full
    build shows, the index override below reading the state of every maintenance window."""
    import statusgen.render.html as html

    monkeypatch.setattr(html, "PER_PAGE", 2)
    toml = demo.root / "statusgen.toml"
    toml.write_text(toml.read_text().replace("uptime_days = 90", "uptime_days = 20"))
    demo.write("templates/index.html", '{% extends "!index.html" %}{% block content %}'
                                       '<p id="states">{{ state.maintenance_states|dictsort }}</p>{{ super() }}{% endblock %}')
    outage(demo)
    for day in range(1, 6):  # resolved incidents within the window, more than a first page lists
        demo.incident(f"2026-11-{26 - day:02d}-api-blip-{day}", f"""
            title: API blip {day}
            components:
              api: partial_outage
            started: 2026-11-{26 - day:02d}T08:00:00Z
            resolved: 2026-11-{26 - day:02d}T09:00:00Z
            updates:
              - at: 2026-11-{26 - day:02d}T09:00:00Z
                status: resolved
                message: Recovered.
        """)
    demo.incident("2026-10-01-api-upgrade", """
        title: API upgrade
        type: maintenance
        components:
          api: under_maintenance
        scheduled_start: 2026-10-01T06:00:00Z
        scheduled_end: 2026-10-01T07:00:00Z
        updates:
          - at: 2026-09-24T06:00:00Z
            status: scheduled
            message: We will upgrade the API.
    """)
    build(demo.root, NOW)
    from statusgen.cache import BuildCache
    record = BuildCache.for_root(demo.root).load("clock")
    recorded = {notice.slug for notice in record["notices"].values()}
    # a window the state knows but the record need not hold; a notice of the uptime window it holds for that
    assert "2026-10-01-api-upgrade" not in recorded and "2026-10-01-api-upgrade" in record["maintenance_states"]
    assert "2026-11-21-api-blip-5" in recorded and "2026-11-21-api-blip-5" not in record["components"]["api"][1]
    for minutes in (10, 200):
        now = NOW + timedelta(minutes=minutes)
        assert build(demo.root, now).clock_only
        assert snapshot(demo.root / "site") == cold(demo, tmp_path, now), now


def test_a_clock_rebuild_in_one_process_or_with_its_helper_dead_equals_a_cold_build(demo, tmp_path, monkeypatch):
    """With one job (as `serve` builds) nothing is forked; a helper that dies leaves the
    rebuild to compile and render everything itself."""
    import statusgen.clock as clock

    outage(demo)
    build(demo.root, NOW)
    assert build(demo.root, LATER, jobs=1).clock_only
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    monkeypatch.setattr(build_module, "load_clock_templates", lambda *args: os._exit(1))
    monkeypatch.setattr(clock, "_resolve_all", lambda pages, recorded, tell=None: os._exit(1) if tell else
                        {path: clock.RenderedPage(None, page.render()) for path, page in pages})
    later = LATER + timedelta(minutes=10)
    assert build(demo.root, later, jobs=2).clock_only
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, later)


def test_a_clock_rebuild_records_files_touched_but_not_changed(demo, tmp_path, monkeypatch):
    """A checkout that touches a file without changing it: the clock rebuild goes on, and keeps
    the file's new status in the index, so the next build does not read it again."""
    from statusgen import content
    from statusgen.cache import BuildCache
    from statusgen.content import signature

    monkeypatch.setattr(content, "RECENT_NS", 0)  # a file changed just now is recorded too
    build(demo.root, NOW)
    path = demo.root / "incidents" / "2026-08-28-cdn-errors.md"
    path.write_bytes(path.read_bytes())
    assert build(demo.root, LATER).clock_only
    index = BuildCache.for_root(demo.root).load("sources")["files"]
    assert index["incidents/2026-08-28-cdn-errors.md"][0] == signature(os.stat(path))


@pytest.mark.parametrize("jobs", [1, 2])  # the copies read here, or by a forked process meanwhile
def test_a_site_restored_as_a_copy_still_goes_by_the_clock_unless_a_byte_differs(demo, tmp_path, jobs):
    """CI restores site/ from its cache into a fresh checkout: every file a copy (new inode),
    recognised by its bytes. A copied file whose bytes differ (same size, same time) is not."""
    import shutil

    outage(demo)
    site = demo.root / "site"
    build(demo.root, NOW)

    def restore() -> None:
        shutil.copytree(site, tmp_path / "restored")  # copy2: times kept, inodes new
        shutil.rmtree(site)
        (tmp_path / "restored").rename(site)

    restore()
    result = build(demo.root, LATER, jobs=jobs)
    assert result.clock_only
    assert snapshot(site) == cold(demo, tmp_path, LATER)
    restore()
    api = site / "api" / "v2" / "status.json"  # not a keyed page: recognised by its hash all the same
    before = os.stat(api)
    data = api.read_bytes()
    api.write_bytes(data.replace(b'"indicator":"', b'"indicator":"X', 1)[:len(data)])
    os.utime(api, ns=(before.st_atime_ns, before.st_mtime_ns))
    later = LATER + timedelta(minutes=10)
    assert not build(demo.root, later, jobs=jobs).clock_only
    assert snapshot(site) == cold(demo, tmp_path, later)


def test_the_build_command_says_when_only_the_clock_moved(demo):
    outage(demo)
    demo.build(DEMO_NOW)
    said = demo.run("build", "--root", str(demo.root), "--now", "2026-11-26T21:10:00Z")
    assert said.exit_code == 0 and "files changed (only the clock moved)" in said.output, said.output
    demo.write("incidents/2026-11-26-api-down.md", (demo.root / "incidents/2026-11-26-api-down.md").read_text()
               .replace("title: API unavailable", "title: API down"))
    said = demo.run("build", "--root", str(demo.root), "--now", "2026-11-26T21:10:00Z")
    assert said.exit_code == 0 and "only the clock" not in said.output, said.output


def test_a_notice_without_a_file_key_leaves_no_clock_record(demo, monkeypatch):
    """Only notices read from files (each with its content key) can be vouched for."""
    from dataclasses import replace

    real = build_module.load_content

    def keyless(*args, **kwargs):
        content = real(*args, **kwargs)
        keys = dict(content.keys)
        keys.pop(content.notices[0].slug)
        return replace(content, keys=keys)

    monkeypatch.setattr(build_module, "load_content", keyless)
    result = build(demo.root, NOW, jobs=1)
    assert result.files > 0 and not result.clock_only
    assert not (demo.root / ".statusgen-cache" / "clock.json").exists()
