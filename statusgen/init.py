"""`statusgen init`: copy the packaged skeleton (a working example repository) into a folder."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from statusgen.errors import StatusgenError


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


def create_repository(directory: Path) -> list[str]:
    """Create the repository layout in `directory` (new or empty); return the files written."""
    directory = Path(directory)
    if directory.exists():
        if not directory.is_dir():
            raise StatusgenError(f"DIRECTORY: {directory} is a file; expected a new or empty folder")
        if any(directory.iterdir()):
            raise StatusgenError(f"DIRECTORY: {directory} is not empty; expected a new or empty folder "
                                 "(statusgen init never overwrites files)")
    files = list(_walk(skeleton()))
    if not any(relative == "statusgen.toml" for relative, _ in files):
        raise StatusgenError("the statusgen package is missing its skeleton files; reinstall statusgen")
    directory.mkdir(parents=True, exist_ok=True)
    for relative, entry in files:
        target = directory.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.read_bytes())
    return [relative for relative, _ in files]
