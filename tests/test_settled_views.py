"""A settled notice's view digest is remembered across builds (render/html.py settled_view_digests):
the assumption it rests on, and the changes a warm build must still see."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from statusgen.build import check
from statusgen.cache import BuildCache
from statusgen.render.views import is_settled, notice_view
from statusgen.state import derive_state
from tests import cli_process
from tests.conftest import DEMO_NOW, PROJECT_ROOT
from tests.test_build_cache import snapshot

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from generate import NOW as BENCH_NOW  # noqa: E402
from generate import generate  # noqa: E402


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


@pytest.mark.parametrize("corpus", ["demo", "bench"])
def test_a_settled_notices_view_is_the_same_at_every_later_time(tmp_path, corpus):
    root, now = (PROJECT_ROOT, at(DEMO_NOW)) if corpus == "demo" else (generate(tmp_path / "b", 300), BENCH_NOW)
    config, content = check(root)
    state = derive_state(config, content, now)
    settled = [notice for notice in content.notices if is_settled(notice, now)]
    assert 0 < len(settled) < len(content.notices)
    for later in (timedelta(seconds=1), timedelta(minutes=10), timedelta(days=1), timedelta(days=400)):
        later_state = derive_state(config, content, now + later)
        for notice in settled:
            assert notice_view(config, later_state, notice) == notice_view(config, state, notice), notice.slug


def build(repo, now: str, *extra: str) -> Path:
    """In a fresh process, as CI runs it (a long-lived one keeps compiled templates by time)."""
    result = cli_process.run("build", "--root", str(repo.root), "--now", now, *extra)
    assert result.returncode == 0, result.stderr
    return Path(extra[-1]) if extra else repo.root / "site"


def remembered_views(repo) -> int:
    """How many view digests (64 hex digits) the renders cache holds."""
    entries = BuildCache.for_root(repo.root).load("renders").values()
    return sum(isinstance(v, bytes) and len(v) == 64 and set(v) <= set(b"0123456789abcdef") for v in entries)


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
def test_a_settled_notice_changed_after_its_view_was_remembered_is_seen(demo, tmp_path, relative, old, new,
                                                                         page, shown):
    build(demo, DEMO_NOW)
    site = build(demo, "2026-11-26T21:05:00Z")
    assert remembered_views(demo) > 5
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
