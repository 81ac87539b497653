"""`statusgen init`: copy the packaged skeleton (a working example repository) into a folder,
with a requirements.txt that pins this very statusgen and everything it needs for the CI workflow.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from statusgen import __version__
from statusgen.errors import StatusgenError

REQUIREMENTS = "requirements.txt"
WHEELS_DIR = "wheels"
_COMMIT = re.compile(r"[0-9a-f]{40}")
_WHEEL_NAME = re.compile(r"statusgen-(?P<version>[^-]+)-[^-]+-[^-]+-[^-]+\.whl")


@dataclass(frozen=True)
class Source:
    """Where the CI workflow gets statusgen: the requirement line and, for a wheel, the file to copy."""
    requirement: str
    wheel: Path | None = None
    hashes: bool = True  # pip checks hashes for every line or for none, and cannot hash a git checkout


def parse_source(spec: str | None) -> Source:
    """The package index (this version), a git URL at a full commit, or a statusgen wheel file."""
    if spec is None or spec == "":
        # The index file's hash cannot be known by the package that is in it.
        return Source(f"statusgen=={__version__}", hashes=False)
    if spec.startswith("git+"):
        if not _COMMIT.fullmatch(spec.rpartition("@")[2]):
            raise StatusgenError(f"--source: {spec!r} is not pinned at a commit; expected "
                                 "git+https://HOST/OWNER/REPO@<the full 40-character commit SHA>")
        return Source(f"statusgen @ {spec}", hashes=False)
    if spec.endswith(".whl"):
        path = Path(spec)
        match = _WHEEL_NAME.fullmatch(path.name)
        if not path.is_file():
            raise StatusgenError(f"--source: {spec}: no such wheel file")
        if match is None:
            raise StatusgenError(f"--source: {path.name} is not a statusgen wheel; expected statusgen-VERSION-py3-none-any.whl")
        if match["version"] != __version__:
            raise StatusgenError(f"--source: {path.name} is statusgen {match['version']}, but this is statusgen "
                                 f"{__version__}; run `statusgen init` from the version in the wheel")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return Source(f"./{WHEELS_DIR}/{path.name} --hash=sha256:{digest}", wheel=path)
    raise StatusgenError(f"--source: {spec!r}: expected a git URL at a commit (git+https://HOST/OWNER/REPO@SHA) "
                         "or the path of a statusgen .whl file")


def source_checkout() -> Path | None:
    """The source checkout this statusgen runs from (an editable install), if it does."""
    project = Path(__file__).resolve().parent.parent
    return project if (project / "pyproject.toml").is_file() and (project / "statusgen" / "skeleton").is_dir() else None


def requirements(source: Source) -> str:
    """requirements.txt: statusgen and its dependencies at exact versions, hashed where pip allows."""
    lock = (resources.files("statusgen") / "requirements.lock").read_text(encoding="utf-8")
    dependencies = [line for line in lock.splitlines() if line and not line.startswith("#")]
    if not source.hashes:
        dependencies = [line.split(" --hash=")[0] for line in dependencies]
    why = ("Every line carries the sha256 of the file pip may install (Linux x86_64, CPython 3.11)."
           if source.hashes else
           "No hashes: pip checks hashes on every line or on none, and cannot hash "
           + ("a git checkout." if source.requirement.startswith("statusgen @ git+") else
              "statusgen's own file on the package index (pin a wheel with `statusgen init --source` for that)."))
    return (f"# What the CI workflow installs (pip install --no-deps -r {REQUIREMENTS}): statusgen and every\n"
            f"# package it needs, at the versions statusgen {__version__} was released and tested with.\n"
            f"# {why}\n"
            "# Written by `statusgen init`; to upgrade, run a newer `statusgen init` in an empty folder and copy\n"
            "# its requirements.txt (and wheels/, if any) here.\n"
            + "\n".join([source.requirement, *dependencies]) + "\n")


def skeleton() -> Traversable:
    return resources.files("statusgen") / "skeleton"


def _walk(folder: Traversable, prefix: str = ""):
    """Every file under `folder` as (relative path, Traversable), dot-files included, sorted."""
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            yield from _walk(entry, relative + "/")
        else:
            yield relative, entry


def create_repository(directory: Path, source: str | None = None) -> list[str]:
    """Create the repository layout in `directory` (new or empty); return the files written."""
    directory = Path(directory)
    pinned = parse_source(source)
    if directory.exists():
        if not directory.is_dir():
            raise StatusgenError(f"DIRECTORY: {directory} is a file; expected a new or empty folder")
        if any(directory.iterdir()):
            raise StatusgenError(f"DIRECTORY: {directory} is not empty; expected a new or empty folder "
                                 "(statusgen init never overwrites files)")
    files = list(_walk(skeleton()))
    if not any(relative == "statusgen.toml" for relative, _ in files):
        raise StatusgenError("the statusgen package is missing its skeleton files; reinstall statusgen")
    created: list[Path] = []  # every file and folder made here, in order
    try:
        written = _write_repository(directory, files, pinned, created)
    except OSError as exc:
        for path in reversed(created):  # the folder was new or empty: all of it is ours
            try:
                path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
            except OSError:
                pass
        raise StatusgenError(f"DIRECTORY: cannot write {exc.filename or directory} ({exc.strerror or exc}); "
                             "nothing was written") from None
    return written


def _write_repository(directory: Path, files: list[tuple[str, Traversable]], pinned: Source,
                      created: list[Path]) -> list[str]:
    _make_folder(directory, created)
    for relative, entry in files:
        target = directory.joinpath(*relative.split("/"))
        _make_folder(target.parent, created)
        _write_file(target, entry.read_bytes(), created)
    written = [relative for relative, _ in files]
    if pinned.wheel is not None:
        _make_folder(directory / WHEELS_DIR, created)
        _write_file(directory / WHEELS_DIR / pinned.wheel.name, pinned.wheel.read_bytes(), created)
        written.append(f"{WHEELS_DIR}/{pinned.wheel.name}")
    _write_file(directory / REQUIREMENTS, requirements(pinned).encode("utf-8"), created)
    return sorted([*written, REQUIREMENTS])


def _make_folder(folder: Path, created: list[Path]) -> None:
    missing = []
    for path in (folder, *folder.parents):
        if os.path.lexists(path):
            break
        missing.append(path)
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def _write_file(path: Path, data: bytes, created: list[Path]) -> None:
    with open(path, "xb") as handle:  # never over a file: the folder was new or empty
        created.append(path)
        handle.write(data)
