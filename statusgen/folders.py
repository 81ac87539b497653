"""Which folders statusgen may fill and empty: never the repository's sources, never a folder
someone else filled.

A folder statusgen writes (a build's output, a file:// publish target) carries a marker file
listing the files statusgen put there. The marker is never published. Files that are not on
that list (a CNAME someone added) are never statusgen's to delete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from statusgen.errors import StatusgenError
from statusgen.files import atomic_write

MARKER = ".statusgen-output.json"
_FORMAT = "statusgen-output"
SOURCES = ("statusgen.toml", "incidents", "templates", ".git", ".statusgen-cache")


def refuse_sources(folder: Path, root: Path, what: str) -> None:
    """Refuse a folder that is, holds or lies inside the status repository's sources."""
    folder, root = Path(folder).resolve(), Path(root).resolve()
    if root.is_relative_to(folder):
        raise StatusgenError(
            f"{what}: {folder} is the status repository or a folder holding it; statusgen would "
            f"replace its sources; expected a folder of its own, such as {root / 'site'}")
    for name in SOURCES:
        for source in dict.fromkeys((root / name, (root / name).resolve())):
            if folder.is_relative_to(source) or source.is_relative_to(folder):
                raise StatusgenError(
                    f"{what}: {folder} overlaps {name}, part of the status repository's sources; "
                    f"expected a folder of its own, such as {root / 'site'}")


def listed_files(folder: Path) -> set[str] | None:
    """The files the marker says statusgen wrote in `folder`, or None when there is no marker.
    A damaged marker still marks the folder as statusgen's, with no file known to be its own."""
    try:
        data = (Path(folder) / MARKER).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StatusgenError(f"{Path(folder) / MARKER}: cannot read it: {exc.strerror}") from None
    try:
        document = json.loads(data)
        files = document["files"]
        if document.get("format") == _FORMAT and isinstance(files, list) \
                and all(isinstance(f, str) for f in files):
            return set(files)
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    return set()


def marker_bytes(files) -> bytes:
    document = {"format": _FORMAT, "version": 1,
                "note": "statusgen writes this folder and replaces the files listed here",
                "files": sorted(files)}
    return (json.dumps(document, indent=0, sort_keys=True) + "\n").encode("utf-8")


def write_marker(folder: Path, files=()) -> None:
    atomic_write(Path(folder) / MARKER, marker_bytes(files))


def files_under(folder: str) -> list[str]:
    """Every file and symbolic link below `folder`, as '/'-separated relative paths; the
    marker left out. Links are not followed."""
    return [relative for relative in walk(folder)[0] if relative != MARKER]


def walk(folder: str, inodes: dict[str, int] | None = None) -> tuple[list[str], list[str]]:
    """Every file (links included, not followed) and every folder below `folder`, as
    '/'-separated relative paths. `inodes`, if given, gets each file's inode number, as the
    folder listing gives it."""
    files, folders, pending = [], [], [(folder, "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(relative)
                    pending.append((entry.path, relative + "/"))
                else:
                    files.append(relative)
                    if inodes is not None:
                        inodes[relative] = entry.inode()
    return files, folders


def owned_files(folder: Path, record: dict | None, what: str) -> set[str] | None:
    """The files in `folder` that statusgen wrote, or None when it is new or empty.

    A folder without a marker is adopted only when every file in it is one the build cache
    recorded writing there, untouched since (size, time and inode); otherwise it is refused.
    """
    folder = Path(folder)
    if not folder.exists():
        return None
    if not folder.is_dir():
        raise StatusgenError(f"{what}: {folder} is a file; expected a folder")
    listed = listed_files(folder)
    if listed is not None:
        return listed
    present = files_under(str(folder))
    if not present:
        return None
    if record and _all_recorded(folder, present, record):
        return set(present)
    raise StatusgenError(
        f"{what}: {folder} is not empty and statusgen did not create it (it has no {MARKER}); "
        "expected a new or empty folder, or one statusgen built. Move its files away or choose "
        "another folder")


def _all_recorded(folder: Path, present: list[str], record: dict) -> bool:
    for relative in present:
        entry = record.get(relative)
        if entry is None:
            return False
        try:
            stat = os.stat(folder / relative, follow_symlinks=False)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns, stat.st_ino) != tuple(entry[1:4]):
            return False
    return True


def safe_output_path(base: Path, relative: str) -> Path:
    """Refuse any output path that is absolute or climbs out of the output directory."""
    return Path(output_path_text(str(base), relative))


def output_path_text(base: str, relative: str) -> str:
    """`base/relative` as text (a site has thousands of paths: no Path objects on the hot path)."""
    parts = relative.split("/")
    if "" in parts or "." in parts or ".." in parts or "\\" in relative:  # "" also: a leading "/"
        raise StatusgenError(f"refusing to write {relative!r}: outside the output directory")
    if relative == MARKER:
        raise StatusgenError(f"refusing to write {relative!r}: the name is reserved for statusgen's marker")
    return os.path.join(base, relative) if os.sep == "/" else os.path.join(base, *parts)
