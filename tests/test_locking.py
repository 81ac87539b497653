"""Concurrent authoring commands on one repository, run as real parallel processes: no update
is ever lost, every `new` that succeeds has its own file, and a lock left by a killed process
never blocks."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

import yaml

from statusgen import authoring
from statusgen.content import ContentLoader
from tests import cli_process

PARALLEL = 10


def front_matter(path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8").split("---\n")[1], Loader=ContentLoader)


def new_incident(repo) -> None:
    result = repo.run("new", "incident", "Shared", "--component", "api=partial_outage",
                      "--at", "2026-11-20T14:00:00Z", "--root", str(repo.root))
    assert result.exit_code == 0, result.output


def test_parallel_updates_to_one_file_keep_every_update(repo):
    new_incident(repo)
    processes = [cli_process.start("update", "2026-11-20-shared", "--status", "identified",
                                   "--message", f"Update number {n}.", "--at", f"2026-11-20T14:{10 + n}:00Z",
                                   "--component", "web=degraded_performance", "--root", str(repo.root))
                 for n in range(PARALLEL)]
    outcomes = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert [code for code, _, _ in outcomes] == [0] * PARALLEL, outcomes
    updates = front_matter(repo.root / "incidents/2026-11-20-shared.md")["updates"]
    assert sorted(u["message"] for u in updates[1:]) == sorted(f"Update number {n}." for n in range(PARALLEL))
    assert repo.run("check", "--root", str(repo.root)).exit_code == 0


def test_parallel_new_incidents_with_one_title_each_get_their_own_file(repo):
    processes = [cli_process.start("new", "incident", "Same title", "--component", "api=major_outage",
                                   "--message", f"Report {n}.", "--at", "2026-11-20T14:00:00Z",
                                   "--root", str(repo.root))
                 for n in range(PARALLEL)]
    outcomes = [(p.wait(timeout=300), p.stdout.read().strip(), p.stderr.read()) for p in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    succeeded = [(out, err) for code, out, err in outcomes if code == 0]
    assert len(succeeded) == PARALLEL, outcomes
    printed = sorted(out for out, _ in succeeded)
    files = sorted(f"incidents/{p.name}" for p in (repo.root / "incidents").iterdir())
    assert printed == files and len(set(printed)) == PARALLEL
    messages = sorted(front_matter(repo.root / path)["updates"][0]["message"] for path in files)
    assert messages == sorted(f"Report {n}." for n in range(PARALLEL))
    assert repo.run("check", "--root", str(repo.root)).exit_code == 0


def test_a_lock_held_too_long_is_a_clear_error_and_nothing_is_written(repo, monkeypatch):
    new_incident(repo)
    path = repo.root / "incidents/2026-11-20-shared.md"
    before = path.read_bytes()
    monkeypatch.setattr(authoring, "LOCK_TIMEOUT", 0.3)
    holder = os.open(repo.root / "incidents", os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # as another statusgen command would
        result = repo.run("update", "2026-11-20-shared", "--status", "identified", "--message", "x",
                          "--root", str(repo.root))
        assert result.exit_code == 1
        assert ("Error: incidents/: another statusgen command has been changing incident files for 0.3 s and "
                "still holds the lock; nothing was written") in result.output
        result = repo.run("new", "incident", "Other", "--component", "api=major_outage", "--root", str(repo.root))
        assert result.exit_code == 1
        assert "another statusgen command" in result.output
    finally:
        os.close(holder)
    assert path.read_bytes() == before
    assert [p.name for p in (repo.root / "incidents").iterdir()] == ["2026-11-20-shared.md"]


def test_the_lock_of_a_killed_process_does_not_block(repo):
    new_incident(repo)
    code = ("import fcntl, os, sys\n"
            f"fd = os.open({str(repo.root / 'incidents')!r}, os.O_RDONLY)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        holder.kill()  # SIGKILL: no chance to clean anything up
        holder.wait(timeout=60)
    finally:
        holder.stdin.close()
        holder.stdout.close()
    result = repo.run("update", "2026-11-20-shared", "--status", "identified", "--message", "After the kill.",
                      "--at", "2026-11-20T14:30:00Z", "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    assert front_matter(repo.root / "incidents/2026-11-20-shared.md")["updates"][-1]["message"] == "After the kill."
    assert sorted(p.name for p in (repo.root / "incidents").iterdir()) == ["2026-11-20-shared.md"]  # no lock file
