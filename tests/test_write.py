"""Builds are all or nothing: killed at any point, a write failure, a full disk, a read-only folder."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_NOW, PROJECT_ROOT

LATER = "2026-11-26T21:30:00Z"
HOLDING = ".site.statusgen-build"

# Run `statusgen build` in a fresh process that SIGKILLs itself at a chosen point of the write.
KILLED_BUILD = """
import os, signal, sys
from statusgen import spare, write

point, root, now = sys.argv[1:4]
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
real_write, real_exchange, real_rename = spare.write_file, write._exchange, write._rename
real_walk, real_remove = spare.walk, spare.remove
calls = {"n": 0}

def walk(base, *rest):
    if point == "spare-taken":
        die()
    return real_walk(base, *rest)

def remove(path):
    if point == "removing" and os.path.lexists(path):
        die()
    real_remove(path)

def write_file(path, data):
    calls["n"] += 1
    if point == "writing" and calls["n"] == 3:
        die()
    real_write(path, data)

def exchange(a, b):
    if point == "before-swap":
        die()
    if point.startswith("fallback"):
        return False
    done = real_exchange(a, b)
    if point == "after-swap":
        die()
    return done

def rename(a, b):
    if point == "fallback-between-renames":
        die()
    real_rename(a, b)
    if point == "fallback-after-renames":
        die()

spare.write_file, write._exchange, write._rename = write_file, exchange, rename
spare.walk, spare.remove = walk, remove
sys.argv = ["statusgen", "build", "--root", root, "--now", now]
from statusgen.cli import main
main()
"""


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def build(repo, now=DEMO_NOW, *extra):
    return repo.run("build", "--root", str(repo.root), "--now", now, *extra)


def add_update(repo):
    result = repo.run("update", "2026-11-26-webhook-delays", "--root", str(repo.root), "--status", "monitoring",
                      "--message", "A fix is rolled out; we are **monitoring**.", "--at", "2026-11-26T20:50:00Z")
    assert result.exit_code == 0, result.output


def build_cold(repo) -> str:
    out = repo.root.parent / "cold"
    assert build(repo, LATER, "--no-cache", "--out", str(out)).exit_code == 0
    return str(out)


def git(repo, *args) -> str:
    done = subprocess.run(["git", *args], cwd=repo.root, capture_output=True, text=True, check=True,
                          env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    return done.stdout


POINTS = ["spare-taken", "writing", "removing", "before-swap", "after-swap",
          "fallback-between-renames", "fallback-after-renames"]
# A new tree has nothing to remove; a spare has the stale entries of the tree before.
KILLS = [(point, False) for point in POINTS if point != "removing"] + [(point, True) for point in POINTS]


@pytest.mark.parametrize(("point", "spare"), KILLS, ids=[f"{p}-{'spare' if s else 'new tree'}" for p, s in KILLS])
def test_a_build_killed_at_any_point_leaves_the_old_site_or_the_new_one(demo, tmp_path, point, spare):
    git(demo, "init", "-q")
    (demo.root / ".gitignore").write_text("/site/\n/.statusgen-cache/\n")
    assert build(demo).exit_code == 0
    if spare:  # a second whole build keeps the first tree as the spare the killed build fills
        assert build(demo, DEMO_NOW, "--no-cache").exit_code == 0
        assert (demo.root / HOLDING / "previous").is_dir()
    old = snapshot(demo.root / "site")
    add_update(demo)
    assert build(demo, LATER, "--no-cache", "--out", str(tmp_path / "new")).exit_code == 0
    new = snapshot(tmp_path / "new")
    assert new != old

    done = subprocess.run([sys.executable, "-c", KILLED_BUILD, point, str(demo.root), LATER],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    site = demo.root / "site"
    if point == "fallback-between-renames":
        # No site/ for now: the previous tree waits, whole, for the next run to put it back.
        assert not site.exists()
        assert [snapshot(p) for p in (demo.root / HOLDING).glob("old-*")] == [old]
    else:
        assert snapshot(site) in (old, new)
    assert (demo.root / HOLDING / ".gitignore").read_text() == "*\n"
    status = git(demo, "status", "--porcelain", "--untracked-files=all")
    assert "statusgen-build" not in status, status

    # The next build puts things right, reusing what the killed one left (every entry checked).
    result = build(demo, LATER)
    assert result.exit_code == 0, result.output
    assert snapshot(site) == new
    assert sorted(os.listdir(demo.root / HOLDING)) == [".gitignore", "lock", "previous"]
    assert [p.name for p in demo.root.iterdir() if p.name.startswith(".site")] == [HOLDING]
    assert build(demo, LATER, "--no-cache").exit_code == 0  # and the one after, from that spare
    assert snapshot(site) == new


def test_leftovers_of_killed_builds_cannot_be_committed(demo):
    git(demo, "init", "-q")
    assert build(demo).exit_code == 0
    add_update(demo)
    done = subprocess.run([sys.executable, "-c", KILLED_BUILD, "before-swap", str(demo.root), LATER],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == -9
    assert any((demo.root / HOLDING).iterdir())
    git(demo, "add", "-A")
    staged = git(demo, "diff", "--cached", "--name-only").splitlines()
    assert staged and not [name for name in staged if name.startswith(HOLDING)]


def test_a_second_build_at_the_same_time_is_refused(demo):
    assert build(demo).exit_code == 0
    before = snapshot(demo.root / "site")
    holding = demo.root / HOLDING
    holding.mkdir(exist_ok=True)
    with open(holding / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = build(demo, LATER)
    assert result.exit_code == 1
    assert result.output == f"Error: another statusgen build is writing {(demo.root / 'site').resolve()}; " \
                            "wait for it to finish, then build again\n"
    assert snapshot(demo.root / "site") == before


FAILURES = {
    "full disk": (errno.ENOSPC, "No space left on device"),
    "read-only folder": (errno.EROFS, "Read-only file system"),
    "no permission": (errno.EACCES, "Permission denied"),
}


@pytest.mark.parametrize("case", FAILURES)
def test_a_write_failure_is_one_clear_line_and_the_old_site_stays(demo, monkeypatch, case):
    from statusgen import spare

    assert build(demo).exit_code == 0
    assert build(demo, DEMO_NOW, "--no-cache").exit_code == 0  # with a spare to fill
    site = demo.root / "site"
    before = snapshot(site)
    add_update(demo)
    code, text = FAILURES[case]
    calls: dict = {"n": 0}
    real = spare.write_file

    def failing(path, data):  # the second file written, however often it is tried
        calls["n"] += 1
        if calls["n"] == 2 or calls.get("path") == path:
            calls["path"] = path
            raise OSError(code, text, path)
        real(path, data)

    monkeypatch.setattr(spare, "write_file", failing)
    result = build(demo, LATER)
    assert result.exit_code == 1
    shown = re.escape(str(site.resolve()))
    assert re.fullmatch(f"Error: cannot write the site: {shown}/[a-z0-9./-]+: {text}; {shown} was left as it was\n",
                        result.output), result.output
    assert snapshot(site) == before
    # The failed build's tree is removed (a full disk gets its space back): no spare is left.
    assert sorted(os.listdir(demo.root / HOLDING)) == [".gitignore", "lock"]
    assert build(demo, LATER).exit_code == 0
    assert snapshot(site) == snapshot(Path(build_cold(demo)))


def test_a_folder_that_cannot_be_prepared_is_one_clear_line(demo, monkeypatch):
    from statusgen import write

    assert build(demo).exit_code == 0
    before = snapshot(demo.root / "site")

    def refused(self):
        raise OSError(errno.EROFS, "Read-only file system", str(self.holding))

    monkeypatch.setattr(write.Staging, "_lock", refused)
    result = build(demo, LATER)
    assert result.exit_code == 1
    assert result.output == (f"Error: cannot prepare the output folder: {demo.root.resolve() / HOLDING}: "
                             f"Read-only file system; {(demo.root / 'site').resolve()} was left as it was\n")
    assert snapshot(demo.root / "site") == before


def test_a_process_forked_while_a_build_holds_its_lock_does_not_keep_it(tmp_path):
    """A rebuild takes its lock before it forks its helper and workers: a forked process closes
    its copy of the lock at once, so the lock goes with the build even if such a process lingers
    (the build was killed, a worker hangs)."""
    import signal

    from statusgen.write import Staging

    out = tmp_path / "site"
    started, ready = os.pipe()
    with Staging(out):
        child = os.fork()
        if child == 0:  # lingers past the build, until it is stopped
            os.write(ready, b"x")
            signal.pause()
            os._exit(0)
        os.read(started, 1)  # the child runs (its copy of the lock went as it was forked)
    try:
        with Staging(out):  # another build: not refused, the lingering process holds nothing
            pass
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        os.close(started)
        os.close(ready)


def test_a_file_of_yours_that_cannot_be_carried_over_is_named_where_it_is(demo, monkeypatch):
    """A file statusgen did not write (a CNAME) goes into every new tree; when that fails, the
    error names the file in the site, not its place in the tree being built."""
    from statusgen import spare

    assert build(demo).exit_code == 0
    site = demo.root / "site"
    (site / "CNAME").write_text("status.example.com\n")
    before = snapshot(site)
    real = spare._share

    def failing(source, target):
        if source.endswith("CNAME"):
            raise OSError(errno.EIO, "Input/output error", target)
        return real(source, target)

    monkeypatch.setattr(spare, "_share", failing)
    result = build(demo, LATER)
    assert result.exit_code == 1
    shown = str(site.resolve())
    assert result.output == (f"Error: cannot write the site: {shown}/CNAME: Input/output error; "
                             f"{shown} was left as it was\n"), result.output
    assert snapshot(site) == before
