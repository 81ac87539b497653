"""`statusgen init`: the new repository is complete, valid, buildable, and fully packaged."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner

from statusgen.cli import cli
from tests.conftest import PROJECT_ROOT

SKELETON = PROJECT_ROOT / "statusgen" / "skeleton"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_creates_the_layout_with_a_working_example(tmp_path):
    target = tmp_path / "my-status"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    files = tree(target)
    # Every skeleton file, dot-files and folders included, byte for byte, and nothing else.
    assert files == tree(SKELETON)
    for required in ("statusgen.toml", ".gitignore", "templates/README.md"):
        assert required in files
    assert any(name.startswith("incidents/") for name in files)
    assert "site/" in files[".gitignore"].decode()
    for relative in files:
        assert f"  {relative}\n" in result.output

    check = run("check", "--root", str(target))
    assert check.exit_code == 0, check.output
    assert check.output == "OK: 3 components, 1 incidents, 1 maintenance windows\n"
    build = run("build", "--root", str(target), "--now", "2026-03-01T12:00:00Z")
    assert build.exit_code == 0, build.output
    index = BeautifulSoup((target / "site/index.html").read_text(encoding="utf-8"), "html5lib")
    assert index.select_one("[data-indicator]")["data-indicator"] == "none"
    assert {e["data-component"] for e in index.select("[data-component]")} == {"api", "website", "db"}
    assert (target / "site/incidents/2026-01-15-example-api-errors/index.html").is_file()


def test_init_accepts_an_empty_folder_and_the_example_can_be_extended(tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    assert run("init", str(target)).exit_code == 0
    created = run("new", "incident", "Login failing", "--component", "website=major_outage",
                  "--at", "2026-03-01T10:00:00Z", "--root", str(target))
    assert created.exit_code == 0, created.output
    assert run("check", "--root", str(target)).output == "OK: 3 components, 2 incidents, 1 maintenance windows\n"


def test_init_refuses_a_non_empty_folder_and_writes_nothing(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = run("init", str(target))
    assert result.exit_code == 1
    assert result.output == (f"Error: DIRECTORY: {target} is not empty; expected a new or empty folder "
                             "(statusgen init never overwrites files)\n")
    assert tree(target) == {"notes.txt": b"mine"}
    a_file = tmp_path / "file"
    a_file.write_text("x")
    refused = run("init", str(a_file))
    assert refused.exit_code == 2  # click's own usage error
    assert f"Directory '{a_file}' is a file" in refused.output
    assert a_file.read_text() == "x"


def test_package_data_ships_every_skeleton_file():
    """setuptools' build_py expands package-data with the standard library's glob, which skips
    dot-files unless a pattern names them: expand our patterns the same way and require every
    skeleton file (.gitignore, .github/workflows/...) to be covered."""
    patterns = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["statusgen"]
    package = PROJECT_ROOT / "statusgen"
    shipped = set()
    for pattern in patterns:
        for match in glob.glob(str(package / pattern), recursive=True):
            if Path(match).is_file():
                shipped.add(Path(match).relative_to(package).as_posix())
    shipped = {name.removeprefix("skeleton/") for name in shipped if name.startswith("skeleton/")}
    assert set(tree(SKELETON)) <= shipped
