"""What publish reads: the built site from disk, and each target's listing and manifest, the
first target's while the site is read."""

from __future__ import annotations

import contextlib
import os
import threading

import pytest

import statusgen.publish
from statusgen.config import load_config
from statusgen.errors import StatusgenError
from statusgen.publish import Reporter, publish, read_site
from statusgen.publish.buckets import open_bucket
from tests.publish.conftest import BASE_SITE, Recorder, add_targets, s3_target, write_site


def test_the_site_is_read_as_it_is_published(tmp_path):
    site = write_site(tmp_path / "site", {**BASE_SITE, ".statusgen-output.json": "{}", "a/b/c/deep.txt": "deep"})
    (site / "status.html").symlink_to(site / "index.html")  # a file link within the site: its bytes
    (site / "linked").symlink_to(site / "a", target_is_directory=True)  # a folder link: not entered
    (site / "gone.html").symlink_to(site / "nothing-here.html")  # a broken link: nothing to publish
    expected = {relative: body.encode() for relative, body in BASE_SITE.items()}
    expected |= {"a/b/c/deep.txt": b"deep", "status.html": expected["index.html"]}
    found = read_site(site)
    assert found == expected
    assert list(found) == sorted(expected)  # in path order: the plan and the manifest list them so


def test_a_folder_of_the_site_that_cannot_be_read_is_refused(tmp_path, unlistable):
    site = write_site(tmp_path / "site", {**BASE_SITE, "private/notes.html": "x"})
    unlistable(site / "private")
    with pytest.raises(StatusgenError) as caught:
        read_site(site)
    assert str(caught.value) == (f"{site / 'private'}: cannot read this folder of the site (Permission denied); "
                                 "nothing was published")


def test_a_file_of_the_site_that_cannot_be_read_is_refused(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site", {**BASE_SITE, "private/notes.html": "x"})
    real_open = open

    def refusing(path, *args, **kwargs):
        if str(path) == str(site / "private" / "notes.html"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(statusgen.publish, "open", refusing, raising=False)  # the module's own `open`
    with pytest.raises(StatusgenError) as caught:
        read_site(site)
    assert str(caught.value) == (f"{site / 'private' / 'notes.html'}: cannot read this file of the site "
                                 "(Permission denied); nothing was published")


def test_a_file_whose_kind_cannot_be_told_is_refused(tmp_path, monkeypatch):
    # A link whose target lies in a folder the user may not search: os.DirEntry.is_file() raises.
    site = write_site(tmp_path / "site", {**BASE_SITE, "private/notes.html": "x"})
    scandir = os.scandir

    class Unknowable:
        def __init__(self, entry):
            self.entry, self.name, self.path = entry, entry.name, entry.path

        def is_symlink(self):
            return False

        def is_dir(self, follow_symlinks=True):
            return False

        def is_file(self, follow_symlinks=True):
            raise PermissionError(13, "Permission denied", self.path)

    def listing(path):
        entries = list(scandir(path))
        if str(path) != str(site / "private"):
            return contextlib.nullcontext(entries)
        return contextlib.nullcontext([Unknowable(entry) for entry in entries])

    monkeypatch.setattr(statusgen.publish.os, "scandir", listing)
    with pytest.raises(StatusgenError) as caught:
        read_site(site)
    assert str(caught.value) == (f"{site / 'private' / 'notes.html'}: cannot read this file of the site "
                                 "(Permission denied); nothing was published")


def test_the_first_target_is_listed_while_the_site_is_read(repo, s3, monkeypatch):
    for bucket in ("first-site", "second-site"):
        s3.create_bucket(bucket)
        add_targets(repo, s3_target(bucket, f"s3://{bucket}/", s3.url))
    write_site(repo.root / "site", BASE_SITE)
    recorder = Recorder()
    opened: list[bool] = []  # for each session made: made in the main thread?
    first_opened = threading.Event()
    seen_while_reading: list[bool] = []

    def session(region):
        opened.append(threading.current_thread() is threading.main_thread())
        first_opened.set()
        return recorder.session(region)

    def reading(site_dir):
        # Before the site is read through, the first target is being opened (one process step
        # after another would wait here in vain).
        seen_while_reading.append(first_opened.wait(timeout=10))
        return read_site(site_dir)

    monkeypatch.setattr(statusgen.publish, "read_site", reading)
    results = publish(repo.root, reporter=Reporter(echo=lambda text="", err=False: None), session_factory=session)
    assert seen_while_reading == [True]
    assert opened == [False, True]  # the second when its turn came
    assert [(r.name, r.uploaded) for r in results] == [("first-site", len(BASE_SITE)),
                                                         ("second-site", len(BASE_SITE))]
    assert {key for key in s3.keys("second-site") if not key.startswith(".")} == set(BASE_SITE)


def test_a_listing_leaves_the_stores_times_as_text(repo, s3):
    """statusgen reads no times from a store, so it does not parse them (a listing has one per object)."""
    s3.create_bucket("timed-site")
    s3.put("timed-site", "index.html", b"<!doctype html>")
    add_targets(repo, s3_target("timed", "s3://timed-site/", s3.url))
    [target] = load_config(repo.root).targets
    bucket = open_bucket(target, repo.root, repo.root / "site", Recorder().session(target.region), 4)
    [item] = bucket.client.list_objects_v2(Bucket="timed-site")["Contents"]
    assert isinstance(item["LastModified"], str) and item["LastModified"].startswith("20")
    assert list(bucket.list_objects()) == ["index.html"]


def test_links_in_a_circle_are_refused(tmp_path):
    site = write_site(tmp_path / "site", BASE_SITE)
    (site / "a.html").symlink_to(site / "b.html")
    (site / "b.html").symlink_to(site / "a.html")
    with pytest.raises(StatusgenError) as caught:
        read_site(site)
    assert str(caught.value) == (f"{site / 'a.html'}: a symbolic link to {site / 'b.html'}, part of a circle of links; "
                                 "statusgen publishes files, not links that lead nowhere. Remove the link or "
                                 "replace it with the file itself")
