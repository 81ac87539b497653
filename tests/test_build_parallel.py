"""A site large enough for the worker processes builds exactly as in one process."""

from __future__ import annotations

import gc
import os
import sys

import statusgen.build as build_module
from statusgen.build import build
from statusgen.parallel import forked_map
from statusgen.render.pages import PARALLEL_THRESHOLD
from tests.conftest import PROJECT_ROOT
from tests.test_build_cache import snapshot

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from generate import NOW, generate  # noqa: E402


def test_parallel_build_equals_serial_build_and_reuses_pages(tmp_path, monkeypatch):
    root = generate(tmp_path / "big", 450)
    forks = []
    real_fork = os.fork

    def fork():
        forks.append(os.getpid())
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    # One job (what serve asks for, from its threaded server): no stage forks, not even the
    # parsing of 450 incident files, which is above the pool's threshold.
    serial = build(root, NOW, tmp_path / "serial", use_cache=False, jobs=1)
    assert forks == []
    parallel = build(root, NOW, tmp_path / "parallel", use_cache=True, jobs=2)
    assert forks  # two jobs do fork (so the check above can see one)
    assert parallel.rendered == serial.rendered > PARALLEL_THRESHOLD
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")
    # the same build again reuses every page, in parallel too
    again = build(root, NOW, tmp_path / "parallel", use_cache=True, jobs=2)
    assert again.rendered == 0 and again.written == 0
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")


def test_a_template_that_fails_while_rendering_leaves_the_previous_site(tmp_path):
    from click.testing import CliRunner

    from statusgen.cli import cli
    from statusgen.folders import write_marker

    root = generate(tmp_path / "big", 450)
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text("previous build")
    write_marker(site, ["index.html"])  # a folder statusgen built
    (root / "templates").mkdir()
    (root / "templates" / "incident.html").write_text('{% extends "!incident.html" %}{% block title %}{{ 1 // 0 }}{% endblock %}')
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--now", "2026-11-26T12:00:00Z"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "templates/incident.html: line 1: rendering incidents/" in result.output
    assert "ZeroDivisionError" in result.output
    assert sorted(p.name for p in site.iterdir()) == [".statusgen-output.json", "index.html"]
    assert (site / "index.html").read_text() == "previous build"
    assert sorted(p.name for p in root.iterdir()) == [".site.statusgen-build", ".statusgen-cache", "incidents", "site",
                                                      "statusgen.toml", "templates"]
    # The hidden folder keeps its lock and .gitignore; the failed build's tree is removed.
    assert sorted(p.name for p in (root / ".site.statusgen-build").iterdir()) == [".gitignore", "lock"]


def test_content_files_joined_from_their_entries_are_the_cache_format(tmp_path):
    """A cold parallel build writes each content file by joining its entries, each encoded on
    its own: every file is what encoding the whole table gives, byte for byte, and loads back."""
    import hashlib
    import json

    from statusgen.cache import BuildCache, _encode
    from statusgen.config import load_config
    from statusgen.content import load_content

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    cache = BuildCache.for_root(root)
    files = sorted((root / ".statusgen-cache").glob("content-*.json"))
    assert len(files) == 16
    loaded = 0
    for path in files:
        head, body = path.read_bytes().split(b"\n", 1)
        assert json.loads(head)["sha256"] == hashlib.sha256(body).hexdigest()
        notices = cache.load(path.stem)
        loaded += len(notices)
        again = json.dumps(_encode(path.stem, notices), separators=(",", ":"), ensure_ascii=False).encode()
        assert body == again, path.name
    assert loaded == 450 and not cache.notices
    content = load_content(load_config(root), cache, jobs=1)  # all from the cache
    assert len(content.notices) == 450 and not cache.notices


def test_a_build_pauses_collection_and_its_workers_collect(tmp_path, monkeypatch):
    """The build pauses the cycle collector for its long-lived objects, gives the caller's
    setting back however it ends, and its worker processes collect as usual."""
    root = generate(tmp_path / "site", 3)
    seen = []
    real = build_module.derive_state

    def spy(*args):
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(build_module, "derive_state", spy)
    build(root, NOW, tmp_path / "out", use_cache=False, jobs=1)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        build(root, NOW, tmp_path / "out", use_cache=False, jobs=1)
        assert not gc.isenabled()  # a caller that paused it finds it paused
        assert forked_map([gc.isenabled] * 4, jobs=2, threshold=1) == [True] * 4
    finally:
        gc.enable()


def test_a_rebuild_works_out_the_feeds_calendars_and_api_in_a_helper_process(tmp_path, monkeypatch):
    """A rebuild of a large site forks one process, before it loads the history, for the feeds,
    calendars and API; what it gives back is exactly what the build gives without it."""
    from datetime import timedelta

    from statusgen.render import feeds

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    record = tmp_path / "rendered-in"
    monkeypatch.setattr(feeds, "_render_feeds", recording_pid(feeds._render_feeds, record))
    scheduled = tmp_path / "next-change-in"
    monkeypatch.setattr(build_module, "next_publication", recording_pid(build_module.next_publication, scheduled))
    later = NOW + timedelta(days=3)  # new updates are out: the site's feed changes
    with_helper = build(root, later, jobs=2)
    for recorded in (record, scheduled):
        pids = set(recorded.read_text().split())
        assert pids and str(os.getpid()) not in pids  # worked out, and not by this process
    assert with_helper.rendered > 0
    alone = build(root, later, tmp_path / "one-process", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(alone.out_dir)
    assert with_helper.next_change == alone.next_change is not None  # the helper works it out too


def test_the_helper_pauses_collection_as_the_build_does(tmp_path, monkeypatch):
    """The helper loads the same model as the build and ends with it: it pauses the cycle
    collector too (its worker processes, if any, collect as usual)."""
    from datetime import timedelta

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    record = tmp_path / "collecting"
    real = build_module.derive_state

    def derive_state(*args):
        with open(record, "a") as handle:
            handle.write(f"{os.getpid()} {gc.isenabled()}\n")
        return real(*args)

    monkeypatch.setattr(build_module, "derive_state", derive_state)
    the_whole_way(root)
    build(root, NOW + timedelta(minutes=10), jobs=2)
    seen = dict(line.split() for line in record.read_text().splitlines())
    assert len(seen) == 2 and set(seen.values()) == {"False"}  # the build and its helper


def test_the_helper_compiles_the_templates_and_the_build_uses_them(tmp_path, monkeypatch):
    """The helper compiles the templates first and hands their code over: the build compiles
    none itself, finds the same problems, and renders the same pages."""
    from datetime import timedelta

    import pytest

    from statusgen.errors import StatusgenError
    from statusgen.render import environment

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    (root / "templates").mkdir()
    (root / "templates" / "incident.html").write_text(
        (PROJECT_ROOT / "statusgen" / "theme" / "incident.html").read_text().replace("</article>", "<p>Edited.</p></article>", 1))
    monkeypatch.setattr(environment, "_compiled", {})  # nothing compiled in this process yet
    monkeypatch.setattr(environment, "_facts", {})
    record = tmp_path / "compiled-in"
    monkeypatch.setattr(environment.ThemeEnvironment, "_compile",
                        recording_pid(environment.ThemeEnvironment._compile, record))
    later = NOW + timedelta(days=3)
    with_helper = build(root, later, jobs=2)
    pids = record.read_text().split()
    assert pids and str(os.getpid()) not in pids  # compiled, and not by this process
    assert with_helper.rendered > 0
    page = next((root / "site" / "incidents").glob("*/index.html")).read_text()
    assert "<p>Edited.</p>" in page
    alone = build(root, later, tmp_path / "one-process", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(alone.out_dir)

    (root / "templates" / "incident.html").write_text("{% if %}\n")
    before = snapshot(root / "site")
    with pytest.raises(StatusgenError) as raised:
        build(root, later + timedelta(minutes=5), jobs=2)
    assert any("templates/incident.html" in str(problem) and "line 1" in str(problem)
               for problem in raised.value.problems)
    assert snapshot(root / "site") == before


def test_the_helper_hands_over_the_markdown_memo_and_its_notices(tmp_path, monkeypatch):
    """The helper loads the Markdown memo and hands it over: the build reads none of its files,
    reports a damaged one once, and builds what a cold build builds."""
    from datetime import timedelta

    from statusgen.cache import BuildCache

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    shard = root / ".statusgen-cache" / "markdown-3.json"
    data = bytearray(shard.read_bytes())
    data[-30] ^= 0x04
    shard.write_bytes(bytes(data))
    record = tmp_path / "markdown-read-in"
    real_load = BuildCache.load

    def load(cache, name):
        if name.startswith("markdown-"):
            with open(record, "a") as handle:
                handle.write(f"{os.getpid()}\n")
        return real_load(cache, name)

    monkeypatch.setattr(BuildCache, "load", load)
    later = NOW + timedelta(days=3)
    result = build(root, later, jobs=2)
    pids = set(record.read_text().split())
    assert pids and str(os.getpid()) not in pids  # read, and not by this process
    assert [n for n in result.notices if "markdown-3.json" in n] == [
        ".statusgen-cache/markdown-3.json: damaged (its checksum does not match)"]
    alone = build(root, later, tmp_path / "one-process", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(alone.out_dir)


def test_a_rebuild_parses_an_edited_file_without_waiting_for_the_markdown_memo(tmp_path, monkeypatch):
    """The build parses an edited file before the helper has handed the Markdown memo over,
    without waiting for it: only once the memo has come is the one new text converted, here
    and once; the texts the memo holds are not converted again."""
    from datetime import timedelta

    from statusgen.render import markdown

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    edited = next(path for path in sorted((root / "incidents").glob("*.md"))
                  if "resolved:" not in path.read_text() and "type: maintenance" not in path.read_text())
    head, separator, body = edited.read_text().partition("\n---\n")
    edited.write_text(head + "\n  - at: 2026-11-26T11:00:00Z\n    status: monitoring\n    message: A *new* fix.\n"
                      + separator + body)
    events: list[str] = []
    real_state, real_memo, real_convert = build_module.derive_state, build_module._Helper.markdown, markdown._convert

    def derive_state(*args):
        events.append("parsed")
        return real_state(*args)

    def memo(*args):
        events.append("memo")
        return real_memo(*args)

    def convert(text):
        if os.getpid() == here:
            events.append(f"converted {text}")
        return real_convert(text)

    here = os.getpid()
    monkeypatch.setattr(build_module, "derive_state", derive_state)
    monkeypatch.setattr(build_module._Helper, "markdown", memo)
    monkeypatch.setattr(markdown, "_convert", convert)
    later = NOW + timedelta(minutes=10)
    build(root, later, jobs=2)
    assert events == ["parsed", "memo", "converted A *new* fix."]
    alone = build(root, later, tmp_path / "one-process", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(alone.out_dir)


def test_the_helper_walks_the_spare_under_the_builds_lock(tmp_path, monkeypatch):
    """A rebuild takes its lock before forking the helper, which lists the tree the build brings
    up to date (the spare): the build walks it no more, and builds what a cold build builds."""
    from datetime import timedelta

    from statusgen import spare, write

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    build(root, NOW + timedelta(minutes=5), jobs=2)  # the first tree becomes the spare
    record = tmp_path / "walked-in"

    def recording(walk):
        def walked(folder, *rest):
            with open(record, "a") as handle:
                handle.write(f"{os.getpid()} {folder}\n")
            return walk(folder, *rest)
        return walked

    monkeypatch.setattr(write, "walk", recording(write.walk))
    monkeypatch.setattr(spare, "walk", recording(spare.walk))
    later = NOW + timedelta(days=3)
    build(root, later, jobs=2)
    walks = [line.split(" ", 1) for line in record.read_text().splitlines()]
    assert walks and all(pid != str(os.getpid()) for pid, _ in walks)  # walked, and not by this process
    assert [folder for _, folder in walks] == [str(root / ".site.statusgen-build" / "previous")]
    alone = build(root, later, tmp_path / "one-process", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(alone.out_dir)


def test_a_rebuild_does_not_wait_for_a_helper_that_parses_many_files_alone(tmp_path, monkeypatch):
    """With 400 changed files or more, the build parses them in worker processes while its
    helper has them all to parse in one: the build works out the feeds, calendars and API
    itself, stops the helper, and builds what a build without it builds."""
    import signal
    from datetime import timedelta

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    for path in (root / "incidents").glob("*.md"):
        path.write_text(path.read_text() + "\nOne more line.\n")
    record = tmp_path / "worked-out-in"
    real_helper = build_module._helper_work

    def slow_helper(*args):
        signal.pause()  # still at work when the build needs its results, until it is stopped
        return real_helper(*args)

    monkeypatch.setattr(build_module, "other_files", recording_pid(build_module.other_files, record))
    monkeypatch.setattr(build_module, "_helper_work", slow_helper)
    later = NOW + timedelta(minutes=10)
    the_whole_way(root)
    build(root, later, jobs=2)
    assert record.read_text().split() == [str(os.getpid())]  # here, and the helper was stopped
    alone = build(root, later, tmp_path / "one-process", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(alone.out_dir)


def test_a_rebuild_whose_helper_dies_works_out_the_feeds_itself(tmp_path, monkeypatch):
    from datetime import timedelta

    root = generate(tmp_path / "big", 450)
    build(root, NOW, jobs=2)
    monkeypatch.setattr(build_module, "_helper_work", lambda *args: os._exit(1))
    later = NOW + timedelta(days=3)
    build(root, later, jobs=2)
    alone = build(root, later, tmp_path / "one-process", use_cache=False, jobs=1)
    assert snapshot(root / "site") == snapshot(alone.out_dir)


def the_whole_way(root) -> None:
    """The next build goes the whole way even if only the clock moved (statusgen.clock)."""
    (root / ".statusgen-cache" / "clock.json").unlink(missing_ok=True)


def recording_pid(function, record):
    """`function`, writing the id of each process that calls it to the file `record` first."""
    def recorded(*args):
        with open(record, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return function(*args)
    return recorded


def test_warm_builds_as_ci_runs_them_equal_cold_builds(tmp_path):
    """Build after build on a history large enough for the helper process, each a fresh process
    as in CI, with the clock moving on by minutes to a day (windows start and end meanwhile) and,
    at most steps, an edit: a new update with new Markdown, a settled incident's title, a new
    incident file. Every warm site equals a cold build of the same files at the same time."""
    import random
    import re
    from datetime import timedelta

    from tests import cli_process

    root = generate(tmp_path / "history", 450)
    rng = random.Random(20261128)  # the same files every run
    incidents = root / "incidents"
    now = NOW
    assert cli_process.run("build", "--root", str(root), "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ")).returncode == 0
    steps = [(600, "update"), (5, "update"), (600, "title"), (1440, "new"), (180, None), (47, "update")]
    for step, (minutes, edit) in enumerate(steps):
        now += timedelta(minutes=minutes)
        at = (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        files = sorted(incidents.glob("*.md"))
        if edit == "update":  # as `statusgen update` appends one, to an incident still ongoing
            ongoing = [p for p in files if "resolved:" not in p.read_text() and "type: maintenance" not in p.read_text()
                       and re.search(r"^started: (\S+)$", p.read_text(), re.M).group(1) < at]
            path = rng.choice(ongoing)
            head, sep, body = path.read_text().partition("\n---\n")
            path.write_text(f"{head}\n  - at: {at}\n    status: monitoring\n    message: Still *watching* the "
                            f"`queue` (step {step}).\n{sep}{body}")
        elif edit == "title":
            path = rng.choice([p for p in files if "resolved:" in p.read_text()])
            path.write_text(re.sub(r"^title: .*$", f"title: Renamed at step {step}", path.read_text(), count=1,
                                   flags=re.M))
        elif edit == "new":
            (incidents / f"{now:%Y-%m-%d}-step-{step}.md").write_text(
                f"---\ntitle: Step {step} errors\ncomponents:\n  c01: partial_outage\nstarted: {at}\n"
                f"updates:\n  - at: {at}\n    status: investigating\n    message: Errors on **c01**.\n---\n"
                "We are looking into it.\n")
        text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        result = cli_process.run("build", "--root", str(root), "--now", text)
        assert result.returncode == 0, result.stderr
        rendered = int(re.search(r"(\d+) pages rendered", result.stdout).group(1))
        assert rendered < 200  # warm: most of the 490 pages were kept
        cold = build(root, now, tmp_path / f"cold-{step}", use_cache=False, jobs=2)
        assert snapshot(root / "site") == snapshot(cold.out_dir), f"step {step} ({edit}) at {text}"
