"""A rebuild whose every input is as it was for the site on disk writes nothing and swaps
nothing; any input edited, even keeping its size and time, or a site file touched, means the
whole build, byte-identical to a cold one."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from statusgen import content
from statusgen.cache import CACHE_DIR as CACHE
from tests import cli_process
from tests.conftest import DEMO_NOW
from tests.test_build_cache import LATER, add_update, build, cold, rewrite, snapshot


def folder_id(site: Path) -> int:
    """The output folder's inode: every whole build swaps a new folder in."""
    return site.stat().st_ino


def entries(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file and folder below `folder`: inode and modification time."""
    return {p.relative_to(folder).as_posix(): (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


def test_a_rebuild_with_nothing_changed_writes_and_swaps_nothing(demo, tmp_path):
    build(demo)
    build(demo, DEMO_NOW, "--no-cache")  # a whole build: the tree it swapped out is kept beside
    site, holding = demo.root / "site", demo.root / ".site.statusgen-build"
    before, files, kept = folder_id(site), snapshot(site), entries(holding)
    assert "previous/index.html" in kept
    output = build(demo)
    assert "0 pages rendered, 0 files changed" in output
    assert "Next change:" in output  # the recorded one, as the whole build printed it
    assert folder_id(site) == before
    assert snapshot(site) == files == cold(demo, tmp_path)
    assert entries(holding) == kept  # nor the tree kept beside it
    build(demo, LATER)  # a new `now` is a new input
    assert folder_id(site) != before
    assert snapshot(site) == cold(demo, tmp_path, LATER)


def edit_keeping_size_and_time(path: Path, old: str, new: str) -> None:
    assert len(old.encode()) == len(new.encode())
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)


def process_build(repo, *extra: str) -> Path:
    """A build in a fresh process: a long-lived one keeps compiled templates and catalogs, which
    it checks by time only (`serve` and the in-process CLI of these tests)."""
    result = cli_process.run("build", "--root", str(repo.root), "--now", DEMO_NOW, *extra)
    assert result.returncode == 0, result.stderr
    return Path(extra[-1]) if extra else repo.root / "site"


CATALOG = """
    msgid ""
    msgstr ""
    "Content-Type: text/plain; charset=UTF-8\\n"

    msgid "Operational"
    msgstr "Running"
"""


@pytest.mark.parametrize("relative, old, new, page, shown", [
    ("incidents/2026-08-28-cdn-errors.md", "title: Intermittent", "title: Occasional  ",
     "incidents/2026-08-28-cdn-errors/index.html", "Occasional"),
    ("statusgen.toml", 'title = "Acme Status"', 'title = "Acne Status"', "index.html", "Acne Status"),
    ("templates/base.html", "at least every 30 minutes", "at least every 20 minutes", "index.html",
     "every 20 minutes"),
    ("locale/en.po", 'msgstr "Running"', 'msgstr "Working"', "index.html", "Working"),
])
def test_an_input_edited_keeping_its_size_and_time_is_seen(demo, tmp_path, relative, old, new, page, shown):
    demo.write("locale/en.po", CATALOG)
    process_build(demo)
    before = folder_id(demo.root / "site")
    assert shown not in demo.read(page)
    edit_keeping_size_and_time(demo.root / relative, old, new)
    process_build(demo)
    assert folder_id(demo.root / "site") != before
    assert shown in demo.read(page)
    assert snapshot(demo.root / "site") == snapshot(process_build(demo, "--no-cache", "--out", str(tmp_path / "cold")))


def test_a_site_file_removed_or_changed_means_the_whole_build(demo, tmp_path):
    build(demo)
    site = demo.root / "site"
    (site / "feed.atom").unlink()
    build(demo)
    assert snapshot(site) == cold(demo, tmp_path)
    # touched, or copied as CI restores a site, with the same bytes: recognised by them
    page = site / "index.html"
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))
    before = folder_id(site)
    build(demo)
    assert folder_id(site) == before
    # the same size and time, other bytes
    stat, data = page.stat(), page.read_bytes()
    page.write_bytes(data.replace(b"<", b"[", 1))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(demo)
    assert folder_id(site) != before
    assert snapshot(site) == cold(demo, tmp_path)


def test_a_linked_template_is_never_vouched_for(demo, tmp_path):
    kept = demo.root / "theme-sources" / "base.html"
    kept.parent.mkdir()
    (demo.root / "templates" / "base.html").rename(kept)
    (demo.root / "templates" / "base.html").symlink_to(kept)
    build(demo)
    before = folder_id(demo.root / "site")
    build(demo)
    assert folder_id(demo.root / "site") != before  # no shortcut: the whole build
    assert snapshot(demo.root / "site") == cold(demo, tmp_path)


def test_the_same_inputs_into_another_folder_build_there(demo, tmp_path):
    build(demo)
    build(demo, DEMO_NOW, "--out", str(tmp_path / "elsewhere"))
    assert snapshot(tmp_path / "elsewhere") == snapshot(demo.root / "site")


def test_notices_from_the_cache_without_their_html_are_converted_after_parsing(demo, tmp_path):
    """Markdown is converted where a file is parsed; a notice read from the cache whose HTML is
    not there (the Markdown memo removed) is converted afterwards, the same bytes either way."""
    build(demo)
    for memo in (demo.root / ".statusgen-cache").glob("markdown-*.json"):
        memo.unlink()
    edit_keeping_size_and_time(demo.root / "incidents/2026-08-28-cdn-errors.md", "title: Intermittent",
                               "title: Occasional  ")
    build(demo, LATER)
    assert "Occasional" in demo.read("incidents/2026-08-28-cdn-errors/index.html")
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    assert list((demo.root / ".statusgen-cache").glob("markdown-*.json"))


# The index of incident files: a file whose status (device, inode, size, modification and change
# times) is as recorded is not read again. Files changed in the two seconds before a build are
# left out of the index; these tests count every file as settled at once instead.

@pytest.fixture
def indexed(monkeypatch):
    monkeypatch.setattr(content, "RECENT_NS", 0)


def past_the_clock_tick_of(path: Path) -> None:
    """Wait until a write gets a change time later than `path`'s: the file system's clock ticks
    coarsely, and the two seconds these tests set aside are what guards against a second write
    within one tick."""
    probe = path.parent.parent / "tick-probe"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        probe.write_text("tick")
        if probe.stat().st_ctime_ns > path.stat().st_ctime_ns:
            probe.unlink()
            return
        time.sleep(0.005)  # a tick is a few milliseconds (a jiffy) on the usual file systems
    raise AssertionError(f"the file system's clock did not move past {path}'s change time in 5 s")


def count_reads(monkeypatch) -> list[str]:
    read: list[str] = []
    original = content.read_source_and_stat

    def counted(path, root):
        read.append(Path(path).name)
        return original(path, root)

    monkeypatch.setattr(content, "read_source_and_stat", counted)
    return read


def test_a_rebuild_reads_only_the_incident_files_changed_since_the_last(demo, tmp_path, indexed, monkeypatch):
    build(demo)
    add_update(demo)
    read = count_reads(monkeypatch)
    build(demo, LATER)
    assert read == ["2026-11-26-webhook-delays.md"]
    assert "fix is rolled out" in demo.read("incidents/2026-11-26-webhook-delays/index.html")
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_an_indexed_file_edited_keeping_its_size_and_time_is_seen(demo, tmp_path, indexed):
    build(demo)
    past_the_clock_tick_of(demo.root / "incidents/2026-08-28-cdn-errors.md")
    edit_keeping_size_and_time(demo.root / "incidents/2026-08-28-cdn-errors.md", "title: Intermittent",
                               "title: Occasional  ")
    build(demo, LATER)
    assert "Occasional" in demo.read("incidents/2026-08-28-cdn-errors/index.html")
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_the_target_of_a_linked_incident_file_is_read_every_time(demo, tmp_path, indexed):
    source = demo.root / "incidents/2026-08-28-cdn-errors.md"
    kept = demo.root / "written-elsewhere" / "cdn.md"
    kept.parent.mkdir()
    source.rename(kept)
    source.symlink_to(kept)
    build(demo)
    past_the_clock_tick_of(kept)
    edit_keeping_size_and_time(kept, "title: Intermittent", "title: Occasional  ")
    build(demo, LATER)
    assert "Occasional" in demo.read("incidents/2026-08-28-cdn-errors/index.html")
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_other_validation_settings_make_every_file_read_again(demo, tmp_path, indexed, monkeypatch):
    build(demo)
    config = demo.root / "statusgen.toml"
    text = config.read_text(encoding="utf-8")
    zone = re.search(r'^timezone = "([^"]+)"', text, re.M)
    assert zone is not None
    config.write_text(text.replace(zone.group(0), 'timezone = "Asia/Tokyo"'), encoding="utf-8")
    read = count_reads(monkeypatch)
    build(demo, LATER)
    assert sorted(read) == sorted(p.name for p in (demo.root / "incidents").glob("*.md"))
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)


def test_an_indexed_file_the_content_cache_lacks_is_read_and_keyed_by_its_bytes(demo, tmp_path, indexed):
    build(demo)
    planted = "0" * 64
    rewrite(demo.root / CACHE / "sources.json", lambda document: document["files"][
        "incidents/2026-08-28-cdn-errors.md"].__setitem__(5, planted))
    for shard in (demo.root / CACHE).glob("content-*.json"):
        shard.unlink()
    build(demo, LATER)
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    entries = [key for shard in (demo.root / CACHE).glob("content-*.json")
               for key in json.loads(shard.read_bytes().split(b"\n", 1)[1])]
    assert len(entries) == len(list((demo.root / "incidents").glob("*.md"))) and planted not in entries
