"""`build --out` and file:// targets never destroy what statusgen did not write."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import DEMO_NOW

MARKER = ".statusgen-output.json"


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under `folder`."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def snapshot(site: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(site).items() if v is not None}


def build(repo, *extra: str, now: str = DEMO_NOW):
    return repo.run("build", "--root", str(repo.root), "--now", now, *extra)


def with_git_and_templates(repo) -> None:
    (repo.root / ".git" / "objects").mkdir(parents=True)
    (repo.root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    repo.write("templates/base.html", '{% extends "!base.html" %}')


@pytest.mark.parametrize("out", [".", "..", "incidents", "incidents/deeper", "templates", ".git",
                                 ".git/objects", ".statusgen-cache"])
def test_build_refuses_an_output_folder_overlapping_the_sources(demo, out):
    with_git_and_templates(demo)
    assert build(demo).exit_code == 0  # a cache and a site exist too
    parent = demo.root.parent
    before = tree(parent)
    result = build(demo, "--out", str(demo.root / out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: output folder: ")
    assert "expected a folder of its own" in result.output
    assert tree(parent) == before


def test_build_refuses_a_symlink_leading_into_the_sources(demo, tmp_path):
    link = tmp_path / "elsewhere"
    link.symlink_to(demo.root / "incidents")
    before = tree(demo.root)
    result = build(demo, "--out", str(link))
    assert result.exit_code == 1 and "overlaps incidents" in result.output
    assert tree(demo.root) == before


def test_build_refuses_a_non_empty_folder_statusgen_did_not_create(demo, tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    (public / "CNAME").write_text("status.example.com\n")
    (public / "notes.txt").write_text("mine")
    result = build(demo, "--out", str(public))
    assert result.exit_code == 1
    assert f"output folder: {public} is not empty and statusgen did not create it" in result.output
    assert tree(public) == {"CNAME": b"status.example.com\n", "notes.txt": b"mine"}


def test_an_empty_folder_is_used_and_marked(demo, tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    assert build(demo, "--out", str(public)).exit_code == 0
    listed = json.loads((public / MARKER).read_text())["files"]
    assert "index.html" in listed and MARKER not in listed
    assert sorted(listed) == sorted(k for k in snapshot(public) if k != MARKER)


def test_a_file_added_to_a_statusgen_folder_stays_and_is_not_counted(demo, tmp_path):
    public = tmp_path / "public"
    first = build(demo, "--out", str(public))
    (public / "CNAME").write_text("status.example.com\n")
    (public / "incidents" / "keep.txt").write_text("someone's note")
    (demo.root / "incidents" / "2026-08-28-cdn-errors.md").unlink()  # its page goes, nothing else
    second = build(demo, "--out", str(public))
    assert second.exit_code == 0, second.output
    assert (public / "CNAME").read_text() == "status.example.com\n"
    assert (public / "incidents" / "keep.txt").read_text() == "someone's note"
    assert not (public / "incidents" / "2026-08-28-cdn-errors").exists()
    listed = json.loads((public / MARKER).read_text())["files"]
    assert "CNAME" not in listed and "incidents/keep.txt" not in listed
    count = lambda output: int(output.split("Built ")[1].split(" files")[0])  # noqa: E731
    assert count(second.output) == count(first.output) - 1


def test_an_unmarked_site_matching_the_cache_record_is_adopted(demo, tmp_path):
    site = demo.root / "site"
    assert build(demo).exit_code == 0
    (site / MARKER).unlink()  # as a site built before markers existed
    result = build(demo)
    assert result.exit_code == 0, result.output
    assert (site / MARKER).exists()
    cold = tmp_path / "cold"
    assert build(demo, "--no-cache", "--out", str(cold)).exit_code == 0
    assert snapshot(site) == snapshot(cold)


def test_an_unmarked_site_with_a_file_the_cache_does_not_know_is_refused(demo):
    site = demo.root / "site"
    assert build(demo).exit_code == 0
    (site / MARKER).unlink()
    (site / "CNAME").write_text("status.example.com\n")
    before = tree(site)
    result = build(demo)
    assert result.exit_code == 1 and "is not empty and statusgen did not create it" in result.output
    assert tree(site) == before


def test_the_marker_is_never_published(demo, tmp_path):
    assert build(demo).exit_code == 0
    demo.write("statusgen.toml", (demo.root / "statusgen.toml").read_text()
               + f'\n[[targets]]\nname = "disk"\nurl = "file://{tmp_path / "www"}"\n')
    result = demo.run("publish", "--root", str(demo.root), "--target", "disk", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "upload index.html" in result.output and MARKER not in result.output


# file:// publish targets: the same rule


def add_target(repo, url: str) -> None:
    config = (repo.root / "statusgen.toml").read_text()
    repo.write("statusgen.toml", config + f'\n[[targets]]\nname = "disk"\nurl = "{url}"\n')


@pytest.mark.parametrize("url", ["file://incidents", "file://incidents/www", "file://templates",
                                 "file://.git", "file://.statusgen-cache", "ABSOLUTE"])
def test_a_file_target_inside_the_sources_is_refused(demo, url):
    with_git_and_templates(demo)
    assert build(demo).exit_code == 0
    add_target(demo, url.replace("ABSOLUTE", f"file://{demo.root / 'incidents'}"))
    before = tree(demo.root)
    result = demo.run("publish", "--root", str(demo.root), "--target", "disk")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "part of the status repository's sources" in result.output
    assert tree(demo.root) == before


def test_a_file_target_that_someone_else_filled_is_refused(demo, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("the old site, not statusgen's")
    assert build(demo).exit_code == 0
    add_target(demo, f"file://{www}")
    result = demo.run("publish", "--root", str(demo.root), "--target", "disk")
    assert result.exit_code == 1
    assert f"{www} is not empty and statusgen did not publish to it" in result.output
    assert tree(www) == {"index.html": b"the old site, not statusgen's"}


def test_a_file_target_statusgen_started_is_resumed(demo, tmp_path):
    """An interrupted first publish left files and the marker, not yet a manifest."""
    www = tmp_path / "www"
    assert build(demo).exit_code == 0
    add_target(demo, f"file://{www}")
    assert demo.run("publish", "--root", str(demo.root), "--target", "disk").exit_code == 0
    assert (www / MARKER).exists()
    (www / ".statusgen-manifest.json").unlink()
    result = demo.run("publish", "--root", str(demo.root), "--target", "disk")
    assert result.exit_code == 0, result.output
    site = snapshot(demo.root / "site")
    site.pop(MARKER)
    published = snapshot(www)
    assert {k: v for k, v in published.items() if not k.startswith(".statusgen")} == site
    assert os.path.exists(www / ".statusgen-manifest.json")


def as_left_by_0_1_0(repo, record) -> None:
    """No marker, no JSON cache: what statusgen 0.1.0 left, with `record` as its pickled site record."""
    import pickle

    (repo.root / "site" / MARKER).unlink()
    for path in (repo.root / ".statusgen-cache").glob("*.json"):
        path.unlink()
    (repo.root / ".statusgen-cache" / "site-0.1.0.pickle").write_bytes(pickle.dumps(record, protocol=5))


def test_a_site_built_by_0_1_0_is_adopted_on_upgrade(demo, tmp_path):
    assert build(demo).exit_code == 0
    head, body = (demo.root / ".statusgen-cache" / "site.json").read_bytes().split(b"\n", 1)
    record = json.loads(body)
    as_left_by_0_1_0(demo, {"out": record["out"], "files": {k: tuple(v) for k, v in record["files"].items()}})
    result = build(demo)
    assert result.exit_code == 0, result.output
    assert (demo.root / "site" / MARKER).exists()
    cold = tmp_path / "cold"
    assert build(demo, "--no-cache", "--out", str(cold)).exit_code == 0
    assert snapshot(demo.root / "site") == snapshot(cold)


def test_a_planted_0_1_0_record_runs_nothing_and_proves_nothing(demo, tmp_path):
    planted = tmp_path / "code-ran"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {planted}",))

    assert build(demo).exit_code == 0
    as_left_by_0_1_0(demo, {"out": str((demo.root / "site").resolve()), "files": Exploit()})
    before = tree(demo.root / "site")
    result = build(demo)
    assert result.exit_code == 1 and "is not empty and statusgen did not create it" in result.output
    assert not planted.exists()
    assert tree(demo.root / "site") == before
