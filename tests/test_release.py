"""Release engineering: what `python -m build` makes is complete, installs and runs as a user's would.

The sdist and the wheel are built from a copy of the package's sources, offline (`--no-isolation`:
setuptools and build come from the dev venv at their pinned versions). The wheel is installed
with `--no-index --no-deps` into a fresh venv that sees, besides the wheel, only the installed
dependencies that the wheel's own metadata asks for (the dev venv's copies, linked into a folder
of their own): a dependency missing from pyproject.toml, a file missing from the wheel or a
statusgen import reaching into this checkout fails here. The generated workflow's steps then run
in a second fresh venv, where requirements.txt is installed with its hashes from the package
index, as the workflow's runner does (the one test here that uses the network).
"""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from importlib.metadata import distribution
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from packaging.requirements import Requirement

from statusgen import __version__
from tests.conftest import PROJECT_ROOT

BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "statusgen")
NOW = "2026-03-01T12:00:00Z"


def run(*cmd, cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def package_files() -> set[str]:
    """The package as it is in the checkout: what the wheel must hold."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "statusgen"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    return {name for name in listed if name and (PROJECT_ROOT / name).is_file()}


def clean_env(venv: Path) -> dict:
    """A shell that knows only this venv: no PYTHONPATH, no other venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        origin = PROJECT_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, source / name)
    out = tmp_path_factory.mktemp("dist")
    # The sdist first, then the wheel built from the unpacked sdist: a file missing from the sdist fails here.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source, cwd=source)
    return out


def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist):
    sdist, wheel = dist / f"statusgen-{__version__}.tar.gz", dist / f"statusgen-{__version__}-py3-none-any.whl"
    assert sorted(p.name for p in dist.iterdir()) == sorted([sdist.name, wheel.name])
    checked = run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()), cwd=dist)
    assert checked.stdout.count("PASSED") == 2

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = email.message_from_bytes(archive.read(f"statusgen-{__version__}.dist-info/METADATA"))
        entry_points = archive.read(f"statusgen-{__version__}.dist-info/entry_points.txt").decode()
    assert {n for n in names if n.startswith("statusgen/")} == package_files()
    assert metadata["Name"] == "statusgen" and metadata["Version"] == __version__
    assert metadata["License-Expression"] == "MIT" and metadata["Requires-Python"] == ">=3.11"
    import tomllib

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    declared = {str(Requirement(r)) for r in project["dependencies"]}
    assert declared <= {str(Requirement(r)) for r in metadata.get_all("Requires-Dist")}
    assert "statusgen = statusgen.cli:main" in entry_points

    with tarfile.open(sdist) as archive:
        members = {m.name.removeprefix(f"statusgen-{__version__}/") for m in archive.getmembers() if m.isfile()}
    assert package_files() <= members
    assert {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO"} <= members


def dependency_closure(requirements: list[str], extras: set[str]) -> list:
    """The installed distributions that these requirements need, following each one's own."""
    found: dict[str, object] = {}
    todo = [(Requirement(r), extras) for r in requirements]
    while todo:
        requirement, wanted = todo.pop()
        if requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in wanted | {""}):
            continue
        installed = distribution(requirement.name)
        assert installed.version in requirement.specifier, (requirement, installed.version)
        key = installed.metadata["Name"].lower()
        if key not in found:
            found[key] = installed
            todo += [(Requirement(r), set(requirement.extras)) for r in installed.requires or []]
    return list(found.values())


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> Path:
    """A fresh venv with the built wheel installed, offline, and only its declared dependencies."""
    venv = tmp_path_factory.mktemp("user") / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    site = next((venv / "lib").glob("python3.*/site-packages"))
    wheel = dist / f"statusgen-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        requires = email.message_from_bytes(
            archive.read(f"statusgen-{__version__}.dist-info/METADATA")).get_all("Requires-Dist")
    deps = venv.parent / "dependencies"
    deps.mkdir()
    for dist_info in dependency_closure(requires, {"s3"}):
        root = Path(dist_info.locate_file(""))
        for top in {Path(f).parts[0] for f in dist_info.files or [] if not str(f).startswith("..")}:
            if not (deps / top).exists():
                (deps / top).symlink_to(root / top)
    (site / "dependencies.pth").write_text(f"{deps}\n")
    started = time.monotonic()
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-index", "--no-deps",
        "--quiet", wheel, cwd=venv.parent)
    venv.joinpath("install-seconds").write_text(f"{time.monotonic() - started:.1f}")
    return venv


def test_the_wheel_installs_in_a_fresh_venv_and_runs_init_check_build(installed, tmp_path):
    env = clean_env(installed)
    checked = run(sys.executable, "-m", "pip", "--python", installed / "bin" / "python", "check", cwd=tmp_path)
    assert "No broken requirements found" in checked.stdout
    location = run("python", "-c", "import statusgen; print(statusgen.__file__)", cwd=tmp_path, env=env).stdout
    assert Path(location.strip()).is_relative_to(installed)  # the installed copy, not this checkout
    assert run("statusgen", "--version", cwd=tmp_path, env=env).stdout == f"statusgen, version {__version__}\n"
    # Every module imports with only the declared dependencies (serve's watchfiles, publish's boto3, ...).
    imported = run("python", "-c", "import importlib, pkgutil, statusgen; names = [m.name for m in "
                   "pkgutil.walk_packages(statusgen.__path__, 'statusgen.') if not m.name.endswith('__main__')]; "
                   "[importlib.import_module(n) for n in names]; print(len(names))", cwd=tmp_path, env=env)
    assert int(imported.stdout) >= 30

    created = run("statusgen", "init", "my-status", cwd=tmp_path, env=env)
    assert "Note:" not in created.stdout  # an installed statusgen is not a source checkout
    repo = tmp_path / "my-status"
    assert run("statusgen", "check", "--root", repo, cwd=tmp_path, env=env).stdout.startswith("OK: 3 components")
    run("statusgen", "build", "--root", repo, "--now", NOW, cwd=tmp_path, env=env)
    index = BeautifulSoup((repo / "site" / "index.html").read_text(encoding="utf-8"), "html5lib")
    assert {e["data-component"] for e in index.select("[data-component]")} == {"api", "website", "db"}
    assert json.loads((repo / "site" / "api" / "v2" / "status.json").read_text())["status"]["indicator"] == "none"


def workflow_steps(repo: Path) -> list[tuple[str, str, str]]:
    """(job, step name, script) of every `run:` step of the generated workflow, jobs in file order."""
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "status.yml").read_text(encoding="utf-8"))
    return [(job_name, step.get("name", ""), step["run"])
            for job_name, job in workflow["jobs"].items() for step in job["steps"] if "run" in step]


def test_the_generated_workflow_runs_from_a_wheel_source(installed, dist, tmp_path):
    """init --source WHEEL in the user's venv, then every `run:` step of each job, in order, in a
    fresh venv standing for the runner's Python (requirements.txt installed with its hashes)."""
    wheel = dist / f"statusgen-{__version__}-py3-none-any.whl"
    run("statusgen", "init", "repo", "--source", wheel, cwd=tmp_path, env=clean_env(installed))
    repo = tmp_path / "repo"
    bucket = tmp_path / "bucket"
    config = repo / "statusgen.toml"  # publish to a local folder instead of the example S3 bucket
    config.write_text(config.read_text().replace('url = "s3://example-status-bucket/"', f'url = "{bucket.as_uri()}"'))
    steps = workflow_steps(repo)
    assert [job for job, _, _ in steps][:1] == ["check"]

    for job in dict.fromkeys(job for job, _, _ in steps):
        runner = tmp_path / f"runner-{job}"  # each job starts on a fresh machine
        run(sys.executable, "-m", "venv", runner, cwd=tmp_path)
        env = clean_env(runner)
        env["SOURCE_DATE_EPOCH"] = "1772366400"  # 2026-03-01T12:00:00Z, for a reproducible build
        env["GITHUB_OUTPUT"] = str(tmp_path / f"output-{job}")  # where the runner collects step outputs
        shutil.rmtree(repo / "site", ignore_errors=True)
        for _, name, script in (s for s in steps if s[0] == job):
            result = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=repo, env=env,
                                    capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, f"{job}: {name!r} failed:\n{result.stdout}\n{result.stderr}"
        shown = run("python", "-m", "pip", "show", "statusgen", cwd=repo, env=env).stdout
        assert f"Version: {__version__}" in shown and str(runner) in shown
        assert f"version={__version__}" in (tmp_path / f"output-{job}").read_text()  # the cache key's

    assert (repo / "site" / "index.html").is_file()
    published = {p.relative_to(bucket).as_posix() for p in bucket.rglob("*") if p.is_file()}
    assert "index.html" in published and "api/v2/status.json" in published


def test_the_lock_init_copies_is_the_dependency_closure_at_the_pinned_versions():
    """statusgen/requirements.lock must follow pyproject.toml and constraints.txt: after changing
    either, `python3 dev.py lock` rewrites it (with hashes from the package index)."""
    import tomllib

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    closure = dependency_closure(project["dependencies"] + project["optional-dependencies"]["s3"], {"s3"})
    expected = {d.metadata["Name"].lower(): d.version for d in closure}
    lock = (PROJECT_ROOT / "statusgen" / "requirements.lock").read_text(encoding="utf-8")
    locked = {}
    for line in (line for line in lock.splitlines() if line and not line.startswith("#")):
        pin, *hashes = line.split(" --hash=sha256:")
        requirement = Requirement(pin)
        assert hashes and all(len(h) == 64 for h in hashes), line
        locked[requirement.name.lower()] = str(requirement.specifier).removeprefix("==")
    assert locked == expected, "statusgen/requirements.lock is out of date: run `python3 dev.py lock`"
    constraints = dict(line.lower().split("==") for line in
                       (PROJECT_ROOT / "constraints.txt").read_text().splitlines() if "==" in line)
    assert all(constraints[name] == version for name, version in locked.items())
