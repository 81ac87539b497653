"""The build cache and incremental writes: never stale, byte-identical to a cold build."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DEMO_NOW

LATER = "2026-11-26T21:30:00Z"


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def build(repo, now=DEMO_NOW, *extra):
    result = repo.run("build", "--root", str(repo.root), "--now", now, *extra)
    assert result.exit_code == 0, result.output
    return result.output


def cold(repo, tmp_path, now=DEMO_NOW) -> dict[str, bytes]:
    out = tmp_path / "cold"
    build(repo, now, "--no-cache", "--out", str(out))
    return snapshot(out)


def add_update(repo):
    result = repo.run("update", "2026-11-26-webhook-delays", "--root", str(repo.root), "--status", "monitoring",
                      "--message", "A fix is rolled out; we are **monitoring**.", "--at", "2026-11-26T20:50:00Z")
    assert result.exit_code == 0, result.output


def test_cached_rebuild_after_an_update_equals_a_cold_build(demo, tmp_path):
    build(demo)
    add_update(demo)
    output = build(demo, LATER)
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    # only what shows the changed incident, or the time, was rendered again
    rendered = int(output.split(" pages rendered")[0].rsplit(" ", 1)[1])
    assert 0 < rendered < 20


def test_no_change_rebuild_renders_nothing_and_keeps_files(demo):
    build(demo)
    site = demo.root / "site"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    output = build(demo)
    assert "0 pages rendered, 0 files changed" in output
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    assert after == before


def test_unchanged_pages_keep_their_timestamps_when_another_changes(demo):
    build(demo)
    site = demo.root / "site"
    other = site / "incidents" / "2026-11-20-api-errors" / "index.html"
    changed = site / "incidents" / "2026-11-26-webhook-delays" / "index.html"
    stamp, old_changed = other.stat().st_mtime_ns, changed.read_bytes()
    add_update(demo)
    build(demo)
    assert other.stat().st_mtime_ns == stamp
    assert changed.read_bytes() != old_changed
    assert b"we are <strong>monitoring</strong>" in changed.read_bytes()


def test_a_file_changed_on_disk_is_rendered_again_not_trusted(demo, tmp_path):
    build(demo)
    page = demo.root / "site" / "incidents" / "2026-11-20-api-errors" / "index.html"
    page.write_bytes(b"tampered")
    (demo.root / "site" / "stray.html").write_text("left over")
    build(demo)
    assert snapshot(demo.root / "site") == cold(demo, tmp_path)


def test_template_override_change_re_renders_pages(demo, tmp_path):
    build(demo)
    demo.write("templates/incident.html", '{% extends "!incident.html" %}{% block title %}X {{ super() }}{% endblock %}')
    build(demo)
    page = (demo.root / "site" / "incidents" / "2026-11-20-api-errors" / "index.html").read_text()
    assert "<title>X Elevated error rates on the API" in page
    assert snapshot(demo.root / "site") == cold(demo, tmp_path)


def test_removed_incident_page_and_its_folder_disappear(demo, tmp_path):
    build(demo)
    (demo.root / "incidents" / "2026-08-28-cdn-errors.md").unlink()
    build(demo)
    assert not (demo.root / "site" / "incidents" / "2026-08-28-cdn-errors").exists()
    assert snapshot(demo.root / "site") == cold(demo, tmp_path)


def test_deleting_the_cache_changes_nothing(demo, tmp_path):
    import shutil

    build(demo)
    shutil.rmtree(demo.root / ".statusgen-cache")
    add_update(demo)
    build(demo)
    assert snapshot(demo.root / "site") == cold(demo, tmp_path)


def test_failed_incremental_write_puts_every_file_back(demo, monkeypatch):
    from statusgen import write

    build(demo)
    before = snapshot(demo.root / "site")
    add_update(demo)
    calls = {"n": 0}
    real = write._atomic_write

    def failing(target, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(target, data)

    monkeypatch.setattr(write, "_atomic_write", failing)
    monkeypatch.setattr(write, "INCREMENTAL_LIMIT", 1.0)  # the demo is small: force the in-place path
    with pytest.raises(OSError, match="disk full"):
        from statusgen.build import build as build_site
        from statusgen.cli import resolve_now
        from statusgen.config import load_config

        build_site(demo.root, resolve_now(DEMO_NOW, load_config(demo.root).site.tz))
    assert calls["n"] >= 2  # the failure, then the rollback writing old bytes back
    assert snapshot(demo.root / "site") == before
