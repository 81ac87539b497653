"""The pure planner and the header table, on plain values."""

from __future__ import annotations

import pytest

from statusgen.publish.headers import cache_control, content_type, is_fingerprinted
from statusgen.publish.manifest import Manifest, decode_manifest, encode_manifest
from statusgen.publish.plan import (
    CONTENT_CHANGED,
    HEADERS_CHANGED,
    NEW,
    UNVERIFIED,
    LocalFile,
    RemoteObject,
    Stored,
    invalidation_paths,
    make_plan,
    merge_invalidations,
    paths_to_inspect,
    trusted_records,
)

HTML = "text/html; charset=utf-8"


def local(path, sha="a" * 64, size=10, cache="public, max-age=60"):
    return LocalFile(path, sha, size, content_type(path), cache)


def stored(file, etag='"e1"'):
    return Stored(file.sha256, file.size, etag, file.content_type, file.cache_control)


def test_reasons_for_each_upload():
    files = {f.path: f for f in (local("index.html"), local("feed.atom", sha="b" * 64),
                                 local("api/v2/status.json"), local("new.html"), local("odd.html"))}
    listing = {p: RemoteObject(p, 10, '"e1"') for p in ("index.html", "feed.atom", "api/v2/status.json",
                                                          "odd.html", "gone.html")}
    known = {
        "index.html": stored(files["index.html"]),
        "feed.atom": Stored("c" * 64, 10, '"e1"', files["feed.atom"].content_type, "public, max-age=60"),
        "api/v2/status.json": Stored("a" * 64, 10, '"e1"', "application/json; charset=utf-8", "no-cache"),
        "odd.html": Stored(None, 10, '"e1"', HTML, "public, max-age=60"),
    }
    plan = make_plan(files, listing, known)
    assert [(u.path, u.reason) for u in plan.uploads] == [
        ("new.html", NEW), ("odd.html", UNVERIFIED), ("feed.atom", CONTENT_CHANGED),
        ("api/v2/status.json", HEADERS_CHANGED),
    ]
    assert plan.unchanged == ("index.html",)
    assert plan.deletes == ("gone.html",)
    assert plan.invalidations == ("/api/v2/status.json", "/feed.atom", "/gone.html", "/odd.html")


def test_manifest_is_trusted_only_while_the_listing_agrees():
    record = Stored("a" * 64, 10, '"e1"', HTML, "public, max-age=60")
    manifest = {"same.html": record, "etag.html": record, "size.html": record, "gone.html": record}
    listing = {"same.html": RemoteObject("same.html", 10, '"e1"'),
               "etag.html": RemoteObject("etag.html", 10, '"e2"'),
               "size.html": RemoteObject("size.html", 11, '"e1"'),
               "extra.html": RemoteObject("extra.html", 10, '"e9"')}
    trusted = trusted_records(listing, manifest)
    assert set(trusted) == {"same.html"}
    files = {p: local(p) for p in ("same.html", "etag.html", "size.html", "extra.html", "new.html")}
    assert paths_to_inspect(files, listing, trusted) == ["etag.html", "extra.html", "size.html"]


def test_delete_guard_uses_the_larger_of_old_and_new_site():
    listing = {f"p{i}.html": RemoteObject(f"p{i}.html", 1, None) for i in range(8)}
    keep = {p: local(p) for p in list(listing)[:6]}
    assert make_plan(keep, listing, {}).delete_refusal(0.25) is None  # 2 of 8
    few = {p: local(p) for p in list(listing)[:5]}
    assert "refusing to delete 3 of 8 files" in make_plan(few, listing, {}).delete_refusal(0.25)
    big_new_site = {f"n{i}.html": local(f"n{i}.html") for i in range(40)}
    assert make_plan(big_new_site, listing, {}).delete_refusal(0.25) is None  # 8 of 40


def test_invalidation_paths_cover_folder_urls_and_collapse_when_many():
    assert invalidation_paths(["index.html", "incidents/a b/index.html", "feed.atom"]) == (
        "/", "/feed.atom", "/incidents/a%20b/", "/incidents/a%20b/index.html", "/index.html")
    assert invalidation_paths([f"incidents/{i}/index.html" for i in range(150)]) == ("/*",)
    assert merge_invalidations(("/a",), ("/b", "/a")) == ("/a", "/b")
    assert merge_invalidations(("/a",), ("/*",)) == ("/*",)


@pytest.mark.parametrize("path, expected", [
    ("assets/style.3f2a9c1b.css", True), ("assets/statusgen.d1d45219ddac.js", True),
    ("assets/app-3f2a9c1b0d.js", True), ("assets/style.css", False),
    ("style.3f2a9c1b.css", False), ("assets/logo.cafe.png", False), ("assets/x.deadbeefz.css", False),
])
def test_fingerprint_detection(path, expected):
    assert is_fingerprinted(path) is expected


def test_cache_control_patterns_win_in_order():
    patterns = (("incidents/*", "public, max-age=300"), ("*.html", "no-cache"))
    assert cache_control("incidents/x/index.html", patterns) == "public, max-age=300"
    assert cache_control("index.html", patterns) == "no-cache"
    assert cache_control("assets/style.3f2a9c1b.css", patterns) == "public, max-age=31536000, immutable"
    assert cache_control("feed.rss") == "public, max-age=60"
    assert content_type("unknown.bin") == "application/octet-stream"


def test_manifest_round_trip_and_garbage():
    manifest = Manifest({"index.html": Stored("a" * 64, 3, '"e"', HTML, "public, max-age=60")}, ("/",))
    assert decode_manifest(encode_manifest(manifest)) == manifest
    assert encode_manifest(manifest) == encode_manifest(decode_manifest(encode_manifest(manifest)))
    for garbage in (b"", b"[]", b"{not json", b'{"format": "statusgen-publish-manifest", "version": 1}',
                    b'{"format": "statusgen-publish-manifest", "version": 1, "files": {"a": {"size": "1"}}}'):
        assert decode_manifest(garbage) is None
