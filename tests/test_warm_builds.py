"""Warm builds (a site and a build cache from earlier builds) see every change: a settled
incident edited, the settings, a template override and what it includes, time passing."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from statusgen.build import build as statusgen_build
from statusgen.build import check
from statusgen.cache import BuildCache, ShardedTable
from tests import cli_process
from tests.conftest import DEMO_NOW
from tests.test_build_cache import snapshot


def build(repo, now: str, *extra: str) -> Path:
    """In a fresh process, as CI runs it."""
    result = cli_process.run("build", "--root", str(repo.root), "--now", now, *extra)
    assert result.returncode == 0, result.stderr
    return Path(extra[-1]) if extra else repo.root / "site"


def remembered(repo) -> int:
    return len(ShardedTable(BuildCache.for_root(repo.root), "renders").entries)


def edit(repo, relative: str, old: str, new: str) -> None:
    path = repo.root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


LATER = "2026-11-26T21:10:00Z"


@pytest.mark.parametrize("relative, old, new, page, shown", [
    ("incidents/2026-08-28-cdn-errors.md", "title: Intermittent", "title: Occasional",
     "incidents/2026-08-28-cdn-errors/index.html", "Occasional"),
    ("statusgen.toml", 'name = "Public API"', 'name = "Open API"', "incidents/2026-11-20-api-errors/index.html",
     "Open API"),
    ("templates/base.html", "at least every 30 minutes", "at least every 20 minutes",
     "incidents/2026-08-28-cdn-errors/index.html", "every 20 minutes"),
])
def test_a_change_after_warm_builds_is_seen(demo, tmp_path, relative, old, new,
                                                                         page, shown):
    build(demo, DEMO_NOW)
    site = build(demo, "2026-11-26T21:05:00Z")
    assert remembered(demo) > 5
    assert shown not in (site / page).read_text(encoding="utf-8")
    edit(demo, relative, old, new)
    build(demo, LATER)
    assert shown in (site / page).read_text(encoding="utf-8")
    assert snapshot(site) == snapshot(build(demo, LATER, "--no-cache", "--out", str(tmp_path / "cold")))


def test_time_passing_a_notices_last_time_is_seen(demo, tmp_path):
    window = "incidents/2026-12-01-database-upgrade/index.html"
    build(demo, DEMO_NOW)
    before = (demo.root / "site" / window).read_bytes()
    for now in ("2026-12-01T03:00:00Z", "2026-12-01T04:10:00Z", "2026-12-01T04:20:00Z", "2027-03-01T00:00:00Z"):
        site = build(demo, now)
        assert snapshot(site) == snapshot(build(demo, now, "--no-cache", "--out", str(tmp_path / now)))
    assert (demo.root / "site" / window).read_bytes() != before


def test_a_template_that_starts_including_another_is_keyed_by_both(demo, tmp_path):
    # What a template reads is remembered by its source (render/pages.py KeyedRenderer._names):
    # a new include must be followed, and the included file's edits seen.
    demo.write("templates/_notice.html", "<p>Notice one</p>")
    build(demo, DEMO_NOW)
    edit(demo, "templates/base.html", "while an incident is open.</p>",
         'while an incident is open.</p>{% include "_notice.html" %}')
    site = build(demo, DEMO_NOW)
    assert "Notice one" in (site / "incidents/2026-08-28-cdn-errors/index.html").read_text(encoding="utf-8")
    edit(demo, "templates/_notice.html", "Notice one", "Notice two")
    build(demo, DEMO_NOW)
    assert "Notice two" in (site / "incidents/2026-08-28-cdn-errors/index.html").read_text(encoding="utf-8")
    assert snapshot(site) == snapshot(build(demo, DEMO_NOW, "--no-cache", "--out", str(tmp_path / "cold")))


def test_a_rebuild_later_keys_its_pages_without_building_views(tmp_path, monkeypatch):
    """No view is built to key the pages that list it: a view stands in a page's key for the
    hash of what it is made from (the notice's file, the configuration, which of its moments
    have come). Only the pages rendered again build the views they show, and of the incident
    pages only those of notices one of whose moments came are rendered again."""
    import sys

    import statusgen.render.views as views
    from statusgen.render.pages import KeyedRenderer
    from statusgen.state import moments_passed
    from tests.conftest import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import NOW, generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    root = generate(tmp_path / "history", 420)
    assert statusgen_build(root, NOW, jobs=2).rendered > 400  # keyed and rendered by worker processes
    built: list[str] = []
    before_rendering: list[int] = []
    rendered: list[str] = []
    real_view, real_render = views.notice_view, KeyedRenderer.render
    monkeypatch.setattr(views, "notice_view", lambda *args: built.append(args[2].slug) or real_view(*args))
    monkeypatch.setattr(KeyedRenderer, "render", lambda self, template, extra: before_rendering.append(len(built))
                        or rendered.append(extra["page_path"]) or real_render(self, template, extra))
    later = NOW + timedelta(days=2)  # some windows start or end meanwhile
    again = statusgen_build(root, later, jobs=2)
    assert 0 < again.rendered < 40
    assert before_rendering[0] == 0  # no view was built before the first page rendered
    _, content = check(root)
    moved = [n.slug for n in content.notices if moments_passed(n, NOW) != moments_passed(n, later)]
    assert moved and {path for path in rendered if path.startswith("incidents/")} == {
        f"incidents/{slug}/index.html" for slug in moved}
    monkeypatch.setattr(views, "notice_view", real_view)
    monkeypatch.setattr(KeyedRenderer, "render", real_render)
    cold = statusgen_build(root, later, tmp_path / "cold", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(cold.out_dir)


def test_a_build_process_says_everything_before_it_exits(demo, tmp_path):
    """A finished build leaves without tearing the interpreter down: what it printed still
    reaches a pipe in full, the site equals one built in this process, and a failing build
    still reports its problems with exit code 1."""
    from tests.test_build_cache import cold

    result = cli_process.run("build", "--root", str(demo.root), "--now", LATER)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Built ") and lines[-1].startswith("Next change: "), result.stdout
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    (demo.root / "incidents" / "2026-11-30-broken.md").write_text("---\ntitle: [unclosed\n---\n")
    failed = cli_process.run("build", "--root", str(demo.root), "--now", LATER)
    assert failed.returncode == 1 and "2026-11-30-broken.md" in failed.stderr, failed.stderr
    assert "Traceback" not in failed.stderr


def test_a_build_under_a_profiler_still_ends_the_usual_way(demo, tmp_path):
    """The quick exit of a finished build is not taken under a profiler (or a coverage tracer),
    which writes its results as the interpreter ends."""
    import subprocess
    import sys

    stats = tmp_path / "build.prof"
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "statusgen", "build",
                             "--root", str(demo.root), "--now", LATER], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert stats.stat().st_size > 0


def test_a_build_under_a_tracer_runs_the_exit_handlers(demo, tmp_path):
    """Under a tracer (what coverage tools set), the handlers registered to run as the
    interpreter ends still run after a finished build."""
    import subprocess
    import sys

    marker = tmp_path / "ended"
    script = ("import atexit, sys\n"
              f"atexit.register(lambda: open({str(marker)!r}, 'w').close())\n"
              "sys.settrace(lambda *args: None)\n"
              "from statusgen.cli import main\n"
              f"sys.argv = ['statusgen', 'build', '--root', {str(demo.root)!r}, '--now', {LATER!r}]\n"
              "main()\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert marker.exists()


def test_a_template_edited_within_one_clock_tick_is_seen_by_a_long_lived_process(demo, tmp_path):
    """`serve` builds again and again in one process: a template edited without moving its
    modification time (an edit within one tick of the file system's clock) is read again, not
    rendered from the copy Jinja compiled before under the key of the new source."""
    page = "incidents/2026-08-28-cdn-errors/index.html"
    now = datetime.fromisoformat(DEMO_NOW)
    demo.write("templates/_notice.html", "<p>Notice one</p>")
    edit(demo, "templates/base.html", "while an incident is open.</p>",
         'while an incident is open.</p>{% include "_notice.html" %}')
    statusgen_build(demo.root, now)
    included = demo.root / "templates/_notice.html"
    before = os.stat(included)
    included.write_text("<p>Notice two</p>")  # the same size
    os.utime(included, ns=(before.st_atime_ns, before.st_mtime_ns))
    site = statusgen_build(demo.root, now).out_dir
    assert "Notice two" in (site / page).read_text(encoding="utf-8")
    cold = statusgen_build(demo.root, now, tmp_path / "cold", use_cache=False)
    assert snapshot(site) == snapshot(cold.out_dir)


def _moments(record) -> set[datetime]:
    """Every time a record of the model names, its nested records' included."""
    found: set[datetime] = set()
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, datetime):
                found.add(item)
            elif dataclasses.is_dataclass(item):
                found |= _moments(item)
    return found


def test_warm_builds_through_every_moment_equal_cold_builds(demo, tmp_path):
    # A warm build keeps every page whose inputs it finds unchanged, and a notice's page is keyed
    # by which of its moments have come, not by the time. So the demo site is built warm as time
    # passes each moment any notice names (just before it, and at it) and compared, file for
    # file, with a cold build at the same time: a moment a key misses shows as a stale page.
    _, content = check(demo.root)
    moments = sorted(set().union(*(_moments(notice) for notice in content.notices)))
    assert len(moments) > 40
    times = sorted({moment + offset for moment in moments for offset in (-timedelta(seconds=1), timedelta())})
    site = demo.root / "site"
    rendered = {"warm": 0, "cold": 0}
    for now in times:
        rendered["warm"] += statusgen_build(demo.root, now).rendered
        cold = statusgen_build(demo.root, now, tmp_path / "cold", use_cache=False)
        rendered["cold"] += cold.rendered
        assert snapshot(site) == snapshot(cold.out_dir), f"a warm build at {now.isoformat()} differs from a cold one"
    assert rendered["warm"] < rendered["cold"] / 3, rendered  # the warm builds did keep most pages
