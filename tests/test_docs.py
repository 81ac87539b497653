"""Every shell command in README.md and docs/*.md is run, as sqlite-utils and Datasette test their docs.

HOW TO WRITE DOCS THAT PASS THIS TEST (everyone adding a page to docs/ or the README):

- Commands go in a ```sh fence. All `sh` blocks of one file run in order, each with
  `bash -e`, in the root folder of one fresh temporary copy of this repository (the demo
  status site), so a later block may use what an earlier one made. `statusgen` and `python` are
  this checkout's .venv; setup steps of dev.py are skipped (STATUSGEN_DEV_SKIP_SETUP=1). Write
  commands that finish by themselves, offline, and leave the copy valid (`statusgen check`).
- A block that cannot run here gets a marker on the line right above its fence, with the reason:

      <!-- not run: serve runs until Ctrl-C -->
      ```sh
      statusgen serve
      ```

  Use it for servers that never exit, real cloud stores or URLs on the internet, installs from
  the network, the test command itself, and git pushes. The marker is visible in the Markdown
  source, hidden on the rendered page, and this test lists every such block with its reason
  (a warning at the end of the run, and tests/artifacts/docs-not-run.txt).
- Other fences (```toml, ```markdown, ```json, ```jinja, plain ```) are examples, not commands,
  and are not run; do not put commands in them to dodge this test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

DOCS = sorted([PROJECT_ROOT / "README.md", *(PROJECT_ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*$")
NOT_RUN = re.compile(r"^<!--\s*not run:\s*(?P<reason>.*?)\s*-->\s*$")
SHELL = {"sh", "bash", "shell", "console"}
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"


@dataclass(frozen=True)
class Block:
    file: str
    line: int  # of the opening fence, 1-based
    code: str
    not_run: str | None  # the reason, when marked

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The shell blocks of a Markdown file, with the not-run reason of the line above each."""
    found, lines = [], path.read_text(encoding="utf-8").splitlines()
    relative = path.relative_to(PROJECT_ROOT).as_posix()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        if match["lang"] in SHELL:
            marker = NOT_RUN.match(lines[index - 1]) if index else None
            found.append(Block(relative, index + 1, "\n".join(lines[index + 1:end]) + "\n",
                               marker["reason"] if marker else None))
        index = end + 1
    return found


def repository_copy(dest: Path) -> Path:
    """This repository's files as git knows them, and its .venv, in a new folder."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        source = PROJECT_ROOT / name
        if source.is_symlink() or not source.is_file():
            continue  # node_modules and the like: a copy does not need them
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    (dest / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    return dest


def shell_env(copy: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{copy / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["STATUSGEN_DEV_SKIP_SETUP"] = "1"
    return env


def all_blocks() -> list[Block]:
    return [block for path in DOCS for block in blocks(path)]


def test_every_block_that_is_not_run_says_why():
    skipped = [block for block in all_blocks() if block.not_run is not None]
    listing = "".join(f"{block}: {block.not_run}\n" for block in skipped)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "docs-not-run.txt").write_text(listing, encoding="utf-8")
    print(f"Shell blocks not run ({len(skipped)}):\n{listing}")
    warnings.warn(f"docs: {len(skipped)} shell blocks not run (see tests/artifacts/docs-not-run.txt):\n{listing}",
                  stacklevel=1)
    assert all(block.not_run.strip() for block in skipped), "a not-run marker needs a reason"
    readme = [block for block in all_blocks() if block.file == "README.md"]
    assert "python3 dev.py demo" in readme[0].code and readme[0].not_run is None  # the first command runs


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_the_shell_blocks_of_each_page_run(path, tmp_path):
    runnable = [block for block in blocks(path) if block.not_run is None]
    if not runnable:
        assert all(block.not_run for block in blocks(path))  # nothing to run: every block said why
        return
    copy = repository_copy(tmp_path / "repo")
    env = shell_env(copy)
    for block in runnable:
        result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.code], cwd=copy, env=env,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, (f"{block} failed ({result.returncode}):\n{block.code}\n"
                                        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    check = subprocess.run(["statusgen", "check"], cwd=copy, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr  # the docs leave a valid repository


def test_the_next_steps_that_demo_prints_work_from_any_folder(tmp_path):
    """After the README's first command: each printed command, run from an unrelated folder."""
    copy = repository_copy(tmp_path / "repo")
    env = shell_env(copy)
    demo = subprocess.run(["python3", "dev.py", "demo"], cwd=copy, env=env, capture_output=True, text=True,
                          timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    printed = [line.strip() for line in demo.stdout.splitlines() if line.startswith("    ")]
    serve, check, activate, pipx = printed
    assert f"Demo site built: {copy / 'site' / 'index.html'}" in demo.stdout
    assert (copy / "site" / "index.html").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    result = subprocess.run(["bash", "-e", "-c", check], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("OK: "), result.stdout + result.stderr
    assert activate == f"source {copy / '.venv' / 'bin' / 'activate'}"
    bare = {**env, "PATH": "/usr/bin:/bin"}  # statusgen is not on this PATH until activated
    result = subprocess.run(["bash", "-e", "-c", f"{activate}\nstatusgen --version"], cwd=elsewhere, env=bare,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("statusgen, version "), result.stderr
    assert pipx == f"pipx install {copy}"

    assert serve == f"{copy / '.venv' / 'bin' / 'statusgen'} serve --root {copy}"
    process = subprocess.Popen(["bash", "-c", f"exec {serve} --port 0"], cwd=elsewhere, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = ""
        while "Serving" not in line:
            line = process.stdout.readline()
            assert line, "serve exited before serving"
        url = re.search(r"at (http://127\.0\.0\.1:\d+/)", line).group(1)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert b"data-indicator" in response.read()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=180)
