"""The tree a swap takes out of the output folder is kept beside it (the spare) and the next
build brings it up to date instead of writing a whole new tree. Nothing in it is trusted: every
site is byte-identical to a cold build, whatever was done to the spare or to the live site."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import DEMO_NOW

HOLDING = ".site.statusgen-build"
LATER = "2026-11-26T21:30:00Z"
LATEST = "2026-11-26T22:00:00Z"
SLUG = "2026-11-26-webhook-delays"


def tree(site: Path) -> dict[str, object]:
    """Every file's bytes, every link's target and every folder of `site`."""
    found: dict[str, object] = {}
    for path in sorted(site.rglob("*")):
        relative = path.relative_to(site).as_posix()
        if path.is_symlink():
            found[relative] = ("link", os.readlink(path))
        elif path.is_dir():
            found[relative] = "folder"
        else:
            found[relative] = path.read_bytes()
    return found


def build(repo, now: str, *extra: str) -> Path:
    result = repo.run("build", "--root", str(repo.root), "--now", now, *extra)
    assert result.exit_code == 0, result.output
    return repo.root / "site"


def cold(repo, tmp_path: Path, now: str) -> dict[str, object]:
    """The same site built from nothing, into a folder of its own."""
    out = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    build(repo, now, "--no-cache", "--out", str(out))
    return tree(out)


def update(repo, at: str, message: str) -> None:
    result = repo.run("update", SLUG, "--root", str(repo.root), "--status", "monitoring",
                      "--message", message, "--at", at)
    assert result.exit_code == 0, result.output


def with_spare(repo) -> Path:
    """A site and a spare: the second build swaps the first tree out."""
    build(repo, DEMO_NOW)
    site = build(repo, DEMO_NOW, "--no-cache")
    assert (repo.root / HOLDING / "previous" / "index.html").is_file()
    return site


def test_rebuilds_reuse_the_folders_of_the_tree_before_and_match_a_cold_build(demo, tmp_path):
    site = build(demo, DEMO_NOW)
    assert tree(site) == cold(demo, tmp_path, DEMO_NOW)
    folders = sorted(p for p in site.rglob("*") if p.is_dir())
    # Held open, a folder removed and made again cannot come back with the same inode number.
    held = {p.relative_to(site): os.open(p, os.O_RDONLY | os.O_DIRECTORY) for p in folders}
    try:
        update(demo, "2026-11-26T21:20:00Z", "A fix is rolling out.")
        build(demo, LATER)
        assert tree(site) == cold(demo, tmp_path, LATER)
        before = {p.relative_to(site).as_posix(): os.stat(p) for p in site.rglob("*") if p.is_file()}
        second = tree(site)
        update(demo, "2026-11-26T21:50:00Z", "Queues are draining.")
        build(demo, LATEST)
        assert tree(site) == cold(demo, tmp_path, LATEST)
        reused = [relative for relative, fd in held.items()
                  if os.path.samestat(os.fstat(fd), os.stat(site / relative))]
        assert reused == list(held)  # every folder of the first site is a folder of the third
        assert (site / "incidents/2026-11-12-login-failures") in folders
    finally:
        for fd in held.values():
            os.close(fd)
    after, third = {p.relative_to(site).as_posix(): os.stat(p) for p in site.rglob("*") if p.is_file()}, tree(site)
    same = [relative for relative in before if second[relative] == third.get(relative)]
    changed = [relative for relative in before if relative in third and second[relative] != third[relative]]
    assert same and changed
    for relative in same:  # a file whose bytes did not change keeps its inode and time
        assert (after[relative].st_ino, after[relative].st_mtime_ns) == \
               (before[relative].st_ino, before[relative].st_mtime_ns), relative


def test_what_is_planted_in_the_spare_never_reaches_the_site(demo, tmp_path):
    site = with_spare(demo)
    spare = demo.root / HOLDING / "previous"
    outside = tmp_path / "outside"
    outside.mkdir()
    (spare / "planted.txt").write_text("not statusgen's")
    (spare / "incidents/planted").mkdir()
    (spare / "incidents/planted/index.html").write_text("<p>planted</p>")
    # Other files where the site's go: a page that is reused unrendered, a file of the same
    # bytes as the live one (both linked from the live site), and a changed feed.
    for relative in ("incidents/2026-11-12-login-failures/index.html", "robots.txt", "feed.atom"):
        (spare / relative).unlink()
        (spare / relative).write_text("not the live file")
    (spare / "history/index.html").unlink()
    (spare / "history/index.html").mkdir()  # a folder where a file goes
    (spare / "history/index.html/deep.txt").write_text("deep")
    components = sorted(p for p in (spare / "components").iterdir() if p.is_dir())[0]
    for path in sorted(components.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    components.rmdir()
    components.symlink_to(outside)  # a link where a folder goes: never written through
    (spare / "subscribe").rename(spare / "subscribe-moved")
    (spare / "subscribe").write_text("a file where a folder goes")

    update(demo, "2026-11-26T21:20:00Z", "A fix is rolling out.")
    build(demo, LATER)
    assert tree(site) == cold(demo, tmp_path, LATER)
    assert list(outside.iterdir()) == []


def test_a_site_file_edited_in_place_is_written_anew_and_the_live_one_untouched(demo, tmp_path):
    site = with_spare(demo)
    page = site / "index.html"
    with open(page, "ab") as handle:  # the same inode: the spare's link to it sees this too
        handle.write(b"<!-- edited by hand -->")
    edited, inode = page.read_bytes(), page.stat().st_ino
    assert os.stat(demo.root / HOLDING / "previous/index.html").st_ino == inode

    build(demo, DEMO_NOW)
    assert tree(site) == cold(demo, tmp_path, DEMO_NOW)
    assert page.stat().st_ino != inode
    # The file that was live until the swap is the spare's now, still as the hand left it.
    swapped_out = demo.root / HOLDING / "previous/index.html"
    assert swapped_out.stat().st_ino == inode
    assert swapped_out.read_bytes() == edited


def test_a_statusgen_file_deleted_by_hand_comes_back(demo, tmp_path):
    site = with_spare(demo)
    (site / "history/index.html").unlink()
    (site / "feed.atom").unlink()
    build(demo, DEMO_NOW)
    assert (site / "history/index.html").is_file() and (site / "feed.atom").is_file()
    assert tree(site) == cold(demo, tmp_path, DEMO_NOW)


def test_carried_files_follow_the_live_site_not_the_spare(demo, tmp_path):
    site = with_spare(demo)
    (site / "CNAME").write_text("status.example.com\n")
    (site / "latest").symlink_to("index.html")
    update(demo, "2026-11-26T21:20:00Z", "A fix is rolling out.")
    build(demo, LATER)  # the spare, without them, becomes the site
    assert (site / "CNAME").read_text() == "status.example.com\n"
    assert os.readlink(site / "latest") == "index.html"

    (site / "latest").unlink()
    (site / "latest").symlink_to("history/index.html")  # the spare still points elsewhere
    update(demo, "2026-11-26T21:50:00Z", "Queues are draining.")
    build(demo, LATEST)
    assert (site / "CNAME").read_text() == "status.example.com\n"
    assert os.readlink(site / "latest") == "history/index.html"

    (site / "CNAME").unlink()  # deleted by the user: the spare's copy must not bring it back
    (site / "latest").unlink()
    build(demo, LATEST, "--no-cache")
    assert not (site / "CNAME").exists() and not os.path.lexists(site / "latest")
    assert tree(site) == cold(demo, tmp_path, LATEST)


def test_the_holding_folder_can_be_deleted_between_builds(demo, tmp_path):
    import shutil

    with_spare(demo)
    shutil.rmtree(demo.root / HOLDING)
    update(demo, "2026-11-26T21:20:00Z", "A fix is rolling out.")
    site = build(demo, LATER)
    assert tree(site) == cold(demo, tmp_path, LATER)
    assert sorted(os.listdir(demo.root / HOLDING)) == [".gitignore", "lock", "previous"]


def test_a_site_and_its_kept_tree_restored_from_a_tar_archive_are_reused(demo, tmp_path):
    """What CI's cache step does: `.statusgen-cache/`, `site/` and the kept tree go into one tar
    archive (hard links stay links within it) and come back in a fresh checkout, every file a new
    inode. The next build fills the restored kept tree (its folders become the new site's) instead
    of making every folder, and the site is a cold build's."""
    import shutil
    import tarfile

    with_spare(demo)
    archive = tmp_path / "cache.tar"
    saved = (".statusgen-cache", "site", f"{HOLDING}/previous")
    with tarfile.open(archive, "w") as tar:
        for name in saved:
            tar.add(demo.root / name, arcname=name)
    for name in saved:
        shutil.rmtree(demo.root / name)
    shutil.rmtree(demo.root / HOLDING)
    with tarfile.open(archive) as tar:
        tar.extractall(demo.root, filter="tar")
    kept = demo.root / HOLDING / "previous"
    site = demo.root / "site"
    assert os.path.samestat(os.stat(kept / "index.html"), os.stat(site / "index.html"))  # still one file
    restored = os.open(kept / "incidents", os.O_RDONLY | os.O_DIRECTORY)
    try:
        update(demo, "2026-11-26T21:20:00Z", "A fix is rolling out.")
        build(demo, LATER)
        assert os.path.samestat(os.fstat(restored), os.stat(site / "incidents"))
    finally:
        os.close(restored)
    assert tree(site) == cold(demo, tmp_path, LATER)
