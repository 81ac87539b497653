"""Shared fixtures: small real status repositories on disk, and the CLI run in-process."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from statusgen.cli import cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent

MINIMAL_CONFIG = """\
[site]
title = "Test Status"
base_url = "https://status.test.example/"
description = "Status of test services"
timezone = "UTC"
uptime_days = 30

[[groups]]
id = "core"
name = "Core"

[[components]]
id = "api"
name = "API"
group = "core"
slo = 99.9

[[components]]
id = "web"
name = "Website"
group = "core"

[[components]]
id = "db"
name = "Database"
"""


class Repo:
    """A status repository in a temporary folder, with helpers to write files and run the CLI."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def incident(self, slug: str, front_matter: str, body: str = "") -> Path:
        return self.write(f"incidents/{slug}.md", f"---\n{textwrap.dedent(front_matter).strip()}\n---\n{body}")

    def run(self, *args: str, env: dict | None = None):
        """Run `statusgen ARGS --root ROOT`-style: --root is added after the command name(s)."""
        runner = CliRunner()
        return runner.invoke(cli, [*args], env=env, catch_exceptions=False)

    def build(self, now: str = "2026-11-20T15:00:00Z", *extra: str):
        result = self.run("build", "--root", str(self.root), "--now", now, *extra)
        assert result.exit_code == 0, result.output
        return self.root / "site"

    def read(self, relative: str) -> str:
        return (self.root / "site" / relative).read_text(encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """An empty-but-valid status repository: three components, no incidents."""
    r = Repo(tmp_path / "status")
    r.write("statusgen.toml", MINIMAL_CONFIG)
    (r.root / "incidents").mkdir()
    return r


@pytest.fixture
def demo(tmp_path: Path) -> Repo:
    """A copy of the demo status site at the project root."""
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "statusgen.toml", root / "statusgen.toml")
    shutil.copytree(PROJECT_ROOT / "incidents", root / "incidents")
    if (PROJECT_ROOT / "templates").is_dir():
        shutil.copytree(PROJECT_ROOT / "templates", root / "templates")
    return Repo(root)


@pytest.fixture
def unlistable(monkeypatch):
    """A folder this user may not list, as the tests here (run as root) cannot make one: call
    the fixture with a folder's path, and os.scandir (which os.walk, pathlib's glob and
    statusgen's own walkers use) raises PermissionError for it. `monkeypatch.undo()` lists it again."""
    refused: set[str] = set()
    scandir = os.scandir

    def refusing(path="."):
        if os.fspath(path) in refused:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    return lambda folder: refused.add(os.fspath(folder))


DEMO_NOW = "2026-11-26T21:00:00Z"
