"""The build cache and incremental writes: never stale, byte-identical to a cold build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from statusgen import content
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
    (demo.root / "site" / "stray.html").write_text("not written by statusgen")
    build(demo)
    built = snapshot(demo.root / "site")
    assert built.pop("stray.html") == b"not written by statusgen"  # never statusgen's to delete
    assert built == cold(demo, tmp_path)


def test_a_site_restored_as_a_copy_is_reused_by_its_bytes(demo, tmp_path):
    """CI restores site/ with the build cache into a fresh checkout: every file is a copy (new
    inode and time) with the same bytes, so nothing needs rendering again, except a page whose
    bytes differ from what was recorded, even at the same size."""
    build(demo)
    site = demo.root / "site"
    saved = tmp_path / "saved-site"
    shutil.copytree(site, saved, copy_function=shutil.copyfile)
    shutil.rmtree(site)
    shutil.copytree(saved, site, copy_function=shutil.copyfile)
    altered = site / "incidents" / "2026-11-20-api-errors" / "index.html"
    data = altered.read_bytes()
    altered.write_bytes(data.replace(b"<title>", b"<titlf>", 1))
    assert altered.stat().st_size == len(data)
    output = build(demo)
    assert "1 pages rendered" in output
    assert snapshot(site) == cold(demo, tmp_path)


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


# The cache is data only, checked on load; anything wrong with it means a cold build, same bytes.

CACHE = ".statusgen-cache"


def cache_file(repo, name: str) -> Path:
    if name in ("content", "renders", "markdown"):  # kept in sixteen files: the first one there
        return sorted((repo.root / CACHE).glob(f"{name}-*.json"))[0]
    return repo.root / CACHE / f"{name}.json"


def rewrite(path: Path, change_body=None, change_header=None) -> None:
    """Edit a cache file and give it a valid checksum, so only the content checks can catch it."""
    import hashlib
    import json

    head, body = path.read_bytes().split(b"\n", 1)
    header = json.loads(head)
    if change_body:
        document = json.loads(body)
        replaced = change_body(document)
        document = document if replaced is None else replaced
        body = json.dumps(document).encode()
        header["sha256"] = hashlib.sha256(body).hexdigest()
    if change_header:
        change_header(header)
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)


def first_entry(document: dict) -> dict:
    return document[sorted(document)[0]]


def notice(document: dict) -> dict:
    return first_entry(document)["fields"]


def flip_bit(path: Path, offset_from_end: int) -> None:
    data = bytearray(path.read_bytes())
    data[-offset_from_end] ^= 0x04
    path.write_bytes(bytes(data))


def flip_in_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[data.index(b'"sha256"') + 14] ^= 0x01
    path.write_bytes(bytes(data))


CORRUPTIONS = {
    "bit flip in a notice": ("content", lambda p: flip_bit(p, 40)),
    "bit flip in a header": ("content", flip_in_header),
    "bit flip in the site record": ("site", lambda p: flip_bit(p, 20)),
    "bit flip in a memoised feed": ("renders", lambda p: flip_bit(p, 30)),
    "bit flip in the Markdown memo": ("markdown", lambda p: flip_bit(p, 30)),
    "a Markdown memo entry that is not text": ("markdown", lambda p: rewrite(
        p, lambda d: d.update({sorted(d)[0]: 5}))),
    "truncated": ("content", lambda p: p.write_bytes(p.read_bytes()[:-100])),
    "not JSON": ("content", lambda p: p.write_bytes(b"\x80\x05garbage")),
    "a None entry": ("content", lambda p: rewrite(p, lambda d: d.update({sorted(d)[0]: None}))),
    "a wrong-typed title": ("content", lambda p: rewrite(p, lambda d: notice(d).update(title=5))),
    "a huge number as a time": ("content", lambda p: rewrite(
        p, lambda d: notice(d)["updates"][0].update(at="99999-01-01T00:00:00+00:00"))),
    "a time without offset": ("content", lambda p: rewrite(
        p, lambda d: notice(d)["updates"][0].update(at="2026-01-01T00:00:00"))),
    "a missing field": ("content", lambda p: rewrite(p, lambda d: notice(d).pop("slug"))),
    "an extra field": ("content", lambda p: rewrite(p, lambda d: notice(d).update(extra=1))),
    "an unknown kind of notice": ("content", lambda p: rewrite(p, lambda d: first_entry(d).update(kind="outage"))),
    "a wrong-typed flag": ("content", lambda p: rewrite(p, lambda d: notice(d).update(notify="no"))),
    "a null update message": ("content", lambda p: rewrite(
        p, lambda d: notice(d)["updates"][0].update(message=None))),
    "a component pair of a number": ("content", lambda p: rewrite(
        p, lambda d: notice(d)["updates"][0].update(components=[["api", 3]]))),
    "a list as the body": ("content", lambda p: rewrite(p, lambda d: [d])),
    "remembered text keys that are not text": ("content", lambda p: rewrite(
        p, lambda d: first_entry(d).update(remembered=[5]))),
    "a wrong-typed site record": ("site", lambda p: rewrite(
        p, lambda d: first_entry(d["files"]).__setitem__(1, "12"))),
    "a memoised output that is not base64": ("renders", lambda p: rewrite(
        p, lambda d: first_entry(d).update({next(iter(first_entry(d))): "%%%"}))),
    "written by other code under the same version": ("content", lambda p: rewrite(
        p, change_header=lambda h: h.update(code="0" * 64))),
    "another record schema": ("content", lambda p: rewrite(
        p, change_header=lambda h: h.update(schema="0" * 64))),
    "another format version": ("site", lambda p: rewrite(p, change_header=lambda h: h.update(version=0))),
    "bit flip in the index of files": ("sources", lambda p: flip_bit(p, 30)),
    "an index entry with a text as its size": ("sources", lambda p: rewrite(
        p, lambda d: first_entry(d["files"]).__setitem__(2, "1234"))),
    "an index entry without its key": ("sources", lambda p: rewrite(p, lambda d: first_entry(d["files"]).pop())),
}


@pytest.mark.parametrize("case", CORRUPTIONS)
def test_a_damaged_cache_gives_a_cold_build_with_a_notice(demo, tmp_path, case, monkeypatch):
    monkeypatch.setattr(content, "RECENT_NS", 0)  # every incident file in the index of files at once
    name, corrupt = CORRUPTIONS[case]
    build(demo)
    add_update(demo)
    corrupt(cache_file(demo, name))
    result = demo.run("build", "--root", str(demo.root), "--now", LATER)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    notices = [line for line in result.output.splitlines() if line.startswith("Notice:")]
    assert len(notices) == 1 and "built without part of the cache" in notices[0], result.output
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    # the next build finds a sound cache again
    assert "Notice" not in build(demo, LATER)


def test_a_cache_written_under_other_library_versions_is_not_used(demo, tmp_path, monkeypatch, request):
    """A Markdown, Jinja or Babel upgrade may write other bytes from the same input: after an
    installed library's version changes, every cache file is ignored (one notice) and the site is
    a cold build's."""
    import site

    from statusgen.cache import code_digest
    from statusgen.inputs import installation_digest

    def forget() -> None:  # the digests of this process's libraries, worked out again
        for cached in (code_digest, installation_digest):
            cached.cache_clear()

    request.addfinalizer(forget)
    libraries = tmp_path / "libraries"
    (libraries / "shaping_library-1.0.dist-info").mkdir(parents=True)
    folders = site.getsitepackages()
    monkeypatch.setattr(site, "getsitepackages", lambda: [*folders, str(libraries)])
    forget()
    build(demo)
    add_update(demo)
    (libraries / "shaping_library-1.0.dist-info").rename(libraries / "shaping_library-1.1.dist-info")
    forget()
    output = build(demo, LATER)
    # every file for the one reason: said once
    assert "(.statusgen-cache/ (" in output and " files): written by another version of statusgen or of a library " \
        "it uses)" in output and output.count("written by") == 1, output
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    assert "Notice" not in build(demo, LATER)


def test_a_cache_is_never_unpickled(demo, tmp_path):
    """A pull request could plant a pickle in the working tree; reading it must not run it."""
    import os
    import pickle

    build(demo)
    planted = tmp_path / "code-ran"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {planted}",))

    payload = pickle.dumps({"x": Exploit()})
    cache = demo.root / CACHE
    for path in list(cache.glob("*.json")):
        path.write_bytes(payload)
    from statusgen import __version__
    for name in ("site", "renders", *(f"content-{d}" for d in "0123456789abcdef")):
        (cache / f"{name}-{__version__}.pickle").write_bytes(payload)
    output = build(demo)
    assert not planted.exists()
    assert "Notice: built without part of the cache" in output
    assert snapshot(demo.root / "site") == cold(demo, tmp_path)


def test_markdown_is_converted_once_and_every_output_reads_the_same_cached_html(repo):
    """The build cache keeps each text's HTML by text hash; the next build reads it instead of
    converting again, for the incident page, the feed and the calendar alike. HTML read from the
    cache is sanitised again, so a planted entry cannot put script on a page."""
    import json

    import feedparser
    import icalendar

    from statusgen.cache import BuildCache
    from statusgen.render.markdown import text_key
    from tests import cli_process

    message = f"Window {repo.root.name}: we move the **database**."
    repo.write("statusgen.toml", '[site]\ntitle = "T"\nbase_url = "https://status.example.com/"\n\n'
               '[[components]]\nid = "db"\nname = "Database"\n')
    repo.incident("2026-11-21-move", "title: Move\ntype: maintenance\ncomponents:\n  db: under_maintenance\n"
                  "scheduled_start: 2026-11-21T10:00:00Z\nscheduled_end: 2026-11-21T11:00:00Z\nupdates:\n"
                  f"  - at: 2026-11-14T10:00:00Z\n    status: scheduled\n    message: '{message}'\n")
    build(repo, "2026-11-20T15:00:00Z")
    shard = f"markdown-{text_key(message)[0]}"
    stored = json.loads((repo.root / CACHE / f"{shard}.json").read_bytes().split(b"\n", 1)[1])
    assert stored[text_key(message)] == f"<p>Window {repo.root.name}: we move the <strong>database</strong>.</p>"

    planted = '<p>From the cache <b>only</b></p><script>alert(1)</script><img src="x" onerror="alert(2)">'
    BuildCache(repo.root / CACHE).save(shard, {text_key(message): planted})
    for renders in (repo.root / CACHE).glob("renders-*.json"):
        renders.unlink()  # else feeds and calendars come whole from there
    # a fresh process, as each `statusgen build` is (this one remembers the text's HTML)
    again = cli_process.run("build", "--root", str(repo.root), "--now", "2026-11-20T15:00:00Z",
                            "--out", str(repo.root / "again"))
    assert again.returncode == 0, again.stderr
    page = (repo.root / "again" / "incidents" / "2026-11-21-move" / "index.html").read_text()
    feed = feedparser.parse((repo.root / "again" / "feed.atom").read_bytes())
    assert "From the cache <b>only</b>" in page and "database</strong>" not in page
    assert "<script>alert" not in page and "onerror" not in page
    calendars = [icalendar.Calendar.from_ical(p.read_bytes()) for p in (repo.root / "again").rglob("*.ics")]
    assert calendars and all("From the cache only" in str(event["DESCRIPTION"])
                             for calendar in calendars for event in calendar.walk("VEVENT"))
    assert any("From the cache <b>only</b>" in e.content[0].value and "<script" not in e.content[0].value
               for e in feed.entries)


def test_a_warm_build_finds_each_text_by_the_keys_remembered_with_its_notice(demo, tmp_path, monkeypatch):
    """The keys of a notice's texts are kept with it in the cache: a rebuild does not hash every
    text again to find its HTML. A key only finds HTML (a page hashes the text it shows), so
    keys swapped between notices in the cache cost time, never a wrong page."""
    import json

    from statusgen.render import markdown

    build(demo)
    hashed = []
    real = markdown.text_key
    monkeypatch.setattr(markdown, "text_key", lambda text: hashed.append(text) or real(text))
    build(demo, LATER)  # every notice from the cache, every page's texts remembered by this process
    assert hashed == []
    documents = {path: json.loads(path.read_bytes().split(b"\n", 1)[1])
                 for path in sorted((demo.root / CACHE).glob("content-*.json"))}
    entries = [entry for document in documents.values() for entry in document.values() if entry["remembered"]]
    assert len(entries) >= 3
    entries[0]["remembered"], entries[1]["remembered"] = entries[1]["remembered"], entries[0]["remembered"]
    entries[2]["remembered"] = ["0" * 64]  # the key of no text at all
    for path, document in documents.items():
        rewrite(path, lambda _, document=document: document)
    (demo.root / "site" / "index.html").unlink()  # so that the build goes the whole way
    monkeypatch.setattr(markdown, "text_key", real)
    output = build(demo, LATER)
    assert "Notice" not in output
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, LATER)
    # the texts of the notice listed under no real key are hashed again and their HTML kept
    fields = entries[2]["fields"]
    texts = [t for t in (fields["body"], *(u["message"] for u in fields["updates"])) if t.strip()]
    kept = {key for path in (demo.root / CACHE).glob("markdown-*.json")
            for key in json.loads(path.read_bytes().split(b"\n", 1)[1])}
    assert texts and {markdown.text_key(text) for text in texts} <= kept


def test_a_rebuild_renders_only_the_feeds_whose_entries_changed(demo, tmp_path, monkeypatch):
    """A feed file is kept when the file on disk has the key of what it would show (its bytes
    are not remembered in the build cache); a new update renders the site's feed and those of
    the components it names, and a feed file edited by hand is written again."""
    from statusgen.cache import BuildCache, ShardedTable
    from statusgen.render import feeds

    rendered: list[str] = []
    real = feeds._render_feeds
    monkeypatch.setattr(feeds, "_render_feeds", lambda *args: rendered.append(args[4]) or real(*args))
    build(demo)
    everything = len(rendered)
    assert everything == 1 + len(list((demo.root / "site/components").glob("*/feed.atom")))
    remembered = ShardedTable(BuildCache.for_root(demo.root), "renders").entries.values()
    assert not any(isinstance(value, dict) and "feed.atom" in value for value in remembered)
    rendered.clear()
    build(demo, "2026-11-26T21:05:00Z")
    assert rendered == []
    add_update(demo)
    build(demo, LATER)
    assert sorted(rendered) == ["", "components/webhooks/"]
    rendered.clear()
    feed = demo.root / "site/components/api/feed.atom"
    feed.write_bytes(feed.read_bytes().replace(b"<feed", b"<feed data-edited='1'", 1))
    build(demo, "2026-11-26T21:35:00Z")
    assert rendered == ["components/api/"]
    assert snapshot(demo.root / "site") == cold(demo, tmp_path, "2026-11-26T21:35:00Z")


def test_a_sharded_table_rewrites_only_the_files_whose_keys_changed(tmp_path):
    """Under a key the value never changes, so a table saved with the keys it holds writes no
    file at all, and one key more or fewer rewrites only the file holding it."""
    from statusgen.cache import BuildCache, ShardedTable, shard_of

    cache = BuildCache(tmp_path / "cache")
    entries = {f"{digit}{n}" + "0" * 62: f"<p>{digit}{n}</p>" for digit in "0123456789abcdef" for n in range(3)}
    ShardedTable(cache, "markdown").save(entries)
    files = sorted((tmp_path / "cache").glob("markdown-*.json"))
    assert len(files) == 16

    def written() -> dict:
        return {path.name: path.stat().st_mtime_ns for path in files if path.exists()}

    before = written()
    for path in files:
        os.utime(path, ns=(1, 1))  # so that a rewrite shows
    ShardedTable(cache, "markdown").save(dict(entries))
    assert set(written().values()) == {1}
    added = {**entries, "a9" + "0" * 62: "<p>new</p>"}
    ShardedTable(cache, "markdown").save(added)
    assert [name for name, time in written().items() if time != 1] == [f"markdown-{shard_of('a9')}.json"]
    assert ShardedTable(BuildCache(tmp_path / "cache"), "markdown").entries == added
    assert before.keys() == written().keys()


def test_a_digest_hashes_each_part_after_its_length():
    """Each part, text as UTF-8, after its length in eight big-endian bytes: parts never run
    into each other, whatever their lengths (short ones take their prefix from a table)."""
    import hashlib

    from statusgen.cache import digest

    def written_out(*parts) -> str:
        data = [part.encode() if isinstance(part, str) else part for part in parts]
        return hashlib.sha256(b"".join(len(d).to_bytes(8, "big") + d for d in data)).hexdigest()

    for length in (0, 1, 254, 255, 256, 257, 70_000):
        parts = ("x" * length, b"y" * length, "é" * length, "")
        assert digest(*parts) == written_out(*parts)
    assert digest("ab", "c") != digest("a", "bc") and digest() == written_out()
