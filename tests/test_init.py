"""`statusgen init`: the new repository is complete, valid, buildable, and fully packaged."""

from __future__ import annotations

import glob
import hashlib
import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from packaging.requirements import Requirement

from statusgen import __version__
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
    # Every skeleton file, dot-files and folders included, byte for byte, and requirements.txt.
    assert files.pop("requirements.txt").startswith(b"# What the CI workflow installs")
    assert files == tree(SKELETON)
    for required in ("statusgen.toml", ".gitignore", "templates/README.md"):
        assert required in files
    assert any(name.startswith("incidents/") for name in files)
    assert "site/" in files[".gitignore"].decode()
    for relative in [*files, "requirements.txt"]:
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


def test_init_where_the_folder_cannot_be_made_is_refused(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = run("init", str(a_file / "status"))
    assert result.exit_code == 1
    assert result.output == (f"Error: DIRECTORY: cannot write {a_file / 'status'} (Not a directory); "
                             "nothing was written\n")
    assert a_file.read_text() == "x"


@pytest.mark.parametrize("existing", [False, True])
def test_init_failing_halfway_takes_back_what_it_wrote(tmp_path, monkeypatch, existing):
    # A disk that fills up while the repository is written: what was written is removed again,
    # so the folder is as it was (absent, or empty) and init can simply be run again.
    import statusgen.init

    target = tmp_path / "new" / "status"
    if existing:
        target.mkdir(parents=True)
    written: list[str] = []
    real_open = open

    def filling(path, mode="r", *args, **kwargs):
        if "x" in mode and len(written) == 4:
            raise OSError(28, "No space left on device", str(path))
        written.append(str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(statusgen.init, "open", filling, raising=False)
    result = run("init", str(target))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: DIRECTORY: cannot write {target}/")
    assert result.output.endswith(" (No space left on device); nothing was written\n")
    assert len(written) == 4
    if existing:
        assert list(target.iterdir()) == []
    else:
        assert not (tmp_path / "new").exists()
    monkeypatch.undo()
    assert run("init", str(target)).exit_code == 0


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


COMMIT = "0123456789abcdef0123456789abcdef01234567"


def requirement_lines(target: Path) -> list[str]:
    text = (target / "requirements.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def locked_dependencies() -> dict[str, str]:
    lock = (PROJECT_ROOT / "statusgen" / "requirements.lock").read_text(encoding="utf-8")
    pins = [Requirement(line.split(" --hash=")[0]) for line in lock.splitlines() if line and not line.startswith("#")]
    return {pin.name: str(pin.specifier) for pin in pins}


def test_requirements_pin_this_statusgen_and_every_dependency(tmp_path):
    """By default, the version that wrote the repository, from the package index; no hashes,
    because pip checks all lines or none and a package cannot carry its own file's hash."""
    target = tmp_path / "repo"
    assert run("init", str(target)).exit_code == 0
    lines = requirement_lines(target)
    assert lines[0] == f"statusgen=={__version__}"
    pins = {Requirement(line).name: str(Requirement(line).specifier) for line in lines[1:]}
    assert pins == locked_dependencies()
    assert all(spec.startswith("==") for spec in pins.values())
    assert "boto3" in pins and "click" in pins  # the s3 extra and the core
    assert not any("--hash" in line for line in lines)


def test_init_from_a_source_checkout_says_the_index_may_not_have_this_version(tmp_path):
    """These tests run statusgen from this checkout (an editable install); an installed wheel
    does not print the note (tests/test_release.py)."""
    result = run("init", str(tmp_path / "repo"))
    assert (f"Note: requirements.txt pins statusgen=={__version__} from the package index, but this statusgen "
            f"runs from the source checkout {PROJECT_ROOT}; if that version is not on the index") in result.output
    pinned = run("init", str(tmp_path / "pinned"), "--source", f"git+https://github.com/acme/statusgen@{COMMIT}")
    assert "Note:" not in pinned.output


def test_a_git_source_must_name_a_commit(tmp_path):
    target = tmp_path / "repo"
    source = f"git+https://github.com/acme/statusgen@{COMMIT}"
    assert run("init", str(target), "--source", source).exit_code == 0
    lines = requirement_lines(target)
    assert lines[0] == f"statusgen @ {source}"
    assert Requirement(lines[0]).url == source
    assert not any("--hash" in line for line in lines)  # pip refuses hashes with a git URL
    text = (target / "requirements.txt").read_text(encoding="utf-8")
    assert "cannot hash a git checkout" in text

    for branch in ("git+https://github.com/acme/statusgen@main", "git+https://github.com/acme/statusgen",
                   f"git+https://github.com/acme/statusgen@{COMMIT[:12]}"):
        refused = tmp_path / "refused"
        result = run("init", str(refused), "--source", branch)
        assert result.exit_code == 1
        assert result.output == (f"Error: --source: {branch!r} is not pinned at a commit; expected "
                                 "git+https://HOST/OWNER/REPO@<the full 40-character commit SHA>\n")
        assert not refused.exists()


def test_a_wheel_source_is_copied_into_the_repository_and_everything_is_hashed(tmp_path):
    wheel = tmp_path / f"statusgen-{__version__}-py3-none-any.whl"
    wheel.write_bytes(b"stands in for a wheel: init copies and hashes it, pip is not run here")
    target = tmp_path / "repo"
    result = run("init", str(target), "--source", str(wheel))
    assert result.exit_code == 0, result.output
    assert f"  wheels/{wheel.name}\n" in result.output
    assert (target / "wheels" / wheel.name).read_bytes() == wheel.read_bytes()
    lines = requirement_lines(target)
    assert lines[0] == f"./wheels/{wheel.name} --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}"
    for line in lines[1:]:
        pin, *hashes = line.split(" --hash=sha256:")
        assert "==" in pin and hashes and all(len(h) == 64 for h in hashes), line
    assert {Requirement(line.split(" --hash=")[0]).name for line in lines[1:]} == set(locked_dependencies())


@pytest.mark.parametrize("name, expected", [
    ("statusgen-9.9.9-py3-none-any.whl",
     f"--source: statusgen-9.9.9-py3-none-any.whl is statusgen 9.9.9, but this is statusgen {__version__}; "
     "run `statusgen init` from the version in the wheel"),
    ("other-1.0-py3-none-any.whl",
     "--source: other-1.0-py3-none-any.whl is not a statusgen wheel; expected statusgen-VERSION-py3-none-any.whl"),
])
def test_a_wheel_of_another_version_or_package_is_refused(tmp_path, name, expected):
    wheel = tmp_path / name
    wheel.write_bytes(b"x")
    result = run("init", str(tmp_path / "repo"), "--source", str(wheel))
    assert result.exit_code == 1
    assert result.output == f"Error: {expected}\n"
    assert not (tmp_path / "repo").exists()


def test_a_missing_wheel_or_unknown_source_is_refused(tmp_path):
    missing = tmp_path / f"statusgen-{__version__}-py3-none-any.whl"
    result = run("init", str(tmp_path / "repo"), "--source", str(missing))
    assert (result.exit_code, result.output) == (1, f"Error: --source: {missing}: no such wheel file\n")
    result = run("init", str(tmp_path / "repo"), "--source", "statusgen==0.0.1")
    assert result.exit_code == 1
    assert result.output == ("Error: --source: 'statusgen==0.0.1': expected a git URL at a commit "
                             "(git+https://HOST/OWNER/REPO@SHA) or the path of a statusgen .whl file\n")
    assert not (tmp_path / "repo").exists()
